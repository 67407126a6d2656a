"""Result types of the one-arm survival estimates (frozen dataclasses).

Every result has ``to_dict()`` (JSON-safe: NaN and missing values become
None), ``summary()`` (a one-row or one-row-per-time pandas DataFrame) and a
short ``__repr__``; estimates have ``confidence_interval()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from kmipd.analysis._stats import (
    check_confidence_level,
    frame,
    json_interval,
    json_number,
    loglog_limits,
    normal_interval,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Interval = tuple[float | None, float | None]

__all__ = ["Interval", "KaplanMeierResult", "LandmarkResult", "QuantileResult", "RMSTResult"]


def _frozen(values: Any, dtype: Any) -> Any:
    array = np.array(values, dtype=dtype, copy=True).reshape(-1)
    array.setflags(write=False)
    return array


def _interval_repr(interval: Interval) -> str:
    lo, hi = (json_number(v) for v in interval)
    text = [("NA" if v is None else f"{v:.4g}") for v in (lo, hi)]
    return f"({text[0]}, {text[1]})"


def _number_repr(value: float | None) -> str:
    value = json_number(value)
    return "None" if value is None else f"{value:.4g}"


@dataclass(frozen=True, eq=False)
class KaplanMeierResult:
    """Kaplan-Meier estimate of one arm, as R's ``survfit`` reports it.

    One row per distinct observed time (events or censorings), sorted.
    ``lower``/``upper`` are the pointwise confidence limits (log-log
    transform, as ``survfit(conf.type = "log-log")``); NaN where undefined.
    """

    arm: str
    time: FloatArray
    survival: FloatArray
    lower: FloatArray
    upper: FloatArray
    n_at_risk: IntArray
    n_events: IntArray
    n_censored: IntArray
    std_err: FloatArray  # Greenwood standard error of log S (R's ``std.err``)
    confidence_level: float = 0.95

    def __post_init__(self) -> None:
        for name in ("time", "survival", "lower", "upper", "std_err"):
            object.__setattr__(self, name, _frozen(getattr(self, name), np.float64))
        for name in ("n_at_risk", "n_events", "n_censored"):
            object.__setattr__(self, name, _frozen(getattr(self, name), np.int64))

    @property
    def n(self) -> int:
        """Patients in the arm."""
        return int(self.n_at_risk[0]) if self.n_at_risk.size else 0

    @property
    def events(self) -> int:
        """Total events."""
        return int(self.n_events.sum())

    @property
    def censor_times(self) -> FloatArray:
        """Times with at least one censoring (for censor marks)."""
        return np.asarray(self.time[self.n_censored > 0])

    def at(self, times: Any) -> FloatArray:
        """Survival just after each of ``times`` (right-continuous), 1 before the first time."""
        index = np.searchsorted(self.time, np.asarray(times, dtype=float), side="right") - 1
        return np.where(index >= 0, self.survival[np.maximum(index, 0)], 1.0)

    def at_risk(self, times: Any) -> IntArray:
        """Numbers at risk at each of ``times`` (those with time >= t)."""
        index = np.searchsorted(self.time, np.asarray(times, dtype=float), side="left")
        padded = np.append(self.n_at_risk, 0)
        return np.asarray(padded[index], dtype=np.int64)

    def confidence_interval(
        self, confidence_level: float | None = None
    ) -> tuple[FloatArray, FloatArray]:
        """Pointwise log-log limits at ``confidence_level`` (default: the fitted level)."""
        if confidence_level is None or confidence_level == self.confidence_level:
            return np.asarray(self.lower), np.asarray(self.upper)
        return loglog_limits(self.survival, self.std_err, check_confidence_level(confidence_level))

    def with_confidence_level(self, confidence_level: float) -> KaplanMeierResult:
        """The same curve with limits at another ``confidence_level``."""
        lower, upper = self.confidence_interval(confidence_level)
        return KaplanMeierResult(
            arm=self.arm,
            time=self.time,
            survival=self.survival,
            lower=lower,
            upper=upper,
            n_at_risk=self.n_at_risk,
            n_events=self.n_events,
            n_censored=self.n_censored,
            std_err=self.std_err,
            confidence_level=float(confidence_level),
        )

    def summary(self) -> Any:
        """The survfit table as a DataFrame, one row per distinct time."""
        import pandas as pd

        columns = ("time", "n_at_risk", "n_events", "n_censored", "survival", "std_err")
        return pd.DataFrame({name: np.asarray(getattr(self, name)) for name in columns}).assign(
            lower=np.asarray(self.lower), upper=np.asarray(self.upper)
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe columns."""
        return {
            "arm": self.arm,
            "confidence_level": self.confidence_level,
            "time": self.time.tolist(),
            "survival": self.survival.tolist(),
            "lower": [json_number(v) for v in self.lower],
            "upper": [json_number(v) for v in self.upper],
            "n_at_risk": self.n_at_risk.tolist(),
            "n_events": self.n_events.tolist(),
            "n_censored": self.n_censored.tolist(),
        }

    def __repr__(self) -> str:
        return f"KaplanMeierResult(arm={self.arm!r}, n={self.n}, events={self.events})"


