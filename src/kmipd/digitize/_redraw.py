"""Rows of counts searched for on a band of overprinted ink, drawn in DejaVu Sans.

The machinery behind ``_overprint``, with the digits drawn by ``_dejavu``:
the search over one band of ink (``_Search``),
a beam search over whole rows under the rule that counts at risk never rise
(``_beam``), a count-by-count polish on the ink alone (``_polish``), the
join of rows searched from either end (``_joined``) and each count's
confidence (``_confidence``). On a face that puts digits on whole pixels
(``_dejavu.LIGHT``), a centre near where the rounding flips is drawn on
the side that leaves less ink unseen (``_Search.centre``), counts that fit
the ink alike are tried nearest the count before first (``_candidates``),
and the beam scores a beginning by the ink later counts cannot draw
either (``_ahead``).
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kmipd.digitize._ahead import _Later, _least_after, _most_before
from kmipd.digitize._dejavu import _Face

__all__ = ["BEAM", "Limit"]

FloatArray = npt.NDArray[np.float64]
Limit = Callable[[int, int], int]  # most who may leave after a centre, given the number at risk
BEAM = 80  # row beginnings kept at each tick
_EXTENDED = 4  # beginnings extended at each tick per beginning kept (least score first)
_MARGIN_COLS = 400  # blank columns around the band, so ink is read without bounds checks
_CANDIDATES = 24  # counts tried after each beginning (those whose ink is best seen)
_FIRST = 400  # counts tried as the row's first (nothing before it narrows them)
_NEAR = 15  # counts either side of its own a polish also tries for a count
_MOVES = 4000  # most counts a polish revisits
_LARGEST = 9999  # largest count a first number is tried as
_POWERS = (10, 100, 1000, 10000, 100000)  # the least count of each length after the first
_SURE = 0.6  # confidence of a rebuilt number whose every alternative redraws clearly worse
_MARGIN = (
    0.075  # added error, in units of one digit's ink, that makes an alternative "clearly worse"
)
_TIED = 0.02  # unseen ink, in units of one digit's ink, within which counts fit alike
_NUDGE = 0.1  # pixels a centre may be off where a face snaps digits to whole pixels


@dataclass
class _State:
    """A beginning of the row: its counts, error so far and ink still open to later counts."""

    score: float
    error: float
    values: list[int]
    clear: FloatArray  # 1 - ink drawn so far, columns ``start`` onwards (columns x band rows)
    start: int


IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Grown:
    """Row beginnings grown by one count each (see :meth:`_Search.grow`), as arrays."""

    score: FloatArray
    error: FloatArray
    start: IntArray  # first column still open
    end: IntArray  # column after the last drawn
    clear: FloatArray  # 1 - ink drawn, (beginnings, columns from ``lo``, band rows)
    lo: int

    def state(self, p: int, values: list[int]) -> _State:
        """Beginning ``p`` as a state holding ``values``."""
        cols = self.clear[p, self.start[p] - self.lo : self.end[p] - self.lo]
        return _State(float(self.score[p]), float(self.error[p]), values, cols, int(self.start[p]))


def _running(values: FloatArray) -> FloatArray:
    """Running sums along each row, from 0 (one column more)."""
    out = np.zeros((values.shape[0], values.shape[1] + 1))
    np.cumsum(values, axis=1, out=out[:, 1:])
    return out


def _squares(values: FloatArray) -> float:
    """Sum of squares."""
    return float((values * values).sum())


class _Search:
    """Beam search over one band of ink (see :func:`decode_overprint`)."""

    def __init__(
        self,
        seen: FloatArray,
        centres: list[float],
        face: _Face,
        beam: int = BEAM,
        ahead: bool = True,
    ) -> None:
        self.seen, self.centres, self.face = seen, centres, face
        self.ascending = all(a <= b for a, b in itertools.pairwise(centres))
        self.beam = beam  # row beginnings kept at each tick
        self.padded = np.pad(seen, ((0, 0), (_MARGIN_COLS, _MARGIN_COLS)))
        # the beam's arrays run column by column (columns x rows), so that a run of
        # columns is one contiguous block, summed in one call
        self.unseen = np.ascontiguousarray(1.0 - self.padded.T)
        self.cache: dict[tuple[int, int], tuple[int, FloatArray]] = {}
        self.papers: dict[tuple[int, int], tuple[int, FloatArray]] = {}
        self.excess: dict[tuple[float, int], FloatArray] = {}
        self.unseen_by_centre: dict[int, FloatArray] = {}  # see :meth:`unseen_ink`
        self.variant: dict[int, IntArray] = {}  # see :meth:`unseen_ink`
        self.variants = [_variants(face, c) for c in centres]
        # on a snapping face, the ink later counts may draw bounds the error to come
        self.ahead = _Later(face, self.variants, seen.shape[0]) if ahead and face.snapped else None
        # squared seen ink left of each column: the error before a row's first number
        self.before = np.concatenate(([0.0], np.cumsum(np.sum(seen**2, axis=0))))

    def centre(self, value: int, k: int) -> float:
        """Where ``value`` is drawn at centre ``k``.

        The centre itself, or, where a face that snaps digits to whole
        pixels would put them one pixel apart from either side of it, the
        side on which the count's drawing leaves less ink unseen.
        """
        options = self.variants[k]
        if len(options) == 1:
            return options[0]
        known = self.variant.get(k)
        if known is not None and known.size > value:
            return options[int(known[value])]
        return options[self._side(k, value)]

    def _side(self, k: int, value: int) -> int:
        """The variant of centre ``k`` that leaves least of ``value``'s ink unseen.

        :meth:`unseen_ink` for one count: its digits summed in the same order.
        """
        length = len(str(value))
        places = range(length) if self.face.mirrored else range(length - 1, -1, -1)
        unseen = []
        for centre in self.variants[k]:
            table, rest, total = self.digit_excess(centre, length), value, np.float64(0.0)
            for i in places:  # last digit first
                total += table[i, rest % 10]
                rest //= 10
            unseen.append(total)
        return int(np.argmin(unseen))

    def drawn(self, value: int, k: int) -> tuple[int, FloatArray]:
        """Number ``value`` at centre ``k``: its first column and ink."""
        key = (value, k)
        if key not in self.cache:
            self.cache[key] = self.face.number(value, self.centre(value, k))
        return self.cache[key]

    def paper(self, value: int, k: int) -> tuple[int, FloatArray]:
        """Number ``value`` at centre ``k``: its first column and 1 - ink, columns x rows."""
        key = (value, k)
        if key not in self.papers:
            col0, ink = self.drawn(value, k)
            self.papers[key] = (col0, np.ascontiguousarray(1.0 - ink.T))
        return self.papers[key]

    def _unseen(self, col0: int, width: int) -> FloatArray:
        """1 - seen ink of columns ``col0`` to ``col0 + width``, columns x rows; read only."""
        at = col0 + _MARGIN_COLS
        if at >= 0 and at + width <= self.unseen.shape[0]:
            return self.unseen[at : at + width]
        return np.ascontiguousarray(1.0 - self._seen(col0, width).T)

    def digit_excess(self, centre: float, length: int) -> FloatArray:
        """Ink not seen of each digit (columns) at each place (rows) of a ``length``-digit count."""
        key = (centre, length)
        if key not in self.excess:
            face = self.face
            left = centre - length * face.advance / 2.0
            table = np.zeros((length, 10))
            for i in range(length):
                base, phase = face.place(left + i * face.advance - face.pad)
                excess = np.clip(face.inks[phase] - self._seen(base, face.width), 0.0, None)
                table[i] = np.sum(excess**2, axis=(1, 2))
            self.excess[key] = table
        return self.excess[key]

    def unseen_ink(self, k: int, top: int) -> FloatArray:
        """Ink not seen of each count 0 to ``top`` (at least) drawn at centre ``k``.

        The sum over its digits of :meth:`digit_excess`, last digit first;
        the least over the centre's variants (see :meth:`centre`).
        """
        got = self.unseen_by_centre.get(k)
        if got is not None and got.size > top:
            return got
        values = np.arange(10 ** len(str(top)))  # to the largest count as long: few recounts
        lengths = np.searchsorted(np.asarray(_POWERS), values, side="right") + 1
        each = np.zeros((len(self.variants[k]), values.size))
        for excess, centre in zip(each, self.variants[k], strict=True):
            for length in np.unique(lengths):
                mine = lengths == length
                table = self.digit_excess(centre, int(length))
                rest = values[mine]
                places = (
                    range(int(length)) if self.face.mirrored else range(int(length) - 1, -1, -1)
                )
                for i in places:  # last digit first
                    excess[mine] += table[i, rest % 10]
                    rest = rest // 10
        self.variant[k] = np.argmin(each, axis=0)
        self.unseen_by_centre[k] = each.min(axis=0)
        return self.unseen_by_centre[k]

    def _seen(self, col0: int, width: int) -> FloatArray:
        """Seen ink of columns ``col0`` to ``col0 + width`` (zero outside the band); read only."""
        at = col0 + _MARGIN_COLS
        if at >= 0 and at + width <= self.padded.shape[1]:
            return self.padded[:, at : at + width]
        out = np.zeros((self.seen.shape[0], width))
        lo, hi = max(0, col0), min(self.seen.shape[1], col0 + width)
        if hi > lo:
            out[:, lo - col0 : hi - col0] = self.seen[:, lo:hi]
        return out

    def closed(self, k: int, value: int) -> int:
        """Columns left of this are final once count ``k`` is ``value``.

        Counts never rise, so the next is no wider than this one; on a
        mirrored face the row runs right to left and the next may be as wide
        as ``_most_before`` allows.
        """
        if k + 1 >= len(self.centres):
            return self.seen.shape[1]
        widest = _most_before(value) if self.face.mirrored else value
        centre = min(self.variants[k + 1])
        return math.floor(centre - len(str(widest)) * self.face.advance / 2.0) - 1

    def extend(self, state: _State | None, value: int, k: int) -> _State:
        """``state`` with count ``value`` drawn at centre ``k``."""
        col0, paper = self.paper(value, k)
        if state is None:
            start, width, error = col0, 0, _squares(self.seen[:, : max(0, col0)])
        else:  # seen ink before the first number is unexplained
            start, width, error = state.start, state.clear.shape[0], state.error
        if col0 < start:  # the drawing's blank margin reaches into closed columns
            paper, col0 = paper[start - col0 :], start
        a = col0 - start
        b = a + paper.shape[0]
        if state is None:
            clear = np.ones((b, paper.shape[1]))
        elif b <= width:
            clear = state.clear.copy()
        else:
            clear = np.concatenate((state.clear, np.ones((b - width, paper.shape[1]))))
        clear[a:b] *= paper
        end = clear.shape[0]
        done = max(start, min(self.closed(k, value), start + end)) - start
        residual = self._unseen(start, end) - clear  # ink drawn - ink seen
        shut = residual[:done].ravel()
        error += float(shut @ shut)
        open_ = np.maximum(residual[done:], 0.0).ravel()
        values = [*(state.values if state else []), value]
        return _State(error + float(open_ @ open_), error, values, clear[done:], start + done)

    def grow(
        self,
        parents: Sequence[_State | None],
        values: Sequence[int],
        k: int,
        limit: Limit | None = None,
    ) -> _Grown:
        """Each parent with its count drawn at centre ``k``, all at once (see :meth:`extend`).

        ``parents[i]`` takes ``values[i]``; None starts a row. The pairs
        share one window of columns, so the error of all of them is a few
        array operations rather than one call each. On a snapping face the
        score also counts the ink later counts cannot draw under ``limit``
        (the search's limit on falls; see ``_ahead``).
        """
        centres = {v: self.centre(v, k) for v in set(values)}
        boxes = [self.face.box(len(str(v)), centres[v]) for v in values]
        col0 = np.array([box[0] for box in boxes])
        reach = col0 + np.array([box[1] for box in boxes])  # after each drawing
        held = [
            (c, c) if s is None else (s.start, s.start + s.clear.shape[0])
            for c, s in zip(col0, parents, strict=True)
        ]
        start, end = np.array([h[0] for h in held]), np.array([h[1] for h in held])
        before = self.before
        error = np.array(
            [
                before[min(max(0, c), self.seen.shape[1])] if s is None else s.error
                for c, s in zip(col0, parents, strict=True)
            ]
        )
        lo, hi = int(start.min()), int(max(end.max(), reach.max()))
        kinds: dict[int, int] = {}
        which = [kinds.setdefault(v, len(kinds)) for v in values]
        papers = self._papers(list(kinds), [centres[v] for v in kinds], lo, hi)
        clear = self._stacked(parents, lo, hi) * papers[which]
        residual = self._unseen(lo, hi - lo)[None] - clear
        squared = _running(np.einsum("pcr,pcr->pc", residual, residual))
        np.maximum(residual, 0.0, out=residual)
        over = _running(np.einsum("pcr,pcr->pc", residual, residual))
        end = np.maximum(end, reach)
        if self.ahead is not None:
            unseen = self._unseen(lo, hi - lo)
            over = over + _running(self.ahead.unexplained(clear, unseen, lo, values, k, limit))
        shut = {v: self.closed(k, v) for v in set(values)}
        closed = np.array([shut[v] for v in values])
        done = np.maximum(start, np.minimum(closed, end))
        at = np.arange(len(values))
        error = error + squared[at, done - lo] - squared[at, start - lo]
        score = error + over[at, end - lo] - over[at, done - lo]
        return _Grown(score, error, done, end, clear, lo)

    def _papers(self, values: list[int], centres: list[float], lo: int, hi: int) -> FloatArray:
        """Clear paper of each count at its centre, columns ``lo`` to ``hi`` (``_Face.papers``)."""
        if len(set(centres)) == 1:
            return self.face.papers(values, centres[0], lo, hi)
        out = np.empty((len(values), hi - lo, self.seen.shape[0]))
        for centre in set(centres):
            mine = [j for j, c in enumerate(centres) if c == centre]
            out[mine] = self.face.papers([values[j] for j in mine], centre, lo, hi)
        return out

    def _stacked(self, parents: Sequence[_State | None], lo: int, hi: int) -> FloatArray:
        """Each parent's clear paper over columns ``lo`` to ``hi`` (ones for None), one per pair."""
        owners: dict[int, int] = {}  # parent (by id) -> its row of ``stack``
        which = [owners.setdefault(id(s), len(owners)) for s in parents]
        stack = np.ones((len(owners), hi - lo, self.seen.shape[0]))
        for at, s in {at: s for s, at in zip(parents, which, strict=True)}.items():
            if s is not None:
                stack[at, s.start - lo : s.start - lo + s.clear.shape[0]] = s.clear
        return stack[which]

    def finish(self, state: _State) -> float:
        """Total error of a whole row, the seen ink after its last number included."""
        end = state.start + state.clear.shape[0]
        rest = self.seen[:, end:] if end < self.seen.shape[1] else np.zeros((1, 1))
        return state.error + float(np.sum(rest**2))

    def total(self, values: Sequence[int]) -> float:
        """Total error of the row ``values``."""
        state: _State | None = None
        for k, value in enumerate(values):
            state = self.extend(state, value, k)
        return self.finish(state) if state is not None else float(np.sum(self.seen**2))

    def without(self, values: Sequence[int], k: int, digits: int) -> tuple[int, FloatArray]:
        """First column and clear paper (1 - ink) of every count but ``k`` near centre ``k``.

        The columns are those a count of up to ``digits`` digits at ``k`` may cover.
        """
        face = self.face
        reach = digits * face.advance / 2.0
        lo = int(np.floor(self.centres[k] - reach)) - face.pad - 2
        hi = int(np.ceil(self.centres[k] + reach)) + face.pad + 2
        clear = np.ones((self.seen.shape[0], hi - lo))
        most = len(str(max(values, default=0))) * face.advance / 2.0 + face.pad + 4 + _NUDGE
        first, last = 0, len(values)
        if self.ascending:  # only counts whose drawing may reach the columns
            first = bisect.bisect_left(self.centres, lo - most)
            last = min(last, bisect.bisect_right(self.centres, hi + most))
        for j in range(first, last):
            value = values[j]
            half = len(str(value)) * face.advance / 2.0 + face.pad + 4 + _NUDGE  # box, and more
            if j == k or self.centres[j] + half <= lo or self.centres[j] - half >= hi:
                continue
            col0, ink = self.drawn(value, j)
            a, b = max(col0, lo), min(col0 + ink.shape[1], hi)
            if b > a:
                clear[:, a - lo : b - lo] *= 1.0 - ink[:, a - col0 : b - col0]
        return lo, clear

    def error_with(self, k: int, value: int, lo: int, others: FloatArray) -> float:
        """Error over the columns of ``others`` (see :meth:`without`) with ``value`` at ``k``."""
        col0, ink = self.drawn(value, k)
        clear = others.copy()
        a, b = max(col0, lo), min(col0 + ink.shape[1], lo + clear.shape[1])
        if b > a:
            clear[:, a - lo : b - lo] *= 1.0 - ink[:, a - col0 : b - col0]
        return _squares(1.0 - clear - self._seen(lo, clear.shape[1]))


def _variants(face: _Face, centre: float) -> tuple[float, ...]:
    """The centre, or its two sides ``_NUDGE`` away where a snapping face draws them apart."""
    if not face.snapped:
        return (centre,)
    sides = (centre - _NUDGE, centre + _NUDGE)
    for length in range(1, len(_POWERS) + 1):
        lefts = [face.place(c - length * face.advance / 2.0 - face.pad)[0] for c in sides]
        if lefts[0] != lefts[1]:
            return sides
    return (centre,)


def _candidates(
    search: _Search, k: int, upper: int, lower: int, many: int = _CANDIDATES
) -> list[tuple[int, float]]:
    """At most ``many`` counts at centre ``k`` between ``lower`` and ``upper`` whose ink is seen.

    A count's ink where none is seen is the sum over its digits (they do not
    overlap), so the test runs on every count at once before any is drawn.
    """
    low = max(lower, 0)
    if upper < low:
        return []
    excess = search.unseen_ink(k, upper)[low : upper + 1]
    floor = np.zeros(excess.size)
    for start in range(len(_POWERS)):  # a longer count draws more digits, each a little off
        a, b = max(low, _POWERS[start - 1] if start else 0), min(upper + 1, _POWERS[start])
        if a < b:
            floor[a - low : b - low] = excess[a - low : b - low].min()
    over = excess - floor
    keep = np.flatnonzero(over <= 0.5 * search.face.digit_ink)
    if search.face.snapped:  # an exact face: many counts fit the ink alike; nearer ones first
        near = keep if search.face.mirrored else (upper - low) - keep
        tied = np.floor(over[keep] / (_TIED * search.face.digit_ink))
        keep = keep[np.lexsort((near, tied))][:many]
    else:
        keep = keep[np.argsort(over[keep], kind="stable")][:many]
    keep = np.sort(keep)
    return [(int(low + v), float(excess[v])) for v in keep]


def _beam(
    search: _Search,
    bounds: tuple[int | None, int],
    limit: Limit | None = None,
    steps: int | None = None,
    head: Sequence[int] = (),
    width: int | None = None,
) -> list[_State]:
    """Whole rows, best first (with ``steps``: the first counts only, best by score so far).

    ``bounds`` are the counts before and after the row; ``limit(k, n)`` the
    most who may leave after centre ``k`` with ``n`` at risk there; ``head``
    the row's first counts, if known; ``width`` the row beginnings kept at each
    tick (the search's ``beam`` if not given).
    """
    width = width or search.beam
    upper, lower = bounds
    states: list[_State] = []
    if head:
        state = None
        for k, value in enumerate(head):
            state = search.extend(state, value, k)
        states = [state] if state is not None else []
    else:
        first = _LARGEST if upper is None else upper
        values = [v for v, _ in _candidates(search, 0, first, lower, _FIRST)]
        if values:
            grown = search.grow([None] * len(values), values, 0, limit)
            order = np.argsort(grown.score, kind="stable")[:width]
            states = [grown.state(int(p), [values[p]]) for p in order]
    rising = search.face.mirrored
    for k in range(max(1, len(head)), min(steps or len(search.centres), len(search.centres))):
        pairs: list[tuple[FloatArray, IntArray, IntArray]] = []  # (least score, state, count)
        options: dict[int, list[tuple[int, float]]] = {}  # counts allowed after a count
        arrays: dict[int, tuple[IntArray, FloatArray]] = {}  # the same as arrays
        for i, state in enumerate(states):
            prev = state.values[-1]
            if prev not in options and rising:
                high = _most_before(prev) if upper is None else min(upper, _most_before(prev))
                options[prev] = _candidates(search, k, high, prev)
            elif prev not in options:
                low = max(lower, _least_after(prev))
                if limit is not None:
                    low = max(low, prev - limit(k - 1, prev))
                options[prev] = _candidates(search, k, prev, low)
            if prev not in arrays:
                arrays[prev] = (
                    np.array([v for v, _ in options[prev]], dtype=np.int64),
                    np.array([e for _, e in options[prev]], dtype=float),
                )
            counts, excess = arrays[prev]
            pairs.append((state.score + excess, np.full(counts.size, i), counts))
        chosen = _least(pairs, _EXTENDED * width)
        if not chosen:
            return []
        grown = search.grow([states[i] for _, i, _ in chosen], [v for _, _, v in chosen], k, limit)
        kept: dict[tuple[int, ...], int] = {}  # the best beginning ending in the same counts
        for p in np.argsort(grown.score, kind="stable"):
            _, i, v = chosen[p]
            kept.setdefault((*states[i].values[-3:], v), int(p))
            if len(kept) >= width:
                break
        states = [
            grown.state(p, [*states[chosen[p][1]].values, chosen[p][2]]) for p in kept.values()
        ]
    if steps is not None:
        return states
    return sorted(states, key=search.finish)


def _least(
    pairs: list[tuple[FloatArray, IntArray, IntArray]], many: int
) -> list[tuple[float, int, int]]:
    """The ``many`` least (score, state, count) triples of ``pairs``' arrays, in order."""
    if not pairs:
        return []
    score, state, count = (np.concatenate(part) for part in zip(*pairs, strict=True))
    order = np.lexsort((count, state, score))[:many]
    return list(
        zip(score[order].tolist(), state[order].tolist(), count[order].tolist(), strict=True)
    )


def _reverse_row(mirrored: _Search, bounds: tuple[int | None, int]) -> list[int] | None:
    """The row found searching from its right end, where numbers are short and stand clearer.

    ``mirrored`` searches the mirrored ink (see :func:`_search`), where
    counts never fall from left to right; its best row is returned in the
    usual order.
    """
    found = _beam(mirrored, bounds)
    return list(reversed(found[0].values)) if found else None


def _joined(search: _Search, head: list[int], tail: list[int]) -> list[int]:
    """The best of ``tail`` and each beginning of ``head`` followed by the rest of ``tail``."""
    rows = [tail] + [head[:s] + tail[s:] for s in range(1, len(head)) if head[s - 1] >= tail[s]]
    return min(rows, key=search.total)


def _polish(search: _Search, values: list[int], bounds: tuple[int | None, int]) -> list[int]:
    """``values`` changed one count at a time while a change redraws the ink better.

    Each count may take any value its neighbours allow (counts never rise),
    whatever the limits on falls: a limit guides the search (``_beam``) but
    may be too tight where censor marks print over each other and cannot be
    counted. A changed count
    sends its neighbours back to be revisited.
    """
    values = list(values)
    upper, lower = bounds
    todo = list(range(len(values)))
    queued = set(todo)
    for _ in range(_MOVES):
        if not todo:
            break
        k = todo.pop(0)
        queued.discard(k)
        high = values[k - 1] if k else (upper if upper is not None else values[k] + _NEAR)
        low = values[k + 1] if k + 1 < len(values) else lower
        if high < low:
            continue
        tried = {v for v, _ in _candidates(search, k, high, low)} | {values[k]}
        tried |= set(range(max(low, values[k] - _NEAR), min(high, values[k] + _NEAR) + 1))
        lo, others = search.without(values, k, len(str(high)))
        errors = {v: search.error_with(k, v, lo, others) for v in tried}
        best = min(errors, key=lambda v: (errors[v], abs(v - values[k])))
        if errors[best] >= errors[values[k]] - 1e-9:
            continue
        values[k] = best
        reach = (len(str(high)) + 1) * search.face.advance + 2 * search.face.pad
        for j in range(len(values)):
            near = abs(search.centres[j] - search.centres[k]) <= reach
            if near and j != k and j not in queued:
                todo.append(j)
                queued.add(j)
    return values


def _local_error(search: _Search, values: list[int], k: int) -> float:
    """Error of the drawn row over the columns count ``k`` can touch (up to five digits wide)."""
    lo, others = search.without(values, k, 5)
    return search.error_with(k, values[k], lo, others)


def _confidence(
    search: _Search, values: list[int], rivals: Sequence[list[int]] = ()
) -> list[float]:
    """Per count: ``_SURE`` scaled by how much worse the nearest allowed alternative redraws.

    The alternatives are the counts one and ten either side, and each rival
    row (another search's) where it differs, with its counts around.
    """
    unit = search.face.digit_ink
    reach = 5.0 * search.face.advance
    out = []
    for k, value in enumerate(values):
        high = values[k - 1] if k else value + 9
        low = values[k + 1] if k + 1 < len(values) else max(0, value - 9)
        others = [
            [*values[:k], v, *values[k + 1 :]]
            for v in (value - 1, value + 1, value - 10, value + 10)
            if low <= v <= high
        ]
        for rival in rivals:
            if rival[k] != value:
                near = [abs(c - search.centres[k]) <= reach for c in search.centres]
                others.append([r if n else v for v, r, n in zip(values, rival, near, strict=True)])
        if not others:
            out.append(_SURE)
            continue
        best = _local_error(search, values, k)
        worse = min(_local_error(search, row, k) for row in others)
        out.append(round(_SURE * float(np.clip((worse - best) / (_MARGIN * unit), 0.0, 1.0)), 3))
    return out
