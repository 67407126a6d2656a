"""Digits borrowed from the tick labels, redrawn from where the table shows them.

A digit the table never prints alone is first copied from the tick labels,
scaled to the table's size; scaling blurs it and the tick font may differ.
Once a row of touching numbers is rebuilt, every place the digit was drawn
shows some of its pixels uncovered by the other numbers: the median ink of
those pixels over all places is the table's own drawing of the digit.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from kmipd.digitize._glyphs import FAINT, DigitFont

__all__ = ["Placed", "refine_font"]

FloatArray = npt.NDArray[np.float64]
MIN_SEEN = 3  # places a pixel must be seen uncovered to be redrawn


Placed = tuple[FloatArray, list[float], list[int]]  # strip, tick columns, counts rebuilt


def _placements(font: DigitFont, centres: list[float], values: list[int]) -> list[tuple[str, int]]:
    """Every digit drawn for ``values`` at ``centres``: (digit, strip column of its image)."""
    out = []
    for centre, value in zip(centres, values, strict=True):
        text = str(value)
        out += [(d, font.place(d, centre, j, len(text))) for j, d in enumerate(text)]
    return out


def _cover(font: DigitFont, placed: list[tuple[str, int]], cols: int) -> FloatArray:
    """Ink of each drawn digit, stacked: shape (digits, rows, cols)."""
    layers = np.zeros((len(placed), font.height, cols))
    for k, (digit, col) in enumerate(placed):
        image = font.digits[digit].image
        lo, hi = max(col, 0), min(col + image.shape[1], cols)
        if hi > lo:
            layers[k, :, lo:hi] = image[:, lo - col : hi - col]
    return layers


def refine_font(font: DigitFont, rebuilt: list[Placed]) -> DigitFont:
    """The font with its borrowed digits redrawn from the rebuilt rows.

    Parameters
    ----------
    font : DigitFont
    rebuilt : list of (strip, centres, values)
        Each rebuilt span: the row's ink, the tick columns and the counts.

    Returns
    -------
    DigitFont
        Unchanged if no borrowed digit was drawn often enough.
    """
    borrowed = {name for name, digit in font.digits.items() if digit.borrowed}
    if not borrowed:
        return font
    sums: dict[str, list[FloatArray]] = {name: [] for name in borrowed}
    for strip, centres, values in rebuilt:
        placed = _placements(font, centres, values)
        if not any(d in borrowed for d, _ in placed):
            continue
        layers = np.minimum(_cover(font, placed, strip.shape[1]), 0.999)
        blank = np.prod(1.0 - layers, axis=0)  # where no digit drew
        for k, (digit, col) in enumerate(placed):
            if digit not in borrowed:
                continue
            width = font.digits[digit].image.shape[1]
            if col < 0 or col + width > strip.shape[1]:
                continue
            others = 1.0 - blank / (1.0 - layers[k])
            free = others[:, col : col + width] < FAINT
            sums[digit].append(np.where(free, strip[:, col : col + width], np.nan))
    digits = dict(font.digits)
    for name, seen in sums.items():
        if len(seen) < MIN_SEEN:
            continue
        stack = np.stack(seen)
        count = np.sum(~np.isnan(stack), axis=0)
        with warnings.catch_warnings():  # pixels never seen uncovered stay NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            median = np.nanmedian(np.where(count >= MIN_SEEN, stack, np.nan), axis=0)
        old = digits[name]
        image = np.where(np.isnan(median), old.image, median)
        digits[name] = replace(old, image=np.where(image >= FAINT, image, 0.0))
    return replace(font, digits=digits)
