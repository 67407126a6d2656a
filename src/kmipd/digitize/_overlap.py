"""Numbers at risk printed over each other, rebuilt from the table's own digits.

When a table has more ticks than room, its numbers overlap and OCR reads
nonsense. Each number is still centred on its tick and drawn in the table's
font, so the row's ink is the union of known digit images at known places.
A beam search chooses, tick by tick and digit by digit, the numbers whose
drawing best explains the ink, with the counts never rising from one tick to
the next (numbers at risk only fall). A drawn digit where the image has no ink
costs at once; ink that no digit explains costs once no later number can
reach it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kmipd.digitize._glyphs import DigitFont

__all__ = ["Decoded", "decode_span"]

FloatArray = npt.NDArray[np.float64]
BEAM = 8  # states kept after each tick
INNER = 4  # partial numbers kept per state while choosing digits


@dataclass(frozen=True)
class Decoded:
    """Numbers rebuilt for consecutive ticks.

    Attributes
    ----------
    values : tuple of int
    confidence : tuple of float
        Per number: lower where the ink is poorly explained or another
        reading explains it almost as well.
    residual : float
        Share of the span's ink the drawing does not match.
    """

    values: tuple[int, ...]
    confidence: tuple[float, ...]
    residual: float


@dataclass(frozen=True, eq=False)
class _State:
    values: tuple[int, ...]
    canvas: FloatArray
    over: float
    under: float
    final: int  # columns left of this are settled (their missing ink counted)


def _paste(canvas: FloatArray, image: FloatArray, col: int) -> tuple[FloatArray, slice, slice]:
    """Window of ``canvas`` under ``image`` placed at column ``col`` (clipped), and the slices."""
    lo, hi = max(col, 0), min(col + image.shape[1], canvas.shape[1])
    if hi <= lo:
        return canvas[:, 0:0], slice(0, 0), slice(0, 0)
    return canvas[:, lo:hi], slice(lo, hi), slice(lo - col, hi - col)


def _over(drawn: FloatArray, seen: FloatArray) -> float:
    """Ink drawn where the image has less."""
    return float(np.square(np.maximum(drawn - seen, 0.0)).sum())


class _Decoder:
    """The search over one span of touching numbers."""

    def __init__(self, seen: FloatArray, col0: int, font: DigitFont, centres: list[float]):
        self.seen, self.col0, self.font, self.centres = seen, col0, font, centres
        self.names = sorted(font.digits)

    def draw(self, state: _State, digit: str, col: int) -> tuple[float, FloatArray, slice]:
        """Added overshoot and the new window if ``digit`` is drawn at region column ``col``."""
        image = self.font.digits[digit].image
        window, where, part = _paste(state.canvas, image, col)
        seen = self.seen[:, where]
        drawn = 1.0 - (1.0 - window) * (1.0 - image[:, part])
        return _over(drawn, seen) - _over(window, seen), drawn, where

    def number(
        self, state: _State, centre: float, count: int, limit: str | None
    ) -> list[tuple[_State, str]]:
        """States after drawing a ``count``-digit number at ``centre`` (at most ``limit``)."""
        partial: list[tuple[_State, str, bool]] = [(state, "", limit is not None)]
        for j in range(count):
            grown: list[tuple[float, _State, str, bool, FloatArray, slice]] = []
            for base, prefix, tight in partial:
                top = limit[j] if tight and limit is not None else "9"
                for digit in self.names:
                    if digit > top or (j == 0 and count > 1 and digit == "0"):
                        continue
                    col = self.font.place(digit, centre, j, count) - self.col0
                    added, drawn, where = self.draw(base, digit, col)
                    grown.append(
                        (added, base, prefix + digit, tight and digit == top, drawn, where)
                    )
            grown.sort(key=lambda g: g[1].over + g[0])
            partial = [(_with(b, d, w, a), p, t) for a, b, p, t, d, w in grown[:INNER]]
        return [(s, p) for s, p, _ in partial]

    def settle(self, state: _State, values: tuple[int, ...], upto: int) -> _State:
        """``state`` with its values and the missing ink of columns before ``upto`` counted."""
        upto = max(state.final, min(upto, self.seen.shape[1]))
        gap = self.seen[:, state.final : upto] - state.canvas[:, state.final : upto]
        under = float(np.square(np.maximum(gap, 0.0)).sum())
        return _State(values, state.canvas, state.over, state.under + under, upto)


def _with(state: _State, drawn: FloatArray, where: slice, added: float) -> _State:
    """A copy of ``state`` with a digit drawn into its canvas."""
    canvas = state.canvas.copy()
    canvas[:, where] = drawn
    return _State(state.values, canvas, state.over + added, state.under, state.final)


def decode_span(
    strip: FloatArray,
    span: tuple[int, int],
    centres: list[float],
    font: DigitFont,
    *,
    upper: int | None = None,
    lower: int = 0,
    upto: float | None = None,
) -> Decoded | None:
    """The numbers at consecutive ticks whose drawing best explains a span of ink.

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
        The count just left of the span (numbers cannot exceed it) and just
        right of it (numbers cannot fall below it).
    upto : float, optional
        Image column where the comparison stops (to score a part of a span).

    Returns
    -------
    Decoded or None
        None if no non-rising sequence fits.
    """
    reach = 2 * font.pitch + 2
    col0 = max(0, int(span[0] - reach))
    end = span[1] + reach if upto is None else upto
    seen = strip[:, col0 : min(strip.shape[1], int(end))]
    decoder = _Decoder(seen, col0, font, centres)
    room = 2.0 * (centres[0] - span[0]) / font.pitch  # digits left of the first tick, doubled
    widest = len(str(upper)) if upper is not None else max(1, min(6, int(np.ceil(room + 0.5))))
    beam = [_State((), np.zeros_like(seen), 0.0, 0.0, 0)]
    for i, centre in enumerate(centres):
        children = []
        for state in beam:
            bound = state.values[-1] if state.values else upper
            top = len(str(bound)) if bound is not None else widest
            for count in range(len(str(lower)), top + 1):
                limit = str(bound) if bound is not None and count == len(str(bound)) else None
                for child, text in decoder.number(state, centre, count, limit):
                    value = int(text)
                    if value >= lower:
                        children.append((child, (*state.values, value), count))
        if not children:
            return None
        nxt = centres[i + 1] if i + 1 < len(centres) else None
        settled = []
        for child, values, _count in children:
            upto = seen.shape[1] if nxt is None else int(nxt - col0 - widest * font.pitch / 2 - 2)
            settled.append(decoder.settle(child, values, upto))
        settled.sort(key=lambda s: s.over + s.under)
        beam = _distinct(settled)[:BEAM]
    return _result(beam, seen)


def _distinct(states: list[_State]) -> list[_State]:
    """States with different values (the first of each)."""
    seen: set[tuple[int, ...]] = set()
    out = []
    for state in states:
        if state.values not in seen:
            seen.add(state.values)
            out.append(state)
    return out


def _result(beam: list[_State], seen: FloatArray) -> Decoded | None:
    """The best sequence, with per-number confidence from the runners-up."""
    if not beam:
        return None
    best = beam[0]
    ink = float(np.square(seen).sum()) or 1.0
    cost = best.over + best.under
    residual = cost / ink
    close = [s for s in beam[1:] if s.over + s.under <= cost + 0.05 * ink]
    confidence = []
    for i, value in enumerate(best.values):
        rivals = sum(s.values[i] != value for s in close)
        base = max(0.0, 1.0 - 3.0 * residual)
        confidence.append(round(0.9 * base * (0.5 if rivals else 1.0), 3))
    return Decoded(best.values, tuple(confidence), residual)
