"""Cleaning of digitized survival points.

The steps, each recorded as a repair when it changes anything:

1. clip slightly negative times to 0 and survival to [0, 1];
2. sort by time (ties: higher survival first, i.e. the top of a drop first);
3. drop exact duplicate points;
4. drop misclicks: points far off both their neighbourhoods;
5. restore near-vertical corner pairs whose times crossed by click noise;
6. fit a non-increasing curve by isotonic regression in time order;
7. anchor the curve at (0, 1);
8. keep only the first and last point of each flat run (no information lost).
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from kmipd.clean._isotonic import decreasing_fit
from kmipd.errors import CurveError, located
from kmipd.types import CleanedCurve, Curve

__all__ = ["clean_curve", "compress_flats"]

FloatArray = npt.NDArray[np.float64]

_CORNER_WINDOW = 0.01  # fraction of the time range within which crossed corners are swapped
_MISCLICK_MIN = 0.05  # a misclick is at least this far (in survival) from the monotone fit
_MISCLICK_MADS = 10.0  # ... and this many robust standard deviations


def clean_curve(curve: Curve, *, extend_to: float | None = None) -> CleanedCurve:
    """Clean one arm's digitized points into a valid survival curve.

    Parameters
    ----------
    curve : Curve
        Points as digitized, in any order, survival as a probability.
    extend_to : float, optional
        Extend the curve flat to this time if it ends earlier.

    Returns
    -------
    CleanedCurve
        Non-decreasing times, non-increasing survival, starting at (0, 1);
        ``repairs`` says what was changed.

    Raises
    ------
    CurveError
        If fewer than two usable points remain.

    Examples
    --------
    >>> from kmipd.types import Curve
    >>> c = clean_curve(Curve(time=[0, 1, 2, 2.5], survival=[1, 0.8, 0.85, 0.5]))
    >>> [round(s, 3) for s in c.survival]
    [1.0, 0.825, 0.825, 0.5]
    """
    time = np.asarray(curve.time, dtype=float)
    surv = np.asarray(curve.survival, dtype=float)
    repairs: list[str] = []
    _check_finite(curve, time, surv)
    time, surv = _clip(time, surv, repairs)
    time, surv = _sort(time, surv)
    time, surv = _drop_duplicates(time, surv, repairs)
    time, surv = _drop_misclicks(time, surv, repairs)
    surv = _uncross_corners(time, surv, repairs)
    time, surv = _anchor(time, surv, repairs)
    surv = _monotone(surv, repairs)
    time, surv = _extend(time, surv, extend_to, repairs)
    time, surv = compress_flats(time, surv)
    if time.size < 2 or time[-1] <= 0:
        raise CurveError(
            located(
                "fewer than two usable points after cleaning; digitize more of the curve",
                source=curve.source,
            )
        )
    return CleanedCurve(
        time=time,
        survival=surv,
        arm=curve.arm,
        repairs=tuple(repairs),
        n_input_points=len(curve),
        precision=curve.precision,
    )


def _check_finite(curve: Curve, time: FloatArray, surv: FloatArray) -> None:
    bad = ~(np.isfinite(time) & np.isfinite(surv))
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        row = int(curve.rows[index]) if curve.rows is not None else index + 1
        raise CurveError(
            located(
                f"arm {curve.arm!r}: non-finite point ({time[index]}, {surv[index]}); remove it",
                source=curve.source,
                row=row,
            )
        )


def _clip(time: FloatArray, surv: FloatArray, repairs: list[str]) -> tuple[FloatArray, FloatArray]:
    negative = time < 0
    if negative.any():
        repairs.append(f"{int(negative.sum())} negative time(s) set to 0 (min {time.min():.4g})")
        time = np.where(negative, 0.0, time)
    outside = (surv < 0) | (surv > 1)
    if outside.any():
        repairs.append(f"{int(outside.sum())} survival value(s) clipped to [0, 1]")
        surv = np.clip(surv, 0.0, 1.0)
    return time, surv


def _sort(time: FloatArray, surv: FloatArray) -> tuple[FloatArray, FloatArray]:
    order = np.lexsort((-surv, time))
    return time[order], surv[order]


def _drop_duplicates(
    time: FloatArray, surv: FloatArray, repairs: list[str]
) -> tuple[FloatArray, FloatArray]:
    keep = np.ones(time.size, dtype=bool)
    keep[1:] = (np.diff(time) != 0) | (np.diff(surv) != 0)
    if not keep.all():
        repairs.append(f"{int((~keep).sum())} duplicate point(s) dropped")
    return time[keep], surv[keep]


def _uncross_corners(time: FloatArray, surv: FloatArray, repairs: list[str]) -> FloatArray:
    """Swap survival of neighbours that rise within a tiny time window.

    Two clicks on the corners of one vertical drop often cross in time by a
    fraction of a percent of the axis; their order in survival is then the
    truth, not their order in time.
    """
    span = float(time[-1] - time[0]) if time.size > 1 else 0.0
    if span <= 0:
        return surv
    gaps = np.diff(time)
    gaps = gaps[gaps > 0]
    typical = float(np.median(gaps)) if gaps.size else span
    # a dense trace (one point per pixel column) needs no more than a column or two
    window = min(_CORNER_WINDOW * span, 2.0 * typical)
    surv = surv.copy()
    swapped = 0
    for _ in range(50):
        rise = (np.diff(surv) > 0) & (np.diff(time) < window)
        index = np.flatnonzero(rise)
        if index.size == 0:
            break
        index = index[np.concatenate(([True], np.diff(index) > 1))]  # non-overlapping pairs
        surv[index], surv[index + 1] = surv[index + 1], surv[index].copy()
        swapped += index.size
    if swapped:
        repairs.append(f"{swapped} near-vertical corner pair(s) put back in order")
    return surv


def _drop_misclicks(
    time: FloatArray, surv: FloatArray, repairs: list[str]
) -> tuple[FloatArray, FloatArray]:
    """Drop points that break the step pattern against both their neighbourhoods.

    A point is a misclick when it lies far below the median of the next few
    points (a real drop stays down; a misclick does not) or far above the
    median of the previous few. "Far" is at least 0.05 and ten times the
    click noise estimated from successive differences.
    """
    if time.size < 5:
        return time, surv
    after = _neighbour_median(surv, +1)
    before = _neighbour_median(surv, -1)
    steps = np.diff(surv)
    noise = 1.4826 * float(np.median(np.abs(steps - np.median(steps)))) / np.sqrt(2.0)
    limit = max(_MISCLICK_MIN, _MISCLICK_MADS * noise)
    with np.errstate(invalid="ignore"):
        bad = (surv < after - limit) | (surv > before + limit)
    bad[0] = bad[0] and time[0] > 0
    if bad.any() and bad.sum() <= max(1, time.size // 10):
        repairs.append(
            f"{int(bad.sum())} misclick(s) dropped "
            f"(more than {limit:.3f} off their neighbours), "
            f"at time(s) {', '.join(f'{t:.4g}' for t in time[bad][:5])}"
        )
        return time[~bad], surv[~bad]
    return time, surv


def _neighbour_median(values: FloatArray, direction: int, width: int = 3) -> FloatArray:
    """Median of the next (direction 1) or previous (-1) ``width`` values; NaN if fewer than 2."""
    shifted = np.full((width, values.size), np.nan)
    for k in range(1, width + 1):
        if direction > 0:
            shifted[k - 1, :-k] = values[k:]
        else:
            shifted[k - 1, k:] = values[:-k]
    enough = np.sum(~np.isnan(shifted), axis=0) >= 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        median = np.nanmedian(shifted, axis=0)
    return np.where(enough, median, np.nan)


_AT_ONE = 5e-4  # a start this close to 1 is 1 read with rounding (a fifth of a pixel or less)


def _anchor(
    time: FloatArray, surv: FloatArray, repairs: list[str]
) -> tuple[FloatArray, FloatArray]:
    at_zero = time == 0
    if at_zero.any() and surv[at_zero].max() < 1 - _AT_ONE:
        top = float(surv[at_zero].max())
        repairs.append(f"survival at time 0 was {top:.4g}; anchored at 1")
    elif not at_zero.any():
        repairs.append(f"curve started at time {time[0]:.4g}; anchored at (0, 1)")
    keep = ~at_zero | (surv < 0.95)
    return np.concatenate(([0.0], time[keep])), np.concatenate(([1.0], surv[keep]))


def _monotone(surv: FloatArray, repairs: list[str]) -> FloatArray:
    if np.all(np.diff(surv) <= 0):
        return surv
    # a heavy weight keeps the anchor at 1
    weights = np.ones(surv.size)
    weights[0] = 1e6
    fit = decreasing_fit(surv, weights)
    fit[0] = 1.0
    fit = np.minimum(fit, 1.0)
    moved = np.abs(fit - surv)
    repairs.append(
        f"{int((moved > 1e-12).sum())} point(s) moved to make the curve non-increasing "
        f"(largest move {moved.max():.4f})"
    )
    return fit


def _extend(
    time: FloatArray, surv: FloatArray, extend_to: float | None, repairs: list[str]
) -> tuple[FloatArray, FloatArray]:
    if extend_to is None or extend_to <= time[-1]:
        return time, surv
    repairs.append(f"curve extended flat from {time[-1]:.4g} to {extend_to:.4g}")
    return np.append(time, extend_to), np.append(surv, surv[-1])


def compress_flats(time: FloatArray, surv: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Keep the first and last point of every run of equal survival."""
    if time.size <= 2:
        return time, surv
    same_prev = np.concatenate(([False], surv[1:] == surv[:-1]))
    same_next = np.concatenate((surv[:-1] == surv[1:], [False]))
    keep = ~(same_prev & same_next)
    keep[0] = keep[-1] = True
    return time[keep], surv[keep]
