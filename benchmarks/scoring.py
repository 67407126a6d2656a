"""Scoring of a reconstructed patient-level data set against the true one.

Pure functions, no file access: every function takes pandas DataFrames with
the columns ``arm, time, event`` (``event`` 1 = event, 0 = censored), the arm
order (the first arm is the reference) and ``x_end`` (the figure's x-axis end).

Definitions (used by ``benchmarks/recon_dev.py`` and documented in
``benchmarks/README.md``):

* **Truncation.** Both data sets are administratively censored at ``x_end``
  before anything is computed: a time ``> x_end`` becomes ``x_end`` with
  ``event = 0``. A figure says nothing beyond its axis.
* **|ΔlogHR|** per comparison: ``|log HR_rec - log HR_true|`` where each HR is
  a Cox proportional-hazards fit (lifelines ``CoxPHFitter``, Efron ties, no
  penalty) of one non-reference arm against the reference arm, on the two-arm
  data only. The case value is the maximum over comparisons.
* **|ΔS|** per arm: the Kaplan-Meier step functions (right-continuous, i.e.
  ``S(t)`` includes the events at ``t``) of both data sets are evaluated on
  ``GRID_POINTS`` equally spaced times on ``[0, x_end]``; ``max |ΔS|`` and
  ``mean |ΔS|`` are the maximum and the mean of ``|S_rec - S_true|`` over the
  grid. The case value is the worst arm (maximum over arms) of the per-arm
  value; the mean over arms is also available (``*_armavg``). The worst arm is
  the definition that reproduces the published IPDfromKM baseline (median of
  per-case mean |ΔS| = 0.0037 over the 60 recon-dev cases; the mean over arms
  gives 0.0033).
* **|median error| / x_end** per arm: the KM median is the first time at
  which ``S(t) <= 0.5``. A median not reached by ``x_end`` is set to
  ``x_end``; if neither is reached the error is 0. The case value is the
  maximum over arms.
* **|events error| / n** per arm: ``|events_rec - events_true| / n_true`` with
  events counted on ``[0, x_end]`` and ``n_true`` the arm's true number of
  patients. The case value is the maximum over arms.
* **Log-rank agreement**: lifelines ``multivariate_logrank_test`` over all
  arms of the truncated data (for two arms this is the ordinary log-rank test);
  the case disagrees when ``p < 0.05`` holds for one data set and not the other.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ALPHA",
    "GRID_POINTS",
    "CaseScore",
    "cox_log_hr",
    "km_at",
    "km_median",
    "km_steps",
    "logrank_p",
    "score_case",
    "truncate",
]

GRID_POINTS = 2001
"""Number of equally spaced grid times on ``[0, x_end]`` for |ΔS|."""

ALPHA = 0.05
"""Significance level of the log-rank agreement check."""


def truncate(ipd: pd.DataFrame, x_end: float) -> pd.DataFrame:
    """Censor ``ipd`` at ``x_end``: later times become ``x_end`` with event 0.

    Returns a new DataFrame with columns ``arm`` (str), ``time`` (float) and
    ``event`` (int); rows with a missing time are dropped.
    """
    out = pd.DataFrame(
        {
            "arm": ipd["arm"].astype(str).to_numpy(),
            "time": pd.to_numeric(ipd["time"], errors="coerce").to_numpy(dtype=float),
            "event": pd.to_numeric(ipd["event"], errors="coerce").fillna(0).to_numpy(),
        }
    )
    out = out[np.isfinite(out["time"])].copy()
    out["event"] = (out["event"] > 0).astype(int)
    late = out["time"].to_numpy() > x_end
    out.loc[late, "time"] = float(x_end)
    out.loc[late, "event"] = 0
    return out.reset_index(drop=True)


def km_steps(time: Any, event: Any) -> tuple[np.ndarray, np.ndarray]:
    """Kaplan-Meier estimate as steps: distinct event times and S just after.

    Parameters
    ----------
    time, event : array_like
        Follow-up times and event indicators (1 event, 0 censored).

    Returns
    -------
    times, survival : ndarray
        Sorted distinct event times and the KM survival at (including) each.
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float) > 0
    if t.size == 0:
        return np.empty(0), np.empty(0)
    uniq, inverse = np.unique(t, return_inverse=True)
    deaths = np.bincount(inverse, weights=e.astype(float), minlength=uniq.size)
    leaving = np.bincount(inverse, minlength=uniq.size).astype(float)
    at_risk = leaving[::-1].cumsum()[::-1]  # number with time >= uniq[i]
    has_event = deaths > 0
    factors = 1.0 - deaths[has_event] / at_risk[has_event]
    return uniq[has_event], np.cumprod(factors)


