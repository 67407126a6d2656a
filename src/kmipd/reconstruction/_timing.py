"""Censoring timing within an interval that reconciles its counts with the curve.

With an interval's events ``d`` and censorings ``c`` fixed (by the risk table
and a reported total), the curve's drop is reproduced only if the censorings
fall at the right times: early censoring shrinks the risk set sooner, so
fewer events make the same drop. When evenly spread censoring does not give
``D(c) = d``, the censoring weights are tilted, ``w[k] ~ base[k] exp(b x[k])``
with ``x`` the position in the interval, and ``b`` is found by bisection.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from kmipd.reconstruction._model import IntervalModel, IntervalPlan, interval_model

FloatArray = npt.NDArray[np.float64]

_TILT = 30.0  # largest |b|: nearly all censoring at one end of the interval
_TOLERANCE = 0.5  # events of mismatch worth re-timing in the tail
_BOUNDED_TOLERANCE = 2.5  # ... in a bounded interval, where level tracking moves counts by ~1


def retime_censoring(plan: IntervalPlan) -> IntervalPlan:
    """Return ``plan`` with censoring weights tilted so its events fit the curve."""
    model = plan.model
    if not model.has_drops or plan.censored <= 0 or model.length.sum() <= 0:
        return plan
    read_events = plan.events - plan.unread_events
    tolerance = _TOLERANCE if plan.tail else _BOUNDED_TOLERANCE
    if abs(model.linear_events(plan.censored) - read_events) <= tolerance:
        return plan
    position = _positions(model.length)
    base = np.where(model.weight > 0, model.weight, 0.0)
    if base.sum() <= 0:
        return plan

    def events_at(tilt: float) -> float:
        return _tilted(model, base, position, tilt).linear_events(plan.censored)

    low, high = -_TILT, _TILT
    if read_events <= events_at(low):
        return replace(plan, model=_tilted(model, base, position, low))
    if read_events >= events_at(high):
        return replace(plan, model=_tilted(model, base, position, high))
    for _ in range(40):
        middle = 0.5 * (low + high)
        if events_at(middle) < read_events:
            low = middle
        else:
            high = middle
    return replace(plan, model=_tilted(model, base, position, 0.5 * (low + high)))


def _positions(length: FloatArray) -> FloatArray:
    total = float(length.sum())
    return (np.cumsum(length) - 0.5 * length) / total


def _tilted(
    model: IntervalModel, base: FloatArray, position: FloatArray, tilt: float
) -> IntervalModel:
    weight = base * np.exp(tilt * (position - 1.0 if tilt > 0 else position))
    return interval_model(model.n0, model.hazard, weight, model.length)
