"""Censoring timing within an interval that reconciles its counts with the curve.

Two tools. ``fit_minimum_follow_up``: with no risk table but a reported event
total, censoring is taken to be administrative, as in a trial with uniform
accrual analysed at the curve's end: every patient not dead by their
potential follow-up, uniform on [F, end], is censored then; the minimum
follow-up F is solved so that the expected events equal the total. When
even F = 0 leaves too many events, patients are also lost to follow-up at a
constant rate, solved instead.
``retime_censoring``: otherwise,
with an interval's events ``d`` and censorings ``c`` fixed (by the risk table
and a reported total), the curve's drop is reproduced only if the censorings
fall at the right times: early censoring shrinks the risk set sooner, so
fewer events make the same drop. When evenly spread censoring does not give
``D(c) = d``, the censoring weights are tilted, ``w[k] ~ base[k] exp(b x[k])``
with ``x`` the position in the interval, and ``b`` is found by bisection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from kmipd.reconstruction._model import IntervalModel, IntervalPlan, interval_model

FloatArray = npt.NDArray[np.float64]

_TILT = 30.0  # largest |b|: nearly all censoring at one end of the interval
_TOLERANCE = 0.5  # events of mismatch worth re-timing in the tail
_BOUNDED_TOLERANCE = 2.5  # ... in a bounded interval, where level tracking moves counts by ~1
_LATE_SHARE = 0.15  # final share of the curve's time searched for its clearest drop
_MAX_LOSS = 1e3  # largest loss rate tried, per curve length: everyone lost at once


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
    if that is needed to keep 1/h patients at risk for the curve's clearest
    late drop (of hazard h: a drop is at least one event, see
    ``_clearest_late_drop``). F is solved so that the expected events equal
    the plan's count. When even F = 0 leaves too many events, patients are
    also lost to follow-up at a constant rate, solved instead of F. Returns
    None when no such rate meets the count.
    """
    model = plan.model
    if not model.has_drops or plan.events >= plan.n0 or model.length.sum() <= 0:
        return None
    drop = _clearest_late_drop(model)

    def events(start: float, loss: float) -> float:
        fitted, censored = _follow_up(model, drop, start, loss)
        return fitted.linear_events(censored)

    end = float(model.length.sum())
    start, loss = 0.0, 0.0
    if events(0.0, 0.0) > plan.events:
        rate = _loss_rate(lambda rate: events(0.0, rate), plan.events, end)
        if rate is None:
            return None
        loss = rate
    else:
        start = _bisect(lambda share: events(share * end, 0.0) > plan.events, 0.0, 1.0 - 1e-6)
        start *= end
    fitted, censored = _follow_up(model, drop, start, loss)
    room = plan.n0 - plan.events
    count = int(np.clip(round(censored), 0, room))
    return replace(plan, model=fitted, censored=count, left=room - count)


def censorings_of_uniform_follow_up(model: IntervalModel) -> float:
    """Expected censorings when every patient's follow-up is uniform on [0, H].

    H is the curve's end, or later if the curve's clearest late drop needs
    more patients at risk than that leaves (see ``_follow_up``): with no risk
    table and no event total, a curve still drawn in small steps at the end
    of its axis has many patients left, followed on past it.
    """
    if not model.has_drops or model.length.sum() <= 0:
        return model.person_time(0.0) / max(float(model.length.sum()), 1e-12)
    return _follow_up(model, _clearest_late_drop(model), 0.0, 0.0)[1]


def _clearest_late_drop(model: IntervalModel) -> int:
    """Segment of the largest drop in the last ``_LATE_SHARE`` of the curve's time.

    A drop holds at least one event, but a traced curve breaks steps into
    slivers (sub-pixel drops), so the bound is taken from the largest late
    drop, the one most surely a whole step, not from the very last one.
    """
    ends = np.cumsum(model.length)
    late = (ends - model.length >= (1.0 - _LATE_SHARE) * ends[-1]) & (model.hazard > 0)
    if not late.any():
        return int(np.flatnonzero(model.hazard > 0)[-1])
    where = np.flatnonzero(late)
    return int(where[np.argmax(model.hazard[where])])


def _follow_up(
    model: IntervalModel, drop: int, start: float, loss: float
) -> tuple[IntervalModel, float]:
    """The interval model and censorings for potential follow-up ``G``.

    ``G(t) = exp(-loss t) clip((H - t) / (H - start), 0, 1)``: uniform
    administrative follow-up on [start, H] and losses at rate ``loss``.
    H is the curve's end, or later if the drop ``drop`` (at least one event,
    of hazard h) needs it to keep 1/h at risk:
    n0 P (H - t) / (H - F) >= need  =>  H >= (n0 P t - need F) / (n0 P - need).
    Censorings in a segment are ``n0 S(start of segment) (G(a) - G(b))``.
    """
    ends = np.cumsum(model.length)
    starts = ends - model.length
    end = float(ends[-1])
    ratio_prev = np.concatenate(([1.0], model.survival_ratio[:-1]))
    drop_time, drop_ratio = float(starts[drop]), float(ratio_prev[drop])
    horizon = end
    alive = model.n0 * drop_ratio
    need = min(1.0 / model.hazard[drop], alive)
    if alive > need and alive * (end - drop_time) < need * (end - start):
        horizon = (alive * drop_time - need * start) / (alive - need)

    def potential(t: FloatArray) -> FloatArray:
        return np.exp(-loss * t) * np.clip((horizon - t) / (horizon - start), 0.0, 1.0)

    mass = ratio_prev * np.maximum(potential(starts) - potential(ends), 0.0)
    fitted = interval_model(model.n0, model.hazard, mass, model.length)
    return fitted, model.n0 * float(mass.sum())


def _loss_rate(events: Callable[[float], float], target: float, end: float) -> float | None:
    """Loss-to-follow-up rate at which ``events(rate)`` falls to ``target``."""
    high = 1.0 / end
    while events(high) > target:
        if high > _MAX_LOSS / end:
            return None
        high *= 2.0
    return _bisect(lambda rate: events(rate) <= target, 0.0, high)


def _bisect(above: Callable[[float], bool], low: float, high: float) -> float:
    """Largest ``x`` in [low, high] with ``above(x)`` False (``above`` monotone), to 40 halvings."""
    for _ in range(40):
        middle = 0.5 * (low + high)
        if above(middle):
            high = middle
        else:
            low = middle
    return low
