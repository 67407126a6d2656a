"""Choose the words worth reading (ticks, legend, risk table) and read them in one OCR pass."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import x_label_words, y_label_words
from kmipd.digitize._legend import LegendEntry, key_box, legend_entries
from kmipd.digitize._legend_counts import (
    LegendCounts,
    TableGeometry,
    counts_of,
    is_count_text,
    legend_table,
    lines_text,
    take_from_label,
)
from kmipd.digitize._ocr_ahead import usable
from kmipd.digitize._risk import RiskLine, risk_lines
from kmipd.digitize._scene import Scene
from kmipd.digitize._text import (
    Word,
    fix_letters,
    join_words,
    lower_case_legend,
    read_again,
    read_words,
    side_by_side,
)

__all__ = ["FigureText", "read_figure_text"]

_INNER_SHARE = 0.2  # share of the panel's height at its bottom where a table may be printed
_STRONG_GREY = 128  # grey level (0 full ink) below which a pixel is strong ink
_LINE_SHARE = 0.8  # share of the panel's height a column is strong ink over, to be its edge line
_RULE_INK = 0.3  # ink strength of a pixel of a rule (a legend frame's side)
_RULE_SHARE = 0.9  # share of its rows a column of a gap is inked over, to be a rule


def _no_table() -> tuple[list[RiskLine], list[RiskLine]]:
    """No table lines."""
    return [], []


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
    counts : dict
        Patients and events the legend's table states, by the box of the
        entry's key (``key_box``).
    table : callable
        Reads and returns ``(lines, inner)``; called once, when either is
        first asked for, so that the table's words can be read on the other
        core (`kmipd.digitize._ocr_ahead`) while the curves are traced.
    """

    ticks: list[Word]
    legend: list[tuple[LegendEntry, str, float]]
    ink: npt.NDArray[np.float64] | None = None
    counts: dict[tuple[int, int, int, int], LegendCounts] = field(default_factory=dict)
    table: Callable[[], tuple[list[RiskLine], list[RiskLine]]] = _no_table

    @cached_property
    def _table(self) -> tuple[list[RiskLine], list[RiskLine]]:
        """The table's lines and inner lines, read when first asked for."""
        return self.table()

    @property
    def lines(self) -> list[RiskLine]:
        """Text lines under the x tick labels (the numbers-at-risk table), read."""
        return self._table[0]

    @property
    def inner(self) -> list[RiskLine]:
        """Text lines in the bottom of the panel, read (see the class docstring)."""
        return self._table[1]


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


def _fenced(entry: LegendEntry, ink: npt.NDArray[np.float64]) -> LegendEntry:
    """The entry with its label cut where a rule crosses it (the legend's frame).

    A note printed just right of a framed legend (a hazard ratio) lines up
    with the label and is taken into it; a column of the gap before a word,
    inked from a text height above the label to one below it, is the
    frame's side, and the words past it are no part of the label.
    """
    words = entry.words
    for k in range(1, len(words)):
        word, before = words[k], words[k - 1]
        rows = slice(max(0, word.row0 - word.height), word.row1 + word.height)
        gap = ink[rows, before.col1 : word.col0] >= _RULE_INK
        if gap.size and (gap.mean(axis=0) >= _RULE_SHARE).any():
            return replace(entry, words=words[:k])
    return entry


_AXIS_WORDS = frozenset(
    "time times day days week weeks month months year years since from follow up "
    "randomisation randomization enrolment enrollment".split()
)


def _name_like(text: str) -> bool:
    """An arm name has a letter or a digit (not only marks and dashes), and is not an
    axis title's words alone ("(months)": in a small screenshot the word "Time" before
    it can look like a dashed legend key)."""
    words = re.findall(r"[a-z]+", text.lower())
    return any(ch.isalnum() for ch in text) and not (words and set(words) <= _AXIS_WORDS)


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


_ONE_SCALE = 18  # pixels: legend words this tall are read at one scale


