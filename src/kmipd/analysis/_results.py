"""Result types of the survival analysis (frozen dataclasses).

Every result has ``to_dict()`` (JSON-safe: NaN and missing values become
None) and a short ``__repr__``; tests have ``statistic`` and ``pvalue``;
estimates have ``confidence_interval()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = ["KaplanMeierResult"]


def _frozen(values: Any, dtype: Any) -> Any:
    array = np.array(values, dtype=dtype, copy=True).reshape(-1)
    array.setflags(write=False)
    return array


def json_number(value: float | None) -> float | None:
    """``value`` as a float, or None when missing or not finite."""
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


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