def km_at(times: np.ndarray, survival: np.ndarray, grid: Any) -> np.ndarray:
    """Right-continuous KM step function of :func:`km_steps` read at ``grid``."""
    grid = np.asarray(grid, dtype=float)
    idx = np.searchsorted(times, grid, side="right") - 1
    values = np.ones(grid.shape, dtype=float)
    inside = idx >= 0
    values[inside] = survival[idx[inside]]
    return values


def km_median(times: np.ndarray, survival: np.ndarray) -> float:
    """First time at which the KM survival is ``<= 0.5``; ``nan`` if never."""
    hit = np.nonzero(survival <= 0.5 + 1e-12)[0]
    return float(times[hit[0]]) if hit.size else math.nan


def cox_log_hr(data: pd.DataFrame, reference: str, other: str) -> float:
    """log HR of ``other`` vs ``reference`` from a two-arm Cox model (Efron ties).

    Uses lifelines ``CoxPHFitter`` (Efron is its only tie method). Convergence
    warnings are silenced; a failed fit, or a fit without events, gives
    ``nan``.
    """
    from lifelines import CoxPHFitter

    two = data[data["arm"].isin([reference, other])]
    if two.empty or two["event"].sum() == 0 or (two["arm"] == other).sum() == 0:
        return math.nan
    frame = pd.DataFrame(
        {
            "time": two["time"].to_numpy(dtype=float),
            "event": two["event"].to_numpy(dtype=int),
            "x": (two["arm"] == other).to_numpy(dtype=float),
        }
    )
    # Cox needs positive durations; a zero time is still ordered first.
    frame.loc[frame["time"] <= 0, "time"] = 1e-9
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fitter = CoxPHFitter()
            fitter.fit(frame, duration_col="time", event_col="event")
            value = float(fitter.params_["x"])
        except Exception:
            try:  # a tiny penalty rescues separation (e.g. no events in one arm)
                fitter = CoxPHFitter(penalizer=1e-4)
                fitter.fit(frame, duration_col="time", event_col="event")
                value = float(fitter.params_["x"])
            except Exception:
                return math.nan
    return value if math.isfinite(value) else math.nan


def logrank_p(data: pd.DataFrame) -> float:
    """p-value of lifelines ``multivariate_logrank_test`` over all arms in ``data``."""
    from lifelines.statistics import multivariate_logrank_test

    if data["arm"].nunique() < 2 or data["event"].sum() == 0:
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = multivariate_logrank_test(
                data["time"].to_numpy(dtype=float),
                data["arm"].to_numpy(),
                data["event"].to_numpy(dtype=int),
            )
            return float(result.p_value)
        except Exception:
            return math.nan


