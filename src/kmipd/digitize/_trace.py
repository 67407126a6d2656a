"""Trace one arm's step curve from its pixel coverage, column by column.

The curve is a non-increasing staircase drawn with a pen of thickness ``t``.
In every column the ink of the arm forms a vertical run; its top and bottom
edges are read at sub-pixel precision from the coverage of the end pixels.
The curve's centre line is the middle of the run: this is exact on flat
stretches, splits a vertical drop evenly (so areas are kept), and is not moved
by censoring marks, which stick out equally above and below (``+`` and ``|``).
Where another curve covers the top (or the bottom) of the run, the other edge
and the pen thickness give the centre instead; columns with no visible ink are
filled from the curve drawn over them, or else by carrying the level across.
A median filter removes single-column spikes and isotonic regression makes the
result non-increasing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kmipd.digitize._lines import Box

__all__ = ["Runs", "Trace", "column_runs", "follow", "to_corners", "trace_arm"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
STRONG = 0.25  # coverage of a pixel that counts as ink of the run
_FEW_CLEAR = 0.02  # share of an arm's runs clear of other ink below which all give its pen
_EMERGE = 2.0  # an arm first seen within this many (pen widths + 1 px) of another curve
# left it there


@dataclass(frozen=True, eq=False)
class Trace:
    """An arm's traced centre line in pixels.

    Attributes
    ----------
    cols, rows : ndarray of float
        Step corners of the centre line, left to right (a repeated column is a drop).
    thickness : float
        Pen thickness in pixels.
    first_col, last_col : int
        Horizontal extent of the ink (the corners may start further left, where
        the curve's start runs hidden under another curve).
    filled_fraction : float
        Share of the traced columns whose level was not seen directly (hidden
        by another curve, gaps of a dashed line).
    column_rows : ndarray of float
        Centre-line row at each image column from ``first_col`` to ``last_col``.
    bridged_fraction : float
        Share of the traced columns hidden under a box drawn over the curves
        (an inset plot) and bridged straight; not counted in ``filled_fraction``,
        which is the share of the other columns.
    """

    cols: FloatArray
    rows: FloatArray
    thickness: float
    first_col: int
    last_col: int
    filled_fraction: float
    column_rows: FloatArray
    bridged_fraction: float = 0.0

    def level(self, cols: FloatArray) -> FloatArray:
        """Centre-line row at (fractional) image columns, as a step function."""
        index = np.searchsorted(self.cols, np.asarray(cols, dtype=float), side="right") - 1
        return np.asarray(self.rows[np.clip(index, 0, len(self.rows) - 1)], dtype=float)


@dataclass(frozen=True, eq=False)
class Runs:
    """Vertical runs of an arm's ink, one row per run (other curves' ink bridges gaps).

    Attributes
    ----------
    col : ndarray of int
        Column of each run (sorted by column, then top).
    top, bottom : ndarray of float
        Sub-pixel top and bottom edges of the arm's ink in the run. Pixel
        ``r`` spans ``r - 0.5`` to ``r + 0.5``; a partly covered end pixel
        moves the edge inwards, a faint pixel beyond a full one outwards.
    covered_top, covered_bottom : ndarray of bool
        Whether another curve's ink lies just above (below) the run.
    """

    col: npt.NDArray[np.int64]
    top: FloatArray
    bottom: FloatArray
    covered_top: BoolArray
    covered_bottom: BoolArray


def column_runs(coverage: FloatArray, others: BoolArray) -> Runs:
    """Every vertical run of an arm's ink, with sub-pixel edges.

    Parameters
    ----------
    coverage : ndarray of float, shape (rows, cols)
        The arm's ink coverage in [0, 1].
    others : ndarray of bool, shape (rows, cols)
        Ink of the other curves; it joins the arm's ink above and below it
        into one run (a curve drawn across this one).

    Returns
    -------
    Runs
    """
    ink = coverage >= STRONG
    rows = coverage.shape[0]
    merged = np.pad((ink | others).T, ((0, 0), (1, 1))).astype(np.int8)
    step = np.diff(merged, axis=1)
    start_c, start_r = np.nonzero(step == 1)
    _, end_r = np.nonzero(step == -1)
    ink_c, ink_r = np.nonzero(ink.T)
    keys = ink_c * rows + ink_r  # sorted: column-major order
    lo = np.searchsorted(keys, start_c * rows + start_r)
    hi = np.searchsorted(keys, start_c * rows + end_r) - 1
    mine = hi >= lo
    col = start_c[mine]
    first, last = ink_r[lo[mine]], ink_r[hi[mine]]
    above, below = np.maximum(first - 1, 0), np.minimum(last + 1, rows - 1)

    def faint(row: npt.NDArray[np.int64], end: npt.NDArray[np.int64]) -> FloatArray:
        extra = coverage[row, col]
        return np.where((extra < STRONG) & (coverage[end, col] >= 0.9), extra, 0.0)

    top = first + 0.5 - coverage[first, col] - faint(above, first)
    bottom = last - 0.5 + coverage[last, col] + faint(below, last)
    return Runs(
        col, top, bottom, others[above, col] & (first > 0), others[below, col] & (last < rows - 1)
    )


def _thickness(runs: Runs) -> float:
    """Pen thickness: typical height of runs with nothing over them.

    Where almost no run is clear of other ink (a thick black pen whose grey
    anti-aliased edges are taken for a grey curve's ink all along it), all
    runs are used.
    """
    height = runs.bottom - runs.top
    clean = ~runs.covered_top & ~runs.covered_bottom
    return _typical(height[clean] if clean.sum() >= _FEW_CLEAR * clean.size else height)


def _typical(values: FloatArray) -> float:
    """Median of the lower 60 % of run heights (at least 1; 1 for none)."""
    if values.size == 0:
        return 1.0
    return float(max(1.0, np.median(values[values <= np.percentile(values, 60)])))


def _run_levels(runs: Runs, t: float) -> FloatArray:
    """Centre row of every run: its middle, or the uncovered edge -+ t/2 if half hidden."""
    top, bottom = runs.top, runs.bottom
    thin = bottom - top <= t + 0.5
    level = (top + bottom) / 2.0
    only_top = thin & runs.covered_top & ~runs.covered_bottom
    only_bottom = thin & runs.covered_bottom & ~runs.covered_top
    level = np.where(only_top, bottom - t / 2.0, level)
    level = np.where(only_bottom, top + t / 2.0, level)
    lost = runs.covered_top & runs.covered_bottom & (bottom - top < t - 0.5)
    return np.where(lost, np.nan, level)


def _step_costs(
    runs: Runs,
    level: FloatArray,
    now: npt.NDArray[np.int64],
    before: npt.NDArray[np.int64],
    t: float,
) -> FloatArray:
    """Cost of following run ``before[j]`` by run ``now[i]`` (inf if the curve would rise)."""
    return _costs(runs, level, now[:, None], before[None, :], t)


def _costs(
    runs: Runs,
    level: FloatArray,
    now: npt.NDArray[np.int64],
    before: npt.NDArray[np.int64],
    t: float,
) -> FloatArray:
    """Cost of following run ``before`` by run ``now``, elementwise (index arrays broadcast)."""
    rise = level[before] - level[now]
    gap = runs.col[now] - runs.col[before] - 1
    touch = (runs.top[now] <= runs.bottom[before] + 1.0) & (
        runs.bottom[now] >= runs.top[before] - 1.0
    )
    jump = np.where(touch & (gap == 0), 0.0, 0.5 * np.maximum(0.0, np.abs(rise) - t) / t)
    return np.where(rise > t + 1.0, np.inf, 0.05 * gap + jump)


def follow(runs: Runs, cols: int, t: float, min_col: int = 0) -> FloatArray:
    """The curve's level (row) per column, NaN where unseen: the best path through the runs.

    Dynamic programming over the runs left to right: each column on the path
    scores 1, gaps and jumps between runs that do not touch cost a little, and
    rising (survival going up) is not allowed. Objects off the curve (legend
    keys, text, tick marks in the curve's colour) are left off the path.
    """
    level = _run_levels(runs, t)
    usable = np.flatnonzero(np.isfinite(level) & (runs.col >= min_col))
    score = np.full(runs.col.size, -np.inf)
    back = np.full(runs.col.size, -1)
    if usable.size:
        score[usable], linked = _best_paths(runs, level, usable, t)
        back[usable] = np.where(linked >= 0, usable[np.maximum(linked, 0)], -1)
    out = np.full(cols, np.nan)
    node = int(np.argmax(score)) if usable.size else -1
    while node >= 0 and np.isfinite(score[node]):
        out[runs.col[node]] = level[node]
        node = int(back[node])
    return out


_NEAR = 48  # columns searched back first for a run's predecessor (see ``_best_paths``)


def _best_paths(
    runs: Runs, level: FloatArray, usable: npt.NDArray[np.int64], t: float
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Best path score ending at each usable run, and its predecessor (-1: none).

    Indices are positions in ``usable``. Each run's predecessor is searched
    among the runs of the ``_NEAR`` columns before it (their step costs
    computed at once); older runs are searched only where one could beat
    that: a run ``g`` columns further back costs at least ``0.05 g``, so it
    cannot when the best score that far back, less that, is lower. The
    result is that of searching every earlier run.
    """
    cols_of = runs.col[usable]
    columns, starts = np.unique(cols_of, return_index=True)
    ends = np.r_[starts[1:], usable.size]
    lo = np.searchsorted(cols_of, cols_of - _NEAR)  # first run of the window
    hi = np.searchsorted(cols_of, cols_of)  # first run of the own column
    width = int((hi - lo).max())
    pick_from = lo[:, None] + np.arange(max(width, 1))[None, :]
    valid = pick_from < hi[:, None]
    pick_from = np.where(valid, pick_from, 0)
    costs = _costs(runs, level, usable[:, None], usable[pick_from], t)
    cost = np.where(valid, costs, np.inf)
    score = np.full(usable.size, -np.inf)
    linked = np.full(usable.size, -1)
    older = np.searchsorted(columns, columns - _NEAR)  # per column: columns[:older] are older
    at_least = 0.05 * (columns - columns[np.maximum(older, 1) - 1] - 1)  # their least cost
    best_upto: list[float] = []  # best score in columns[: k + 1]
    for k, (a, b) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
        score[a:b] = 1.0
        far = int(older[k])
        bound = best_upto[far - 1] - float(at_least[k]) if far else -np.inf
        if k and b - a == 1:  # one run in the column (the common case)
            total = score[pick_from[a]] - cost[a]
            pick = int(total.argmax())
            gain = float(total[pick])
            if bound < gain - 1e-9:
                if gain > 0.0:
                    score[a], linked[a] = 1.0 + gain, pick_from[a, pick]
            else:
                _link_all(runs, level, usable, (a, b), (score, linked), t)
        elif k:
            total = score[pick_from[a:b]] - cost[a:b]
            pick = np.argmax(total, axis=1)
            gains = total[np.arange(b - a), pick]
            if bound < gains.min() - 1e-9:
                _keep((score, linked), (a, b), gains, pick_from[a:b][np.arange(b - a), pick])
            else:
                _link_all(runs, level, usable, (a, b), (score, linked), t)
        best_upto.append(max(best_upto[-1] if k else -np.inf, float(score[a:b].max())))
    return score, linked


def _link_all(
    runs: Runs,
    level: FloatArray,
    usable: npt.NDArray[np.int64],
    span: tuple[int, int],
    path: tuple[FloatArray, npt.NDArray[np.int64]],
    t: float,
) -> None:
    """The usable runs ``span`` linked to their best predecessors among all earlier runs."""
    a, b = span
    score = path[0]
    total = score[:a][None, :] - _step_costs(runs, level, usable[a:b], usable[:a], t)
    pick = np.argmax(total, axis=1)
    _keep(path, span, total[np.arange(b - a), pick], pick)


def _keep(
    path: tuple[FloatArray, npt.NDArray[np.int64]],
    span: tuple[int, int],
    gains: FloatArray,
    chosen: npt.NDArray[np.int64],
) -> None:
    """Runs ``span`` that gain by a predecessor take it: score ``1 + gain``, link ``chosen``."""
    score, linked = path
    a, b = span
    better = gains > 0.0
    score[a:b][better] = 1.0 + gains[better]
    linked[a:b][better] = chosen[better]


def _fill_gaps(
    level: FloatArray, fallback: FloatArray | None, t: float, covers: tuple[Box, ...] = ()
) -> tuple[FloatArray, int]:
    """Fill NaN gaps between seen columns, from the curve drawn over them or by carrying.

    A gap that a box in ``covers`` (an inset plot drawn over the panel) hides
    is bridged by a straight line: nothing of the curve is seen there.
    Returns the filled levels and the number of columns so bridged.
    """
    known = np.flatnonzero(np.isfinite(level))
    filled = level.copy()
    bridged = 0
    for a, b in itertools.pairwise(known):
        if b - a <= 1:
            continue
        if _covered(int(a), int(b), (level[a], level[b]), covers):
            filled[a + 1 : b] = np.interp(np.arange(a + 1, b), [a, b], [level[a], level[b]])
            bridged += int(b - a - 1)
            continue
        middle = (a + b + 1) // 2
        filled[a + 1 : middle] = level[a]
        filled[middle:b] = level[b]
        if fallback is not None:
            lo, hi = min(level[a], level[b]), max(level[a], level[b])
            other = fallback[a + 1 : b]
            usable = np.isfinite(other) & (other >= lo - t) & (other <= hi + t)
            filled[a + 1 : b] = np.where(usable, np.clip(other, lo, hi), filled[a + 1 : b])
    return filled, bridged


def _covered(a: int, b: int, rows: tuple[float, float], covers: tuple[Box, ...]) -> bool:
    """Whether a box hides most of the gap between columns ``a`` and ``b`` where the
    curve runs between ``rows``."""
    low, high = min(rows), max(rows)
    for row0, col0, row1, col1 in covers:
        shared = min(b, col1) - max(a + 1, col0)
        if shared >= 0.5 * (b - a - 1) and low <= row1 and high >= row0:
            return True
    return False


def to_corners(
    cols: FloatArray, rows: FloatArray, tolerance: float
) -> tuple[FloatArray, FloatArray]:
    """Step corners of a sampled non-increasing staircase.

    Consecutive samples within ``tolerance`` of the running level of a
    plateau belong to it; each plateau gives its two end corners, half a
    column beyond its first and last sample.

    Parameters
    ----------
    cols, rows : ndarray of float
        Equally spaced samples (one per column), rows non-decreasing.
    tolerance : float
        Largest deviation within a plateau, in pixels.

    Returns
    -------
    tuple of ndarray
        Corner columns and rows.
    """
    out_c: list[float] = []
    out_r: list[float] = []
    start, total, count = 0, float(rows[0]), 1
    for i in range(1, len(rows) + 1):
        if i < len(rows) and abs(rows[i] - total / count) <= tolerance:
            total, count = total + float(rows[i]), count + 1
            continue
        level = total / count
        out_c += [float(cols[start]) - 0.5, float(cols[i - 1]) + 0.5]
        out_r += [level, level]
        if i < len(rows):
            start, total, count = i, float(rows[i]), 1
    return np.asarray(out_c), np.asarray(out_r)


def _dissolve(cols: FloatArray, rows: FloatArray, width: float) -> tuple[FloatArray, FloatArray]:
    """Merge the narrow plateaus of one vertical stroke between wider ones into one drop.

    A single drop drawn with a thick pen reads as part of the drop on each
    side of the vertical stroke, with the stroke's columns as one or a few
    narrow plateaus between (the pen's edge rows differ by a fraction of a
    pixel from column to column). When those plateaus together are no wider
    than the stroke, they are removed and the drop put at their centre.
    Longer runs of narrow plateaus (steep staircases) are kept.
    """
    starts, ends, levels = cols[0::2].copy(), cols[1::2].copy(), rows[0::2]
    narrow = (ends - starts) <= width
    keep = np.ones(len(starts), dtype=bool)
    k = 1
    while k < len(starts) - 1:
        if not narrow[k] or narrow[k - 1]:
            k += 1
            continue
        j = k
        while j + 1 < len(starts) and narrow[j + 1]:
            j += 1
        stroke = j + 1 < len(starts) and ends[j] - starts[k] <= width
        if stroke and levels[k - 1] < levels[k] <= levels[j] < levels[j + 1]:
            centre = (starts[k] + ends[j]) / 2.0
            ends[k - 1], starts[j + 1] = centre, centre
            keep[k : j + 1] = False
        k = j + 1
    out_c = np.column_stack([starts[keep], ends[keep]]).ravel()
    out_r = np.repeat(levels[keep], 2)
    return out_c, out_r


def _final_drop(
    runs: Runs, level: FloatArray, first: int, last: int, t: float
) -> tuple[int, float] | None:
    """First column and end row of a vertical stroke ending the curve, if it ends on a drop.

    The last columns of a curve that ends on a drop hold one tall run each:
    its top is the plateau before (``level`` was read as the run's middle),
    its bottom the level after the drop. A censoring tick sticks out above
    the plateau too, so it is not taken for a drop.
    """
    tall: list[tuple[int, float, float]] = []
    for col in range(last, first, -1):
        here = np.flatnonzero(
            (runs.col == col) & (runs.top <= level[col]) & (runs.bottom >= level[col])
        )
        if here.size != 1:
            break
        top, bottom = float(runs.top[here[0]]), float(runs.bottom[here[0]])
        if bottom - top <= 2.0 * t + 2.0:
            break
        tall.append((col, top, bottom))
    if not tall or len(tall) > t + 2.0 or tall[-1][0] - 1 < first:
        return None
    start = tall[-1][0]
    before = level[start - 1]
    if not np.isfinite(before):
        return None
    top = min(item[1] for item in tall)
    bottom = float(np.median([item[2] for item in tall]))
    if top < before - t / 2.0 - 1.5 or bottom < before + t + 2.0:
        return None  # sticks out above the plateau (a censoring tick), or too short
    return start, bottom - t / 2.0


def _hidden_start(
    fallback: FloatArray | None,
    level: FloatArray,
    first: int,
    min_col: int,
    t: float,
    pen: float = 0.0,
) -> int:
    """First column of a curve whose start is hidden under another curve (else ``first``).

    Every arm starts at the top left. An arm first seen where it leaves
    another curve, at that curve's level, ran under it until then: back to
    where that curve is drawn without a break. So, as the best guess, did an
    arm first seen some way from another curve that is drawn from the start
    and was at or above the arm's level further left: a same-colour dashed
    arm is told from the solid one only some way after they part (the caller
    holds the arm at its first level where the other curve is lower).

    ``pen`` is the width of the curves drawn over the arm: an arm seen only
    in slivers beside a thicker curve reads as a thin pen, so the thicker of
    the two sets how near it must emerge.
    """
    if fallback is None or first <= min_col or not np.isfinite(fallback[first - 1]):
        return first
    lead = first
    while lead - 1 >= min_col and np.isfinite(fallback[lead - 1]):
        lead -= 1
    # the arm leaves the other's stroke at its edge: within both half widths, the thicker
    # pen's (slivers of an arm beside a thick pen read as a thin one)
    near = _EMERGE * (max(t, pen) + 1.0)
    if abs(float(fallback[first - 1]) - float(level[first])) <= near:
        return lead
    drawn_from_start = lead <= min_col + near
    was_level = bool(np.any(fallback[lead:first] <= float(level[first]) + near))
    return lead if drawn_from_start and was_level else first


Path = tuple[Runs, float, FloatArray]  # an arm's runs, pen thickness and level per column


def arm_path(coverage: FloatArray, others: BoolArray, min_col: int = 0) -> Path:
    """The arm's ink runs, its pen's thickness and the level it follows per column
    (see :func:`trace_arm`)."""
    runs = column_runs(coverage, others)
    t = _thickness(runs)
    return runs, t, follow(runs, coverage.shape[1], t, min_col)


def trace_arm(
    coverage: FloatArray,
    others: BoolArray,
    min_col: int = 0,
    fallback: FloatArray | None = None,
    tolerance: float = 0.3,
    pen: float = 0.0,
    covers: tuple[Box, ...] = (),
    path: Path | None = None,
) -> Trace | None:
    """Trace the centre line of one arm's curve.

    Parameters
    ----------
    coverage : ndarray of float, shape (rows, cols)
        The arm's ink coverage.
    others : ndarray of bool, shape (rows, cols)
        Ink of the other curves.
    min_col : int, optional
        Columns left of this are ignored (left of the y axis).
    fallback : ndarray of float, shape (cols,), optional
        Level (row) of the other curves per column, used where this one is hidden.
    tolerance : float, optional
        Plateau tolerance for the step corners, in pixels.
    pen : float, optional
        Pen width of the curves in ``fallback`` (see ``_hidden_start``).
    covers : tuple of tuple of int, optional
        ``(row0, col0, row1, col1)`` boxes drawn over the curves (inset plots):
        gaps they hide are bridged straight, not from ``fallback``.
    path : Path, optional
        ``arm_path(coverage, others, min_col)``, if already found.

    Returns
    -------
    Trace or None
        None when the arm has no ink.
    """
    from scipy.ndimage import median_filter
    from scipy.optimize import isotonic_regression

    runs, t, level = path or arm_path(coverage, others, min_col)
    known = np.flatnonzero(np.isfinite(level))
    if known.size < 2:
        return None
    first, last = int(known[0]), int(known[-1])
    seen = level[first : last + 1]
    shifted = tuple((r0, c0 - first, r1, c1 - first) for r0, c0, r1, c1 in covers)
    span, bridged = _fill_gaps(
        seen, None if fallback is None else fallback[first : last + 1], t, shifted
    )
    width = int(2 * np.ceil(t) + 3)
    smooth = median_filter(span, size=width, mode="nearest") if span.size > width else span
    drop = _final_drop(runs, level, first, last, t)
    if drop is not None:  # the stroke of a last drop: the plateau runs on up to it
        span[drop[0] - first :] = span[drop[0] - first - 1]
        smooth = median_filter(span, size=width, mode="nearest") if span.size > width else span
    rows = np.asarray(isotonic_regression(smooth, increasing=True).x, dtype=float)
    lead = _hidden_start(fallback, level, first, min_col, t, pen)
    drawn = rows
    if lead < first:  # the start lies under the curve drawn over it: it runs along that curve
        assert fallback is not None
        hidden = np.minimum(fallback[lead:first], rows[0])  # never below where it is seen
        hidden = np.asarray(isotonic_regression(hidden, increasing=True).x, dtype=float)
        drawn = np.concatenate((hidden, rows))
    cols = np.arange(lead, last + 1, dtype=float)
    corner_c, corner_r = _dissolve(*to_corners(cols, drawn, tolerance), t + 1.0)
    if drop is not None:
        centre = 0.5 * (drop[0] + last + 1)
        corner_c = np.append(np.minimum(corner_c, centre), centre)
        corner_r = np.append(corner_r, max(drop[1], float(corner_r[-1])))
    # columns bridged under a box drawn over the curve are neither seen nor gaps
    unseen = np.sum(~np.isfinite(seen)) - bridged + first - lead
    filled = float(unseen / max(1, last + 1 - lead - bridged))
    return Trace(corner_c, corner_r, t, first, last, filled, rows, bridged / (last + 1 - lead))
