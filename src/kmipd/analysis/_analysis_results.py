"""Result types of :func:`kmipd.analysis.analyze`: per-arm estimates and comparisons."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kmipd.analysis._comparison_results import (
    DifferenceResult,
    HazardRatioResult,
    LogrankResult,
    PiecewiseHazardRatio,
    TestResult,
)
from kmipd.analysis._results import (
    KaplanMeierResult,
    LandmarkResult,
    QuantileResult,
    RMSTResult,
)
from kmipd.analysis._stats import frame, json_interval, json_number

__all__ = ["AnalysisResult", "ArmAnalysis", "ComparisonResult"]


@dataclass(frozen=True, eq=False)
class ArmAnalysis:
    """Everything estimated for one arm: KM curve, median, landmarks and RMST."""

    arm: str
    km: KaplanMeierResult
    median: QuantileResult
    landmarks: dict[str, LandmarkResult] = field(default_factory=dict)
    rmst: RMSTResult | None = None

    @property
    def n(self) -> int:
        """Patients in the arm."""
        return self.km.n

    @property
    def events(self) -> int:
        """Events in the arm."""
        return self.km.events

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe ``{"n", "events", "median", "landmarks", "rmst"}``."""
        return {
            "n": self.n,
            "events": self.events,
            "median": {
                "estimate": json_number(self.median.estimate),
                "ci": json_interval(self.median.ci),
            },
            "landmarks": {key: mark.to_dict() for key, mark in self.landmarks.items()},
            "rmst": None if self.rmst is None else self.rmst.to_dict(),
        }

    def __repr__(self) -> str:
        return f"ArmAnalysis(arm={self.arm!r}, n={self.n}, events={self.events})"


@dataclass(frozen=True, eq=False)
class ComparisonResult:
    """One arm against the reference arm (hazard ratio: ``arm`` / ``reference``)."""

    arm: str
    reference: str
    hazard_ratio: HazardRatioResult
    logrank: LogrankResult
    rmst_difference: DifferenceResult | None
    proportional_hazards: TestResult
    piecewise: tuple[PiecewiseHazardRatio, ...] = ()

    @property
    def statistic(self) -> float | None:
        """Log-rank chi-square."""
        return self.logrank.statistic

    @property
    def pvalue(self) -> float | None:
        """Log-rank p-value."""
        return self.logrank.pvalue

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict in the schema of :meth:`AnalysisResult.to_dict`."""
        hr, diff = self.hazard_ratio, self.rmst_difference
        return {
            "arm": self.arm,
            "reference": self.reference,
            "hazard_ratio": {
                "estimate": json_number(hr.estimate),
                "ci": json_interval(hr.ci),
                "pvalue": json_number(hr.pvalue),
            },
            "logrank": {
                "statistic": json_number(self.logrank.statistic),
                "pvalue": json_number(self.logrank.pvalue),
            },
            "rmst_difference": None
            if diff is None
            else {"estimate": json_number(diff.estimate), "ci": json_interval(diff.ci)},
            "proportional_hazards": {
                "statistic": json_number(self.proportional_hazards.statistic),
                "pvalue": json_number(self.proportional_hazards.pvalue),
            },
            "piecewise_hazard_ratios": [piece.to_dict() for piece in self.piecewise],
        }

    def __repr__(self) -> str:
        return (
            f"ComparisonResult(arm={self.arm!r}, reference={self.reference!r}, "
            f"hazard_ratio={self.hazard_ratio.estimate!r})"
        )


@dataclass(frozen=True, eq=False)
class AnalysisResult:
    """Per-arm estimates and each arm's comparison with the reference arm."""

    arms: dict[str, ArmAnalysis]
    comparisons: list[ComparisonResult]
    logrank_overall: LogrankResult | None
    tau: float | None
    reference: str
    confidence_level: float = 0.95

    @property
    def statistic(self) -> float | None:
        """Overall log-rank chi-square (None with one arm)."""
        return None if self.logrank_overall is None else self.logrank_overall.statistic

    @property
    def pvalue(self) -> float | None:
        """Overall log-rank p-value (None with one arm)."""
        return None if self.logrank_overall is None else self.logrank_overall.pvalue

    def comparison(self, arm: str) -> ComparisonResult:
        """The comparison of ``arm`` with the reference."""
        for comparison in self.comparisons:
            if comparison.arm == arm:
                return comparison
        raise KeyError(
            f"no comparison for arm {arm!r}; compared arms: {[c.arm for c in self.comparisons]!r}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe nested dict (``json.dumps(..., allow_nan=False)`` works)."""
        overall = self.logrank_overall
        return {
            "arms": {name: arm.to_dict() for name, arm in self.arms.items()},
            "comparisons": [comparison.to_dict() for comparison in self.comparisons],
            "logrank_overall": None if overall is None else overall.to_dict(),
            "tau": json_number(self.tau),
            "reference": self.reference,
            "confidence_level": self.confidence_level,
        }

    def summary(self) -> Any:
        """One row per arm: n, events, median, landmarks, RMST and the comparison."""
        return frame([self._summary_row(name) for name in self.arms], index="arm")

    def _summary_row(self, name: str) -> dict[str, Any]:
        arm = self.arms[name]
        row: dict[str, Any] = {"arm": name, "n": arm.n, "events": arm.events}
        row.update(
            median=arm.median.estimate, median_lower=arm.median.ci[0], median_upper=arm.median.ci[1]
        )
        for key, mark in arm.landmarks.items():
            row[f"survival_{key}"] = mark.survival
            row[f"survival_{key}_lower"], row[f"survival_{key}_upper"] = mark.ci
        if arm.rmst is not None:
            row.update(
                rmst=arm.rmst.estimate,
                rmst_se=arm.rmst.se,
                rmst_lower=arm.rmst.ci[0],
                rmst_upper=arm.rmst.ci[1],
            )
        compared = [c for c in self.comparisons if c.arm == name]
        hr = compared[0].hazard_ratio if compared else None
        row.update(
            hazard_ratio=None if hr is None else hr.estimate,
            hazard_ratio_lower=None if hr is None else hr.ci[0],
            hazard_ratio_upper=None if hr is None else hr.ci[1],
            hazard_ratio_pvalue=None if hr is None else hr.pvalue,
            logrank_pvalue=compared[0].logrank.pvalue if compared else None,
        )
        return row

    def __repr__(self) -> str:
        return (
            f"AnalysisResult(arms={list(self.arms)!r}, reference={self.reference!r}, "
            f"tau={self.tau!r})"
        )
