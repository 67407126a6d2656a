"""Tick label text: which words are an axis's tick labels, and the numbers they read."""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from kmipd.digitize._frame import Frame
from kmipd.digitize._text import Word, side_by_side

__all__ = [
    "join_split_decimals",
    "parse_number",
    "repair_decimals",
    "x_label_words",
    "y_label_words",
]

FloatArray = npt.NDArray[np.float64]
_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?%?$")
_STROKE = 0.8  # a tick mark is at most this many times as thick as it is long
_JOINED = 0.25  # ink that joins a tick mark to its axis line, in every row (column) between
_TOUCH = 3  # pixels from the axis line's centre within which a stroke starts at the line
_NEAR = 0.35  # ... or this share of the stroke's length (a figure drawn large)
_POINT_GAP = 1.0  # text heights: two numbers in one y label's row this close were one number


def parse_number(text: str) -> tuple[float, bool] | None:
    """A tick label's value and whether it carries a percent sign.

    Parameters
    ----------
    text : str
        OCR reading, e.g. ``"0.75"``, ``"25%"``, ``"1,0"``.

    Returns
    -------
    tuple of (float, bool) or None
        None if the text is not a plain number.
    """
    cleaned = text.strip().replace(" ", "").replace("O", "0").replace("o", "0")
    cleaned = cleaned.replace("−", "-").replace("–", "-")
    cleaned = cleaned.rstrip("-—_")  # a tick mark read with its label: "1.00-" (no number ends so)
    if not _NUMBER.match(cleaned):
        return None
    percent = cleaned.endswith("%")
    return float(cleaned.rstrip("%").replace(",", ".")), percent


