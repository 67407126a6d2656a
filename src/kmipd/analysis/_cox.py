"""Cox model with one binary covariate (Efron ties), its PH test and piecewise ratios.

A small numpy implementation rather than lifelines' ``CoxPHFitter``: the
proportional-hazards test must reproduce R's ``cox.zph`` (survival 3.x),
which needs the Efron risk-set sums at the fitted coefficient, and one
kernel serves the fit, the test and the piecewise fits alike. Agreement
with R's ``coxph(..., ties = "efron")`` is to R's own convergence (~1e-7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import chdtrc

from kmipd.analysis._comparison_results import (
    HazardRatioResult,
    PiecewiseHazardRatio,
    TestResult,
    wald_hazard_ratio,
)
from kmipd.analysis._km import kaplan_meier
from kmipd.analysis._results import FloatArray
from kmipd.analysis._stats import check_confidence_level
from kmipd.analysis._validate import check_arm, check_cuts, check_treated

__all__ = ["cox_hazard_ratio", "piecewise_hazard_ratios", "proportional_hazards_test"]

_MAX_ITER = 60
_MAX_ABS_BETA = 25.0  # beyond this the likelihood is monotone: no finite estimate


@dataclass(frozen=True)
class _Design:
    """Data sorted by time with the index structure of Efron's tie correction.

    Each event contributes one Efron term; ``tie[k]`` is the distinct event
    time of term k and ``frac[k]`` the share (0, 1/d, ..., (d-1)/d) of the
    tied events removed from its risk set.
    """

    time: FloatArray
    x: FloatArray  # covariate, centred
    is_event: Any  # boolean mask
    event_times: FloatArray
    first: Any  # index of the first patient at risk at each event time
    tie: Any
    frac: FloatArray


def _design(time: FloatArray, event: FloatArray, x: FloatArray) -> _Design:
    order = np.argsort(time, kind="stable")
    t, is_event = time[order], event[order] == 1
    event_times, tie = np.unique(t[is_event], return_inverse=True)
    d = np.bincount(tie, minlength=event_times.size)
    starts = np.repeat(np.cumsum(d) - d, d)
    frac = (np.arange(tie.size) - starts) / np.repeat(d, d)
    return _Design(
        time=t,
        x=x[order] - x.mean(),
        is_event=is_event,
        event_times=event_times,
        first=np.searchsorted(t, event_times, side="left"),
        tie=tie,
        frac=frac,
    )


def _efron(design: _Design, beta: float) -> tuple[float, float, float, FloatArray, FloatArray]:
    """Log partial likelihood, score, information and each term's mean and variance of x."""
    x, ev, tie = design.x, design.is_event, design.tie
    risk = np.exp(beta * x)
    sums = [np.cumsum((risk * x**p)[::-1])[::-1][design.first][tie] for p in range(3)]
    tied = [np.bincount(tie, weights=(risk * x**p)[ev])[tie] for p in range(3)]
    s0, s1, s2 = (s - design.frac * dd for s, dd in zip(sums, tied, strict=True))
    mean = s1 / s0
    var = s2 / s0 - mean**2
    loglik = float(beta * x[ev].sum() - np.log(s0).sum())
    return loglik, float(x[ev].sum() - mean.sum()), float(var.sum()), mean, var


def _fit(design: _Design) -> tuple[float, float] | None:
    """Newton-Raphson with step halving; ``(beta, information)`` or None if not finite."""
    beta = 0.0
    loglik, score, info, _, _ = _efron(design, beta)
    for _ in range(_MAX_ITER):
        if not info > 0:
            return None
        step = score / info
        for _ in range(30):
            new_loglik, new_score, new_info, _, _ = _efron(design, beta + step)
            if new_loglik >= loglik - 1e-12 * abs(loglik):
                break
            step /= 2
        beta, loglik, score, info = beta + step, new_loglik, new_score, new_info
        if abs(beta) > _MAX_ABS_BETA:
            return None
        if abs(step) <= 1e-12 * max(1.0, abs(beta)):
            return beta, info
    return None


def _has_events_in_both(event: FloatArray, x: FloatArray) -> bool:
    return bool(event[x == 1].sum() > 0 and event[x == 0].sum() > 0)


def _hazard_ratio(
    time: FloatArray, event: FloatArray, x: FloatArray, level: float
) -> HazardRatioResult:
    events = int(event.sum())
    fit = _fit(_design(time, event, x)) if _has_events_in_both(event, x) else None
    if fit is None:
        return wald_hazard_ratio(None, None, level, events)
    beta, info = fit
    return wald_hazard_ratio(beta, float(1.0 / np.sqrt(info)), level, events)


