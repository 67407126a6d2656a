"""Find words (boxes of glyphs) in a figure from connected components of ink."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # the reading ahead uses this module
    from kmipd.digitize._ocr_ahead import Ahead

__all__ = [
    "DOT_GAP",
    "OCR_SURE",
    "Word",
    "drop_tick_marks",
    "find_glyphs",
    "fix_letters",
    "group_words",
    "join_words",
    "read_again",
    "read_words",
    "side_by_side",
]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DOT_GAP = 2.5  # gap between the dots of a dotted key, in dot widths, at most
_DOT_LABEL = 2.0  # text heights from a dotted key's last dot to its label, at most
_LETTER_GAP = 1.0  # a speck this many word heights from a word, in its rows, is a letter of it
_RUN_DENSITY = 0.9  # densest run of touching glyphs (numbers printed 5 deep: 0.85); solid bars: 1
_RUN_UPRIGHT = 0.5  # a run of touching numbers spans at least this share of its height in
# most columns (see ``_upright_share``)
OCR_SURE = 0.95  # OCR confidence over digits from which a reading is trusted
_SHORT = 4.0  # widest word (in word heights) read again: a number, not a run of them


@dataclass(frozen=True)
class Word:
    """A box of text, as found and as read.

    Attributes
    ----------
    row0, col0, row1, col1 : int
        Half-open pixel box.
    text, confidence : str, float
        Reading over Latin characters.
    numeric, numeric_confidence : str, float
        Reading over digits and number punctuation.
    colour : tuple of int
        RGB of the word's darkest pixels.
    numeric_cols : tuple of float
        Image column of each character of ``numeric``.
    """

    row0: int
    col0: int
    row1: int
    col1: int
    text: str = ""
    confidence: float = 0.0
    numeric: str = ""
    numeric_confidence: float = 0.0
    colour: tuple[int, int, int] = (0, 0, 0)
    numeric_cols: tuple[float, ...] = ()

    @property
    def height(self) -> int:
        """Box height in pixels."""
        return self.row1 - self.row0

    @property
    def width(self) -> int:
        """Box width in pixels."""
        return self.col1 - self.col0

    @property
    def centre(self) -> tuple[float, float]:
        """(row, col) centre of the box."""
        return (self.row0 + self.row1) / 2.0, (self.col0 + self.col1) / 2.0


def side_by_side(left: Word, right: Word, **read: Any) -> Word:
    """One word box over ``left`` and the word ``right`` of it, with the fields ``read`` set."""
    return replace(
        left,
        row0=min(left.row0, right.row0),
        row1=max(left.row1, right.row1),
        col1=right.col1,
        **read,
    )


def find_glyphs(mask: BoolArray, max_height: int) -> IntArray:
    """Boxes of connected components that could be glyphs.

    Parameters
    ----------
    mask : ndarray of bool, shape (rows, cols)
        Ink pixels (with long lines and curves already removed).
    max_height : int
        Taller components are not text.

    Returns
    -------
    ndarray of int, shape (n, 5)
        ``row0, col0, row1, col1, area`` per glyph.
    """
    import cv2

    _count, labels, stats, _ = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=8
    )
    col0, row0, width, height, area = (stats[1:, i] for i in range(5))
    density = area / np.maximum(width * height, 1)
    run = (height >= 0.25 * max_height) & (density >= 0.15) & (density <= _RUN_DENSITY)
    for i in np.flatnonzero(run & (width > 6 * max_height) & (height <= max_height)):
        box = labels[row0[i] : row0[i] + height[i], col0[i] : col0[i] + width[i]] == i + 1
        run[i] = _upright_share(box) >= _RUN_UPRIGHT
    keep = (height <= max_height) & ((width <= 6 * max_height) | run) & (area >= 2)
    keep &= ~((height <= 2) & (width > 3 * max_height))  # stray line pieces
    boxes = np.column_stack([row0, col0, row0 + height, col0 + width, area])[keep]
    return np.asarray(boxes, dtype=np.int64)


def _upright_share(box: BoolArray) -> float:
    """Median share of the box's height that a column's ink spans, over its inked columns.

    A column through a digit meets its top and its foot: a run of numbers
    spans most of its height in most columns. Flat curves drawn in a thin
    band (survival near 100 % all along) span a few rows per column.
    """
    inked = box.any(axis=0)
    if not inked.any():
        return 0.0
    rows = np.arange(box.shape[0])[:, None]
    top = np.where(box, rows, box.shape[0]).min(axis=0)[inked]
    bottom = np.where(box, rows, -1).max(axis=0)[inked]
    return float(np.median((bottom - top + 1) / box.shape[0]))


def _merge_pairs(boxes: IntArray, gap_factor: float) -> IntArray:
    """Index pairs (i, j) of glyph boxes close enough to belong to one word."""
    r0, c0, r1, c1 = (boxes[:, i].astype(float) for i in range(4))
    h, w = r1 - r0, c1 - c0
    big = np.maximum(h[:, None], h[None, :])
    small = np.minimum(h[:, None], h[None, :])
    overlap = np.minimum(r1[:, None], r1[None, :]) - np.maximum(r0[:, None], r0[None, :])
    similar = (overlap + 0.3 * big >= 0.5 * small) & (big <= 2.6 * np.maximum(small, 3))
    # a dot, comma, hyphen or underscore beside a glyph: inside its rows (+45 %)
    tall_r0 = np.where(h[:, None] >= h[None, :], r0[:, None], r0[None, :])
    tall_r1 = np.where(h[:, None] >= h[None, :], r1[:, None], r1[None, :])
    low_r0 = np.where(h[:, None] >= h[None, :], r0[None, :], r0[:, None])
    low_r1 = np.where(h[:, None] >= h[None, :], r1[None, :], r1[:, None])
    inside = (low_r0 >= tall_r0 - 0.45 * big) & (low_r1 <= tall_r1 + 0.45 * big)
    inside &= np.where(h[:, None] >= h[None, :], w[None, :], w[:, None]) <= big
    gap = np.maximum(c0[None, :] - c1[:, None], c0[:, None] - c1[None, :])
    close = (gap <= gap_factor * big) & (big >= 4) & (similar | inside)
    i, j = np.nonzero(np.triu(close, k=1))
    return np.column_stack([i, j])


def _union_find(n: int, pairs: IntArray) -> IntArray:
    """Group labels of ``n`` items joined by ``pairs``."""
    parent = np.arange(n)

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = int(parent[k])
        return k

    for i, j in pairs:
        a, b = root(int(i)), root(int(j))
        if a != b:
            parent[max(a, b)] = min(a, b)
    return np.array([root(k) for k in range(n)], dtype=np.int64)


def rotated_glyphs(glyphs: IntArray) -> npt.NDArray[np.bool_]:
    """Glyphs stacked in a column of three or more (text rotated by 90 degrees).

    Parameters
    ----------
    glyphs : ndarray of int, shape (n, 5)

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    r0, c0, r1, c1 = (glyphs[:, i].astype(float) for i in range(4))
    w = c1 - c0
    overlap = np.minimum(c1[:, None], c1[None, :]) - np.maximum(c0[:, None], c0[None, :])
    gap = np.maximum(r0[None, :] - r1[:, None], r0[:, None] - r1[None, :])
    wide = np.maximum(w[:, None], w[None, :])
    stacked = (overlap >= 0.5 * np.minimum(w[:, None], w[None, :])) & (gap <= 0.3 * wide)
    stacked &= (gap >= -1) & (wide >= 5)
    labels = _union_find(len(glyphs), np.column_stack(np.nonzero(np.triu(stacked, k=1))))
    counts = np.bincount(labels, minlength=len(glyphs))
    tall = np.zeros(len(glyphs), dtype=bool)
    for label in np.flatnonzero(counts >= 3):
        members = labels == label
        height = r1[members].max() - r0[members].min()
        tall[members] = height > 2.0 * (c1[members].max() - c0[members].min())
    return tall


