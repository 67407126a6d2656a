"""Integer events and censorings per risk-table interval.

*Read* bounded intervals (between two risk-table times, inside the digitized
curve) take the censoring that makes the expected number left equal the next
number at risk. Where the digitized curve stops before the risk table does,
the curve there is *unread*, not flat: events there are estimated from the
numbers at risk with the censoring rate of the last read intervals (or set by
the reported event total). The tail after the last risk-table time (or the
whole curve when there is no risk table) takes the censoring that matches the
reported event total, or, without one, the carried-over censoring rate (with
no risk table at all: follow-up spread uniformly up to the curve's end).
A reported total is then met exactly by trading censorings for events in
intervals where the curve drops or is unread.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from kmipd.errors import ReconstructionError
from kmipd.reconstruction._model import IntervalModel, interval_model
from kmipd.reconstruction._segments import Segments

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_RATE_INTERVALS = 2  # read intervals whose censoring rate is carried forward


@dataclass(frozen=True)
class IntervalPlan:
    """Counts decided for one interval and the model used to place them.

    ``unread_events`` of the ``events`` fall where the digitized curve had
    already ended; ``left`` (tail only) are censored at the curve's end.
    """

    start: float
    stop: float
    n0: int
    events: int
    censored: int
    left: int
    model: IntervalModel
    segments: slice
    expected_events: float = 0.0
    tail: bool = False
    unread: npt.NDArray[np.bool_] | None = None  # per segment: True where not digitized
    unread_events: int = 0
    unread_guess: float = 0.0

    @property
    def can_hold_events(self) -> bool:
        """Whether events may be placed in this interval."""
        return self.model.has_drops or (self.unread is not None and bool(self.unread.any()))


def plan_intervals(
    seg: Segments,
    cuts: FloatArray,
    counts: IntArray,
    *,
    end: float,
    read_end: float,
    events: int | None,
    mark_weight: FloatArray | None,
    notes: list[str],
) -> list[IntervalPlan]:
    """Decide integer events and censorings in every interval of one arm.

    Parameters
    ----------
    seg : Segments
        The curve cut at the risk-table times.
    cuts, counts : ndarray
        Risk-table times (first 0) and numbers at risk there.
    end : float
        Last time of the (possibly extended) curve.
    read_end : float
        Last digitized time; after it the curve is unread.
    events : int, optional
        Reported total events within the curve's range.
    mark_weight : ndarray, optional
        Censor marks counted per segment.
    notes : list of str
        Receives approximation notes.

    Returns
    -------
    list of IntervalPlan
    """
    unread = (seg.start >= read_end) & (seg.length > 0)
    plans = [_bounded(seg, cuts, counts, i, mark_weight, unread) for i in range(cuts.size - 1)]
    plans = _round_events(plans)
    if any(p.unread is not None for p in plans):
        plans = _estimate_unread(plans, events, read_end, notes)
    if counts[-1] > 0:
        plans.append(_tail(seg, cuts, counts, plans, end, events, mark_weight, notes))
    if events is not None:
        plans = _meet_total(plans, events)
    return plans


def _slice(seg: Segments, index: int) -> slice:
    where = np.flatnonzero(seg.interval == index)
    return slice(int(where[0]), int(where[-1]) + 1) if where.size else slice(0, 0)


def _weights(
    seg: Segments, part: slice, mark_weight: FloatArray | None, *, tail: bool
) -> FloatArray:
    if mark_weight is not None and mark_weight[part].sum() > 0:
        return np.asarray(mark_weight[part], dtype=float)
    length = seg.length[part]
    return length * seg.survival_before[part] if tail else length


def _bounded(
    seg: Segments,
    cuts: FloatArray,
    counts: IntArray,
    i: int,
    mark_weight: FloatArray | None,
    unread: npt.NDArray[np.bool_],
) -> IntervalPlan:
    part = _slice(seg, i)
    n0, n1 = int(counts[i]), int(counts[i + 1])
    model = interval_model(
        n0, seg.hazard[part], _weights(seg, part, mark_weight, tail=False), seg.length[part]
    )
    leaving = n0 - n1
    expected = 0.0
    if model.has_drops and leaving > 0:
        expected = float(np.clip(leaving - model.censored_for_left(n1), 0.0, leaving))
    return IntervalPlan(
        start=float(cuts[i]),
        stop=float(cuts[i + 1]),
        n0=n0,
        events=0,
        censored=leaving,
        left=n1,
        model=model,
        segments=part,
        expected_events=expected,
        unread=unread[part] if unread[part].any() else None,
    )


def _round_events(plans: list[IntervalPlan]) -> list[IntervalPlan]:
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
        target = _log_ratio(plan)
        ideal = _events_for_change(plan, target - carried)
        low = int(np.clip(np.floor(ideal), 0, leaving))
        high = int(np.clip(low + 1, 0, leaving))
        errors = [abs(carried + _level_change(plan, d) - target) for d in (low, high)]
        d = (low, high)[int(np.argmin(errors))]
        carried += _level_change(plan, d) - target
        out.append(replace(plan, events=d, censored=leaving - d))
    return out


def _read_log_ratio(plan: IntervalPlan) -> float:
    ratio = float(plan.model.survival_ratio[-1]) if plan.model.hazard.size else 1.0
    return float(np.log(max(ratio, 1e-9)))


def _per_event(plan: IntervalPlan) -> float:
    """Log-survival change of one event at the interval's mean number at risk."""
    at_risk = 0.5 * (plan.n0 + plan.left)
    return float(np.log(1.0 - 1.0 / at_risk)) if at_risk > 1.5 else -1.0


