"""A row read in the exact light-hinted face: which of its counts the ink decides.

Where the face redraws the ink exactly (``_dejavu.LIGHT``, R's Cairo
devices), a row's drawing is its ink, but digits printed at one place over
each other show as one shape, which does not tell which count each digit
belongs to: 1643, 1642, 1634 print the digits of 1644, 1633, 1624 at the
same places. Two searches find such rows: a beam that keeps the row read
and records the rows it replaced that redraw the ink as well
(``_State.tied``, ``_State.doubt``), and every trade of two digits
printed at one place between two counts (:func:`traded`). The counts
they read otherwise are left out, as are counts whose columns the row
redraws worse than ``_LOCAL`` of a digit's ink (the search went astray).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations, pairwise

import numpy as np

from kmipd.digitize._redraw import (
    _TIED,
    DECIDES,
    FALL_PRIOR,
    _beam,
    _confidence,
    _differ,
    _local_error,
    _Search,
)

__all__ = ["exact", "traded"]

_EXACT = 0.01  # most misfit of a row redrawn in the exact face ...
_LOCAL = 0.02  # ... and most error over a count's columns, in units of one digit's ink
_DOUBT = 0.15  # most confidence of a count another row reads otherwise as well
_MOSTLY = 0.5  # most share of a row's counts redrawn worse than ``_LOCAL`` in the exact face


def exact(
    search: _Search, values: Sequence[int], bounds: tuple[int | None, int]
) -> tuple[list[int], tuple[float, ...], float] | None:
    """The row read in the exact face, each count's confidence, and its misfit.

    Of the rows the beam keeping ``values`` finds that redraw the ink as
    well (within ``_TIED`` of a digit's ink), the one whose falls change
    most gradually is kept. Returns None where the row does not redraw the
    ink within ``_EXACT``, or where most counts redraw worse than
    ``_LOCAL``: then the face is not the table's after all.
    """
    unit = search.face.digit_ink
    search.smooth = FALL_PRIOR * unit
    try:
        found = _beam(search, bounds, None, follow=list(values))
    finally:
        smooth, search.smooth = search.smooth, 0.0
    own = [state for state in found if state.values == list(values)]
    if not own:
        return None
    tolerance = _TIED * unit
    ink = {id(state): search.finish(state) - state.prior for state in found}
    near = [state for state in found if ink[id(state)] <= ink[id(own[0])] + tolerance]
    chosen = min(near, key=search.finish)  # of the rows drawing the ink alike, the evenest
    misfit = ink[id(chosen)] / max(float(np.sum(search.seen**2)), 1e-9)
    if misfit > _EXACT:
        return None
    row = list(chosen.values)
    tied, doubt = set(chosen.tied), set(chosen.doubt)
    for state in near:
        if abs(state.prior - chosen.prior) < DECIDES * smooth:
            tied |= _differ(state.values, row)
        else:
            doubt |= _differ(state.values, row)
    for counts, _ in traded(search, row):
        doubt |= counts
    astray = [_local_error(search, row, k) > _LOCAL * unit for k in range(len(row))]
    if np.mean(astray) > _MOSTLY:
        return None  # not the table's face after all: most counts redraw inexactly
    confidence = tuple(
        0.0 if k in tied or astray[k] else min(c, _DOUBT) if k in doubt else c
        for k, c in enumerate(_confidence(search, row))
    )
    return row, confidence, round(misfit, 4)


def traded(search: _Search, values: Sequence[int]) -> list[tuple[set[int], list[int]]]:
    """Rows that trade two digits printed at one place between two counts, drawn alike.

    Each is given with the two counts it changes. A trade must keep the
    counts from rising and give no count a leading zero.
    """
    face = search.face
    spots: dict[tuple[int, int], list[tuple[int, int]]] = {}  # drawing place -> (count, digit)
    for k, value in enumerate(values):
        text = str(value)
        left = search.centre(value, k) - len(text) * face.advance / 2.0
        for i in range(len(text)):
            spots.setdefault(face.place(left + i * face.advance - face.pad), []).append((k, i))
    tolerance = _TIED * face.digit_ink
    out = []
    for group in spots.values():
        for (k1, i1), (k2, i2) in combinations(group, 2):
            a, b = str(values[k1]), str(values[k2])
            if k1 == k2 or a[i1] == b[i2]:
                continue
            row = list(values)
            row[k1] = int(a[:i1] + b[i2] + a[i1 + 1 :])
            row[k2] = int(b[:i2] + a[i1] + b[i2 + 1 :])
            if len(str(row[k1])) != len(a) or len(str(row[k2])) != len(b):
                continue  # a leading zero
            if any(x < y for x, y in pairwise(row)):
                continue
            if _window_error(search, row, (k1, k2)) <= (
                _window_error(search, values, (k1, k2)) + tolerance
            ):
                out.append(({k1, k2}, row))
    return out


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