def group_words(
    glyphs: IntArray,
    gap_factor: float = 0.42,
    colourful: IntArray | None = None,
) -> list[Word]:
    """Join glyph boxes on one line with small gaps into words.

    Parameters
    ----------
    glyphs : ndarray of int, shape (n, 5)
        Output of :func:`find_glyphs`.
    gap_factor : float, optional
        Largest gap between glyphs of a word, as a fraction of glyph height.
    colourful : ndarray of int, shape (n,), optional
        Per glyph 1 if coloured, -1 if grey, 0 if unsure: a coloured glyph is
        never joined to a grey one.

    Returns
    -------
    list of Word
        Unread word boxes, top to bottom then left to right; words made only of
        specks (dots) are dropped.
    """
    if len(glyphs) == 0:
        return []
    kind = np.zeros(len(glyphs), dtype=np.int64) if colourful is None else np.asarray(colourful)
    if len(glyphs) > 1500:  # a noisy image: keep the largest components
        largest = np.argsort(-glyphs[:, 4])[:1500]
        glyphs, kind = glyphs[largest], kind[largest]
    upright = ~rotated_glyphs(glyphs)
    glyphs, kind = glyphs[upright], kind[upright]
    if len(glyphs) == 0:
        return []
    pairs = _merge_pairs(glyphs, gap_factor)
    pairs = pairs[kind[pairs[:, 0]] * kind[pairs[:, 1]] >= 0]
    labels = _union_find(len(glyphs), pairs)
    words: list[Word] = []
    specks: list[Word] = []
    for label in np.unique(labels):
        members = glyphs[labels == label]
        height = members[:, 2] - members[:, 0]
        width = members[:, 3] - members[:, 1]
        box = Word(
            int(members[:, 0].min()),
            int(members[:, 1].min()),
            int(members[:, 2].max()),
            int(members[:, 3].max()),
        )
        small = height.max() < 5 and width.max() < 5 and len(members) < 3
        (specks if small else words).append(box)
    words += [s for s in specks if _letter_of(s, words)] + _dotted_keys(specks, words)
    words.sort(key=lambda w: (w.row0, w.col0))
    return words


