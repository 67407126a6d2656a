"""Result types of the between-arm comparisons (frozen dataclasses).

Tests carry ``statistic`` and ``pvalue``; estimates carry ``ci`` and
``confidence_interval(confidence_level=...)``. ``to_dict()`` is JSON-safe
(NaN and missing values become None), ``summary()`` a one-row DataFrame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from kmipd.analysis._results import Interval, _interval_repr, _number_repr
from kmipd.analysis._stats import (
    check_confidence_level,
    frame,
    json_interval,
    json_number,
    normal_interval,
    two_sided_pvalue,
)

__all__ = [
    "DifferenceResult",
    "HazardRatioResult",
    "LogrankResult",
    "PiecewiseHazardRatio",
    "TestResult",
    "wald_hazard_ratio",
]


def _exp_interval(log_hr: float | None, se: float | None, level: float) -> Interval:
    lo, hi = normal_interval(log_hr, se, check_confidence_level(level))
    return (None, None) if lo is None or hi is None else (float(np.exp(lo)), float(np.exp(hi)))


@dataclass(frozen=True, eq=False)
class TestResult:
    """A chi-square test: ``statistic`` on ``df`` degrees of freedom, and its ``pvalue``."""

    statistic: float | None
    df: int
    pvalue: float | None
    method: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe ``{"statistic", "df", "pvalue"}``."""
        return {
            "statistic": json_number(self.statistic),
            "df": self.df,
            "pvalue": json_number(self.pvalue),
        }

    def summary(self) -> Any:
        """One-row DataFrame."""
        return frame([{"method": self.method, **self.to_dict()}])

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(statistic={_number_repr(self.statistic)}, df={self.df}, "
            f"pvalue={_number_repr(self.pvalue)})"
        )


@dataclass(frozen=True, eq=False, repr=False)
class LogrankResult(TestResult):
    """Log-rank test of equal survival across ``arms`` (R's ``survdiff``, rho = 0)."""

    arms: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class HazardRatioResult:
    """Cox hazard ratio of the treated group against the reference (Efron ties).

    ``estimate = exp(log_hr)``; ``ci`` is the Wald interval
    ``exp(log_hr -/+ z se)``; ``statistic`` is the Wald chi-square
    ``(log_hr / se)**2`` on 1 df (``z`` is its signed root) and ``pvalue``
    the Wald p-value, as R's ``summary(coxph(...))``. Every value is None when
    the ratio is not estimable (no events in one group).
    """

    estimate: float | None
    ci: Interval
    log_hr: float | None
    se: float | None
    statistic: float | None
    pvalue: float | None
    confidence_level: float = 0.95
    events: int = 0

    @property
    def z(self) -> float | None:
        """Wald z statistic, ``log_hr / se``."""
        if self.log_hr is None or self.se is None:
            return None
        return self.log_hr / self.se

    def confidence_interval(self, confidence_level: float | None = None) -> Interval:
        """Wald interval at ``confidence_level`` (default: the fitted level)."""
        if confidence_level is None or confidence_level == self.confidence_level:
            return self.ci
        return _exp_interval(self.log_hr, self.se, confidence_level)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe ``{"estimate", "ci", "log_hr", "se", "statistic", "pvalue", "events"}``."""
        return {
            "estimate": json_number(self.estimate),
            "ci": json_interval(self.ci),
            "log_hr": json_number(self.log_hr),
            "se": json_number(self.se),
            "statistic": json_number(self.statistic),
            "pvalue": json_number(self.pvalue),
            "events": self.events,
        }

    def summary(self) -> Any:
        """One-row DataFrame."""
        row = self.to_dict()
        row["lower"], row["upper"] = row.pop("ci")
        return frame([row])

    def __repr__(self) -> str:
        return (
            f"HazardRatioResult(estimate={_number_repr(self.estimate)}, "
            f"ci={_interval_repr(self.ci)}, pvalue={_number_repr(self.pvalue)})"
        )


@dataclass(frozen=True, eq=False)
class PiecewiseHazardRatio:
    """Cox hazard ratio within the time piece ``(start, stop]`` (``stop`` None: open end).

    Patients enter the piece at ``start`` if still under follow-up and are
    censored at ``stop``; ``events`` counts the events inside the piece (both
    groups). ``estimate`` and ``ci`` are None when either group has no event.
    """

    start: float
    stop: float | None
    events: int
    hazard_ratio: HazardRatioResult

    @property
    def estimate(self) -> float | None:
        """Hazard ratio in the piece."""
        return self.hazard_ratio.estimate

    @property
    def ci(self) -> Interval:
        """Wald interval of the hazard ratio in the piece."""
        return self.hazard_ratio.ci

    @property
    def pvalue(self) -> float | None:
        """Wald p-value in the piece."""
        return self.hazard_ratio.pvalue

    def confidence_interval(self, confidence_level: float | None = None) -> Interval:
        """Wald interval at ``confidence_level``."""
        return self.hazard_ratio.confidence_interval(confidence_level)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe ``{"start", "stop", "estimate", "ci", "events"}``."""
        return {
            "start": self.start,
            "stop": self.stop,
            "estimate": json_number(self.estimate),
            "ci": json_interval(self.ci),
            "events": self.events,
        }

    def summary(self) -> Any:
        """One-row DataFrame."""
        row = self.to_dict()
        row["lower"], row["upper"] = row.pop("ci")
        return frame([row])

    def __repr__(self) -> str:
        stop = "end" if self.stop is None else f"{self.stop:g}"
        return (
            f"PiecewiseHazardRatio(({self.start:g}, {stop}], "
            f"estimate={_number_repr(self.estimate)}, events={self.events})"
        )