@dataclass
class CaseScore:
    """Scores of one reconstruction of one case.

    Per-comparison and per-arm values are dictionaries keyed by arm name (for
    comparisons: the non-reference arm). Case-level values follow the module
    docstring: the maximum over comparisons / arms (the worst one) for every
    metric; ``*_armavg`` gives the mean over arms for |ΔS|.
    """

    log_hr_true: dict[str, float] = field(default_factory=dict)
    log_hr_rec: dict[str, float] = field(default_factory=dict)
    abs_dloghr: dict[str, float] = field(default_factory=dict)
    max_abs_ds: dict[str, float] = field(default_factory=dict)
    mean_abs_ds: dict[str, float] = field(default_factory=dict)
    median_err: dict[str, float] = field(default_factory=dict)
    events_true: dict[str, int] = field(default_factory=dict)
    events_rec: dict[str, int] = field(default_factory=dict)
    events_err: dict[str, float] = field(default_factory=dict)
    logrank_p_true: float = math.nan
    logrank_p_rec: float = math.nan

    @staticmethod
    def _max(values: dict[str, float]) -> float:
        v = np.array(list(values.values()), dtype=float)
        if v.size == 0 or np.isnan(v).any():
            return math.nan if v.size == 0 else math.inf
        return float(v.max())

    @property
    def case_abs_dloghr(self) -> float:
        """Max |ΔlogHR| over comparisons (``inf`` if a fit failed)."""
        return self._max(self.abs_dloghr)

    @property
    def case_mean_abs_ds(self) -> float:
        """Worst arm's mean |ΔS| (maximum over arms)."""
        return self._max(self.mean_abs_ds)

    @property
    def case_max_abs_ds(self) -> float:
        """Worst arm's max |ΔS| (maximum over arms)."""
        return self._max(self.max_abs_ds)

    @property
    def case_mean_abs_ds_armavg(self) -> float:
        """Mean over arms of the per-arm mean |ΔS|."""
        return float(np.mean(list(self.mean_abs_ds.values())))

    @property
    def case_max_abs_ds_armavg(self) -> float:
        """Mean over arms of the per-arm max |ΔS|."""
        return float(np.mean(list(self.max_abs_ds.values())))

    @property
    def case_median_err(self) -> float:
        """Max over arms of |median error| / x_end."""
        return self._max(self.median_err)

    @property
    def case_events_err(self) -> float:
        """Max over arms of |events error| / n."""
        return self._max(self.events_err)

    @property
    def logrank_disagrees(self) -> bool:
        """True if exactly one of truth / reconstruction has log-rank p < ALPHA."""
        a, b = self.logrank_p_true, self.logrank_p_rec
        if math.isnan(b):
            return True
        return bool((a < ALPHA) != (b < ALPHA))

    def summary(self) -> dict[str, float]:
        """Flat case-level dictionary (for one CSV row)."""
        return {
            "abs_dloghr": self.case_abs_dloghr,
            "mean_abs_ds": self.case_mean_abs_ds,
            "max_abs_ds": self.case_max_abs_ds,
            "mean_abs_ds_armavg": self.case_mean_abs_ds_armavg,
            "max_abs_ds_armavg": self.case_max_abs_ds_armavg,
            "median_err": self.case_median_err,
            "events_err": self.case_events_err,
            "logrank_p_true": self.logrank_p_true,
            "logrank_p_rec": self.logrank_p_rec,
            "logrank_disagrees": self.logrank_disagrees,
        }


def score_case(
    truth: pd.DataFrame,
    rec: pd.DataFrame,
    arms: Sequence[str],
    x_end: float,
    grid_points: int = GRID_POINTS,
) -> CaseScore:
    """Score reconstruction ``rec`` against ``truth`` for the arms in ``arms``.

    Both data sets are truncated at ``x_end`` (see :func:`truncate`); arms
    absent from ``rec`` score as if the reconstruction were empty (S = 1, no
    events, no HR). ``arms[0]`` is the reference arm for the hazard ratios.
    """
    arms = [str(a) for a in arms]
    t_data = truncate(truth, x_end)
    r_data = truncate(rec, x_end)
    t_data = t_data[t_data["arm"].isin(arms)]
    r_data = r_data[r_data["arm"].isin(arms)]
    grid = np.linspace(0.0, float(x_end), int(grid_points))
    score = CaseScore()

    for arm in arms:
        ta = t_data[t_data["arm"] == arm]
        ra = r_data[r_data["arm"] == arm]
        t_steps = km_steps(ta["time"], ta["event"])
        r_steps = km_steps(ra["time"], ra["event"])
        diff = np.abs(km_at(*r_steps, grid) - km_at(*t_steps, grid))
        score.max_abs_ds[arm] = float(diff.max())
        score.mean_abs_ds[arm] = float(diff.mean())

        m_true, m_rec = km_median(*t_steps), km_median(*r_steps)
        if math.isnan(m_true) and math.isnan(m_rec):
            score.median_err[arm] = 0.0
        else:
            m_true = x_end if math.isnan(m_true) else m_true
            m_rec = x_end if math.isnan(m_rec) else m_rec
            score.median_err[arm] = abs(m_rec - m_true) / x_end

        e_true, e_rec = int(ta["event"].sum()), int(ra["event"].sum())
        score.events_true[arm] = e_true
        score.events_rec[arm] = e_rec
        score.events_err[arm] = abs(e_rec - e_true) / max(len(ta), 1)

    for other in arms[1:]:
        lt = cox_log_hr(t_data, arms[0], other)
        lr = cox_log_hr(r_data, arms[0], other)
        score.log_hr_true[other] = lt
        score.log_hr_rec[other] = lr
        score.abs_dloghr[other] = abs(lr - lt) if math.isfinite(lr) else math.nan

    score.logrank_p_true = logrank_p(t_data)
    score.logrank_p_rec = logrank_p(r_data)
    return score
