"""Numbers printed deeply over each other, read by redrawing them in DejaVu Sans.

When a risk table puts a number at every tick and the ticks are closer
than a number is wide, three to six numbers overlap at every place and no
number stands alone to learn the table's font from (see ``_glyphs``).
Such tables come from R (ggplot2/survminer) and matplotlib on Linux, whose
default sans-serif face is DejaVu Sans, which matplotlib ships. This module
draws candidate rows in that face at the size the ink shows and keeps the
row whose drawing matches the ink. A beam search runs left to right under
the rule that counts at risk never rise, once per limit on falls the
curves give (``leaving_limits``); each row found is then polished count by
count on the ink alone, as censoring whose marks print over each other can
exceed any limit. A row printed more than four ticks deep is also searched
from its right end, on the mirrored ink, where the numbers are short and
stand clearer, and the two are joined. The fit is checked: a table in
another face matches badly and is left unread (``None``), and a row
printed more than four ticks deep is kept only where its sharp and
blurred readings hold up on each other's ink (``_held``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont
from scipy.ndimage import gaussian_filter

__all__ = [
    "ADVANCE",
    "DIGIT_HEIGHT",
    "Leaving",
    "Limit",
    "Overprint",
    "decode_overprint",
    "digit_band",
    "leaving_limits",
    "most_leaving",
]

FloatArray = npt.NDArray[np.float64]
Leaving = Callable[[float, float, int], int]  # most who may leave between two times, given
# the number at risk at the first
Limit = Callable[[int, int], int]  # most who may leave after a centre, given the number at risk
_FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
DIGIT_HEIGHT = 1493 / 2048  # DejaVu Sans digit height, in em
ADVANCE = 1303 / 2048  # DejaVu Sans digit advance, in em
_SUPER = 4  # supersampling of the glyph drawings (quarter-pixel positions)
_BEAM = 80  # row beginnings kept at each tick
_PAIRS = 4 * _BEAM  # beginnings extended at each tick (those whose least score is lowest)
_MARGIN_COLS = 400  # blank columns around the band, so ink is read without bounds checks
_CANDIDATES = 24  # counts tried after each beginning (those whose ink is best seen)
_FIRST = 400  # counts tried as the row's first (nothing before it narrows them)
_NEAR = 15  # counts either side of its own a polish also tries for a count
_MOVES = 4000  # most counts a polish revisits
_EXCHANGES = 3  # rounds in which the sharp and blurred searches polish each other's rows
_GAIN = 0.02  # share of its error a polished row must redraw better by to replace its start
_LARGEST = 9999  # largest count a first number is tried as
_SHARE = 0.5  # largest share of those at risk a count may fall by from one tick to the next,
_FALL_ANY = 12  # unless the fall is no more than this many
_FIT = 0.35  # residual ink (share of the ink seen) above which the face is not the table's
_SURE = 0.6  # confidence of a rebuilt number whose every alternative redraws clearly worse
_MARGIN = (
    0.075  # added error, in units of one digit's ink, that makes an alternative "clearly worse"
)
_BLUR = 0.8  # pixels of Gaussian blur on drawing and ink alike: the figure's renderer hints
# and smooths glyphs its own way, which matters most at small sizes
_LEAVE_SLACK = 2.0  # counts a fall may exceed what the curves allow by (reading error) ...
_LEAVE_SHARE = 0.04  # ... plus this share of those at risk
_SCALES = (0.97, 1.0, 1.03)  # sizes tried, as shares of the size the digits' height gives
_PREFIX = 8  # numbers redrawn to choose the size and the advance
_SMALL = 16  # digits fewer rows tall than this are compared blurred
_DEPTH = 7.0  # tick gaps a number may span at most (wider: printed over beyond reading)
_DEEP = 4.0  # tick gaps beyond which a row is kept only where its two readings agree ...
_AGREE = 0.9  # ... on this share of its counts at least, or where the other reading redraws
_CONSISTENT = 0.01  # the row kept within this share of its own best
_STRONG = 0.5  # ink from which a pixel counts when measuring the digits' height


def _place(x: float) -> tuple[int, int]:
    """Column and quarter-pixel phase of a glyph drawing's left edge at ``x``."""
    base = int(np.floor(x))
    phase = round((x - base) * _SUPER)
    return (base + 1, 0) if phase == _SUPER else (base, phase)


