"""Censoring timing within an interval that reconciles its counts with the curve.

Two tools. ``fit_minimum_follow_up``: with no risk table but a reported event
total, censoring is taken to be administrative, as in a trial with uniform
accrual analysed at the curve's end: every patient not dead by their
potential follow-up, uniform on [F, end], is censored then; the minimum
follow-up F is solved so that the expected events equal the total.
``retime_censoring``: otherwise,
with an interval's events ``d`` and censorings ``c`` fixed (by the risk table
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


def fit_minimum_follow_up(plan: IntervalPlan) -> IntervalPlan | None:
    """Administrative censoring after a minimum follow-up that meets the event count.

    Potential follow-up is uniform on [F, H]: H is the curve's end, or later
    if that is needed to keep 1/h patients at risk for the curve's last drop
    (of hazard h: a drop is at least one event).
    F is solved so that the expected events equal the plan's count. Returns
    None when even F = 0 leaves too many events (censoring must then start
    earlier than follow-up allows: see ``retime_censoring``).
    """
    model = plan.model
    if not model.has_drops or plan.events >= plan.n0 or model.length.sum() <= 0:
        return None
    ends = np.cumsum(model.length)
    end = float(ends[-1])
    ratio_prev = np.concatenate(([1.0], model.survival_ratio[:-1]))
    last = int(np.flatnonzero(model.hazard > 0)[-1])
    last_time, last_ratio = float(ends[last] - model.length[last]), float(ratio_prev[last])

    def admin(share: float) -> tuple[IntervalModel, float]:
        start = share * end
        # the last drop is at least one event, so at least 1/h were at risk for it:
        # n0 P (H - t) / (H - F) >= need  =>  H >= (n0 P t - need F) / (n0 P - need)
        horizon = end
        alive, need = model.n0 * last_ratio, min(1.0 / model.hazard[last], model.n0 * last_ratio)
        if alive > need and alive * (end - last_time) < need * (end - start):
            horizon = (alive * last_time - need * start) / (alive - need)
        inside = np.clip((ends - start) / np.where(model.length > 0, model.length, 1.0), 0, 1)
        mass = model.length * inside * ratio_prev
        fitted = interval_model(model.n0, model.hazard, mass, model.length)
        return fitted, model.n0 * float(mass.sum()) / (horizon - start)

    def events(share: float) -> float:
        fitted, censored = admin(share)
        return fitted.linear_events(censored)

    if events(0.0) > plan.events:
        return None
    low, high = 0.0, 1.0 - 1e-6
    for _ in range(40):
        middle = 0.5 * (low + high)
        if events(middle) > plan.events:
            high = middle
        else:
            low = middle
    fitted, censored = admin(low)
    room = plan.n0 - plan.events
    count = int(np.clip(round(censored), 0, room))
    return replace(plan, model=fitted, censored=count, left=room - count)
