"""Landmark results of an analysis: keyed as the user wrote them, never extrapolated."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["follow_up", "rekey_landmarks"]

FloatArray = npt.NDArray[np.float64]


def follow_up(time: FloatArray) -> float:
    """The last observed time of an arm (0 when empty)."""
    return float(np.max(time)) if time.size else 0.0


def rekey_landmarks(
    analysis: dict[str, Any],
    labels: tuple[str, ...],
    values: tuple[float, ...],
    ends: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """``analysis`` (a ``to_dict()``) with each arm's landmarks keyed by ``labels``.

    Entries are matched to the landmark times by their ``time``; a landmark
    beyond an arm's follow-up (``ends``) is marked not estimable, its values null.
    """
    for arm_id, arm in analysis.get("arms", {}).items():
        found = list((arm.get("landmarks") or {}).values())
        keyed: dict[str, Any] = {}
        for index, (label, value) in enumerate(zip(labels, values, strict=True)):
            entry = next((e for e in found if _same_time(e.get("time"), value)), None)
            if entry is None and len(found) == len(values):
                entry = found[index]
            entry = dict(entry or {"time": value, "estimable": False})
            if ends is not None and value > ends.get(arm_id, math.inf):
                entry = _not_estimable(entry)
            keyed[label] = entry
        arm["landmarks"] = keyed
    return analysis


def _same_time(found: Any, value: float) -> bool:
    try:
        return abs(float(found) - value) <= 1e-9 * max(1.0, abs(value))
    except (TypeError, ValueError):
        return False


def _not_estimable(entry: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {key: None for key in entry}
    out["time"] = entry.get("time")
    out["estimable"] = False
    return out
