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
from typing import Any

import numpy as np
import numpy.typing as npt

from kmipd.digitize._glyphs import DigitFont
from kmipd.digitize._judge import Decoded, judged, paste

__all__ = ["Decoded", "decode_span"]

FloatArray = npt.NDArray[np.floating[Any]]  # ink: single or double precision
BEAM = 8  # states kept after each tick
INNER = 4  # partial numbers kept per state while choosing digits
GAIN = 0.5  # weight of newly explained ink when ranking partial numbers
MOST_DIGITS = 6  # longest count searched when nothing bounds the first one


@dataclass(frozen=True, eq=False)
class _State:
    values: tuple[int, ...]
    canvas: FloatArray
    over: float
    under: float
    final: int  # columns left of this are settled (their missing ink counted)
    pending: tuple[str, int] | None = None  # a last digit not yet drawn into ``canvas``


class _Decoder:
    """The search over one span of touching numbers."""

    def __init__(self, seen: FloatArray, col0: int, font: DigitFont, centres: list[float]):
        # single precision: the search compares many small drawings; sums stay in double
        self.seen = np.asarray(seen, dtype=np.float32)
        self.col0, self.font, self.centres = col0, font, centres
        self.names = sorted(font.digits)
        images = [font.digits[n].image for n in self.names]
        self.width = max(image.shape[1] for image in images)
        self.stack = np.zeros((seen.shape[0], len(images), self.width), dtype=np.float32)
        for k, image in enumerate(images):
            self.stack[:, k, : image.shape[1]] = image
        self.clear = 1.0 - self.stack  # paper left by each digit
        self.inked = _inked(self.stack)
        self.drawings: dict[tuple[str, float, int, int], FloatArray] = {}  # see ``_judge._drawn``

    def score(
        self, canvases: list[FloatArray], cols: list[int], which: list[int]
    ) -> tuple[FloatArray, FloatArray]:
        """Per candidate k (digit ``which[k]`` drawn on ``canvases[k]`` at column ``cols[k]``):
        the overshoot it adds and the ink it newly explains.

        Only the pixels the digit inks can change (``_inked``); ink drawn off
        the span is not judged.
        """
        rows, offsets, clear = self.inked
        digits = np.asarray(which)
        rows, clear = rows[digits], clear[digits]
        index = np.asarray(cols)[:, None] + offsets[digits]
        inside = (index >= 0) & (index < self.seen.shape[1])
        index = np.clip(index, 0, self.seen.shape[1] - 1)
        window = np.empty(rows.shape, dtype=self.seen.dtype)
        shared: dict[int, list[int]] = {}  # candidates drawn on the same canvas, gathered at once
        for k, canvas in enumerate(canvases):
            shared.setdefault(id(canvas), []).append(k)
        for group in shared.values():
            window[group] = canvases[group[0]][rows[group], index[group]]
        seen = self.seen[rows, index]
        before = window - seen
        after = (1.0 - (1.0 - window) * clear) - seen
        if not inside.all():
            before, after = before * inside, after * inside
        was, now = np.square(before), np.square(after)
        double = np.float64
        above_now = np.where(after > 0, now, 0.0).sum(axis=1, dtype=double)  # ink drawn
        above_was = np.where(before > 0, was, 0.0).sum(axis=1, dtype=double)  # where none is
        over = above_now - above_was
        gain = (was.sum(axis=1, dtype=double) - above_was) - (
            now.sum(axis=1, dtype=double) - above_now
        )
        return over, gain

    def paint(self, state: _State, digit: str, col: int, added: float) -> _State:
        """A copy of ``state`` with ``digit`` drawn at region column ``col``."""
        image = self.font.digits[digit].image
        canvas = state.canvas.copy()
        window, where, part = paste(canvas, image, col)
        canvas[:, where] = 1.0 - (1.0 - window) * (1.0 - image[:, part])
        return _State(state.values, canvas, state.over + added, state.under, state.final)

    def numbers(
        self, starts: list[tuple[_State, str | None]], centre: float, count: int
    ) -> list[tuple[int, _State, str]]:
        """States after drawing a ``count``-digit number at ``centre`` after each start state.

        ``starts`` pairs each state with the largest count allowed (as text,
        None if unbounded). Partial numbers are ranked, per start state, by
        the ink they draw where there is none less half the ink they newly
        explain (so a thin digit that fits anywhere does not crowd out the
        one that draws the stroke seen); ``INNER`` are kept per start state.
        Returns (index of the start state, state, number as text).
        """
        partial = [
            (origin, state, "", limit is not None, 0.0, limit)
            for origin, (state, limit) in enumerate(starts)
        ]
        for j in range(count):
            canvases, cols, which, meta = [], [], [], []
            places = [self.font.place(d, centre, j, count) - self.col0 for d in self.names]
            for origin, base, prefix, tight, gained, limit in partial:
                top = limit[j] if tight and limit is not None else "9"
                for k, d in enumerate(self.names):
                    if d > top or (j == 0 and count > 1 and d == "0"):
                        continue
                    canvases.append(base.canvas)
                    cols.append(places[k])
                    which.append(k)
                    meta.append((origin, base, prefix + d, tight and d == top, gained, limit))
            if not meta:
                return []
            over, gain = self.score(canvases, cols, which)
            so_far = np.array([(m[1].over, m[4]) for m in meta])
            rank = (so_far[:, 0] + over) - GAIN * (so_far[:, 1] + gain)
            ranked = np.argsort(rank, kind="stable").tolist()
            kept: dict[int, int] = {}
            last = j == count - 1  # the last digit is drawn only if its state is kept
            partial = []
            for m in ranked:
                origin, base, text, tight, gained, limit = meta[m]
                if kept.get(origin, 0) >= INNER:
                    continue
                kept[origin] = kept.get(origin, 0) + 1
                step = _later if last else self.paint
                state = step(base, text[-1], cols[m], float(over[m]))
                partial.append((origin, state, text, tight, gained + float(gain[m]), limit))
        return [(origin, state, text) for origin, state, text, _, _, _ in partial]

    def settle(self, states: list[tuple[_State, tuple[int, ...]]], upto: int) -> list[_State]:
        """Each state with its values and the missing ink of columns before ``upto`` counted.

        States that settle the same columns are settled in one array call.
        """
        out: list[_State | None] = [None] * len(states)
        alike: dict[int, list[int]] = {}
        for k, (state, _) in enumerate(states):
            alike.setdefault(state.final, []).append(k)
        for final, group in alike.items():
            end = max(final, min(upto, self.seen.shape[1]))
            drawn = np.stack([states[k][0].canvas[:, final:end] for k in group])
            for j, k in enumerate(group):
                pending = states[k][0].pending
                if pending is not None:
                    image = self.font.digits[pending[0]].image
                    window, where, part = paste(drawn[j], image, pending[1] - final)
                    drawn[j][:, where] = 1.0 - (1.0 - window) * (1.0 - image[:, part])
            gap = self.seen[None, :, final:end] - drawn
            under = np.square(np.maximum(gap, 0.0)).sum(axis=(1, 2))
            for j, k in enumerate(group):
                state, values = states[k]
                out[k] = _State(
                    values,
                    state.canvas,
                    state.over,
                    state.under + float(under[j]),
                    end,
                    state.pending,
                )
        return [state for state in out if state is not None]

    def drawn(self, state: _State) -> _State:
        """``state`` with its pending digit drawn into a canvas of its own."""
        if state.pending is None:
            return state
        digit, col = state.pending
        done = self.paint(state, digit, col, 0.0)
        return _State(state.values, done.canvas, done.over, state.under, state.final)


