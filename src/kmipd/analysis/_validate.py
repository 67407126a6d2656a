"""Checks of the user's arrays; every problem is an InputError naming the arm and value."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from kmipd.errors import InputError

FloatArray = npt.NDArray[np.float64]

__all__ = ["check_arm", "check_cuts", "check_groups", "check_tau", "check_treated"]


def _as_vector(values: Any, name: str, arm: str) -> FloatArray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"arm {arm!r}: {name} must be numbers, got {values!r:.80}; convert the column first"
        ) from exc
    if array.ndim != 1:
        raise InputError(
            f"arm {arm!r}: {name} must be one-dimensional, got shape {array.shape}; "
            "pass one value per patient"
        )
    return array


def check_arm(time: Any, event: Any, arm: str = "arm") -> tuple[FloatArray, FloatArray]:
    """``time`` and ``event`` as float arrays after checking them.

    Times must be finite and >= 0, events 0 (censored) or 1 (event), both of
    the same non-zero length.
    """
    times = _as_vector(time, "time", arm)
    events = _as_vector(event, "event", arm)
    if times.size != events.size:
        raise InputError(
            f"arm {arm!r}: time has {times.size} values but event has {events.size}; "
            "give one event indicator per time"
        )
    if times.size == 0:
        raise InputError(f"arm {arm!r} has no patients; drop the arm or supply its data")
    bad = np.flatnonzero(~np.isfinite(times) | (times < 0))
    if bad.size:
        raise InputError(
            f"arm {arm!r}: time[{bad[0]}] = {float(times[bad[0]])!r} is not a finite time >= 0; "
            "fix or drop that patient"
        )
    bad = np.flatnonzero((events != 0) & (events != 1))
    if bad.size:
        raise InputError(
            f"arm {arm!r}: event[{bad[0]}] = {float(events[bad[0]])!r} is not 0 or 1; "
            "code events as 1 = event, 0 = censored"
        )
    return times, events


def check_treated(treated: Any, size: int) -> FloatArray:
    """``treated`` as a 0/1 float array of length ``size`` with both groups present."""
    group = _as_vector(treated, "treated", "treated")
    if group.size != size:
        raise InputError(
            f"treated has {group.size} values but time has {size}; give one flag per patient"
        )
    bad = np.flatnonzero((group != 0) & (group != 1))
    if bad.size:
        raise InputError(
            f"treated[{bad[0]}] = {float(group[bad[0]])!r} is not True/False (1/0); "
            "pass a boolean array, True for the compared arm"
        )
    if group.min() == group.max():
        raise InputError(
            f"treated is {bool(group[0])} for every patient; both groups are needed to compare them"
        )
    return group


def check_tau(tau: Any) -> float:
    """``tau`` as a finite positive float, or InputError."""
    try:
        value = float(tau)
    except (TypeError, ValueError):
        value = float("nan")
    if not np.isfinite(value) or value <= 0:
        raise InputError(f"tau={tau!r} is not a finite time > 0; pass the RMST horizon")
    return value


def check_cuts(cuts: Sequence[Any]) -> FloatArray:
    """``cuts`` as strictly increasing finite positive floats, or InputError."""
    try:
        values = np.asarray(list(cuts), dtype=float).reshape(-1)
    except (TypeError, ValueError):
        values = np.array([np.nan])
    if np.any(~np.isfinite(values) | (values <= 0)) or np.any(np.diff(values) <= 0):
        raise InputError(
            f"cuts={list(cuts)!r} must be finite, > 0 and strictly increasing; "
            "e.g. cuts=[6, 12] for pieces (0, 6], (6, 12], (12, end)"
        )
    return values


def check_groups(groups: Mapping[str, Any]) -> dict[str, tuple[FloatArray, FloatArray]]:
    """Each ``name: (time, event)`` pair checked with :func:`check_arm`."""
    checked = {}
    for name, pair in groups.items():
        try:
            time, event = pair
        except (TypeError, ValueError) as exc:
            raise InputError(
                f"arm {name!r}: expected a (time, event) pair, got {type(pair).__name__}; "
                "pass {arm: (time, event)}"
            ) from exc
        checked[str(name)] = check_arm(time, event, str(name))
    return checked