def _log_ratio(plan: IntervalPlan) -> float:
    """Log-survival change across the interval: the curve's, plus the guess where unread."""
    return _read_log_ratio(plan) + plan.unread_guess * _per_event(plan)


def _level_change(plan: IntervalPlan, events: float) -> float:
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
    expected = plan.model.events(max(leaving - events, 0.0))
    if expected <= 1e-9:
        return change + in_read * _per_event(plan)
    return change + read * in_read / expected


def _events_for_change(plan: IntervalPlan, change: float) -> float:
    """Events whose predicted log-survival change is ``change`` (read part only)."""
    read = _read_log_ratio(plan)
    leaving = plan.n0 - plan.left
    d0 = plan.model.events(0.0)
    slope = d0 - plan.model.events(1.0)
    denominator = read - change * slope
    if read >= 0 or abs(denominator) < 1e-12:
        return plan.expected_events
    return float(change * (d0 - leaving * slope) / denominator)


def _estimate_unread(
    plans: list[IntervalPlan], events: int | None, read_end: float, notes: list[str]
) -> list[IntervalPlan]:
    """Estimate events in intervals past the digitized curve's end.

    The event rate (events per patient-time) of the last read intervals is
    carried forward over the unread time, with the patient-time taken from
    the numbers at risk. Event rates change slowly; censoring rates jump late
    in follow-up, so carrying the censoring rate would invent deaths.
    """
    rate = _event_rate([p for p in plans if p.unread is None])
    out = []
    for plan in plans:
        if plan.unread is None:
            out.append(plan)
            continue
        leaving = plan.n0 - plan.left
        read_events = plan.events if plan.model.has_drops else 0
        unread_time = float(np.sum(plan.model.length[np.asarray(plan.unread, dtype=bool)]))
        guess = round(rate * 0.5 * (plan.n0 + plan.left) * unread_time)
        guess = max(0, min(guess, leaving - read_events))
        out.append(
            replace(
                plan,
                events=read_events + guess,
                censored=leaving - read_events - guess,
                unread_events=guess,
                unread_guess=float(guess),
            )
        )
    unread_total = sum(p.unread_events for p in out)
    how = f"estimated at the event rate of the last read intervals ({unread_total} events)" + (
        "" if events is not None else "; give --events to pin them down"
    )
    notes.append(
        f"the digitized curve ends at {read_end:g} while the risk table goes on; events after "
        f"that are {how} — digitize the curve to its end if it is flat there"
    )
    return out