def _inked(stack: FloatArray) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], FloatArray]:
    """Per digit of ``stack`` (rows x digits x columns), the pixels it inks.

    Returns rows, columns and clear paper (1 - ink) of each, digits x pixels,
    padded with pixels the digit leaves clear (paper 1), which change nothing.
    """
    pixels = [np.argwhere(stack[:, k, :] > 0) for k in range(stack.shape[1])]
    most = max(1, max(len(p) for p in pixels))
    rows = np.zeros((len(pixels), most), dtype=np.intp)
    cols = np.zeros((len(pixels), most), dtype=np.intp)
    clear = np.ones((len(pixels), most), dtype=stack.dtype)
    for k, p in enumerate(pixels):
        rows[k, : len(p)], cols[k, : len(p)] = p[:, 0], p[:, 1]
        clear[k, : len(p)] = 1.0 - stack[p[:, 0], k, p[:, 1]]
    return rows, cols, clear


def _later(state: _State, digit: str, col: int, added: float) -> _State:
    """``state`` with ``digit`` at ``col`` noted (its overshoot counted) but not yet drawn."""
    return _State(
        state.values, state.canvas, state.over + added, state.under, state.final, (digit, col)
    )


def span_decoder(
    strip: FloatArray,
    span: tuple[int, int],
    centres: list[float],
    font: DigitFont,
    upto: float | None = None,
) -> _Decoder:
    """The search over a span's ink, with two digits' room on each side (to ``upto``)."""
    reach = 2 * font.pitch + 2
    col0 = max(0, int(span[0] - reach))
    end = span[1] + reach if upto is None else upto
    return _Decoder(strip[:, col0 : min(strip.shape[1], int(end))], col0, font, centres)


