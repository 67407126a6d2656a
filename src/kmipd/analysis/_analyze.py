"""One call for a whole study: every per-arm estimate and every comparison."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kmipd.analysis._analysis_results import AnalysisResult, ArmAnalysis, ComparisonResult
from kmipd.analysis._cox import (
    _hazard_ratio,
    piecewise_hazard_ratios,
    proportional_hazards_test,
)
from kmipd.analysis._km import kaplan_meier, landmark, survival_quantile
from kmipd.analysis._logrank import logrank_test
from kmipd.analysis._rmst import rmst_difference, rmst_from_km
from kmipd.analysis._stats import check_confidence_level
from kmipd.analysis._validate import check_cuts, check_groups, check_tau
from kmipd.errors import ApproximationWarning, InputError

__all__ = ["analyze"]

Arrays = tuple[Any, Any]


def _landmark_keys(landmarks: Sequence[float | str]) -> dict[str, float | str]:
    """Key of each landmark: strings as given, numbers as ``format(t, "g")``."""
    keys: dict[str, float | str] = {}
    for time in landmarks:
        key = time if isinstance(time, str) else format(float(time), "g")
        if key in keys:
            raise InputError(f"landmark {time!r} is given twice; list each landmark time once")
        keys[key] = time
    return keys


def _reference(names: list[str], reference: str | None) -> str:
    if not names:
        raise InputError("data holds no arms; pass {arm: (time, event)} for at least one arm")
    if reference is None:
        return names[0]
    if reference not in names:
        raise InputError(
            f"reference={reference!r} is not one of the arms {names!r}; "
            "pass one of them or None for the first"
        )
    return reference


def _arm(
    name: str, data: Arrays, keys: dict[str, Any], tau: float | None, level: float
) -> ArmAnalysis:
    km = kaplan_meier(*data, arm=name, confidence_level=level)
    marks = {key: landmark(km, time, key=key) for key, time in keys.items()}
    result = None if tau is None else rmst_from_km(km, tau, level)
    if result is not None and result.extended:
        warnings.warn(
            f"arm {name!r}: tau={tau:g} is beyond its last observed time {km.time[-1]:g}; "
            "its RMST carries the last survival value forward (as R does). "
            "Choose a tau within every arm's follow-up to avoid this.",
            ApproximationWarning,
            stacklevel=3,
        )
    return ArmAnalysis(
        arm=name, km=km, median=survival_quantile(km, 0.5), landmarks=marks, rmst=result
    )


def _compare(
    arm: str,
    reference: str,
    groups: dict[str, Arrays],
    arms: dict[str, ArmAnalysis],
    cuts: Any,
    level: float,
) -> ComparisonResult:
    pair = {reference: groups[reference], arm: groups[arm]}
    time = np.concatenate([groups[reference][0], groups[arm][0]])
    event = np.concatenate([groups[reference][1], groups[arm][1]])
    treated = np.repeat([False, True], [groups[reference][0].size, groups[arm][0].size])
    a, b = arms[arm].rmst, arms[reference].rmst
    pieces = piecewise_hazard_ratios(time, event, treated, cuts, confidence_level=level)
    return ComparisonResult(
        arm=arm,
        reference=reference,
        hazard_ratio=_hazard_ratio(time, event, treated.astype(float), level),
        logrank=logrank_test(pair),
        rmst_difference=None if a is None or b is None else rmst_difference(a, b),
        proportional_hazards=proportional_hazards_test(time, event, treated),
        piecewise=pieces if len(cuts) else (),
    )


def analyze(
    data: Mapping[str, Arrays],
    *,
    reference: str | None = None,
    landmarks: Sequence[float | str] = (),
    tau: float | None = None,
    cuts: Sequence[float] = (),
    confidence_level: float = 0.95,
) -> AnalysisResult:
    """Analyse a study: per-arm KM, median, landmarks and RMST, and comparisons.

    Each arm other than the reference is compared with it: Cox hazard ratio
    (Efron ties), log-rank test, RMST difference, proportional-hazards test
    and, when ``cuts`` are given, piecewise hazard ratios. With three or more
    arms ``logrank_overall`` tests all at once (None with one arm).

    Parameters
    ----------
    data : mapping of str to (time, event)
        Arms in display order.
    reference : str, optional
        The arm the others are compared with; the first arm by default.
    landmarks : sequence of float or str, optional
        Landmark times; keys are strings as given, numbers as ``format(t, "g")``.
    tau : float, optional
        RMST horizon. Default: the smallest of the arms' largest observed times,
        so no arm's curve is extrapolated. A larger ``tau`` is used as R does
        (last value carried forward) with an ApproximationWarning per arm.
    cuts : sequence of float, optional
        Cut points of the piecewise hazard ratios.
    confidence_level : float, optional
        Coverage of every interval.

    Returns
    -------
    AnalysisResult

    Raises
    ------
    InputError
        On an unknown reference, bad landmarks, tau or cuts, or bad data
        (the message names the arm and value).

    Examples
    --------
    >>> result = analyze({"a": ([1, 2, 3, 4], [1, 1, 0, 1]), "b": ([2, 4, 6, 8], [1, 0, 1, 0])})
    >>> result.tau
    4.0
    >>> result.arms["a"].median.estimate  # flat at exactly 0.5 from 2 to 4: midpoint
    3.0
    """
    level = check_confidence_level(confidence_level)
    groups = check_groups(data)
    ref = _reference(list(groups), reference)
    keys = _landmark_keys(landmarks)
    edges = check_cuts(cuts)
    last = min(float(t.max()) for t, _ in groups.values())
    horizon = check_tau(tau) if tau is not None else (last if last > 0 else None)
    arms = {name: _arm(name, pair, keys, horizon, level) for name, pair in groups.items()}
    comparisons = [
        _compare(name, ref, groups, arms, edges, level) for name in groups if name != ref
    ]
    overall = logrank_test(groups) if len(groups) > 1 else None
    return AnalysisResult(
        arms=arms,
        comparisons=comparisons,
        logrank_overall=overall,
        tau=horizon,
        reference=ref,
        confidence_level=level,
    )
