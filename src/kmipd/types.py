"""Frozen data types that the stages pass to each other.

Inside the library ``time`` is in the figure's unit, ``survival`` is a
probability in [0, 1] and ``event`` is 1 for an event, 0 for a censoring.
Arrays are stored read-only so a value cannot change behind a stage's back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "ArmDiagnostics",
    "ArmReconstruction",
    "CensorMarks",
    "CleanedCurve",
    "Curve",
    "IntervalCheck",
    "ReconstructionResult",
    "RiskTable",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def valid_precision(value: float) -> bool:
    """Whether ``value`` may be a curve's precision: a survival difference in (0, 0.5)."""
    return bool(np.isfinite(value) and 0.0 < value < 0.5)


def _frozen(values: Any, dtype: Any) -> Any:
    array = np.array(values, dtype=dtype, copy=True).reshape(-1)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Curve:
    """Digitized points of one arm's survival curve, as read.

    Parameters
    ----------
    time, survival : array_like
        Coordinates in input order; survival as a probability.
    arm : str
        Arm name.
    source : str, optional
        Where the points came from (file name), for messages.
    rows : array_like of int, optional
        Line number of each point in ``source``, for messages.
    precision : float, optional
        How far a read survival may be from the drawn one (e.g. one pixel of
        the y axis, as a probability). Known for a curve kmipd read itself;
        then each step's height is trusted to that precision and
        ``reconstruct`` times the censorings between events by it.
    """

    time: FloatArray
    survival: FloatArray
    arm: str = "arm"
    source: str | None = None
    rows: IntArray | None = None
    precision: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", _frozen(self.time, np.float64))
        object.__setattr__(self, "survival", _frozen(self.survival, np.float64))
        if self.rows is not None:
            object.__setattr__(self, "rows", _frozen(self.rows, np.int64))
        if self.time.shape != self.survival.shape:
            raise ValueError("time and survival must have the same length")
        if self.precision is not None and not valid_precision(self.precision):
            raise ValueError(
                f"precision must be a survival difference between 0 and 0.5, got {self.precision!r}"
            )

    def __len__(self) -> int:
        return int(self.time.size)

    def __repr__(self) -> str:
        return f"Curve(arm={self.arm!r}, points={len(self)})"


@dataclass(frozen=True, eq=False)
class CleanedCurve:
    """A valid non-increasing step curve anchored at (0, 1).

    ``time`` is non-decreasing (a repeated time is a vertical drop) and
    ``survival`` non-increasing, both starting at (0, 1).
    ``repairs`` lists, in words, every change made to the input points;
    ``precision`` is the input curve's (see ``Curve``).
    """

    time: FloatArray
    survival: FloatArray
    arm: str = "arm"
    repairs: tuple[str, ...] = ()
    n_input_points: int = 0
    precision: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", _frozen(self.time, np.float64))
        object.__setattr__(self, "survival", _frozen(self.survival, np.float64))

    @property
    def end(self) -> float:
        """Last time of the curve."""
        return float(self.time[-1])

    def at(self, times: Any) -> FloatArray:
        """Survival just after ``times`` (right-continuous step reading)."""
        index = np.searchsorted(self.time, np.asarray(times, dtype=float), side="right") - 1
        return np.asarray(self.survival[np.clip(index, 0, None)], dtype=np.float64)

    def __repr__(self) -> str:
        return (
            f"CleanedCurve(arm={self.arm!r}, points={self.time.size}, repairs={len(self.repairs)})"
        )


@dataclass(frozen=True, eq=False)
class RiskTable:
    """Numbers at risk of one arm at given times (those with time >= t)."""

    time: FloatArray
    n_at_risk: IntArray
    arm: str = "arm"
    source: str | None = None
    rows: IntArray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", _frozen(self.time, np.float64))
        object.__setattr__(self, "n_at_risk", _frozen(self.n_at_risk, np.int64))
        if self.rows is not None:
            object.__setattr__(self, "rows", _frozen(self.rows, np.int64))
        if self.time.shape != self.n_at_risk.shape:
            raise ValueError("time and n_at_risk must have the same length")

    def __len__(self) -> int:
        return int(self.time.size)

    def __repr__(self) -> str:
        return f"RiskTable(arm={self.arm!r}, times={len(self)})"


