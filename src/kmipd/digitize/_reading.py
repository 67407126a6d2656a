"""Choose the words worth reading (ticks, legend, risk table) and read them in one OCR pass."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import x_label_words, y_label_words
from kmipd.digitize._legend import LegendEntry, legend_entries
from kmipd.digitize._risk import RiskLine, risk_lines
from kmipd.digitize._scene import Scene
from kmipd.digitize._text import Word, fix_letters, join_words, read_words

__all__ = ["FigureText", "read_figure_text"]

_INNER_SHARE = 0.2  # share of the panel's height at its bottom where a table may be printed


@dataclass(frozen=True, eq=False)
class FigureText:
    """The text of a figure that the digitizer uses, read.

    Attributes
    ----------
    ticks : list of Word
        Candidate x and y tick labels.
    legend : list of tuple of (LegendEntry, str, float)
        Legend entries with their label text and mean OCR confidence.
    lines : list of RiskLine
        Text lines under the x tick labels (the numbers-at-risk table).
    ink : ndarray of float, optional
        The figure's ink (for numbers printed over each other).
    inner : list of RiskLine
        Text lines of words in the bottom of the panel (a table printed
        inside the plot, as SAS does), for when none is found under it.
    """

    ticks: list[Word]
    legend: list[tuple[LegendEntry, str, float]]
    lines: list[RiskLine]
    ink: npt.NDArray[np.float64] | None = None
    inner: list[RiskLine] = field(default_factory=list)


def _usable(word: Word, longest: float) -> bool:
    """Words worth the recogniser's time: not long merged runs of text."""
    return word.width <= longest * max(word.height, 4)