def widest_count(
    span: tuple[int, int],
    centres: list[float],
    font: DigitFont,
    upper: int | None,
    most: int = MOST_DIGITS,
) -> int:
    """Most digits a count of the span may have.

    The bound's digits when there is one, else what the room left of the
    first tick allows (at most ``most``).
    """
    if upper is not None:
        return len(str(upper))
    room = 2.0 * (centres[0] - span[0]) / font.pitch  # digits left of the first tick, doubled
    return max(1, min(most, int(np.ceil(room + 0.5))))


def decode_span(
    strip: FloatArray,
    span: tuple[int, int],
    centres: list[float],
    font: DigitFont,
    *,
    upper: int | None = None,
    lower: int = 0,
    upto: float | None = None,
    beam_width: int = BEAM,
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
    beam_width : int, optional
        States kept after each tick (wider: slower, loses the best reading less often).

    Returns
    -------
    Decoded or None
        None if no non-rising sequence fits.
    """
    whole = upto is None  # the span scored in full: judge each number too
    decoder = span_decoder(strip, span, centres, font, upto)
    seen, col0 = decoder.seen, decoder.col0
    widest = widest_count(span, centres, font, upper)
    beam = [_State((), np.zeros_like(seen), 0.0, 0.0, 0)]
    for i, centre in enumerate(centres):
        children = []
        for count in range(len(str(lower)), widest + 1):
            starts = []
            for state in beam:
                bound = state.values[-1] if state.values else upper
                if count > (len(str(bound)) if bound is not None else widest):
                    continue
                limit = str(bound) if bound is not None and count == len(str(bound)) else None
                starts.append((state, limit))
            for origin, child, text in decoder.numbers(starts, centre, count):
                value = int(text)
                if value >= lower:
                    children.append((child, (*starts[origin][0].values, value), count))
        if not children:
            return None
        nxt = centres[i + 1] if i + 1 < len(centres) else None
        stop = seen.shape[1] if nxt is None else int(nxt - col0 - widest * font.pitch / 2 - 2)
        settled = decoder.settle([(child, values) for child, values, _ in children], stop)
        settled.sort(key=lambda s: s.over + s.under)
        beam = [decoder.drawn(state) for state in _distinct(settled)[:beam_width]]
    return judged(beam, decoder, upper, whole)


def _distinct(states: list[_State]) -> list[_State]:
    """States ending in different counts (the first of each).

    The last count bounds every later one, so states that differ only
    earlier compete for nothing; keeping different last counts keeps a way
    out when the best state has fallen too low.
    """
    seen: set[int] = set()
    out = []
    for state in states:
        if state.values[-1] not in seen:
            seen.add(state.values[-1])
            out.append(state)
    return out
