"""Event counts that keep the rebuilt curve level with the digitized one.

Rounding each interval's expected events on its own lets the survival level
drift, as every rounding error carries into all later times. The functions
here predict the change of log-survival an interval's event count produces
and choose counts by error diffusion in log-survival.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kmipd.reconstruction._model import IntervalPlan


def round_events(plans: list[IntervalPlan]) -> list[IntervalPlan]:
    """Round expected events so that the reconstructed curve tracks the digitized one.

    Rounding each interval on its own lets the survival level drift, as every
    rounding error carries into all later times. Here each interval takes
    the floor or the ceiling of its expected events, whichever brings the
    predicted log-survival at its end closer to the curve's, given the
    error carried in from earlier intervals (error diffusion in log-survival).
    """
    carried = 0.0
    out = []
    for plan in plans:
        leaving = plan.n0 - plan.left
        if not plan.model.has_drops or leaving <= 0:
            out.append(replace(plan, events=0, censored=leaving))
            continue
        target = log_ratio(plan)
        ideal = _events_for_change(plan, target - carried)
        most = min(leaving, plan.max_events)
        low = int(np.clip(np.floor(ideal), 0, most))
        high = int(np.clip(low + 1, 0, most))
        # the floor or ceiling of the ideal count, or the interval's own expected events;
        # a tie (e.g. either count empties a curve that ends at 0) goes to the count
        # nearest the expected events
        expected = int(np.clip(round(plan.expected_events), 0, most))
        d = min(
            sorted({low, high, expected}),
            key=lambda k: (_level_error(plan, k, carried, target), abs(k - plan.expected_events)),
        )
        carried += level_change(plan, d) - target
        out.append(replace(plan, events=d, censored=leaving - d))
    return out


def _level_error(plan: IntervalPlan, events: int, carried: float, target: float) -> float:
    """Predicted log-survival miss at the interval's end with ``events`` events (rounded)."""
    return round(abs(carried + level_change(plan, events) - target), 9)


def _read_log_ratio(plan: IntervalPlan) -> float:
    ratio = float(plan.model.survival_ratio[-1]) if plan.model.hazard.size else 1.0
    return float(np.log(max(ratio, 1e-9)))


def _per_event(plan: IntervalPlan) -> float:
    """Log-survival change of one event at the interval's mean number at risk."""
    at_risk = 0.5 * (plan.n0 + plan.left)
    return float(np.log(1.0 - 1.0 / at_risk)) if at_risk > 1.5 else -1.0


def log_ratio(plan: IntervalPlan) -> float:
    """Log-survival change across the interval: the curve's, plus the guess where unread."""
    return _read_log_ratio(plan) + plan.unread_guess * _per_event(plan)


def level_change(plan: IntervalPlan, events: float) -> float:
    """Predicted change of log-survival when the interval holds ``events`` events.

    The interval model with the other leavers censored (``c = L - d``)
    expects ``D(c)`` events to produce the curve's drop; ``d`` events then
    produce ``d / D(c)`` of that drop (in log-survival). Events past the
    digitized curve add one mean-risk-set step each.
    """
    read = _read_log_ratio(plan)
    leaving = plan.n0 - plan.left
    in_read = events
    if plan.unread is not None:
        in_read = min(events, plan.expected_events) if plan.model.has_drops else 0.0
    change = (events - in_read) * _per_event(plan)
    if in_read <= 0:
        return change
    expected = plan.model.linear_events(max(leaving - events, 0.0))
    if expected <= 1e-9:
        return change + in_read * _per_event(plan)
    return change + read * in_read / expected


def _events_for_change(plan: IntervalPlan, change: float) -> float:
    """Events whose predicted log-survival change is ``change`` (read part only)."""
    read = _read_log_ratio(plan)
    leaving = plan.n0 - plan.left
    d0 = plan.model.events_at_zero
    slope = plan.model.events_per_censoring
    denominator = read - change * slope
    if read >= 0 or abs(denominator) < 1e-12:
        return plan.expected_events
    return float(change * (d0 - leaving * slope) / denominator)
