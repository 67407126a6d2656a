"""Kaplan-Meier estimate, its quantiles and landmark values, computed as R's survival does."""

from __future__ import annotations

from typing import Any

import numpy as np

from kmipd.analysis._results import (
    FloatArray,
    KaplanMeierResult,
    LandmarkResult,
    QuantileResult,
)
from kmipd.analysis._stats import check_confidence_level, json_number, loglog_limits
from kmipd.analysis._validate import check_arm
from kmipd.errors import InputError

__all__ = ["kaplan_meier", "landmark", "survival_quantile"]

_TOLERANCE = float(np.sqrt(np.finfo(float).eps))  # R's sqrt(.Machine$double.eps)


def kaplan_meier(
    time: Any, event: Any, *, arm: str = "arm", confidence_level: float = 0.95
) -> KaplanMeierResult:
    """Kaplan-Meier estimate with Greenwood errors and log-log limits.

    Matches R's ``survfit(Surv(time, event) ~ 1, conf.type = "log-log")``:
    one row per distinct time (events or censorings); ``std_err`` is the
    Greenwood standard error of log survival, ``sqrt(cumsum(d / (n (n - d))))``
    (infinite once everyone at risk has died); limits are NaN where survival
    is 0 or 1.

    Parameters
    ----------
    time : array_like of float
        Follow-up times, finite and >= 0.
    event : array_like of {0, 1}
        1 for an event, 0 for a censoring.
    arm : str, optional
        Arm name, used in messages and results.
    confidence_level : float, optional
        Coverage of the pointwise limits.

    Returns
    -------
    KaplanMeierResult

    Raises
    ------
    InputError
        On empty or mismatched arrays, negative or non-finite times, or
        events other than 0 and 1.

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1])
    >>> km.survival.tolist()
    [0.75, 0.5, 0.0]
    """
    level = check_confidence_level(confidence_level)
    times, events = check_arm(time, event, arm)
    distinct, index = np.unique(times, return_inverse=True)
    n_events = np.bincount(index, weights=events, minlength=distinct.size)
    n_total = np.bincount(index, minlength=distinct.size).astype(float)
    n_risk = np.cumsum(n_total[::-1])[::-1]
    survival = np.cumprod(1.0 - n_events / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_var = np.where(n_events > 0, n_events / (n_risk * (n_risk - n_events)), 0.0)
    std_err = np.sqrt(np.cumsum(hazard_var))
    lower, upper = loglog_limits(survival, std_err, level)
    return KaplanMeierResult(
        arm=str(arm),
        time=distinct,
        survival=survival,
        lower=lower,
        upper=upper,
        n_at_risk=n_risk,
        n_events=n_events,
        n_censored=n_total - n_events,
        std_err=std_err,
        confidence_level=level,
    )


def _first_at_least(values: FloatArray, positions: FloatArray, p: float) -> int | None:
    """R's ``approx(values, positions, p, method = "constant", f = 1)``: NA outside the range."""
    if values.size == 0 or p < values[0] or p > values[-1]:
        return None
    return int(positions[np.searchsorted(values, p, side="left")])


def _findq(x: FloatArray, y: FloatArray, p: float) -> float | None:
    """``survival:::findq``: the x where the step function y first reaches p.

    On a flat stretch at exactly p it returns the midpoint of the stretch
    (up to the last time when the stretch runs to the end).
    """
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return None
    xmax = x[-1]
    _, first = np.unique(np.where(np.isnan(y), np.inf, y), return_index=True)
    keep = np.sort(first)  # R's !duplicated(y): NA counts as one value
    x, y = x[keep], y[keep]
    ok = ~np.isnan(y)
    positions = np.flatnonzero(ok).astype(float)
    index1 = _first_at_least(y[ok] + _TOLERANCE, positions, p)
    index2 = _first_at_least(y[ok] - _TOLERANCE, positions, p)
    quant = None if index1 is None or index2 is None else float((x[index1] + x[index2]) / 2)
    if p == 0:
        quant = float(x[0])
    if not np.isnan(y[-1]) and abs(p - y[-1]) < _TOLERANCE:
        quant = None if index1 is None else float((x[index1] + xmax) / 2)
    return quant


def survival_quantile(km: KaplanMeierResult, q: float = 0.5) -> QuantileResult:
    """Time by which a fraction ``q`` of the arm has had an event (the median for 0.5).

    Follows R's ``quantile(survfit, probs = q)``: the first time survival is
    at or below ``1 - q`` (midpoint of a flat stretch at exactly ``1 - q``);
    the interval limits are the same quantile of the lower and upper
    confidence curves. A value the curve never reaches is None.

    Parameters
    ----------
    km : KaplanMeierResult
        The fitted curve; its ``confidence_level`` sets the interval's.
    q : float, optional
        Event probability in [0, 1] (R's ``probs``), 0.5 for the median.

    Returns
    -------
    QuantileResult

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])
    >>> survival_quantile(km).estimate
    2.5
    """
    try:
        prob = float(q)
    except (TypeError, ValueError):
        prob = float("nan")
    if not 0.0 <= prob <= 1.0:
        raise InputError(f"q={q!r} is not a probability in [0, 1]; pass q=0.5 for the median")
    x = np.concatenate([[0.0], km.time])
    estimate, lo, hi = (
        _findq(x, np.concatenate([[0.0], 1.0 - curve]), prob)
        for curve in (km.survival, km.lower, km.upper)
    )
    return QuantileResult(
        q=prob,
        estimate=estimate,
        ci=(lo, hi),
        confidence_level=km.confidence_level,
        arm=km.arm,
        km=km,
    )


def _landmark_time(time: float | str) -> float:
    try:
        value = float(time)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value < 0:
        raise InputError(f"landmark time {time!r} is not a finite time >= 0; pass e.g. 12 or '12'")
    return value


def landmark(km: KaplanMeierResult, time: float, *, key: str | None = None) -> LandmarkResult:
    """Survival and event proportion (1 - survival) at a landmark ``time``.

    As R's ``summary(survfit, times = time)``: the value of the step curve at
    ``time`` with its log-log limits; survival 1 with limits (1, 1) before the
    first observed time. Beyond the last observed time of the arm nothing is
    extrapolated: ``estimable`` is False and the values are None.

    Parameters
    ----------
    km : KaplanMeierResult
        The fitted curve.
    time : float
        Landmark time, >= 0 (a numeric string is accepted).
    key : str, optional
        Label of the landmark; ``format(time, "g")`` by default.

    Returns
    -------
    LandmarkResult

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 3, 4], [1, 0, 1, 0])
    >>> landmark(km, 2.5).survival
    0.75
    >>> landmark(km, 9).estimable
    False
    """
    value = _landmark_time(time)
    label = format(value, "g") if key is None else str(key)
    if km.time.size == 0 or value > km.time[-1]:
        return LandmarkResult(
            time=value,
            key=label,
            survival=None,
            ci=(None, None),
            event_proportion=None,
            event_proportion_ci=(None, None),
            estimable=False,
            confidence_level=km.confidence_level,
            arm=km.arm,
        )
    row = int(np.searchsorted(km.time, value, side="right")) - 1
    surv = 1.0 if row < 0 else float(km.survival[row])
    se = 0.0 if row < 0 else json_number(km.std_err[row])
    lo = 1.0 if row < 0 else json_number(km.lower[row])
    hi = 1.0 if row < 0 else json_number(km.upper[row])
    return LandmarkResult(
        time=value,
        key=label,
        survival=surv,
        ci=(lo, hi),
        event_proportion=1.0 - surv,
        event_proportion_ci=(None if hi is None else 1.0 - hi, None if lo is None else 1.0 - lo),
        estimable=True,
        std_err=se,
        at_start=row < 0,
        confidence_level=km.confidence_level,
        arm=km.arm,
    )
