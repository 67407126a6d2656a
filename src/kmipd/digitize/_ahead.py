"""The most ink the counts still to come may draw, for a search in the snapping face.

A beam search over a row of overprinted counts (``_redraw``) scores a row
beginning by the ink it explains so far. Where the face redraws the ink
exactly (``_dejavu.LIGHT``), a beginning can also be judged by the ink
that nothing can explain any more: counts never rise and fall by at most
what the curves allow, so the leading digits of the next counts are nearly
known, and the most ink they may draw is the union over the digits each
place may take (``_Later``). Seen ink outside the drawing so far and that
union is error whatever comes next.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from kmipd.digitize._dejavu import _Face

__all__: list[str] = []

FloatArray = npt.NDArray[np.float64]
Limit = Callable[[int, int], int]  # most who may leave after a centre, given the number at risk
_SHARE = 0.5  # largest share of those at risk a count may fall by from one tick to the next,
_FALL_ANY = 12  # unless the fall is no more than this many


def _least_after(count: int) -> int:
    """The least count that may follow ``count`` at the next tick, whatever the curves show."""
    return min(int(np.floor(count * (1.0 - _SHARE))) - 2, count - _FALL_ANY)


def _most_before(count: int) -> int:
    """The largest count that may stand a tick before ``count`` (see ``_least_after``)."""
    return max(int(np.ceil((count + 2) / (1.0 - _SHARE))) + 1, count + _FALL_ANY)


def _digits(a: int, b: int, unit: int) -> tuple[int, ...]:
    """The digits counts ``a`` to ``b`` show at the place worth ``unit``."""
    if b - a >= 10 * unit:
        return tuple(range(10))
    return tuple(sorted({(x // unit) % 10 for x in range(a - a % unit, b + 1, unit)}))


class _Later:
    """The most ink later counts may draw, per centre and count (caches for one search).

    ``variants`` holds each centre's places to draw at (see
    ``_Search.centre``); ``rows`` is the band's height.
    """

    def __init__(self, face: _Face, variants: Sequence[tuple[float, ...]], rows: int) -> None:
        self.face, self.variants, self.rows = face, variants, rows
        self.widest: dict[tuple[int, int, int], tuple[int, FloatArray]] = {}
        self.futures: dict[tuple[int, int, int, int], tuple[int, FloatArray]] = {}
        self.unions: dict[tuple[tuple[int, ...], int], FloatArray] = {}
        self.shown: dict[tuple[int, tuple[Any, ...]], tuple[int, FloatArray]] = {}

    def unexplained(
        self,
        clear: FloatArray,
        unseen: FloatArray,
        lo: int,
        values: Sequence[int],
        k: int,
        limit: Limit | None,
    ) -> FloatArray:
        """Per pair and column, seen ink neither the counts drawn nor later ones can draw.

        ``clear`` is each pair's clear paper from column ``lo`` (pairs x
        columns x rows), ``unseen`` the band's (columns x rows), ``values``
        each pair's count at centre ``k``, and ``limit(k, n)`` the most who
        may leave after centre ``k`` with ``n`` at risk.
        """
        hi = lo + clear.shape[1]
        kinds: dict[int, int] = {}
        which = [kinds.setdefault(value, len(kinds)) for value in values]
        windows = np.ones((len(kinds), hi - lo, self.rows))
        for value, at in kinds.items():
            col0, future = self._future(k, value, limit)
            a, b = max(lo, col0), min(hi, col0 + future.shape[0])
            if b > a:
                windows[at, a - lo : b - lo] = future[a - col0 : b - col0]
        short = clear * windows[which]
        short -= unseen
        np.maximum(short, 0.0, out=short)
        return np.einsum("pcr,pcr->pc", short, short)

    def _future(self, k: int, value: int, limit: Limit | None) -> tuple[int, FloatArray]:
        """First column and least clear paper the counts after ``value`` at ``k`` may leave.

        Only the counts that reach into ``value``'s drawing count, widened to
        whole hundreds (of four digits) so that fewer are drawn. Searching
        from the right end (a mirrored face), later counts rise.
        """
        unit = 10 ** max(0, len(str(value)) - 2)
        low, top = value // unit * unit, -(-value // unit) * unit
        key = (k, low, top, id(limit))
        got = self.futures.get(key)
        if got is not None:
            return got
        col0, width = self.face.box(len(str(value)), self.variants[k][0])
        width += 2  # the widest variant
        out = np.ones((width, self.rows))
        for j in range(k + 1, len(self.variants)):
            if self.face.mirrored:
                top = _most_before(top)
            else:
                least = _least_after(low)
                if limit is not None:  # the limit grows with those at risk: ``top`` most
                    least = max(least, low - max(limit(j - 1, top), 0))
                low = max(0, least)
            step = 10 ** max(0, len(str(top)) - 2)
            first, clear = self._widest(j, low // step * step, -(-top // step) * step)
            if first >= col0 + width:
                break
            a, b = max(col0, first), min(col0 + width, first + clear.shape[0])
            if b > a:
                out[a - col0 : b - col0] *= clear[a - first : b - first]
        self.futures[key] = (col0, out)
        return col0, out

    def _widest(self, k: int, low: int, top: int) -> tuple[int, FloatArray]:
        """First column and least clear paper of any count ``low`` to ``top`` at centre ``k``."""
        key = (k, low, top)
        got = self.widest.get(key)
        if got is not None:
            return got
        face = self.face
        lengths = range(len(str(low)), len(str(top)) + 1)
        plan = []  # per length: the digits each place may show
        for length in lengths:
            a, b = max(low, 10 ** (length - 1) if length > 1 else 0), min(top, 10**length - 1)
            units = [10**i if face.mirrored else 10 ** (length - 1 - i) for i in range(length)]
            plan.append((length, tuple(_digits(a, b, unit) for unit in units)))
        drawn = (k, tuple(plan))  # ranges showing the same digits draw the same ink
        got = self.shown.get(drawn)
        if got is None:
            got = self.shown[drawn] = self._drawn_widest(k, plan)
        self.widest[key] = got
        return got

    def _drawn_widest(
        self, k: int, plan: list[tuple[int, tuple[tuple[int, ...], ...]]]
    ) -> tuple[int, FloatArray]:
        """First column and least clear paper of counts showing ``plan``'s digits at ``k``."""
        face = self.face
        boxes = [face.box(length, c) for length, _ in plan for c in self.variants[k]]
        lo = min(box[0] for box in boxes)
        hi = max(box[0] + box[1] for box in boxes)
        ink = np.zeros((hi - lo, self.rows))
        for length, places in plan:
            for centre in self.variants[k]:
                left = centre - length * face.advance / 2.0
                clear = np.ones((hi - lo, self.rows))
                for i, digits in enumerate(places):
                    base, phase = face.place(left + i * face.advance - face.pad)
                    glyph = self._union(digits, phase)
                    c0, c1 = max(base, lo), min(base + face.width, hi)
                    if c1 > c0:
                        clear[c0 - lo : c1 - lo] *= 1.0 - glyph[c0 - base : c1 - base]
                np.maximum(ink, 1.0 - clear, out=ink)
        return lo, 1.0 - ink

    def _union(self, digits: tuple[int, ...], phase: int) -> FloatArray:
        """The most ink any of ``digits`` draws at ``phase`` (columns x rows)."""
        key = (digits, phase)
        if key not in self.unions:
            drawn = [self.face.glyphs[str(d), phase] for d in digits]
            self.unions[key] = np.max(drawn, axis=0).T
        return self.unions[key]