def _consistent(
    entries: list[tuple[LegendEntry, str, float]],
) -> list[tuple[LegendEntry, str, float]]:
    """The largest set of legend entries that look like one legend.

    Keys of one legend have the same length and line up in a column or a row;
    strokes that only look like keys (pieces of dashed curves next to marks)
    do not.
    """
    if len(entries) <= 1:
        return entries

    def fits(a: LegendEntry, b: LegendEntry) -> bool:
        ka, kb = a.swatch.word, b.swatch.word
        same = abs(ka.width - kb.width) <= 0.25 * max(ka.width, kb.width) + 2
        return same and (abs(ka.col0 - kb.col0) <= 3 or abs(ka.row0 - kb.row0) <= 3)

    groups = [[f for f in entries if fits(e[0], f[0])] for e in entries]
    best = max(groups, key=lambda g: (len(g), float(np.mean([c for _, _, c in g]))))
    return sorted(best, key=lambda e: (e[0].swatch.word.row0 // 8, e[0].swatch.word.col0))


def _name_like(text: str) -> bool:
    """An arm name has a letter or a digit (not only marks and dashes)."""
    return any(ch.isalnum() for ch in text)


def _label(
    entry: LegendEntry, read: dict[int, Word], ink: npt.NDArray[np.float64]
) -> tuple[str, float]:
    """Label text of a legend entry and its confidence."""
    words = [read[id(w)] for w in entry.words if id(w) in read]
    text = fix_letters(join_words([w for w in words if w.text], ink))
    confidence = float(np.mean([w.confidence for w in words])) if words else 0.0
    return text, confidence


_BAR_LIKE = frozenset({"l", "I", "1"})  # letters a lone stroke is unsurely read as
_SURE_BAR = 0.9  # a bar-like reading at least this sure is kept as read


def _bar_label(
    entry: LegendEntry, text: str, confidence: float, ink: npt.NDArray[np.float64]
) -> tuple[LegendEntry, str, float]:
    """A label that is one plain upright stroke read as 'l' (OCR reads a lone bar as a dash).

    Sans-serif 'l' and 'I' are the same bar; 'l' is chosen, with half
    confidence to say so. A stroke read unsurely (below ``_SURE_BAR``) as
    'I', 'l' or '1' is taken the same way; a sure reading is kept (a Roman
    'I', a small '1' whose flag hardly shows).
    """
    bar_like = text in _BAR_LIKE and confidence < _SURE_BAR
    if (_name_like(text) and not bar_like) or len(entry.words) != 1:
        return entry, text, confidence
    word = entry.words[0]
    box = ink[word.row0 : word.row1, max(0, word.col0 - 1) : word.col1 + 1] >= 0.3
    cols = np.flatnonzero(box.any(axis=0))
    wide = cols[-1] - cols[0] + 1 if cols.size else 0
    upright = word.height >= 6 and 0 < wide <= max(2, 0.25 * word.height)
    if upright and box.any(axis=1).mean() >= 0.9:
        return entry, "l", 0.5
    return entry, text, confidence


def _best_reading(
    grey: npt.NDArray[np.uint8], image: npt.NDArray[np.uint8], words: list[Word]
) -> list[Word]:
    """Legend words read at two scales, keeping the text both scales favour together.

    Small legend text reads best at a different scale from word to word, and
    a legend has only a few words, so both are tried.
    """
    return read_words(grey, image, words, (48, 64))


def read_figure_text(scene: Scene) -> FigureText:
    """Find and read tick labels, legend labels and the numbers-at-risk table.

    Parameters
    ----------
    scene : Scene

    Returns
    -------
    FigureText
    """
    x_words = x_label_words(scene.words, scene.frame)
    y_words = y_label_words(scene.words, scene.frame)
    below = max((w.row1 for w in x_words), default=int(scene.frame.bottom))
    entries = legend_entries(scene.swatches, scene.words)
    legend = [e for e in entries if e.swatch.word.row0 <= below]
    lines = risk_lines(scene.words, scene.swatches, below)
    inner = [] if _has_table(lines, x_words) else _inner_lines(scene, legend)
    numbers = [w for w in x_words + y_words if _usable(w, 120)]  # touching tick labels
    numbers += [w for line in lines + inner for w in line.words if _usable(w, 120)]
    names = list(dict.fromkeys(w for e in legend for w in e.words))
    numbers = [w for w in dict.fromkeys(numbers) if w not in names]
    read = {
        id(w): r for w, r in zip(numbers, read_words(scene.grey, scene.image, numbers), strict=True)
    }
    read.update(
        {
            id(w): r
            for w, r in zip(names, _best_reading(scene.grey, scene.image, names), strict=True)
        }
    )
    ticks = [read[id(w)] for w in dict.fromkeys(x_words + y_words) if id(w) in read]
    named = [_bar_label(e, *_label(e, read, scene.ink), scene.ink) for e in legend]
    named = _consistent([(e, t, c) for e, t, c in named if c >= 0.5 and _name_like(t)])
    read_lines, read_inner = (
        [
            replace(line, words=tuple(read[id(w)] for w in line.words if id(w) in read))
            for line in group
        ]
        for group in (lines, inner)
    )
    return FigureText(ticks, named, read_lines, scene.ink, read_inner)


def _has_table(lines: list[RiskLine], ticks: list[Word]) -> bool:
    """Whether a line under the axis has words under three tick labels (a table row).

    An axis title is centred on the axis, not on its ticks.
    """
    centres = np.array([w.centre[1] for w in ticks])
    if not centres.size:
        return bool(lines)
    for line in lines:
        under = [
            w for w in line.words if np.min(np.abs(centres - w.centre[1])) <= 0.5 * w.width + 2
        ]
        if len(under) >= 3:
            return True
    return False


def _inner_lines(scene: Scene, legend: list[LegendEntry]) -> list[RiskLine]:
    """Lines of words in the bottom fifth of the panel, legend words left out.

    A word crossed by the panel's left or right edge is left out: the axis
    line through its digits makes the OCR misread it (a number at time 0
    printed over the y axis), and a number not read is reported, not guessed.
    """
    frame = scene.frame
    floor = frame.bottom - _INNER_SHARE * (frame.bottom - frame.top)
    keys = {id(w) for e in legend for w in (e.swatch.word, *e.words)}
    words = [
        w
        for w in scene.words
        if id(w) not in keys
        and w.row0 >= floor
        and w.row1 <= frame.bottom
        and frame.left + 1 < w.col0
        and w.col1 < frame.right - 1
    ]
    return [line for line in risk_lines(words, [], floor - 1) if len(line.words) >= 2]
