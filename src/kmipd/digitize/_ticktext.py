"""Tick label text: which words are an axis's tick labels, and the numbers they read."""

from __future__ import annotations

import re

import numpy as np

from kmipd.digitize._frame import Frame
from kmipd.digitize._text import Word

__all__ = ["parse_number", "repair_decimals", "x_label_words", "y_label_words"]

_NUMBER = re.compile(r"^[-+]?\d+(?:[.,]\d+)?%?$")


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


def y_label_words(words: list[Word], frame: Frame) -> list[Word]:
    """Words left of the panel, in the column nearest the y axis, that are numbers."""
    candidates = [
        w
        for w in words
        if w.col1 <= frame.left + 3
        and frame.top - 2 * w.height <= w.centre[0] <= frame.bottom + w.height
    ]
    if not candidates:
        return []
    edge = max(w.col1 for w in candidates)
    height = float(np.median([w.height for w in candidates]))
    return [w for w in candidates if w.col1 >= edge - 2.0 * height]


def x_label_words(words: list[Word], frame: Frame) -> list[Word]:
    """Words in the first text line under the panel, spread along the x axis."""
    candidates = [
        w
        for w in words
        if w.row0 >= frame.bottom - 2
        and frame.left - 3 * w.height <= w.centre[1] <= frame.right + 3 * w.height
    ]
    if not candidates:
        return []
    typical = float(np.median([w.height for w in candidates]))
    candidates = [w for w in candidates if w.height >= 0.5 * typical]  # not specks by the axis
    first = min(w.row0 for w in candidates)
    height = float(np.median([w.height for w in candidates if w.row0 <= first + 4]))
    return [w for w in candidates if w.row0 <= first + 0.6 * height]