def _best_reading(
    grey: npt.NDArray[np.uint8], image: npt.NDArray[np.uint8], words: list[Word]
) -> list[Word]:
    """Legend words read at two scales, keeping the text both scales favour together.

    Small legend text reads best at a different scale from word to word, and
    a legend has only a few words, so both are tried. Words ``_ONE_SCALE``
    pixels tall or taller are read at the first scale only: enlarged less,
    they read the same at both (where not, the first read as well or better,
    in the development figures), and the second is the slower.
    """
    small = [w for w in words if w.height < _ONE_SCALE]
    tall = [w for w in words if w.height >= _ONE_SCALE]
    read = dict(zip(map(id, small), read_words(grey, image, small, (48, 64)), strict=True))
    read.update(zip(map(id, tall), read_words(grey, image, tall, (48,)), strict=True))
    return [read[id(w)] for w in words]


def read_figure_text(scene: Scene) -> FigureText:
    """Find and read tick labels, legend labels and the numbers-at-risk table.

    Parameters
    ----------
    scene : Scene

    Returns
    -------
    FigureText
    """
    x_words = x_label_words(scene.words, scene.frame, scene.ink)
    y_words = y_label_words(scene.words, scene.frame, scene.ink)
    below = max((w.row1 for w in x_words), default=int(scene.frame.bottom))
    entries = legend_entries(scene.swatches, scene.words)
    under = [e for e in entries if e.swatch.word.row0 > below]
    span = (scene.frame.left, scene.frame.right)
    foot, footing = _legend_below(under, scene.words, [w.centre[1] for w in x_words], span)
    legend = [e for e in entries if e.swatch.word.row0 <= below] + foot
    legend = [_fenced(e, scene.ink) for e in legend]
    keys = {id(e.swatch.word) for e in foot}
    lines = risk_lines(
        [w for w in scene.words if id(w) not in footing],
        [s for s in scene.swatches if id(s.word) not in keys],
        below,
    )
    inner = [] if _has_table(lines, x_words) else _inner_lines(scene, legend)
    grid = legend_table(
        [(e.words[-1].col1, e.line) for e in legend], scene.words, [s.word for s in scene.swatches]
    )
    names = list(dict.fromkeys(w for e in legend for w in e.words))
    ticks_read = [w for w in x_words + y_words if usable(w)]  # touching tick labels
    now = [w for w in dict.fromkeys(ticks_read + (grid.words if grid else [])) if w not in names]
    table = [w for line in lines + inner for w in line.words if usable(w)]
    later = [w for w in dict.fromkeys(table) if w not in names and w not in now]
    grey = _bridged(scene.grey, scene) if inner else scene.grey
    read = _numbers(grey, scene, now, lines + inner)
    read.update(
        {
            id(w): r
            for w, r in zip(names, _best_reading(scene.grey, scene.image, names), strict=True)
        }
    )
    ticks = [read[id(w)] for w in dict.fromkeys(x_words + y_words) if id(w) in read]
    named = [_bar_label(e, *_label(e, read, scene.ink), scene.ink) for e in legend]
    named = _consistent([(e, t, c) for e, t, c in named if c >= 0.5 and _name_like(t)])
    counts: dict[tuple[int, int, int, int], LegendCounts] = {}
    if grid:
        grid, legend, named = _labels_cut(grid, legend, named, read, scene.ink)
        counts = _counts(grid, legend, [e for e, _, _ in named], read, scene.ink)
    cased = lower_case_legend([t for _, t, _ in named])
    named = [(e, t, c) for (e, _, c), t in zip(named, cased, strict=True)]

    def read_table() -> tuple[list[RiskLine], list[RiskLine]]:
        """The table's words read (the rest of them: ``later``), its lines and inner lines."""
        every = read | _numbers(grey, scene, later, lines + inner, last=True)
        under, within = (
            [
                replace(line, words=tuple(every[id(w)] for w in line.words if id(w) in every))
                for line in group
            ]
            for group in (lines, inner)
        )
        return under, within

    return FigureText(ticks, named, scene.ink, counts, read_table)