def _event_rate(plans: list[IntervalPlan]) -> float:
    usable = [p for p in plans if p.n0 > 0][-_RATE_INTERVALS:]
    person_time = sum(p.model.person_time(p.censored) for p in usable)
    return sum(p.events for p in usable) / person_time if person_time > 0 else 0.0


def _tail(
    seg: Segments,
    cuts: FloatArray,
    counts: IntArray,
    plans: list[IntervalPlan],
    end: float,
    events: int | None,
    mark_weight: FloatArray | None,
    notes: list[str],
) -> IntervalPlan:
    part = _slice(seg, cuts.size - 1)
    n0 = int(counts[-1])
    model = interval_model(
        n0, seg.hazard[part], _weights(seg, part, mark_weight, tail=True), seg.length[part]
    )
    if events is not None:
        target = events - sum(p.events for p in plans)
        d = int(np.clip(target, 0, n0)) if model.has_drops else 0
        c = model.censored_for_events(d)
    else:
        c = _tail_censoring(
            model, [p for p in plans if p.unread is None], float(cuts[-1]), end, notes
        )
        d = round(model.events(c)) if model.has_drops else 0
    c_int = int(np.clip(round(c), 0, n0 - d))
    return IntervalPlan(
        start=float(cuts[-1]),
        stop=end,
        n0=n0,
        events=d,
        censored=c_int,
        left=n0 - d - c_int,
        model=model,
        segments=part,
        expected_events=model.events(c),
        tail=True,
    )


def _tail_censoring(
    model: IntervalModel, plans: list[IntervalPlan], start: float, end: float, notes: list[str]
) -> float:
    """Censorings in the tail when no event total says how many there were."""
    if not model.hazard.size or end <= start:
        return 0.0
    rate = _censoring_rate(plans)
    if rate is None:
        notes.append(
            "no risk table after time 0 and no event total: censoring assumed as if each "
            "patient's follow-up were uniform up to the end of the curve; give --events "
            "to pin it down"
        )
        return model.person_time(0.0) / (end - start)
    notes.append(
        f"no event total: censoring after the last risk-table time ({start:g}) carried over "
        f"from the last intervals' rate ({rate:.4g} per patient per time unit); give --events "
        "to pin it down"
    )
    # c = rate * person_time(c), and person_time is linear in c
    a = model.person_time(0.0)
    b = a - model.person_time(1.0)
    return max(0.0, rate * a / (1.0 + rate * b))


def _censoring_rate(plans: list[IntervalPlan]) -> float | None:
    usable = [p for p in plans if p.n0 > 0][-_RATE_INTERVALS:]
    if not usable:
        return None
    censored = sum(p.censored for p in usable)
    person_time = sum(p.model.person_time(p.censored) for p in usable)
    return censored / person_time if person_time > 0 else 0.0


def _meet_total(plans: list[IntervalPlan], events: int) -> list[IntervalPlan]:
    """Trade censorings and events until the event total is exact.

    The tail goes first (its curve fixes the hazards, not the count, so any
    count there fits the curve equally well), then intervals past the
    digitized curve, then read intervals, one event at a time where it
    moves the predicted survival closest to the curve.
    """
    plans = list(plans)
    residual = events - sum(p.events for p in plans)
    plans, residual = _spread(plans, _tail_index(plans), residual)
    read = [i for i, p in enumerate(plans) if not p.tail]
    while residual != 0:
        sign = 1 if residual > 0 else -1
        best = _best_interval(plans, read, sign)
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
        np.cumsum([_level_change(plans[i], plans[i].events) - _log_ratio(plans[i]) for i in read])
        if read
        else np.empty(0)
    )
    weights = np.array(
        [(plans[i].stop - plans[i].start) * np.exp(_log_ratio(plans[i])) for i in read]
    )
    best, best_cost = None, np.inf
    for k, i in enumerate(read):
        if _room(plans[i], sign) <= 0:
            continue
        delta = _level_change(plans[i], plans[i].events + sign) - _level_change(
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
        return plan.censored + (plan.left if plan.tail else 0)
    return plan.events