@dataclass(frozen=True, eq=False)
class CensorMarks:
    """Times of censoring tick marks read off one arm's curve."""

    time: FloatArray
    arm: str = "arm"
    source: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", _frozen(self.time, np.float64))

    def __len__(self) -> int:
        return int(self.time.size)


@dataclass(frozen=True)
class IntervalCheck:
    """Reconstructed against given numbers at risk for one risk-table interval."""

    start: float
    end: float | None
    n_at_risk_given: int
    n_at_risk_reconstructed: int
    n_events: int
    n_censored: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        return {
            "start": self.start,
            "end": self.end,
            "n_at_risk_given": self.n_at_risk_given,
            "n_at_risk_reconstructed": self.n_at_risk_reconstructed,
            "n_events": self.n_events,
            "n_censored": self.n_censored,
        }


@dataclass(frozen=True)
class ArmDiagnostics:
    """How well one arm's reconstruction reproduces its inputs."""

    n: int
    n_events: int
    n_censored: int
    events_given: int | None
    max_abs_error: float
    rmse: float
    mean_abs_error: float
    intervals: tuple[IntervalCheck, ...] = ()
    warnings: tuple[str, ...] = ()
    method: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        return {
            "method": self.method,
            "n": self.n,
            "n_events": self.n_events,
            "n_censored": self.n_censored,
            "events_given": self.events_given,
            "curve_fit": {
                "max_abs_error": self.max_abs_error,
                "rmse": self.rmse,
                "mean_abs_error": self.mean_abs_error,
            },
            "risk_table_fit": [check.to_dict() for check in self.intervals],
            "warnings": list(self.warnings),
        }


@dataclass(frozen=True, eq=False)
class ArmReconstruction:
    """Reconstructed patient-level data of one arm with its diagnostics."""

    arm: str
    time: FloatArray
    event: IntArray
    curve: CleanedCurve
    diagnostics: ArmDiagnostics
    risk_table: RiskTable | None = None
    censor_marks: CensorMarks | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", _frozen(self.time, np.float64))
        object.__setattr__(self, "event", _frozen(self.event, np.int64))

    def __len__(self) -> int:
        return int(self.time.size)

    def __repr__(self) -> str:
        d = self.diagnostics
        return (
            f"ArmReconstruction(arm={self.arm!r}, n={d.n}, events={d.n_events}, "
            f"max|dS|={d.max_abs_error:.4f})"
        )


@dataclass(frozen=True, eq=False)
class ReconstructionResult:
    """Reconstructed patient-level data of one or more arms.

    Attributes
    ----------
    arms : dict of str to ArmReconstruction
        Per arm, in input order.
    """

    arms: dict[str, ArmReconstruction]

    @property
    def ipd(self) -> Any:
        """Patient-level data as a pandas DataFrame with columns ``arm, time, event``."""
        import pandas as pd

        frames = [
            pd.DataFrame({"arm": arm.arm, "time": arm.time, "event": arm.event})
            for arm in self.arms.values()
        ]
        return (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame({"arm": [], "time": [], "event": []})
        )

    def summary(self) -> Any:
        """One row per arm: n, events, censorings and the fit to the curve."""
        import pandas as pd

        rows = []
        for name, arm in self.arms.items():
            d = arm.diagnostics
            rows.append(
                {
                    "arm": name,
                    "n": d.n,
                    "events": d.n_events,
                    "censored": d.n_censored,
                    "events_given": d.events_given,
                    "max_abs_error": d.max_abs_error,
                    "rmse": d.rmse,
                    "mean_abs_error": d.mean_abs_error,
                    "warnings": len(d.warnings),
                }
            )
        return pd.DataFrame(rows).set_index("arm")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe diagnostics of every arm."""
        return {"arms": {name: arm.diagnostics.to_dict() for name, arm in self.arms.items()}}

    def __repr__(self) -> str:
        return f"ReconstructionResult(arms={list(self.arms)})"