def _numbers(
    grey: npt.NDArray[np.uint8],
    scene: Scene,
    words: list[Word],
    lines: list[RiskLine],
    last: bool = False,
) -> dict[int, Word]:
    """``words`` read (as numbers and text), by ``id``; those of the table's ``lines`` read
    unsurely are read again (tick labels are not: a figure whose labels cannot be read is
    read again at twice its size). With ``last``, the words read ahead are not needed any
    more (`Scene.ahead`)."""
    try:
        found = read_words(grey, scene.image, words, ahead=scene.ahead)
    finally:
        if last and scene.ahead is not None:
            scene.ahead.close()
    read = {id(w): r for w, r in zip(words, found, strict=True)}
    table = [w for line in lines for w in line.words if id(w) in read]
    again = read_again(grey, scene.image, [read[id(w)] for w in table])
    read.update({id(w): r for w, r in zip(table, again, strict=True)})
    return read


def _labels_cut(
    grid: TableGeometry,
    legend: list[LegendEntry],
    named: list[tuple[LegendEntry, str, float]],
    read: dict[int, Word],
    ink: npt.NDArray[np.float64],
) -> tuple[TableGeometry, list[LegendEntry], list[tuple[LegendEntry, str, float]]]:
    """Counts the labels ran into ("Antibody + chemo 181") given back to the legend's table;
    the entries and their label texts without them."""
    legend, out = list(legend), []
    for entry, text, conf in named:
        k = next((i for i, e in enumerate(legend) if e is entry), None)
        if k is None:  # not an entry of the table's rows
            out.append((entry, text, conf))
            continue
        grid, words = take_from_label(
            grid, k, entry.words, lambda w: id(w) in read and is_count_text(read[id(w)].text)
        )
        if len(words) < len(entry.words):
            entry = replace(entry, words=words)
            legend[k] = entry
            text, conf = _label(entry, read, ink)
        out.append((entry, text, conf))
    return grid, legend, out


def _counts(
    table: TableGeometry,
    legend: list[LegendEntry],
    named: list[LegendEntry],
    read: dict[int, Word],
    ink: npt.NDArray[np.float64],
) -> dict[tuple[int, int, int, int], LegendCounts]:
    """Patients and events the legend's table states, by key box, for the named entries."""

    def text_of(words: tuple[Word, ...]) -> tuple[str, float]:
        got = [read[id(w)] for w in words if id(w) in read]
        text = lines_text(got, lambda line: join_words(line, ink))
        return text, float(np.mean([w.confidence for w in got])) if got else 0.0

    found = counts_of(table, text_of)
    return {
        key_box(e): c
        for e, c in zip(legend, found, strict=True)
        if c is not None and any(e is n for n in named)
    }


def _legend_below(
    entries: list[LegendEntry],
    words: list[Word],
    ticks: list[float],
    panel: tuple[float, float],
) -> tuple[list[LegendEntry], set[int]]:
    """Entries under the x tick labels that are a legend's, and the ids of their lines' words.

    A table also marks its rows with keys there (a bar in the arm's colour
    before each row of numbers), one key to a line. A line of two or more
    keys is a legend laid out across the foot of the figure; so is a line
    holding nothing but one key and its label (a legend stacked there),
    unless that "label" reaches across the tick columns (``ticks``) or half
    the panel (``panel``: its left and right columns), as a row of numbers
    printed over each other into one word does. Every word on a legend's
    line (a "+ Censored" entry too) is the legend's.
    """
    out: list[LegendEntry] = []
    held: set[int] = set()
    for entry in entries:
        key = entry.swatch.word
        on_line = [w for w in words if _same_line(w, key)]
        keys = [e for e in entries if _same_line(e.swatch.word, key)]
        owned = {id(w) for e in keys for w in (e.swatch.word, *e.words)}
        alone = all(id(w) in owned for w in on_line) and not _across(entry.words, ticks, panel)
        if len(keys) >= 2 or alone:
            out.append(entry)
            held.update(id(w) for w in on_line)
    return out, held


def _across(label: tuple[Word, ...], ticks: list[float], panel: tuple[float, float]) -> bool:
    """Whether a label spans half the panel, or three tick columns and half of them.

    Such a "label" is a row of numbers, not a name (tick labels printed over
    each other may leave only two words to count columns by).
    """
    left, right = min(w.col0 for w in label), max(w.col1 for w in label)
    spanned = sum(left <= t <= right for t in ticks)
    return right - left >= 0.5 * (panel[1] - panel[0]) or spanned >= max(3, len(ticks) / 2)