@dataclass(frozen=True, eq=False)
class QuantileResult:
    """A quantile of survival time (the median when ``q = 0.5``), as R's ``quantile.survfit``.

    ``q`` is the probability of an event by the returned time (R's ``probs``):
    the time where survival first falls to ``1 - q``. ``estimate`` and the
    ``ci`` limits are None where the curve (or the confidence limit curve) does
    not reach ``1 - q``: "not reached".
    """

    q: float
    estimate: float | None
    ci: Interval
    confidence_level: float = 0.95
    arm: str = "arm"
    km: KaplanMeierResult | None = field(default=None, repr=False)

    @property
    def reached(self) -> bool:
        """Whether the curve falls to ``1 - q`` within follow-up."""
        return self.estimate is not None

    def confidence_interval(self, confidence_level: float | None = None) -> Interval:
        """The limits found on the lower and upper confidence curves of the KM."""
        if confidence_level is None or confidence_level == self.confidence_level:
            return self.ci
        if self.km is None:
            raise ValueError("this QuantileResult holds no curve; refit with survival_quantile")
        from kmipd.analysis._km import survival_quantile

        return survival_quantile(self.km.with_confidence_level(confidence_level), self.q).ci

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe ``{"q", "estimate", "ci", "confidence_level"}``."""
        return {
            "q": self.q,
            "estimate": json_number(self.estimate),
            "ci": json_interval(self.ci),
            "confidence_level": self.confidence_level,
        }

    def summary(self) -> Any:
        """One-row DataFrame indexed by arm."""
        lo, hi = json_interval(self.ci)
        row = {"arm": self.arm, "q": self.q, "estimate": self.estimate, "lower": lo, "upper": hi}
        return frame([row], index="arm")

    def __repr__(self) -> str:
        return (
            f"QuantileResult(q={self.q:g}, estimate={_number_repr(self.estimate)}, "
            f"ci={_interval_repr(self.ci)})"
        )


@dataclass(frozen=True, eq=False)
class LandmarkResult:
    """Survival (and its complement, the event proportion) at one landmark time.

    As R's ``summary(survfit, times = time)``: the curve value at the last
    distinct time not after ``time``, with its log-log limits. Before the
    first observed time survival is 1 and the interval (1, 1) (``at_start``).
    Beyond the arm's last observed time nothing is extrapolated:
    ``estimable`` is False and every value is None.
    """

    time: float
    key: str
    survival: float | None
    ci: Interval
    event_proportion: float | None
    event_proportion_ci: Interval
    estimable: bool
    std_err: float | None = None  # Greenwood standard error of log survival
    at_start: bool = False
    confidence_level: float = 0.95
    arm: str = "arm"

    def confidence_interval(self, confidence_level: float | None = None) -> Interval:
        """Log-log limits of survival at ``confidence_level`` (default: the fitted level)."""
        if confidence_level is None or confidence_level == self.confidence_level:
            return self.ci
        if not self.estimable or self.survival is None:
            return (None, None)
        if self.at_start:
            return (1.0, 1.0)
        lower, upper = loglog_limits([self.survival], [self.std_err], confidence_level)
        return (json_number(lower[0]), json_number(upper[0]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe ``{"time", "survival", "ci", "event_proportion", ...}``."""
        return {
            "time": self.time,
            "survival": json_number(self.survival),
            "ci": json_interval(self.ci),
            "event_proportion": json_number(self.event_proportion),
            "event_proportion_ci": json_interval(self.event_proportion_ci),
            "estimable": self.estimable,
        }

    def summary(self) -> Any:
        """One-row DataFrame indexed by arm."""
        row = {"arm": self.arm, "key": self.key, **self.to_dict()}
        lo, hi = row.pop("ci")
        elo, ehi = row.pop("event_proportion_ci")
        row.update(lower=lo, upper=hi, event_proportion_lower=elo, event_proportion_upper=ehi)
        return frame([row], index="arm")

    def __repr__(self) -> str:
        return (
            f"LandmarkResult(time={self.time:g}, survival={_number_repr(self.survival)}, "
            f"ci={_interval_repr(self.ci)}, estimable={self.estimable})"
        )


@dataclass(frozen=True, eq=False)
class RMSTResult:
    """Restricted mean survival time up to ``tau``, as R's ``print(survfit, rmean = tau)``.

    ``se`` is R's ``se(rmean)``; ``ci`` is the normal interval
    ``estimate -/+ z se``. ``extended`` is True when ``tau`` lies beyond the
    last observed time, where the curve's last value was carried forward.
    """

    tau: float
    estimate: float
    se: float
    ci: Interval
    confidence_level: float = 0.95
    arm: str = "arm"
    extended: bool = False

    def confidence_interval(self, confidence_level: float | None = None) -> Interval:
        """Normal interval ``estimate -/+ z se`` at ``confidence_level``."""
        if confidence_level is None or confidence_level == self.confidence_level:
            return self.ci
        return normal_interval(self.estimate, self.se, check_confidence_level(confidence_level))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe ``{"tau", "estimate", "se", "ci"}``."""
        return {
            "tau": self.tau,
            "estimate": json_number(self.estimate),
            "se": json_number(self.se),
            "ci": json_interval(self.ci),
        }

    def summary(self) -> Any:
        """One-row DataFrame indexed by arm."""
        lo, hi = json_interval(self.ci)
        row = {"arm": self.arm, "tau": self.tau, "estimate": self.estimate, "se": self.se}
        row.update(lower=lo, upper=hi, extended=self.extended)
        return frame([row], index="arm")

    def __repr__(self) -> str:
        return (
            f"RMSTResult(tau={self.tau:g}, estimate={self.estimate:.4g}, se={self.se:.4g}, "
            f"ci={_interval_repr(self.ci)})"
        )
