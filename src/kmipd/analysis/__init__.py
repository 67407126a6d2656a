"""Survival statistics on patient-level data, computed as R's ``survival`` package does.

Kaplan-Meier curves with log-log limits, quantiles (medians), landmark
survival, restricted mean survival time, log-rank tests, Cox hazard ratios
(Efron ties), the ``cox.zph`` proportional-hazards test and piecewise hazard
ratios; :func:`analyze` runs them all for a study. Importing this package
does not import lifelines or matplotlib.
"""

from kmipd.analysis._analysis_results import AnalysisResult, ArmAnalysis, ComparisonResult
from kmipd.analysis._analyze import analyze
from kmipd.analysis._comparison_results import (
    DifferenceResult,
    HazardRatioResult,
    LogrankResult,
    PiecewiseHazardRatio,
    TestResult,
)
from kmipd.analysis._cox import (
    cox_hazard_ratio,
    piecewise_hazard_ratios,
    proportional_hazards_test,
)
from kmipd.analysis._km import kaplan_meier, landmark, survival_quantile
from kmipd.analysis._logrank import logrank_test
from kmipd.analysis._results import (
    KaplanMeierResult,
    LandmarkResult,
    QuantileResult,
    RMSTResult,
)
from kmipd.analysis._rmst import rmst, rmst_difference

__all__ = [
    "AnalysisResult",
    "ArmAnalysis",
    "ComparisonResult",
    "DifferenceResult",
    "HazardRatioResult",
    "KaplanMeierResult",
    "LandmarkResult",
    "LogrankResult",
    "PiecewiseHazardRatio",
    "QuantileResult",
    "RMSTResult",
    "TestResult",
    "analyze",
    "cox_hazard_ratio",
    "kaplan_meier",
    "landmark",
    "logrank_test",
    "piecewise_hazard_ratios",
    "proportional_hazards_test",
    "rmst",
    "rmst_difference",
    "survival_quantile",
]