def repair_decimals(texts: list[str]) -> list[str]:
    """Put back a decimal point OCR lost, when the other labels agree on the format.

    Parameters
    ----------
    texts : list of str
        Numeric readings of one axis's labels, e.g. ``["0.50", "025", "0.00"]``.

    Returns
    -------
    list of str
        With ``"025"`` turned into ``"0.25"`` when most labels have 2 decimals
        and 1 integer digit.
    """
    shapes = [re.fullmatch(r"(\d+)[.,](\d+)", t) for t in texts]
    formats = [(len(m.group(1)), len(m.group(2))) for m in shapes if m]
    if len(formats) < max(2, len(texts) // 2):
        return texts
    whole, decimals = max(set(formats), key=formats.count)
    out = []
    for text in texts:
        if text.isdigit() and len(text) == whole + decimals:
            text = f"{text[:whole]}.{text[whole:]}"
        out.append(text)
    return out


def join_split_decimals(words: list[Word]) -> list[Word]:
    """Join y tick labels split in two where a small or compressed figure lost the point.

    "0.6" shrunk to a screenshot loses its one-pixel point, and the gap left
    splits the label into the words "0" and "6", read as two labels (an
    axis of 0-10 fits "6", "4", "2" and "0.0" as well as the truth does).
    Two read words of digits only, side by side in one row, at most
    ``_POINT_GAP`` text heights apart, are one number with a point between
    them; no y label of a survival axis is two numbers.

    Parameters
    ----------
    words : list of Word
        One axis's label words, read (``numeric`` set).

    Returns
    -------
    list of Word
        The words in their order, each split pair joined into one word
        reading "left.right" where its left part stood.
    """
    partner: dict[int, Word] = {}
    for left in words:
        pair = next((w for w in words if id(w) not in partner and _split_pair(left, w)), None)
        if pair is not None and id(left) not in partner:
            partner[id(left)], partner[id(pair)] = pair, left
    rights = {id(w) for w in words if id(w) in partner and _split_pair(partner[id(w)], w)}
    out: list[Word] = []
    for left in words:  # in the order given: the fit breaks ties by it
        if id(left) in rights:
            continue
        pair = partner.get(id(left))
        if pair is None:
            out.append(left)
            continue
        number = f"{left.numeric}.{pair.numeric}"
        out.append(
            side_by_side(
                left,
                pair,
                text=number,
                numeric=number,
                numeric_confidence=min(left.numeric_confidence, pair.numeric_confidence),
                numeric_cols=(*left.numeric_cols, *pair.numeric_cols),
            )
        )
    return out


def _split_pair(left: Word, right: Word) -> bool:
    """Whether ``right`` is the part after a lost point of the label ``left`` starts."""
    height = max(left.height, right.height)
    same_row = abs(left.centre[0] - right.centre[0]) <= 0.3 * height
    gap = right.col0 - left.col1
    digits = left.numeric.isdigit() and right.numeric.isdigit()
    return same_row and digits and 0 <= gap <= _POINT_GAP * height and len(right.numeric) <= 2


def _hanging(word: Word, ink: FloatArray, frame: Frame, across: bool) -> bool:
    """Whether ``word`` is a stroke across an axis joined to its line by ink (a tick mark)."""
    if across:  # x: a stroke down from the line at ``frame.bottom``
        stroke = word.width <= _STROKE * word.height and word.row0 >= frame.bottom - 1
        gap = ink[int(frame.bottom) : word.row0, word.col0 : word.col1]
    else:  # y: a stroke left of the line at ``frame.left``
        stroke = word.height <= _STROKE * word.width and word.col1 <= frame.left + 1
        gap = ink[word.row0 : word.row1, word.col1 : int(np.ceil(frame.left)) + 1].T
    if not stroke or gap.shape[0] > word.height:
        return False
    if gap.shape[0] <= _TOUCH or bool(np.all(gap.max(axis=1) >= _JOINED)):
        return True
    # a theme's margin between the marks and the panel grows with the figure: a short,
    # clear gap (no other stroke in it, as a label's gap holds its mark)
    length = word.height if across else word.width
    return gap.shape[0] <= _NEAR * length and float(gap.max()) < _JOINED


def _tick_marks(words: list[Word], ink: FloatArray | None, frame: Frame, axis: str) -> set[int]:
    """Ids of the words that are tick marks hanging from an axis line, not labels.

    Strokes across the axis joined to its line by ink, three or more of one
    size, at most half as thick as the other words beside the axis are
    tall. In a figure drawn large (300 dpi, or enlarged) tick marks are as
    long as text is tall, and were taken for the first line of tick labels.
    """
    if ink is None:
        return set()
    across = axis == "x"
    marks = [w for w in words if _hanging(w, ink, frame, across)]
    if len(marks) < 3:
        return set()
    thick = [w.width if across else w.height for w in marks]
    size = float(np.median(thick))
    alike = {id(w) for w, t in zip(marks, thick, strict=True) if abs(t - size) <= 1}
    reach = 4 * float(np.median([w.height if across else w.width for w in marks]))
    beside = [
        w.height
        for w in words
        if id(w) not in alike
        and (
            frame.bottom < w.row0 <= frame.bottom + reach
            if across
            else frame.left - reach <= w.col1 < frame.left
        )
    ]
    if len(alike) < 3 or not beside or size > 0.5 * float(np.median(beside)):
        return set()
    return alike


def y_label_words(words: list[Word], frame: Frame, ink: FloatArray | None = None) -> list[Word]:
    """Words left of the panel, in the column nearest the y axis, that are numbers.

    With the figure's ``ink``, tick marks as long as text is tall are left out.
    """
    marks = _tick_marks(words, ink, frame, "y")
    candidates = [
        w
        for w in words
        if id(w) not in marks
        and w.col1 <= frame.left + 3
        and frame.top - 2 * w.height <= w.centre[0] <= frame.bottom + w.height
    ]
    if not candidates:
        return []
    edge = max(w.col1 for w in candidates)
    height = float(np.median([w.height for w in candidates]))
    return [w for w in candidates if w.col1 >= edge - 2.0 * height]


def _bottom_y_label(word: Word, frame: Frame) -> bool:
    """Whether ``word`` is the y axis's bottom label: left of the panel, across its bottom edge.

    Centred on the bottom edge, it starts a pixel or two above it, where the
    first line of x tick labels may start too (a frame read a pixel low).
    """
    return word.col1 <= frame.left and word.row0 < frame.bottom < word.row1


def x_label_words(words: list[Word], frame: Frame, ink: FloatArray | None = None) -> list[Word]:
    """Words in the first text line under the panel, spread along the x axis.

    With the figure's ``ink``, tick marks as long as text is tall are left out.
    """
    marks = _tick_marks(words, ink, frame, "x")
    candidates = [
        w
        for w in words
        if id(w) not in marks
        and w.row0 >= frame.bottom - 2
        and frame.left - 3 * w.height <= w.centre[1] <= frame.right + 3 * w.height
        and not _bottom_y_label(w, frame)
    ]
    if not candidates:
        return []
    typical = float(np.median([w.height for w in candidates]))
    candidates = [w for w in candidates if w.height >= 0.5 * typical]  # not specks by the axis
    first = min(w.row0 for w in candidates)
    height = float(np.median([w.height for w in candidates if w.row0 <= first + 4]))
    return [w for w in candidates if w.row0 <= first + 0.6 * height]