@dataclass(frozen=True)
class _Face:
    """DejaVu Sans digits drawn at one size, for a band of ``height`` rows."""

    advance: float
    height: int
    glyphs: dict[tuple[str, int], FloatArray]
    width: int
    pad: int
    mirrored: bool = False  # digits drawn mirrored, right to left (see ``_mirror``)

    def number(self, value: int, centre: float) -> tuple[int, FloatArray]:
        """First column and ink (band rows x columns) of ``value`` centred at ``centre``."""
        text = str(value)[::-1] if self.mirrored else str(value)
        left = centre - len(text) * self.advance / 2.0
        col0 = int(np.floor(left)) - self.pad - 1
        out = np.ones((self.height, int(np.ceil(len(text) * self.advance)) + 2 * self.pad + 4))
        for i, digit in enumerate(text):
            base, phase = _place(left + i * self.advance - self.pad)
            at = base - col0
            out[:, at : at + self.width] *= 1.0 - self.glyphs[digit, phase]
        return col0, 1.0 - out

    @property
    def digit_ink(self) -> float:
        """Squared ink of one digit ("8"): the unit errors are weighed in."""
        return float(np.sum(self.glyphs["8", 0] ** 2))


@lru_cache(maxsize=32)
def _font(em: float) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``em`` pixels, supersampled."""
    return ImageFont.truetype(str(_FONT), max(4, round(em * _SUPER)))


def _advance(em: float, hinted: bool) -> float:
    """Digit advance in pixels at ``em`` pixels.

    ``hinted``: whole pixels, as a renderer that hints its metrics (R's
    Cairo devices) places digits.
    """
    advance = _font(em).getlength("0") / _SUPER
    return float(round(advance)) if hinted else advance


@lru_cache(maxsize=32)
def _face(
    em: float, height: int, baseline: int, blur: float, hinted: bool, mirrored: bool = False
) -> _Face:
    """Digits 0-9 at ``em`` pixels, baseline at row ``baseline`` of a band ``height`` tall.

    ``hinted``: see :func:`_advance`. ``mirrored``: each digit drawn
    mirrored left to right, for a search run from the row's right end on
    the mirrored ink (see :func:`_reverse_row`).
    """
    font = _font(em)
    advance = _advance(em, hinted)
    pad = 2
    width = int(np.ceil(advance)) + 2 * pad + 1
    glyphs: dict[tuple[str, int], FloatArray] = {}
    for digit in "0123456789":
        for phase in range(_SUPER):
            canvas = Image.new("L", (width * _SUPER, height * _SUPER), 0)
            at = 0 if mirrored else phase
            ImageDraw.Draw(canvas).text(
                (pad * _SUPER + at, baseline * _SUPER), digit, font=font, fill=255, anchor="ls"
            )
            pixels = np.asarray(canvas, dtype=float) / 255.0
            if mirrored:  # sub-column m of the mirror shows sub-column ``last - m`` of the digit
                last = round(advance * _SUPER) + 2 * pad * _SUPER + phase - 1
                cols = last - np.arange(pixels.shape[1])
                inside = (cols >= 0) & (cols < pixels.shape[1])
                flipped = np.zeros_like(pixels)
                flipped[:, inside] = pixels[:, cols[inside]]
                pixels = flipped
            small = pixels.reshape(height, _SUPER, width, _SUPER).mean(axis=(1, 3))
            glyphs[digit, phase] = gaussian_filter(small, blur)
    return _Face(advance, height, glyphs, width, pad, mirrored)


def digit_band(ink: FloatArray, row: float, cols: tuple[int, int]) -> tuple[int, int] | None:
    """Top and bottom (inclusive) rows of the digits on text line ``row`` between ``cols``.

    The rows of strong ink around the line's centre that touch it without a gap.
    """
    lo, hi = max(0, cols[0]), min(ink.shape[1], cols[1])
    centre = round(row)
    if hi <= lo or not 0 <= centre < ink.shape[0]:
        return None
    inked = np.asarray((ink[:, lo:hi] >= _STRONG).any(axis=1), dtype=bool)
    if not inked[centre]:
        return None
    top = bottom = centre
    while top > 0 and inked[top - 1]:
        top -= 1
    while bottom < ink.shape[0] - 1 and inked[bottom + 1]:
        bottom += 1
    return top, bottom


@dataclass(frozen=True)
class Overprint:
    """A row of numbers rebuilt from their overprinted ink.

    Attributes
    ----------
    values : tuple of int
        One count per centre.
    confidence : tuple of float
        Per count: how clearly the nearest counts its neighbours allow (one
        and ten either side) redraw worse; 0 where the sharp and the blurred
        readings disagree.
    misfit : float
        Ink left unexplained, as a share of the ink seen (0 = drawn exactly).
    """

    values: tuple[int, ...]
    confidence: tuple[float, ...]
    misfit: float


@dataclass
class _State:
    """A beginning of the row: its counts, error so far and ink still open to later counts."""

    score: float
    error: float
    values: list[int]
    clear: FloatArray  # 1 - ink drawn so far, columns ``start`` onwards
    start: int


def _squares(values: FloatArray) -> float:
    """Sum of squares."""
    return float((values * values).sum())


class _Search:
    """Beam search over one band of ink (see :func:`decode_overprint`)."""

    def __init__(self, seen: FloatArray, centres: list[float], face: _Face) -> None:
        self.seen, self.centres, self.face = seen, centres, face
        self.padded = np.pad(seen, ((0, 0), (_MARGIN_COLS, _MARGIN_COLS)))
        self.cache: dict[tuple[int, int], tuple[int, FloatArray]] = {}
        self.excess: dict[tuple[int, int], FloatArray] = {}

    def drawn(self, value: int, k: int) -> tuple[int, FloatArray]:
        """Number ``value`` at centre ``k``: its first column and ink."""
        key = (value, k)
        if key not in self.cache:
            self.cache[key] = self.face.number(value, self.centres[k])
        return self.cache[key]

    def digit_excess(self, k: int, length: int) -> FloatArray:
        """Ink not seen of each digit (columns) at each place (rows) of a ``length``-digit count."""
        key = (k, length)
        if key not in self.excess:
            face = self.face
            left = self.centres[k] - length * face.advance / 2.0
            table = np.zeros((length, 10))
            for i in range(length):
                base, phase = _place(left + i * face.advance - face.pad)
                part = self._seen(base, face.width)
                for d in range(10):
                    glyph = face.glyphs[str(d), phase]
                    table[i, d] = float(np.sum(np.clip(glyph - part, 0.0, None) ** 2))
            self.excess[key] = table
        return self.excess[key]

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
        return int(np.floor(self.centres[k + 1] - len(str(widest)) * self.face.advance / 2.0)) - 1

    def extend(self, state: _State | None, value: int, k: int) -> _State:
        """``state`` with count ``value`` drawn at centre ``k``."""
        col0, ink = self.drawn(value, k)
        start = state.start if state is not None else col0
        if col0 < start:  # the drawing's blank margin reaches into closed columns
            ink, col0 = ink[:, start - col0 :], start
        end = max(col0 + ink.shape[1], state.start + state.clear.shape[1] if state else 0)
        clear = np.ones((self.seen.shape[0], end - start))
        if state is not None:
            clear[:, : state.clear.shape[1]] = state.clear
        clear[:, col0 - start : col0 - start + ink.shape[1]] *= 1.0 - ink
        stop = max(start, min(self.closed(k, value), end))
        error = state.error if state is not None else 0.0
        seen = self._seen(start, clear.shape[1])
        done = stop - start
        if state is None:  # seen ink before the first number is unexplained
            error += _squares(self.seen[:, : max(0, start)])
        error += _squares(1.0 - clear[:, :done] - seen[:, :done])
        over = _squares(np.maximum(1.0 - clear[:, done:] - seen[:, done:], 0.0))
        values = [*(state.values if state else []), value]
        return _State(error + over, error, values, clear[:, done:], stop)

    def finish(self, state: _State) -> float:
        """Total error of a whole row, the seen ink after its last number included."""
        end = state.start + state.clear.shape[1]
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
        for j, value in enumerate(values):
            if j == k:
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


def _candidates(
    search: _Search, k: int, upper: int, lower: int, many: int = _CANDIDATES
) -> list[tuple[int, float]]:
    """At most ``many`` counts at centre ``k`` between ``lower`` and ``upper`` whose ink is seen.

    A count's ink where none is seen is the sum over its digits (they do not
    overlap), so the test runs on every count at once before any is drawn.
    """
    values = np.arange(max(lower, 0), upper + 1)
    if values.size == 0:
        return []
    excess = np.zeros(values.size)
    lengths = 1 + (values >= 10).astype(int) + (values >= 100) + (values >= 1000)
    lengths += values >= 10000
    for length in np.unique(lengths):
        mine = lengths == length
        table = search.digit_excess(k, int(length))
        rest = values[mine]
        places = range(int(length)) if search.face.mirrored else range(int(length) - 1, -1, -1)
        for i in places:  # last digit first
            excess[mine] += table[i, rest % 10]
            rest = rest // 10
    digit_ink = search.face.digit_ink
    floor = np.zeros(values.size)
    for length in np.unique(lengths):  # a longer count draws more digits, each a little off
        floor[lengths == length] = excess[lengths == length].min()
    over = excess - floor
    keep = np.flatnonzero(over <= 0.5 * digit_ink)
    keep = keep[np.argsort(over[keep], kind="stable")][:many]
    keep = np.sort(keep)
    return [(int(v), float(e)) for v, e in zip(values[keep], excess[keep], strict=True)]


def _beam(
    search: _Search,
    bounds: tuple[int | None, int],
    limit: Limit | None = None,
    steps: int | None = None,
    head: Sequence[int] = (),
) -> list[_State]:
    """Whole rows, best first (with ``steps``: the first counts only, best by score so far).

    ``bounds`` are the counts before and after the row; ``limit(k, n)`` the
    most who may leave after centre ``k`` with ``n`` at risk there; ``head``
    the row's first counts, if known.
    """
    upper, lower = bounds
    states: list[_State] = []
    if head:
        state = None
        for k, value in enumerate(head):
            state = search.extend(state, value, k)
        states = [state] if state is not None else []
    else:
        first = _LARGEST if upper is None else upper
        for value, _ in _candidates(search, 0, first, lower, _FIRST):
            states.append(search.extend(None, value, 0))
        states = sorted(states, key=lambda s: s.score)[:_BEAM]
    rising = search.face.mirrored
    for k in range(max(1, len(head)), min(steps or len(search.centres), len(search.centres))):
        pairs: list[tuple[float, int, int]] = []  # (least score, state, count)
        options: dict[int, list[tuple[int, float]]] = {}  # counts allowed after a count
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
            pairs.extend((state.score + e, i, v) for v, e in options[prev])
        pairs.sort()
        grown = [search.extend(states[i], v, k) for _, i, v in pairs[:_PAIRS]]
        grown.sort(key=lambda s: s.score)
        kept: dict[tuple[int, ...], _State] = {}
        for state in grown:
            kept.setdefault(tuple(state.values[-4:]), state)
            if len(kept) >= _BEAM:
                break
        states = list(kept.values())
        if not states:
            return []
    if steps is not None:
        return states
    return sorted(states, key=search.finish)


def _least_after(count: int) -> int:
    """The least count that may follow ``count`` at the next tick, whatever the curves show."""
    return min(int(np.floor(count * (1.0 - _SHARE))) - 2, count - _FALL_ANY)


def _most_before(count: int) -> int:
    """The largest count that may stand a tick before ``count`` (see ``_least_after``)."""
    return max(int(np.ceil((count + 2) / (1.0 - _SHARE))) + 1, count + _FALL_ANY)


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


_ArmRead = tuple[FloatArray, FloatArray, FloatArray]  # an arm's step curve and censor times


def leaving_limits(arms: Sequence[_ArmRead]) -> tuple[Leaving, ...]:
    """The limits on falls a deeply overprinted row is searched under, loosest first.

    :func:`most_leaving`, and where some arms show no censor marks, the
    same with those arms counted as if none of their patients were
    censored: the tighter bound is often right, as censoring is usually
    light, and where it is not the ink decides (see ``decode_overprint``).
    """
    loose = most_leaving(arms)
    if all(len(arm[2]) for arm in arms):
        return (loose,)
    strict = most_leaving(arms, unmarked=True)
    return (loose, strict) if any(len(arm[2]) for arm in arms) else (strict,)


def most_leaving(arms: Sequence[_ArmRead], unmarked: bool = False) -> Leaving:
    """The most who may leave any arm's table between two times, from the curves read.

    Between times ``a`` and ``b`` with ``n`` at risk at ``a``, at most
    ``-n ln(S(b-) / S(a-))`` die (each factor ``1 - d/n_j`` of the
    Kaplan-Meier product is at most ``exp(-d/n)``); add the censor marks
    seen in between and a slack for the reading. The most over all arms is
    returned, as a row's arm is not known yet. Only arms with censor marks
    read count: without marks censoring cannot be counted, and where no arm
    shows any, anyone may leave.

    Parameters
    ----------
    arms : sequence of (times, survival, censor times)
        Each arm's step curve and censor marks.
    unmarked : bool
        Count arms without censor marks too, as if none of their patients
        were censored.
    """

    marked = [arm for arm in arms if unmarked or len(arm[2])]

    def leaving(a: float, b: float, n: int) -> int:
        if not marked:
            return n
        most = 0.0
        for times, survival, marks in marked:
            if len(times) == 0 or b > float(times[-1]):
                return n
            before = np.searchsorted(times, [a, b], side="left") - 1
            s0, s1 = (float(survival[max(i, 0)]) for i in before)
            if s1 <= 0.0 or s0 <= 0.0:
                return n
            died = -n * np.log(min(1.0, s1 / s0))
            censored = int(np.count_nonzero((marks >= a) & (marks < b)))
            most = max(most, died + censored)
        return int(np.ceil(most + _LEAVE_SLACK + _LEAVE_SHARE * n))

    return leaving


def decode_overprint(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    bounds: tuple[int | None, int] = (None, 0),
    limits: Sequence[Limit | None] = (None,),
) -> Overprint | None:
    """Rebuild one count per centre from a band of overprinted numbers.

    Each limit on falls starts one search; its row is then polished count
    by count on the ink alone, and the row that redraws the ink best is
    kept. A row more than ``_DEEP`` ticks deep is also searched from its
    right end and joined (:func:`_rows`). The row is rebuilt twice,
    comparing drawing and ink sharp and blurred (renderers hint and smooth
    small glyphs their own way), each reading polishing the other's rows; a
    count the two disagree on is kept with confidence 0, to be reported,
    not used.

    Parameters
    ----------
    ink : ndarray of float, shape (rows, cols)
        The figure's ink (0 paper, 1 full ink).
    band : (int, int)
        Top and bottom rows (inclusive) of the digits (see :func:`digit_band`).
    centres : list of float
        Image column of each number's centre (its tick), left to right.
    bounds : (int or None, int)
        The count read before these numbers (None if none) and after them.
    limits : sequence of callable or None
        Each ``limit(k, n)``: the most who may leave between centres ``k``
        and ``k + 1`` with ``n`` at risk at ``k`` (see :func:`most_leaving`);
        None for no limit. The first also guides the choice of the face's size.

    Returns
    -------
    Overprint or None
        None when no row of DejaVu Sans digits redraws the ink well enough.
    """
    if len(centres) < 2:
        return None
    depth = _depth(ink, band, centres)
    if depth > _DEPTH:
        return None
    shape = _fit_face(ink, band, centres, bounds[0], limits[0] if limits else None)
    searches = [_search(ink, band, centres, blur, shape) for blur in (0.0, _BLUR)]
    mirrors: list[_Search | None] = [None, None]
    if depth > _DEEP:  # from the right end too, where a search from the left goes astray
        mirrors = [_search(ink, band, centres, blur, shape, True) for blur in (0.0, _BLUR)]
    pools = _exchanged(searches, bounds, limits, mirrors)
    sharp, blurred = (_judged(search, rows) for search, rows in zip(searches, pools, strict=True))
    if sharp is None or blurred is None:
        return None
    small = band[1] - band[0] + 1 < _SMALL
    first, second = (blurred, sharp) if small else (sharp, blurred)
    if depth > _DEEP and not _held(first, second, searches[0] if small else searches[1]):
        return None  # so deep that only a row the other reading finds (nearly) as good holds
    confidence = tuple(
        c if a == b else 0.0
        for a, b, c in zip(first.values, second.values, first.confidence, strict=True)
    )
    return Overprint(first.values, confidence, first.misfit)


def _held(first: Overprint, second: Overprint, other: _Search) -> bool:
    """Whether the reading ``first`` holds up on the other reading's ink (``other``).

    It holds where the two readings agree on ``_AGREE`` of the counts, or
    where the other reading redraws ``first`` within ``_CONSISTENT`` of its
    own best row ``second`` (blurred ink tells near rows apart less well).
    """
    agree = np.mean([a == b for a, b in zip(first.values, second.values, strict=True)])
    if agree >= _AGREE:
        return True
    return other.total(first.values) <= (1.0 + _CONSISTENT) * other.total(second.values)


def _exchanged(
    searches: list[_Search],
    bounds: tuple[int | None, int],
    limits: Sequence[Limit | None],
    mirrors: Sequence[_Search | None],
) -> list[list[list[int]]]:
    """Each search's rows, with the rows the other searches found polished on its own ink.

    A row one reading finds may, polished on another reading's ink, come
    closer to the truth than anything that reading found itself; such rows
    are passed back and forth until none is new (``_EXCHANGES`` rounds at most).
    """
    pools = [
        _rows(search, bounds, limits, mirrored)
        for search, mirrored in zip(searches, mirrors, strict=True)
    ]
    seen = [{tuple(row) for row in pool} for pool in pools]
    for _ in range(_EXCHANGES):
        news: list[list[list[int]]] = [[] for _ in searches]
        for i, search in enumerate(searches):
            for j, pool in enumerate(pools):
                for row in pool:
                    if j != i and tuple(row) not in seen[i]:
                        seen[i].add(tuple(row))
                        news[i].append(_polished(search, row, bounds))
        if not any(news):
            break
        for pool, new in zip(pools, news, strict=True):
            pool.extend(row for row in new if row not in pool)
    return pools


def _depth(ink: FloatArray, band: tuple[int, int], centres: list[float]) -> float:
    """Tick gaps the first number spans, by where its ink starts."""
    advance = (band[1] - band[0] + 1) / DIGIT_HEIGHT * ADVANCE
    inked = np.asarray((ink[band[0] : band[1] + 1] >= _STRONG).any(axis=0), dtype=bool)
    col, gap = int(centres[0]), 0
    while col > 0 and gap < 0.5 * advance:
        col -= 1
        gap = 0 if inked[col] else gap + 1
    left = col + gap
    digits = np.ceil(2.0 * (centres[0] - left) / advance - 0.1)
    return float(digits * advance / float(np.median(np.diff(centres))))


def _band(
    ink: FloatArray, band: tuple[int, int], centres: list[float], advance: float, blur: float
) -> tuple[FloatArray, int, int]:
    """The ink of the digit band (with margins), faint ink and ink beyond the row removed.

    Returns the band, its height and the row of the digits' baseline in it.
    """
    top, bottom = band
    digit = bottom - top + 1
    margin = max(2, digit // 4)
    height = digit + 2 * margin
    lo, hi = top - margin, top - margin + height
    seen = np.zeros((height, ink.shape[1]))
    seen[max(0, -lo) : height - max(0, hi - ink.shape[0])] = ink[max(0, lo) : min(hi, ink.shape[0])]
    seen[:, : max(0, int(centres[0] - 2.6 * advance))] = 0.0
    seen[:, int(np.ceil(centres[-1] + 2.6 * advance)) :] = 0.0
    return gaussian_filter(np.where(seen >= 0.15, seen, 0.0), blur), height, digit + margin


def _fit_face(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    upper: int | None,
    limit: Limit | None,
) -> tuple[float, bool]:
    """Size and advance (hinted or not) that best redraw the row's first ``_PREFIX`` numbers."""
    digit = band[1] - band[0] + 1
    best: tuple[float, float, bool] | None = None
    for scale in _SCALES:
        em = round(digit / DIGIT_HEIGHT * scale * 4) / 4
        for hinted in (False, True):
            seen, height, baseline = _band(ink, band, centres, _advance(em, hinted), 0.0)
            search = _Search(seen, centres, _face(em, height, baseline, 0.0, hinted))
            states = _beam(search, (upper, 0), limit, _PREFIX)
            if not states:
                continue
            lead = states[0]
            misfit = lead.error / max(float(np.sum(seen[:, : lead.start] ** 2)), 1e-9)
            if best is None or misfit < best[0]:
                best = (misfit, em, hinted)
    if best is None:
        return round(digit / DIGIT_HEIGHT * 4) / 4, False
    return best[1], best[2]


