"""A row read in the exact light-hinted face: which of its counts the ink decides.

Where the face redraws the ink exactly (``_dejavu.LIGHT``, R's Cairo
devices), a row's drawing is its ink, but digits printed at one place over
each other show as one shape, which does not tell which count each digit
belongs to: 1643, 1642, 1634 print the digits of 1644, 1633, 1624 at the
same places. Every trade of two digits printed at one place between two
counts, and every pair of trades where the first alone makes the row rise,
is tried (:func:`traded`). Of the rows drawn alike, the one whose falls
change most evenly is kept (:func:`_settled`); a count another such row
reads otherwise is kept less sure where that row falls clearly less
evenly, and left out where it does not. Counts whose columns the row
redraws worse than ``_LOCAL`` of a digit's ink (the search went astray)
are left out too.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np

from kmipd.digitize._redraw import _TIED, _confidence, _local_error, _Search

__all__ = ["DECIDES", "exact", "traded"]

_EXACT = 0.01  # most misfit of a row redrawn in the exact face ...
_LOCAL = 0.02  # ... and most error over a count's columns, in units of one digit's ink
_DOUBT = 0.15  # most confidence of a count another row drawn alike reads otherwise ...
_DECIDED = 0.3  # ... or, where that row falls clearly less evenly, the most confidence
_MOVES = 20  # most trades a row is moved by
DECIDES = 10.0  # unevenness (:func:`_unevenness`) by which a row falls clearly less evenly
_JUMP = 9.0  # most unevenness of one count (a fall may change abruptly, as censoring does)
_MOSTLY = 0.5  # most share of a row's counts redrawn worse than ``_LOCAL`` in the exact face


def exact(
    search: _Search, values: Sequence[int]
) -> tuple[list[int], tuple[float, ...], float] | None:
    """The row read in the exact face, each count's confidence, and its misfit.

    The row is moved by trades of digits drawn alike while a trade makes
    its falls clearly (``DECIDES``) more even (:func:`_settled`). A count
    that a row drawn alike reads otherwise is kept with confidence
    ``_DECIDED`` at most where that row falls clearly less evenly, and is
    left out (``_DOUBT``) where it does not. Returns None where the row
    does not redraw the ink within ``_EXACT``, or where most counts redraw
    worse than ``_LOCAL``: then the face is not the table's after all.
    """
    unit = search.face.digit_ink
    search = _trimmed(search, values)
    misfit = search.total(values) / max(float(np.sum(search.seen**2)), 1e-9)
    if misfit > _EXACT:
        return None
    row, alike = _settled(search, list(values))
    tied: set[int] = set()
    decided: set[int] = set()
    base = _unevenness(row)
    for other in alike:
        differ = {k for k, (a, b) in enumerate(zip(other, row, strict=True)) if a != b}
        if _unevenness(other) < base + DECIDES:
            tied |= differ
        else:
            decided |= differ
    astray = [_local_error(search, row, k) > _LOCAL * unit for k in range(len(row))]
    if np.mean(astray) > _MOSTLY:
        return None  # not the table's face after all: most counts redraw inexactly
    confidence = tuple(
        0.0
        if astray[k]
        else min(c, _DOUBT)
        if k in tied
        else min(c, _DECIDED)
        if k in decided
        else c
        for k, c in enumerate(_confidence(search, row))
    )
    return row, confidence, round(misfit, 4)


def _trimmed(search: _Search, values: Sequence[int]) -> _Search:
    """The search over the ink of the row's own numbers only.

    The band reaches past the row's first and last numbers (their widths
    were not known), where the numbers of the words either side may print.
    """
    first, _ = search.drawn(values[0], 0)
    last, ink = search.drawn(values[-1], len(values) - 1)
    seen = search.seen.copy()
    seen[:, : max(0, first)] = 0.0
    seen[:, max(0, last + ink.shape[1]) :] = 0.0
    return _Search(seen, search.centres, search.face, search.beam, ahead=False)


def _unevenness(row: Sequence[int]) -> float:
    """How unevenly the row falls: the squared steps between the roots of its falls.

    Each step counts ``_JUMP`` at most (a fall may change abruptly, as
    censoring does).
    """
    falls = np.abs(np.diff(np.asarray(row, dtype=float)))
    jumps = (np.sqrt(falls[1:]) - np.sqrt(falls[:-1])) ** 2
    return float(np.minimum(jumps, _JUMP).sum())


def _settled(search: _Search, row: list[int]) -> tuple[list[int], list[list[int]]]:
    """The row moved by trades of digits drawn alike while its falls get clearly more even.

    Returns the row and the rows drawn alike that trade its digits.
    """
    for _ in range(_MOVES):
        alike = [other for _, other in traded(search, row)]
        if not alike:
            return row, []
        best = min(alike, key=_unevenness)
        if _unevenness(best) > _unevenness(row) - DECIDES:
            return row, alike
        row = best
    return row, [other for _, other in traded(search, row)]


def traded(search: _Search, values: Sequence[int]) -> list[tuple[set[int], list[int]]]:
    """Rows that trade digits printed at one place between counts, drawn alike.

    Each is given with the counts it changes. A trade must keep the counts
    from rising and give no count a leading zero. Each trade is also tried
    with each trade that touches the counts it changed (or, where it makes
    the row rise, the counts it raised): two trades at once, as 1644, 1633,
    1624 print the digits of 1643, 1642, 1634.
    """
    tolerance = _TIED * search.face.digit_ink
    places = _places(search, values)
    touching: dict[int, list[_Place]] = {}
    for place in places:
        touching.setdefault(place[0], []).append(place)
        touching.setdefault(place[2], []).append(place)
    out = []
    for place in places:
        row = _trade(values, place)
        if row is None:
            continue
        counts = {place[0], place[2]}
        risen = _risen(row)
        if not risen:
            if not _alike(search, values, row, counts, tolerance):
                continue
            out.append((counts, row))
        for k in risen or counts:
            for more in touching.get(k, []):
                twice = _trade(row, more) if more != place else None
                if twice is None or _risen(twice):
                    continue
                both = counts | {more[0], more[2]}
                if _alike(search, values, twice, both, tolerance):
                    out.append((both, twice))
    return out


_Place = tuple[int, int, int, int]  # two counts' digits printed at one place: (k1, i1, k2, i2)


def _places(search: _Search, values: Sequence[int]) -> list[_Place]:
    """Every pair of digits of two counts printed at one place."""
    face = search.face
    spots: dict[tuple[int, int], list[tuple[int, int]]] = {}  # drawing place -> (count, digit)
    for k, value in enumerate(values):
        text = str(value)
        left = search.centre(value, k) - len(text) * face.advance / 2.0
        for i in range(len(text)):
            spots.setdefault(face.place(left + i * face.advance - face.pad), []).append((k, i))
    return [
        (k1, i1, k2, i2)
        for group in spots.values()
        for (k1, i1), (k2, i2) in combinations(group, 2)
        if k1 != k2
    ]


def _trade(values: Sequence[int], place: _Place) -> list[int] | None:
    """``values`` with the two digits at ``place`` traded; None if alike or a leading zero."""
    k1, i1, k2, i2 = place
    a, b = str(values[k1]), str(values[k2])
    if a[i1] == b[i2]:
        return None
    row = list(values)
    row[k1] = int(a[:i1] + b[i2] + a[i1 + 1 :])
    row[k2] = int(b[:i2] + a[i1] + b[i2 + 1 :])
    if len(str(row[k1])) != len(a) or len(str(row[k2])) != len(b):
        return None
    return row


def _risen(row: Sequence[int]) -> set[int]:
    """Counts above the count before them."""
    return {k for k in range(1, len(row)) if row[k] > row[k - 1]} | {
        k - 1 for k in range(1, len(row)) if row[k] > row[k - 1]
    }


def _alike(
    search: _Search,
    values: Sequence[int],
    row: Sequence[int],
    counts: set[int],
    tolerance: float,
) -> bool:
    """Whether ``row`` redraws the ink as well as ``values`` where they differ."""
    where = sorted(counts)
    return _window_error(search, row, where) <= _window_error(search, values, where) + tolerance


def _window_error(search: _Search, values: Sequence[int], counts: Sequence[int]) -> float:
    """Error of the row over the columns the ``counts`` are drawn on."""
    boxes = [search.drawn(values[k], k) for k in counts]
    lo = min(col0 for col0, _ in boxes)
    hi = max(col0 + ink.shape[1] for col0, ink in boxes)
    clear = np.ones((search.seen.shape[0], hi - lo))
    for j, value in enumerate(values):
        col0, ink = search.drawn(value, j)
        a, b = max(col0, lo), min(col0 + ink.shape[1], hi)
        if b > a:
            clear[:, a - lo : b - lo] *= 1.0 - ink[:, a - col0 : b - col0]
    residual = 1.0 - clear - search._seen(lo, hi - lo)
    return float(np.sum(residual * residual))