def _dotted_keys(specks: list[Word], words: list[Word]) -> list[Word]:
    """Specks in a row of three or more, evenly close, just left of a word: the dots of a
    dotted legend key (R's ``lty = 3``) before its label."""
    out: list[Word] = []
    row = sorted(specks, key=lambda w: (w.row0, w.col0))
    chain: list[Word] = []
    for speck in [*row, None]:
        last = chain[-1] if chain else None
        if (
            speck is not None
            and last is not None
            and abs(speck.row0 - last.row0) <= 1
            and abs(speck.row1 - last.row1) <= 1
            and 0 < speck.col0 - last.col1 <= DOT_GAP * max(last.width, 2)
        ):
            chain.append(speck)
            continue
        if len(chain) >= 3 and _labelled(chain, words):
            out += chain
        chain = [] if speck is None else [speck]
    return out


def _labelled(chain: list[Word], words: list[Word]) -> bool:
    """Whether a word starts just right of a chain of dots, on its line."""
    end, middle = chain[-1].col1, (chain[0].row0 + chain[0].row1) / 2.0
    return any(
        w.row0 <= middle <= w.row1 and 0 <= w.col0 - end <= _DOT_LABEL * w.height for w in words
    )


def _letter_of(speck: Word, words: list[Word]) -> bool:
    """Whether a speck stands beside a word, inside its rows: a small letter, not noise.

    In a small figure a lower-case letter cut off by a faint underscore (``mut_c``)
    is no bigger than a dot.
    """
    for word in words:
        inside = word.row0 - 1 <= speck.row0 and speck.row1 <= word.row1 + 1
        gap = max(speck.col0 - word.col1, word.col0 - speck.col1)
        if inside and gap <= _LETTER_GAP * word.height:
            return True
    return False


