"""Touching numbers rebuilt exactly when each column is printed over by two numbers at most.

The beam search of ``_overlap`` ranks partial readings tick by tick and can
drop the right one early: a digit hidden under its neighbour's looks no
better than any other. When a number is at most two tick gaps wide, each
column between two ticks holds ink of those two numbers only, so the misfit
of a whole span is a sum of terms over pairs of neighbours. Its minimum over
non-rising sequences is then found exactly, by the Viterbi algorithm over the
candidates of each tick. Candidates are the ``KEEP`` counts per tick that draw
least ink on paper (within a pixel): ink is a union, so the right number
draws almost none there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from kmipd.digitize._glyphs import DigitFont
from kmipd.digitize._judge import Decoded, _drawn, _layers, _widen, judged, paste
from kmipd.digitize._overlap import _Decoder, _State, span_decoder, widest_count

__all__ = ["decode_pairs"]

FloatArray = npt.NDArray[np.floating[Any]]  # ink: single or double precision
IntArray = npt.NDArray[np.int64]
KEEP = 100  # candidate counts per tick (every count of up to two digits)
MAX_DIGITS = 4  # longest count considered when nothing bounds the first one


def decode_pairs(
    strip: FloatArray,
    span: tuple[int, int],
    centres: list[float],
    font: DigitFont,
    *,
    upper: int | None = None,
    lower: int = 0,
) -> Decoded | None:
    """The non-rising counts at the ticks whose drawing best explains a span of ink.

    Parameters
    ----------
    strip : ndarray of float, shape (font.height, cols)
        Ink of the table row, aligned with the font's digit images.
    span : tuple of int
        Image columns (half-open) of the touching numbers.
    centres : list of float
        Image column of each tick in the span, left to right.
    font : DigitFont
    upper, lower : int, optional
        Bounds from the counts beside the span.

    Returns
    -------
    Decoded or None
        Counts are read with at most as many digits as keep a number within
        two tick gaps (wider, the misfit is no sum over neighbours); None when
        even the lower bound is wider, or no sequence fits.
    """
    if len(centres) < 2:
        return None
    decoder = span_decoder(strip, span, centres, font)
    seen, col0 = decoder.seen, decoder.col0
    gap = float(np.min(np.diff(centres)))
    fits = int((2 * gap - 2) // font.pitch)  # digits a number may have and touch two gaps only
    widest = min(widest_count(span, centres, font, upper, MAX_DIGITS), fits)
    if widest < len(str(max(lower, 0))):
        return None
    local = [c - col0 for c in centres]
    bounds = [0, *(int(np.floor(c)) for c in local), seen.shape[1]]
    windows = [(bounds[i], bounds[i + 2]) for i in range(len(centres))]
    candidates = [
        _candidates(decoder, c, max(lower, 0), upper, widest, w)
        for c, w in zip(centres, windows, strict=True)
    ]
    if any(v.size == 0 for v, _ in candidates):
        return None
    values = _viterbi(seen, candidates, bounds, windows)
    if values is None:
        return None
    return judged([_state(decoder, values)], decoder, upper)


def _candidates(
    decoder: _Decoder,
    centre: float,
    lower: int,
    upper: int | None,
    widest: int,
    window: tuple[int, int],
) -> tuple[IntArray, list[FloatArray]]:
    """The ``KEEP`` counts at one tick that draw least ink on paper, and their drawings.

    The drawings cover the span's columns ``window`` (the tick's two stretches).
    """
    names = list(decoder.names)
    wide = _widen(decoder.seen)
    values, extra = [], []
    for count in range(len(str(lower)), widest + 1):
        own = np.array(
            [[_overshoot(decoder, wide, d, centre, j, count) for d in names] for j in range(count)]
        )
        first = 10 ** (count - 1) if count > 1 else 0
        numbers = np.arange(first, 10**count)
        numbers = numbers[(numbers >= lower) & ((numbers <= upper) if upper is not None else True)]
        if numbers.size == 0:
            continue
        text = [str(v) for v in numbers]
        usable = np.array([all(ch in names for ch in t) for t in text])
        numbers = numbers[usable]
        if numbers.size == 0:
            continue
        digit = np.array([[names.index(ch) for ch in str(v)] for v in numbers])
        values.append(numbers)
        extra.append(own[np.arange(count)[None, :], digit].sum(axis=1))
    if not values:
        return np.empty(0, dtype=np.int64), []
    allv, alle = np.concatenate(values), np.concatenate(extra)
    order = np.lexsort((-allv, alle))[:KEEP]
    chosen = allv[order].astype(np.int64)
    lo, hi = window
    return chosen, [_drawn(decoder, str(v), centre, hi, lo) for v in chosen]


def _overshoot(
    decoder: _Decoder, wide: FloatArray, digit: str, centre: float, index: int, count: int
) -> float:
    """Ink a digit draws where the image has none within a pixel (``wide``: the ink widened)."""
    image = decoder.font.digits[digit].image
    col = decoder.font.place(digit, centre, index, count) - decoder.col0
    window, _, part = paste(wide, image, col)
    return float(np.square(np.maximum(image[:, part] - window, 0.0)).sum())


def _viterbi(
    seen: FloatArray,
    candidates: list[tuple[IntArray, list[FloatArray]]],
    bounds: list[int],
    windows: list[tuple[int, int]],
) -> tuple[int, ...] | None:
    """Least-misfit non-rising sequence.

    ``bounds`` cut the columns at the ticks: the stretch before the first
    tick holds only the first number, the stretch between ticks k-1 and k
    numbers k-1 and k, the stretch after the last tick only the last number.
    """

    def stack(i: int, lo: int, hi: int) -> FloatArray:
        start = windows[i][0]
        return np.stack([d[:, lo - start : hi - start] for d in candidates[i][1]])

    def alone(i: int, lo: int, hi: int) -> FloatArray:
        return np.asarray(np.square(stack(i, lo, hi) - seen[None, :, lo:hi]).sum(axis=(1, 2)))

    cost = alone(0, bounds[0], bounds[1])
    back: list[IntArray] = []
    for i in range(1, len(candidates)):
        lo, hi = bounds[i], bounds[i + 1]
        pair = _pair_misfit(stack(i - 1, lo, hi), stack(i, lo, hi), seen[:, lo:hi])
        rises = candidates[i][0][None, :] > candidates[i - 1][0][:, None]
        total = np.where(rises, np.inf, cost[:, None] + pair)
        back.append(np.argmin(total, axis=0))
        cost = total[back[-1], np.arange(total.shape[1])]
    cost = cost + alone(len(candidates) - 1, bounds[-2], bounds[-1])
    if not np.isfinite(cost.min()):
        return None
    k = int(np.argmin(cost))
    picks = [k]
    for step in reversed(back):
        k = int(step[k])
        picks.append(k)
    picks.reverse()
    return tuple(int(candidates[i][0][k]) for i, k in enumerate(picks))


def _pair_misfit(left: FloatArray, right: FloatArray, seen: FloatArray) -> FloatArray:
    """Squared misfit of every left and right drawing printed over each other.

    With paper ``p = 1 - seen`` and blanks ``a = 1 - left``, ``b = 1 - right``,
    the union's misfit is ``sum (p - a b)^2 = sum p^2 - 2 (p a) . b + a^2 . b^2``:
    two matrix products over the pixels.
    """
    paper = (1.0 - seen).ravel()
    a = (1.0 - left).reshape(left.shape[0], -1)
    b = (1.0 - right).reshape(right.shape[0], -1)
    return np.asarray(
        float(paper @ paper) - 2.0 * (a * paper) @ b.T + np.square(a) @ np.square(b).T
    )


def _state(decoder: _Decoder, values: tuple[int, ...]) -> _State:
    """A finished search state holding ``values`` drawn on the span."""
    blank = np.ones_like(decoder.seen)
    for layer in _layers(decoder, values, decoder.seen.shape[1]):
        blank *= 1.0 - layer
    canvas = 1.0 - blank
    gap = canvas - decoder.seen
    over = float(np.square(np.maximum(gap, 0.0)).sum())
    under = float(np.square(np.maximum(-gap, 0.0)).sum())
    return _State(values, canvas, over, under, decoder.seen.shape[1])
