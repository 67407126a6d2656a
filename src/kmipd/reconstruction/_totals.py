"""Meeting a reported event total exactly."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kmipd.errors import ReconstructionError
from kmipd.reconstruction._levels import level_change, log_ratio
from kmipd.reconstruction._model import IntervalPlan


def meet_total(plans: list[IntervalPlan], events: int) -> list[IntervalPlan]:
    """Trade censorings and events until the event total is exact.

    Extra events go to the tail first (its curve fixes the hazards, not the
    count, so a larger count there fits the curve as well, with less
    censoring); the rest moves one event at a time to the interval where it
    brings the predicted survival closest to the curve (past the digitized
    curve: closest to the event-rate guess). Surplus events are taken one at
    a time where that brings the predicted survival closest to the curve,
    the tail among the candidates: its count rests on an assumed censoring
    rate, and when it overshoots, taking the surplus from the intervals alone
    strips them of the events their drops need. What none can give comes
    from the tail.
    """
    plans = list(plans)
    residual = events - sum(p.events for p in plans)
    if residual > 0:
        plans, residual = _spread(plans, _tail_index(plans), residual)
    read = [i for i, p in enumerate(plans) if not p.tail]
    every = read + _tail_index(plans)
    while residual != 0:
        sign = 1 if residual > 0 else -1
        best = _best_interval(plans, read if sign > 0 else every, sign)
        if best is None and sign < 0:
            plans, residual = _spread(plans, _tail_index(plans), residual)
            if residual == 0:
                break
        if best is None:
            reached = sum(p.events for p in plans)
            raise ReconstructionError(
                f"the reported total of {events} events cannot be met: with these numbers at "
                f"risk and this curve the arm can have {reached} at "
                f"{'most' if residual > 0 else 'least'}; check --events and the risk table"
            )
        plans[best] = _trade(plans[best], sign)
        residual -= sign
    return plans


def _tail_index(plans: list[IntervalPlan]) -> list[int]:
    return [i for i, p in enumerate(plans) if p.tail and p.model.has_drops]


def _spread(
    plans: list[IntervalPlan], group: list[int], residual: int
) -> tuple[list[IntervalPlan], int]:
    """Move as much of ``residual`` as the group has room for, in proportion to its events."""
    for _ in range(len(group) + 1):
        room = np.array([_room(plans[i], residual) for i in group], dtype=float)
        if residual == 0 or room.sum() <= 0:
            break
        weight = np.array([plans[i].expected_events + 1e-6 for i in group]) * (room > 0)
        shares = np.diff(
            np.round(np.cumsum(np.concatenate(([0.0], weight / weight.sum()))) * abs(residual))
        ).astype(int)
        step = np.minimum(shares, room.astype(int))
        if step.sum() == 0:
            step[int(np.argmax(room))] = 1
        sign = 1 if residual > 0 else -1
        for k in np.flatnonzero(step):
            plans[group[k]] = _trade(plans[group[k]], sign * int(step[k]))
            residual -= sign * int(step[k])
    return plans, residual


def _best_interval(plans: list[IntervalPlan], read: list[int], sign: int) -> int | None:
    """Read interval where one more (sign=1) or one fewer event fits the curve best."""
    errors = (
        np.cumsum([level_change(plans[i], plans[i].events) - log_ratio(plans[i]) for i in read])
        if read
        else np.empty(0)
    )
    weights = np.array(
        [(plans[i].stop - plans[i].start) * np.exp(log_ratio(plans[i])) for i in read]
    )
    best, best_cost = None, np.inf
    for k, i in enumerate(read):
        if _room(plans[i], sign) <= 0:
            continue
        delta = level_change(plans[i], plans[i].events + sign) - level_change(
            plans[i], plans[i].events
        )
        cost = float(np.sum(weights[k:] * (np.abs(errors[k:] + delta) - np.abs(errors[k:]))))
        if cost < best_cost:
            best, best_cost = i, cost
    return best


def _trade(plan: IntervalPlan, moved: int) -> IntervalPlan:
    """Turn ``moved`` censorings (or, in the tail, patients left) into events."""
    from_censored = min(moved, plan.censored) if moved > 0 else moved
    events = plan.events + moved
    unread_events = 0
    if plan.unread is not None:
        read_share = round(plan.expected_events) if plan.model.has_drops else 0
        unread_events = events - min(events, read_share)
    return replace(
        plan,
        events=events,
        censored=plan.censored - from_censored,
        left=plan.left - (moved - from_censored),
        unread_events=unread_events,
    )


def _room(plan: IntervalPlan, residual: int) -> int:
    if not plan.can_hold_events:
        return 0
    if residual > 0:
        return min(plan.censored + (plan.left if plan.tail else 0), plan.max_events - plan.events)
    keep = 1 if plan.model.has_drops else 0  # a drop of the curve keeps at least one event
    return max(plan.events - keep, 0)
