"""Arm names written beside the curves, in the curves' colours, instead of in a legend.

Many journal figures label each curve directly ("Drug X" at the end of its
curve) rather than with a legend. A word inside the plot panel whose ink is
mostly of one arm's colour is that arm's label; words on one line of the same
colour are joined ("Drug" + "X"). Black text inside the panel (hazard-ratio
boxes, p-values) is never taken: it cannot be told apart from the curves' own
annotations by colour.
"""

from __future__ import annotations

import numpy as np

from kmipd.digitize._arms import ArmDraft
from kmipd.digitize._scene import Scene
from kmipd.digitize._text import Word, read_words

__all__ = ["inline_names", "inside", "with_inline_names"]

_SHARE = 0.6  # share of a word's coloured ink that must be of one arm's colour
_MIN_CONFIDENCE = 0.5


def inside(word: Word, scene: Scene) -> bool:
    """Whether a word lies inside the plot panel."""
    frame = scene.frame
    return (
        word.col0 > frame.left
        and word.col1 < frame.right
        and word.row0 > frame.top
        and word.row1 < frame.bottom
    )


def _colour_of(word: Word, scene: Scene) -> int | None:
    """The colour index that most of the word's ink is drawn in, if one dominates."""
    labels = scene.labels[word.row0 : word.row1, word.col0 : word.col1]
    strong = scene.coverage[word.row0 : word.row1, word.col0 : word.col1] >= 0.25
    values = labels[strong & (labels >= 0)]
    if values.size < 4:
        return None
    counts = np.bincount(values)
    best = int(np.argmax(counts))
    return best if counts[best] >= _SHARE * values.size else None


def _lines(words: list[Word]) -> list[list[Word]]:
    """Words of one colour grouped into lines (same band of rows, small gaps), left to right."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.col0, w.row0)):
        height = word.row1 - word.row0
        for line in lines:
            last = line[-1]
            same_band = abs((last.row0 + last.row1) - (word.row0 + word.row1)) <= height
            if same_band and 0 <= word.col0 - last.col1 <= 2 * height:
                line.append(word)
                break
        else:
            lines.append([word])
    return lines


def _has_letters(text: str) -> bool:
    """At least two letters: a name, not a number or a stray mark."""
    return sum(ch.isalpha() for ch in text) >= 2


def inline_names(
    scene: Scene, drafts: list[ArmDraft], missing: list[int]
) -> dict[int, tuple[str, float]]:
    """Names for the arms ``missing`` (indices into ``drafts``) from labels beside the curves.

    Parameters
    ----------
    scene : Scene
    drafts : list of ArmDraft
    missing : list of int
        Arms without a legend label.

    Returns
    -------
    dict of int to (str, float)
        Per arm index: the label and its confidence; arms with no label found
        are absent.
    """
    wanted = {drafts[i].colour: i for i in missing}
    if not wanted:
        return {}
    by_colour: dict[int, list[Word]] = {}
    for word in scene.words:
        if not inside(word, scene):
            continue
        colour = _colour_of(word, scene)
        if colour in wanted:
            by_colour.setdefault(colour, []).append(word)
    out: dict[int, tuple[str, float]] = {}
    for colour, words in by_colour.items():
        best: tuple[str, float] | None = None
        for line in _lines(words):
            read = read_words(scene.grey, scene.image, line)
            text = " ".join(w.text for w in read).strip()
            confidence = float(min(w.confidence for w in read))
            if confidence < _MIN_CONFIDENCE or not _has_letters(text):
                continue
            if best is None or confidence > best[1]:
                best = (text, confidence)
        if best is not None:
            out[wanted[colour]] = best
    return out


def with_inline_names(
    scene: Scene, drafts: list[ArmDraft], names: list[tuple[str, str | None, float]]
) -> list[tuple[str, str | None, float]]:
    """``names`` (name, label read, confidence) with unlabelled arms named from inline labels."""
    missing = [i for i, (_, label, _) in enumerate(names) if label is None]
    found = inline_names(scene, drafts, missing)
    out = list(names)
    taken = {name for name, _, _ in names}
    for i, (text, confidence) in found.items():
        if text not in taken:
            out[i] = (text, text, confidence)
            taken.add(text)
    return out