def read_words(
    grey: npt.NDArray[np.uint8],
    image: npt.NDArray[np.uint8],
    words: list[Word],
    height: int | tuple[int, ...] = 32,
    ahead: Ahead | None = None,
) -> list[Word]:
    """Recognise the text of each word and note its colour.

    Parameters
    ----------
    grey : ndarray of uint8, shape (rows, cols)
        Ink darkness image (0 = full ink).
    image : ndarray of uint8, shape (rows, cols, 3)
        The RGB figure, for the word colours.
    words : list of Word
        Boxes to read.
    height : int or tuple of int, optional
        Rows the crops are scaled to for the recogniser; with several, the
        text reading all of them favour is kept (`recognise_text`).
    ahead : Ahead, optional
        Words being read ahead (`kmipd.digitize._ocr_ahead`), at one height.

    Returns
    -------
    list of Word
        The same boxes with text, confidences and colour filled in.
    """
    from kmipd.digitize._ocr import recognise, recognise_text

    boxes = [(w.row0, w.col0, w.row1, w.col1) for w in words]
    if isinstance(height, tuple):
        readings = recognise_text(grey, boxes, height)
    else:
        readings = recognise(grey, boxes, height, ahead)
    out = []
    for word, reading in zip(words, readings, strict=True):
        patch = grey[word.row0 : word.row1, word.col0 : word.col1]
        rgb = image[word.row0 : word.row1, word.col0 : word.col1].reshape(-1, 3)
        dark = rgb[patch.reshape(-1) <= np.percentile(patch, 20)]
        median = np.median(dark, axis=0) if len(dark) else np.zeros(3)
        colour = (int(median[0]), int(median[1]), int(median[2]))
        out.append(
            replace(
                word,
                text=reading.text,
                confidence=reading.confidence,
                numeric=reading.numeric,
                numeric_confidence=reading.numeric_confidence,
                colour=colour,
                numeric_cols=reading.numeric_cols,
            )
        )
    return out


def read_again(
    grey: npt.NDArray[np.uint8], image: npt.NDArray[np.uint8], words: list[Word], height: int = 48
) -> list[Word]:
    """``words`` (read), the short ones read unsurely over digits read again at ``height``.

    A number (not a run of touching numbers, rebuilt otherwise) whose
    reading over digits is below ``OCR_SURE`` is read again, and the second
    reading is kept where it is sure (``OCR_SURE`` or more): a digit one
    scale drops, another may see. An unsure second reading is no better
    evidence than the first (a digit half hidden by a curve stays unsure).
    """
    unsure = [
        k
        for k, w in enumerate(words)
        if w.numeric and w.numeric_confidence < OCR_SURE and w.width <= _SHORT * w.height
    ]
    out = list(words)
    if not unsure:
        return out
    again = read_words(grey, image, [words[k] for k in unsure], height)
    for k, word in zip(unsure, again, strict=True):
        if word.numeric_confidence >= OCR_SURE:
            out[k] = word
    return out


def drop_tick_marks(
    glyphs: IntArray, top: float, left: float, bottom: float, right: float
) -> IntArray:
    """Remove thin strokes that start at the panel edge (tick marks, not text).

    Parameters
    ----------
    glyphs : ndarray of int, shape (n, 5)
        Output of :func:`find_glyphs`.
    top, left, bottom, right : float
        Panel box.

    Returns
    -------
    ndarray of int
        The glyphs that are not tick marks.
    """
    if len(glyphs) == 0:
        return glyphs
    r0, c0, r1, c1 = (glyphs[:, i] for i in range(4))
    width, height = c1 - c0, r1 - r0
    x_tick = (width <= 4) & (np.abs(r0 - bottom) <= 4) & (c0 >= left - 4) & (c1 <= right + 5)
    x_tick |= (width <= 4) & (np.abs(r1 - 1 - top) <= 4) & (c0 >= left - 4) & (c1 <= right + 5)
    y_tick = (height <= 4) & (np.abs(c1 - 1 - left) <= 4) & (r0 >= top - 4) & (r1 <= bottom + 5)
    y_tick |= (height <= 4) & (np.abs(c0 - right) <= 4) & (r0 >= top - 4) & (r1 <= bottom + 5)
    # the ticks at x = 0 and y = 0 meet at the corner when no axis line parts them
    corner = (np.abs(r0 - bottom) <= 4) & (np.abs(c1 - 1 - left) <= 4) & (width <= 9)
    corner &= height <= 9
    return glyphs[~(x_tick | y_tick | corner)]


def join_words(words: list[Word], ink: npt.NDArray[np.float64] | None = None) -> str:
    """Text of words on one line, with a space only where the gap looks like one (and
    between the lines of a label wrapped onto two).

    With the figure's ``ink``, a gap crossed by a faint stroke along the
    words' baseline is an underscore (too faint in a small or JPEG figure to
    be part of either word).
    """
    out = ""
    for i, word in enumerate(words):
        if i:
            before = words[i - 1]
            if word.col0 < before.col1 and word.row0 >= before.row1 - 1:
                out += " "  # a label wrapped onto a line of its own
            elif ink is not None and _underscore_between(before, word, ink):
                out += "_"
            elif word.col0 - before.col1 >= 0.25 * max(word.height, before.height):
                out += " "
        out += word.text
    return out.strip()