@dataclass(frozen=True, eq=False)
class DifferenceResult:
    """Difference of two independent estimates with a normal interval.

    ``statistic`` is ``estimate / se`` (a z statistic) and ``pvalue`` its
    two-sided normal p-value.
    """

    estimate: float
    se: float
    ci: Interval
    statistic: float | None = None
    pvalue: float | None = None
    confidence_level: float = 0.95
    label: str = ""

    def confidence_interval(self, confidence_level: float | None = None) -> Interval:
        """``estimate -/+ z se`` at ``confidence_level``."""
        if confidence_level is None or confidence_level == self.confidence_level:
            return self.ci
        return normal_interval(self.estimate, self.se, check_confidence_level(confidence_level))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe ``{"estimate", "se", "ci", "statistic", "pvalue"}``."""
        return {
            "estimate": json_number(self.estimate),
            "se": json_number(self.se),
            "ci": json_interval(self.ci),
            "statistic": json_number(self.statistic),
            "pvalue": json_number(self.pvalue),
        }

    def summary(self) -> Any:
        """One-row DataFrame."""
        row = {"label": self.label, **self.to_dict()}
        row["lower"], row["upper"] = row.pop("ci")
        return frame([row])

    def __repr__(self) -> str:
        return (
            f"DifferenceResult(estimate={_number_repr(self.estimate)}, "
            f"ci={_interval_repr(self.ci)})"
        )


def wald_hazard_ratio(
    log_hr: float | None, se: float | None, confidence_level: float, events: int
) -> HazardRatioResult:
    """A :class:`HazardRatioResult` from ``log_hr`` and its standard error."""
    if log_hr is None or se is None:
        return HazardRatioResult(
            None, (None, None), None, None, None, None, confidence_level, events
        )
    z = log_hr / se
    return HazardRatioResult(
        estimate=float(np.exp(log_hr)),
        ci=_exp_interval(log_hr, se, confidence_level),
        log_hr=log_hr,
        se=se,
        statistic=z * z,
        pvalue=two_sided_pvalue(z),
        confidence_level=confidence_level,
        events=events,
    )