def _search(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    blur: float,
    shape: tuple[float, bool],
    mirrored: bool = False,
) -> _Search:
    """The search over the band with drawing and ink blurred by ``blur`` pixels.

    ``shape`` is the face's size in pixels and whether it advances by whole
    pixels; ``mirrored``: the band mirrored left to right, and the digits.
    """
    em, hinted = shape
    seen, height, baseline = _band(ink, band, centres, _advance(em, hinted), blur)
    face = _face(em, height, baseline, blur, hinted, mirrored)
    if not mirrored:
        return _Search(seen, centres, face)
    width = seen.shape[1]
    flipped = [float(width - c) for c in reversed(centres)]
    return _Search(np.ascontiguousarray(seen[:, ::-1]), flipped, face)


def _rows(
    search: _Search,
    bounds: tuple[int | None, int],
    limits: Sequence[Limit | None],
    mirrored: _Search | None = None,
) -> list[list[int]]:
    """One polished row per limit the search starts under, and each joined to a reverse row.

    With ``mirrored`` (the search on the mirrored ink), the row found from
    the right end (:func:`_reverse_row`) is joined to each row found from the
    left (:func:`_joined`): a search from the left may go astray where
    numbers print deepest over each other and never find its way back.
    """
    rows = []
    for limit in limits or (None,):
        found = _beam(search, bounds, limit)
        if found:
            rows.append(_polished(search, found[0].values, bounds))
    tail = None
    if mirrored is not None and rows:  # no count above the first the left searches found
        tail = _reverse_row(mirrored, (max(row[0] for row in rows), bounds[1]))
    if tail is not None:
        best = min(search.total(row) for row in rows)
        for head in list(rows):
            joined = _polished(search, _joined(search, head, tail), bounds)
            if joined not in rows and search.total(joined) < (1.0 - _GAIN) * best:
                rows.append(joined)  # clearly better only: small gains are the renderer's noise
    return rows


def _polished(search: _Search, row: list[int], bounds: tuple[int | None, int]) -> list[int]:
    """``row`` polished (see :func:`_polish`) if that redraws the ink clearly better.

    Polishing changes counts for any gain, and small gains are as often
    the renderer's noise as the truth.
    """
    better = _polish(search, row, bounds)
    return better if search.total(better) < (1.0 - _GAIN) * search.total(row) else list(row)


def _judged(search: _Search, rows: list[list[int]]) -> Overprint | None:
    """The row that redraws the ink best, or None if it is too deep or fits too badly."""
    if not rows:
        return None
    best = min(rows, key=search.total)
    depth = len(str(best[0])) * search.face.advance
    if depth > _DEPTH * float(np.median(np.diff(search.centres))):
        return None
    misfit = search.total(best) / max(float(np.sum(search.seen**2)), 1e-9)
    if misfit > _FIT:
        return None
    rivals = [row for row in rows if row != best]
    return Overprint(tuple(best), tuple(_confidence(search, best, rivals)), round(misfit, 4))
