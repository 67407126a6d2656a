"""Small numerical helpers shared by the analysis modules (normal quantiles, CIs)."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr, ndtri

from kmipd.errors import InputError

FloatArray = npt.NDArray[np.float64]

__all__ = [
    "check_confidence_level",
    "frame",
    "json_interval",
    "json_number",
    "loglog_limits",
    "normal_interval",
    "two_sided_pvalue",
    "z_value",
]


def json_number(value: Any) -> float | None:
    """``value`` as a float, or None when missing or not finite."""
    if value is None:
        return None
    value = float(value)
    return value if np.isfinite(value) else None


def json_interval(interval: tuple[Any, Any]) -> list[float | None]:
    """A ``(lo, hi)`` pair as a JSON-safe list."""
    return [json_number(interval[0]), json_number(interval[1])]


def check_confidence_level(confidence_level: Any) -> float:
    """``confidence_level`` as a float strictly between 0 and 1, or InputError."""
    try:
        level = float(confidence_level)
    except (TypeError, ValueError):
        level = float("nan")
    if not 0.0 < level < 1.0:
        raise InputError(
            f"confidence_level={confidence_level!r} is not a probability strictly between "
            "0 and 1; pass e.g. confidence_level=0.95 for 95% intervals"
        )
    return level


def z_value(confidence_level: float) -> float:
    """Two-sided normal critical value, as R's ``qnorm(1 - (1 - level) / 2)``."""
    return float(ndtri(1.0 - (1.0 - check_confidence_level(confidence_level)) / 2.0))


def two_sided_pvalue(z: float) -> float:
    """Two-sided normal p-value of a z statistic, as R's ``2 * pnorm(-abs(z))``."""
    return float(2.0 * ndtr(-abs(z)))


def normal_interval(
    estimate: float | None, se: float | None, confidence_level: float
) -> tuple[float | None, float | None]:
    """``estimate -/+ z * se``; ``(None, None)`` when either is missing."""
    if estimate is None or se is None or not np.isfinite(estimate) or not np.isfinite(se):
        return (None, None)
    half = z_value(confidence_level) * se
    return (float(estimate - half), float(estimate + half))


def loglog_limits(
    survival: Any, std_err: Any, confidence_level: float
) -> tuple[FloatArray, FloatArray]:
    """Pointwise log-log confidence limits of a survival curve.

    Follows R's ``survival:::survfit_confint(conf.type = "log-log")`` step by
    step: NaN where survival is 0 or 1 (the transform is undefined there).

    Parameters
    ----------
    survival : array_like
        Survival probabilities.
    std_err : array_like
        Standard errors of log survival (Greenwood), R's ``std.err``.
    confidence_level : float
        Coverage of the pointwise intervals.

    Returns
    -------
    lower, upper : ndarray
        The limits, NaN where undefined.
    """
    surv = np.asarray(survival, dtype=float)
    se = np.asarray(std_err, dtype=float)
    defined = (surv > 0.0) & (surv < 1.0)
    xx = np.where(defined, surv, 0.5)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        se2 = z_value(confidence_level) * se / np.log(xx)
        centre = np.log(-np.log(xx))
        lower = np.exp(-np.exp(centre - se2))
        upper = np.exp(-np.exp(centre + se2))
    return np.where(defined, lower, np.nan), np.where(defined, upper, np.nan)


def frame(rows: list[dict[str, Any]], *, index: str | None = None) -> Any:
    """A pandas DataFrame of ``rows`` (pandas is imported only when a summary is asked for)."""
    import pandas as pd

    table = pd.DataFrame(rows)
    return table.set_index(index) if index is not None else table
