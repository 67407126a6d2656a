"""Restricted mean survival time and differences of it, as R's survival computes them."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from kmipd.analysis._comparison_results import DifferenceResult
from kmipd.analysis._km import kaplan_meier
from kmipd.analysis._results import KaplanMeierResult, RMSTResult
from kmipd.analysis._stats import (
    check_confidence_level,
    normal_interval,
    two_sided_pvalue,
)
from kmipd.analysis._validate import check_tau
from kmipd.errors import ApproximationWarning, InputError

__all__ = ["rmst", "rmst_difference"]


def rmst_from_km(km: KaplanMeierResult, tau: float, confidence_level: float) -> RMSTResult:
    """RMST of a fitted curve, following ``survival:::survmean`` line by line (no warning)."""
    n, d = km.n_at_risk.astype(float), km.n_events.astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_var = np.where(n - d == 0, 0.0, d / (n * (n - d)))
    keep = km.time <= tau
    if not keep.any():
        times, surv, hh = np.array([tau]), np.array([1.0]), np.array([0.0])
    else:
        times = np.append(km.time[keep], tau)
        surv = np.append(km.survival[keep], km.survival[keep][-1])
        hh = np.append(hazard_var[keep], 0.0)
    rectangles = np.diff(np.concatenate([[0.0], times])) * np.concatenate([[1.0], surv[:-1]])
    variance = np.sum(np.cumsum(rectangles[1:][::-1]) ** 2 * hh[::-1][1:])
    estimate, se = float(np.sum(rectangles)), float(np.sqrt(variance))
    return RMSTResult(
        tau=float(tau),
        estimate=estimate,
        se=se,
        ci=normal_interval(estimate, se, confidence_level),
        confidence_level=confidence_level,
        arm=km.arm,
        extended=bool(km.time.size == 0 or tau > km.time[-1]),
    )


def rmst(time: Any, event: Any, *, tau: float, confidence_level: float = 0.95) -> RMSTResult:
    """Restricted mean survival time: the area under the Kaplan-Meier curve up to ``tau``.

    Matches R's ``print(survfit(...), rmean = tau)`` (``rmean`` and
    ``se(rmean)``); the interval is the normal one, ``estimate -/+ z se``.
    A ``tau`` beyond the last observed time is handled as R does (the last
    survival value is carried forward to ``tau``) but warns, since the area
    past follow-up is an extrapolation.

    Parameters
    ----------
    time : array_like of float
        Follow-up times, finite and >= 0.
    event : array_like of {0, 1}
        1 for an event, 0 for a censoring.
    tau : float
        Horizon, > 0.
    confidence_level : float, optional
        Coverage of the interval.

    Returns
    -------
    RMSTResult

    Warns
    -----
    ApproximationWarning
        When ``tau`` lies beyond the last observed time.

    Examples
    --------
    >>> rmst([1, 2, 3, 4], [1, 1, 1, 1], tau=2).estimate
    1.75
    """
    level = check_confidence_level(confidence_level)
    result = rmst_from_km(kaplan_meier(time, event, confidence_level=level), check_tau(tau), level)
    if result.extended:
        warnings.warn(
            f"tau={tau!r} is beyond the last observed time; RMST carries the last survival "
            "value forward to tau (as R does). Choose tau within follow-up to avoid this.",
            ApproximationWarning,
            stacklevel=2,
        )
    return result


def rmst_difference(a: RMSTResult, b: RMSTResult) -> DifferenceResult:
    """Difference ``a - b`` of two RMSTs with a normal interval.

    ``se = sqrt(se_a**2 + se_b**2)`` (independent arms); ``statistic`` is
    ``estimate / se`` and ``pvalue`` its two-sided normal p-value. The
    confidence level is ``a``'s.

    Parameters
    ----------
    a, b : RMSTResult
        RMSTs at the same ``tau``.

    Returns
    -------
    DifferenceResult

    Raises
    ------
    InputError
        When the two ``tau`` differ.

    Examples
    --------
    >>> a = rmst([1, 2, 3, 4], [1, 1, 1, 1], tau=3)
    >>> b = rmst([1, 1, 2, 3], [1, 1, 1, 1], tau=3)
    >>> round(rmst_difference(a, b).estimate, 6)
    0.5
    """
    if a.tau != b.tau:
        raise InputError(
            f"RMSTs at different horizons (tau={a.tau!r} and tau={b.tau!r}) cannot be "
            "compared; compute both with the same tau"
        )
    estimate = a.estimate - b.estimate
    se = float(np.sqrt(a.se**2 + b.se**2))
    z = estimate / se if se > 0 else float("nan")
    return DifferenceResult(
        estimate=estimate,
        se=se,
        ci=normal_interval(estimate, se, a.confidence_level),
        statistic=z,
        pvalue=two_sided_pvalue(z) if se > 0 else None,
        confidence_level=a.confidence_level,
        label=f"RMST {a.arm} - {b.arm} (tau={a.tau:g})",
    )
