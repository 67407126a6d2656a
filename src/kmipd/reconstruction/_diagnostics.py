"""How well a reconstruction reproduces the curve and the risk table."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kmipd.reconstruction._model import IntervalPlan
from kmipd.types import ArmDiagnostics, IntervalCheck

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_GRID = 1000


def km_at(time: FloatArray, event: IntArray, at: FloatArray) -> FloatArray:
    """Kaplan-Meier survival of ``(time, event)`` just after each of ``at``.

    Parameters
    ----------
    time, event : ndarray
        Patient-level data sorted or not.
    at : ndarray
        Times to evaluate at.

    Returns
    -------
    ndarray
        Right-continuous KM estimate.
    """
    order = np.argsort(time, kind="stable")
    time, event = time[order], event[order]
    unique, first = np.unique(time, return_index=True)
    deaths = np.add.reduceat(event, first) if time.size else np.empty(0)
    at_risk = time.size - first
    factor = np.where(at_risk > 0, 1.0 - deaths / np.maximum(at_risk, 1), 1.0)
    surv = np.cumprod(factor)
    index = np.searchsorted(unique, at, side="right") - 1
    return np.where(index >= 0, surv[np.maximum(index, 0)], 1.0)


def curve_grid(time: FloatArray) -> FloatArray:
    """Evaluation times: a uniform grid plus the midpoints between curve nodes."""
    end = float(time[-1])
    uniform = (np.arange(_GRID) + 0.5) / _GRID * end
    distinct = np.unique(time)
    mids = 0.5 * (distinct[1:] + distinct[:-1])
    return np.unique(np.concatenate((uniform, mids)))


def curve_at(time: FloatArray, surv: FloatArray, at: FloatArray) -> FloatArray:
    """The cleaned curve read as straight lines between its points.

    At a repeated time (a vertical drop) the value after the drop is taken.
    """
    k = np.clip(np.searchsorted(time, at, side="right"), 1, time.size - 1)
    t0, t1, s0, s1 = time[k - 1], time[k], surv[k - 1], surv[k]
    span = t1 - t0
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(span > 0, (at - t0) / np.where(span > 0, span, 1.0), 1.0)
    return np.asarray(s0 + np.clip(frac, 0.0, 1.0) * (s1 - s0), dtype=float)


def diagnose(
    time: FloatArray,
    event: IntArray,
    curve_time: FloatArray,
    curve_surv: FloatArray,
    cuts: FloatArray,
    counts: IntArray,
    plans: list[IntervalPlan],
    *,
    events_given: int | None,
    notes: list[str],
) -> ArmDiagnostics:
    """Fit to the curve, fit to the risk table, counts and notes of one arm."""
    grid = curve_grid(curve_time)
    error = km_at(time, event, grid) - curve_at(curve_time, curve_surv, grid)
    weights = np.diff(np.concatenate(([0.0], grid)))
    checks = tuple(
        IntervalCheck(
            start=float(plan.start),
            end=None if plan.tail else float(plan.stop),
            n_at_risk_given=int(counts[i]),
            n_at_risk_reconstructed=int(np.sum(time >= plan.start)),
            n_events=plan.events,
            n_censored=plan.censored + (plan.left if plan.tail else 0),
        )
        for i, plan in enumerate(plans)
    )
    return ArmDiagnostics(
        n=int(time.size),
        n_events=int(event.sum()),
        n_censored=int(time.size - event.sum()),
        events_given=events_given,
        max_abs_error=float(np.max(np.abs(error))) if error.size else 0.0,
        rmse=float(np.sqrt(np.mean(error**2))) if error.size else 0.0,
        mean_abs_error=float(np.sum(np.abs(error) * weights) / max(grid[-1], 1e-300)),
        intervals=checks,
        warnings=tuple(notes),
        method="kmipd interval model (risk table)"
        if cuts.size > 1
        else "kmipd interval model (no risk table)",
    )