def cox_hazard_ratio(
    time: Any, event: Any, treated: Any, *, confidence_level: float = 0.95
) -> HazardRatioResult:
    """Hazard ratio of treated against untreated from a Cox model with Efron ties.

    Matches R's ``coxph(Surv(time, event) ~ treated, ties = "efron")``:
    ``estimate`` is ``exp(coef)``, ``ci`` the Wald interval of
    ``summary()$conf.int``, ``statistic`` the Wald chi-square (z squared, 1 df)
    and ``pvalue`` the Wald p-value. When one group has no events the ratio is
    not estimable (R's estimate diverges) and every value is None.

    Parameters
    ----------
    time : array_like of float
        Follow-up times of both groups, finite and >= 0.
    event : array_like of {0, 1}
        1 for an event, 0 for a censoring.
    treated : array_like of bool
        True for the compared arm, False for the reference.
    confidence_level : float, optional
        Coverage of the interval.

    Returns
    -------
    HazardRatioResult

    Examples
    --------
    >>> hr = cox_hazard_ratio([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 0], [0, 1, 0, 1, 0, 1])
    >>> round(hr.estimate, 4)
    0.5315
    """
    level = check_confidence_level(confidence_level)
    times, events = check_arm(time, event, "pooled")
    return _hazard_ratio(times, events, check_treated(treated, times.size), level)


def proportional_hazards_test(time: Any, event: Any, treated: Any) -> TestResult:
    """Score test of proportional hazards, as R's ``cox.zph`` (survival 3.x) global test.

    For ``coxph(Surv(time, event) ~ treated, ties = "efron")`` this is the
    score test, at the fitted coefficient, of ``beta(t) = beta + theta g(t)``
    with ``g`` the "km" transform of time (``1 - S(t-)`` of the pooled
    Kaplan-Meier, centred over the events) and the full two-parameter
    information matrix. It differs from survival 2.x and from lifelines'
    ``proportional_hazard_test``. 1 df; None values when the ratio is not
    estimable.

    Parameters
    ----------
    time, event, treated : array_like
        As for :func:`cox_hazard_ratio`.

    Returns
    -------
    TestResult
    """
    times, events = check_arm(time, event, "pooled")
    x = check_treated(treated, times.size)
    method = "cox.zph global test (transform = 'km', ties = 'efron')"
    design = _design(times, events, x)
    fit = _fit(design) if _has_events_in_both(events, x) else None
    if fit is None:
        return TestResult(None, 1, None, method)
    _, _, _, mean, var = _efron(design, fit[0])
    pooled = kaplan_meier(times, events)
    before = np.searchsorted(pooled.time, design.event_times, side="left") - 1
    g = 1.0 - np.where(before >= 0, pooled.survival[np.maximum(before, 0)], 1.0)
    g_term = g[design.tie] - g[design.tie].mean()
    score = float(np.sum(g_term * (design.x[design.is_event] - mean)))
    i11, i12, i22 = (float(np.sum(g_term**p * var)) for p in range(3))
    statistic = score**2 / (i22 - i12**2 / i11)
    return TestResult(statistic, 1, float(chdtrc(1, statistic)), method)


def piecewise_hazard_ratios(
    time: Any,
    event: Any,
    treated: Any,
    cuts: Sequence[float],
    *,
    confidence_level: float = 0.95,
) -> tuple[PiecewiseHazardRatio, ...]:
    """Cox hazard ratios within the time pieces ``(0, c1], (c1, c2], ..., (ck, end)``.

    In each piece, patients still under follow-up at its start enter there
    (left truncation) and are censored at its stop; the ratio is then the
    Efron Cox ratio of :func:`cox_hazard_ratio`, as R's
    ``coxph(Surv(start, stop, event) ~ treated, ties = "efron")`` on the
    split data. A piece where either group has no events gets None values.

    Parameters
    ----------
    time, event, treated : array_like
        As for :func:`cox_hazard_ratio`.
    cuts : sequence of float
        Interior cut points, > 0 and strictly increasing.
    confidence_level : float, optional
        Coverage of the intervals.

    Returns
    -------
    tuple of PiecewiseHazardRatio
        ``len(cuts) + 1`` pieces in time order; the last has ``stop=None``.
    """
    level = check_confidence_level(confidence_level)
    times, events = check_arm(time, event, "pooled")
    x = check_treated(treated, times.size)
    edges = check_cuts(cuts)
    starts = np.concatenate([[0.0], edges])
    stops = np.concatenate([edges, [np.inf]])
    pieces = []
    for start, stop in zip(starts, stops, strict=True):
        inside = times > start
        piece_event = np.where(times[inside] <= stop, events[inside], 0.0)
        ratio = _hazard_ratio(np.minimum(times[inside], stop), piece_event, x[inside], level)
        pieces.append(
            PiecewiseHazardRatio(
                start=float(start),
                stop=None if np.isinf(stop) else float(stop),
                events=int(piece_event.sum()),
                hazard_ratio=ratio,
            )
        )
    return tuple(pieces)