def _underscore_between(left: Word, right: Word, ink: npt.NDArray[np.float64]) -> bool:
    """Whether a thin stroke runs along the baseline across the gap between two words."""
    if right.col0 - left.col1 < 2:
        return False
    height = max(left.height, right.height)
    bottom = max(left.row1, right.row1)
    band = ink[max(0, bottom - round(0.25 * height)) : bottom + round(0.3 * height) + 1]
    gap = band[:, left.col1 : right.col0]
    if gap.size == 0:
        return False
    above = ink[
        max(0, bottom - height) : max(0, bottom - round(0.3 * height)), left.col1 : right.col0
    ]
    crossed = (gap >= 0.1).any(axis=0)
    return bool(crossed.mean() >= 0.8 and (above.size == 0 or above.max() < 0.3))


_INITIAL_I = re.compile(r"(?<![A-Za-z])I(?=[a-z])")


def lower_case_legend(labels: list[str]) -> list[str]:
    """Labels of a legend written in lower case, each word-initial 'I' read as 'l'.

    Sans-serif 'I' and 'l' are one bar, and a recogniser reads a bar that
    starts a word as 'I' ("Itax_l" for ``ltax_l``, "Ihrha"). A legend whose
    labels hold no other capital letter is written in lower case (strata
    named by data values, as R prints them), so the bar is an 'l' there; in a
    legend with any other capital ("Ipilimumab", "Placebo"), or with no
    lower-case word of two letters or more to show its case, it stays 'I'.

    Examples
    --------
    >>> lower_case_legend(["control", "Ihrha"])
    ['control', 'lhrha']
    >>> lower_case_legend(["Ipilimumab", "Placebo"])
    ['Ipilimumab', 'Placebo']
    >>> lower_case_legend(["arm I", "arm II"])
    ['arm I', 'arm II']
    >>> lower_case_legend(["Ixabepilone"])
    ['Ixabepilone']
    """
    rest = "".join(_INITIAL_I.sub("", label) for label in labels)
    words = [w for label in labels for w in re.findall(r"[A-Za-z]+", label) if w[0] != "I"]
    lower = any(len(w) >= 2 and w.islower() for w in words)
    if not lower or any(c.isupper() for c in rest):
        return labels
    return [_INITIAL_I.sub("l", label) for label in labels]


def fix_letters(text: str) -> str:
    """Undo the look-alike a recogniser cannot see in sans-serif text: 'I' inside lower case.

    A capital I after a lower-case letter (a name such as ``uft_lv``), with
    no capital after it, is taken to be a lower-case l.

    Examples
    --------
    >>> fix_letters("uft_Iv")
    'uft_lv'
    >>> fix_letters("Arm II")
    'Arm II'

    A space the recogniser puts next to an underscore is dropped (an
    underscore joins the parts of one name):

    >>> fix_letters("folfoxiri _bevacizumab")
    'folfoxiri_bevacizumab'

    So is a space on one side of an equals sign only (a size printed
    ``(n=251)`` is read ``(n =251)`` beside ``(n=250)``):

    >>> fix_letters("Arm B (n =251)"), fix_letters("Arm B (N = 251)")
    ('Arm B (n=251)', 'Arm B (N = 251)')

    A lone letter whose capital has the same shape ("c", "o", "s", "w",
    "z"; not "x" or "v", which stand for "times" and "versus") after a
    capitalised word is the capital, as in a name's "Arm C"; after a
    lower-case word it stays as read:

    >>> fix_letters("Arm c"), fix_letters("arm c"), fix_letters("Drug x 4")
    ('Arm C', 'arm c', 'Drug x 4')
    """
    text = re.sub(r"\s*_\s*", "_", text)
    text = re.sub(r"(?<=\S) =(?=\S)|(?<=\S)= (?=\S)", "=", text)
    text = re.sub(r"\b([A-Z][a-z]* )([coswz])\b", lambda m: m[1] + m[2].upper(), text)
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch != "I":
            continue
        before = next((c for c in reversed(chars[:i]) if c.isalnum()), "")
        after = next((c for c in chars[i + 1 :] if c.isalnum()), "")
        if before.islower() and not after.isupper():
            chars[i] = "l"
    return "".join(chars)