def _same_line(word: Word, key: Word) -> bool:
    """Whether ``word``'s middle row lies within a text height of legend key ``key``'s."""
    reach = 0.6 * max(word.height, key.height, 8)
    return abs(word.centre[0] - key.centre[0]) <= reach


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

    A number printed over the panel's left or right edge (at time 0, over
    the y axis) is found as pieces either side of the line, as the line
    and the digit strokes along it were removed with the long lines: the
    pieces are joined into one word (read over the line bridged, see
    ``_bridged``).
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
        and frame.left - 2 * w.height < w.col1
        and w.col0 < frame.right + 2 * w.height
    ]
    for edge in (frame.left, frame.right):
        words = [_centred_over(w, edge) for w in _joined_over(words, edge)]
    words = [  # inside the panel, or over its edge (not a y tick label beside it)
        w for w in words if frame.left - 1 <= w.col1 and w.col0 <= frame.right + 1
    ]
    return [line for line in risk_lines(words, [], floor - 1) if len(line.words) >= 2]


def _joined_over(words: list[Word], edge: float) -> list[Word]:
    """``words`` with the pieces of a number cut by the vertical line at ``edge`` joined.

    Pieces are joined when they lie on one line either side of the edge,
    the gap between them is no wider than a digit or two, and the number
    they make is centred on the edge (as a number at time 0 is on the y
    axis; a y tick label beside the axis is not).
    """
    out = list(words)
    for left in words:
        if not edge - 1.2 * left.height <= left.col1 <= edge + 1:
            continue
        for right in words:
            same_line = min(left.row1, right.row1) - max(left.row0, right.row0)
            gap = right.col0 - left.col1
            centre, width = (left.col0 + right.col1) / 2.0, right.col1 - left.col0
            if (
                right is not left
                and edge - 1 <= right.col0
                and 0 <= gap <= 1.6 * max(left.height, right.height)
                and same_line >= 0.5 * min(left.height, right.height)
                and abs(centre - edge) <= 0.25 * width
                and left in out
                and right in out
            ):
                out.remove(left)
                out.remove(right)
                out.append(side_by_side(left, right))
                break
    return out


def _centred_over(word: Word, edge: float) -> Word:
    """``word`` widened to be centred on ``edge`` if it touches the line there from one side.

    The part of a number over the line went with the line (see
    ``_inner_lines``); its box is widened over the line by as much as the
    part left, to be read over the line bridged.
    """
    touch = 0.3 * word.height
    if edge - touch <= word.col1 <= edge:
        return replace(word, col1=int(np.ceil(2 * edge - word.col0)))
    if edge <= word.col0 <= edge + touch:
        return replace(word, col0=int(np.floor(2 * edge - word.col1)))
    return word


def _bridged(grey: npt.NDArray[np.uint8], scene: Scene) -> npt.NDArray[np.uint8]:
    """``grey`` with the panel's vertical edge lines bridged across the bottom fifth.

    A pixel of a vertical axis or border line (a column near the panel's
    left or right edge that is dark over most of the panel's height) is
    kept only where a column either side has strong ink too (a digit
    stroke crossing the line); elsewhere it takes the lighter side. A
    number printed over the y axis then reads as the number.
    """
    frame = scene.frame
    floor = int(frame.bottom - _INNER_SHARE * (frame.bottom - frame.top))
    rows = slice(max(0, floor), max(0, int(frame.bottom) - 1))
    panel = grey[max(0, int(frame.top)) : max(0, int(frame.bottom))]
    out = grey.copy()
    if not panel.size:
        return out
    dark = (panel < _STRONG_GREY).mean(axis=0)
    for edge in (frame.left, frame.right):
        for col in range(round(edge) - 2, round(edge) + 3):
            if not 1 <= col < grey.shape[1] - 1 or dark[col] < _LINE_SHARE:
                continue
            left, right = grey[rows, col - 1], grey[rows, col + 1]
            crossed = np.minimum(left, right) < _STRONG_GREY
            out[rows, col] = np.where(crossed, grey[rows, col], np.maximum(left, right))
    return out
