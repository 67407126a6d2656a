"""Integer events and censorings per risk-table interval.

*Read* bounded intervals (between two risk-table times, inside the digitized
curve) take the censoring that makes the expected number left equal the next
number at risk, rounded so the rebuilt curve tracks the digitized one
(``_levels``). Where the digitized curve stops before the risk table does, the
curve there is *unread*, not flat: its events are estimated at the event rate
of the last read intervals. The tail after the last risk-table time (or the
whole curve when there is no risk table) takes the censoring that matches the
reported event total, or, without one, the carried-over censoring rate (with
no risk table at all: follow-up spread uniformly up to the curve's end). A
reported total is then met exactly (``_totals``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from kmipd.reconstruction._levels import round_events
from kmipd.reconstruction._model import IntervalModel, IntervalPlan, interval_model
from kmipd.reconstruction._segments import Segments
from kmipd.reconstruction._timing import (
    censorings_of_uniform_follow_up,
    fit_minimum_follow_up,
    retime_censoring,
)
from kmipd.reconstruction._totals import meet_total

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_RATE_INTERVALS = 2  # read intervals whose censoring rate is carried forward
_ZERO_LEVEL = 0.005  # a curve ending this close to 0 may have reached it (digitizing noise)


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
    plans = round_events(plans)
    if any(p.unread is not None for p in plans):
        plans = _estimate_unread(plans, events, read_end, notes)
    if counts[-1] > 0:
        plans.append(_tail(seg, cuts, counts, plans, end, events, mark_weight, notes))
    if events is not None:
        plans = meet_total(plans, events)
        if len(plans) == 1 and plans[0].tail and mark_weight is None:
            # no risk table after time 0 and no censor marks to time the censoring
            plans[0] = fit_minimum_follow_up(plans[0]) or _refit_tail(plans[0])
        elif plans and plans[-1].tail:
            plans[-1] = _refit_tail(plans[-1])
        plans = [retime_censoring(p) for p in plans]
    return plans


def _refit_tail(plan: IntervalPlan) -> IntervalPlan:
    """Re-solve the tail's censoring for the event count it ended with."""
    if not plan.model.has_drops or plan.model.survival_ratio[-1] <= 0:
        return plan
    room = plan.n0 - plan.events
    censored = int(np.clip(round(plan.model.censored_for_events(plan.events)), 0, room))
    return replace(plan, censored=censored, left=room - censored)


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
    weight = _weights(seg, part, mark_weight, tail=False)
    unread_part = unread[part] if unread[part].any() else None
    if n1 == 0 and unread_part is not None and weight[~unread_part].sum() > 0:
        # nobody is left at the next risk time and the curve is drawn up to the last
        # patient's time: nobody is censored, and nobody dies, after the curve's end
        weight = np.where(unread_part, 0.0, weight)
        unread_part = None
    model = interval_model(n0, seg.hazard[part], weight, seg.length[part])
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
        unread=unread_part,
        keeps_one=n1 == 0 and n0 > 0 and _survival_at_end(seg, part) > _ZERO_LEVEL,
    )


def _survival_at_end(seg: Segments, part: slice) -> float:
    """The digitized curve's survival at the end of the segments ``part``."""
    if part.stop <= part.start:
        return 1.0
    last = part.stop - 1
    return float(seg.survival_before[last] * (1.0 - seg.hazard[last]))


def _estimate_unread(
    plans: list[IntervalPlan], events: int | None, read_end: float, notes: list[str]
) -> list[IntervalPlan]:
    """Estimate events in intervals past the digitized curve's end.

    The event rate (events per patient-time) of the last read intervals is
    carried forward over the unread time, with the patient-time taken from
    the numbers at risk. Event rates change slowly; censoring rates jump late
    in follow-up, so carrying the censoring rate would invent deaths.
    """
    rate = _rate([p for p in plans if p.unread is None], "events") or 0.0
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
    read = [p for p in plans if p.unread is None]
    marks = 0.0 if mark_weight is None else float(mark_weight[part].sum())
    c = _tail_censoring(model, read, float(cuts[-1]), end, marks, notes if events is None else [])
    c = min(c, _censoring_keeping_last_drop(model))
    d = round(model.events(c)) if model.has_drops else 0
    c_int = int(np.clip(round(c), 0, n0 - d))
    if model.hazard.size and model.survival_ratio[-1] <= 0:
        d = n0 - c_int  # the curve ends at 0: everyone not censored dies
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


def _censoring_keeping_last_drop(model: IntervalModel) -> float:
    """Most censorings that still leave one patient at risk for a final drop to 0."""
    if not model.hazard.size or model.survival_ratio[-1] > 0:
        return np.inf
    last = int(np.flatnonzero(model.hazard >= 1.0)[0]) if np.any(model.hazard >= 1.0) else -1
    ratio_prev = model.survival_ratio[last - 1] if last > 0 else 1.0
    load_prev = model.censor_load[last - 1] if last > 0 else 0.0
    if load_prev <= 0:
        return np.inf
    return max(0.0, (model.n0 * ratio_prev - 1.0) / load_prev)


def _tail_censoring(
    model: IntervalModel,
    plans: list[IntervalPlan],
    start: float,
    end: float,
    marks: float,
    notes: list[str],
) -> float:
    """Censorings in the tail when no event total says how many there were."""
    if not model.hazard.size or end <= start:
        return 0.0
    rate = _rate(plans, "censorings")
    if rate is None:
        uniform = censorings_of_uniform_follow_up(model)
        if 0 < marks < uniform:
            notes.append(
                f"no risk table after time 0 and no event total: censorings taken between "
                f"the {marks:g} censor marks seen (overlapping marks merge) and the "
                f"{uniform:.0f} of follow-up uniform up to the curve's end (or past it, as its "
                "late drops need): their geometric mean; give --events to pin it down"
            )
            return float(np.sqrt(marks * uniform))
        notes.append(
            "no risk table after time 0 and no event total: censoring assumed as if each "
            "patient's follow-up were uniform up to the end of the curve (or past it, as its "
            "late drops need); give --events to pin it down"
        )
        return uniform
    notes.append(
        f"no event total: censoring after the last risk-table time ({start:g}) carried over "
        f"from the last intervals' rate ({rate:.4g} per patient per time unit); give --events "
        "to pin it down"
    )
    # c = rate * person_time(c), and person_time is linear in c
    a = model.person_time(0.0)
    b = a - model.person_time(1.0)
    return max(0.0, rate * a / (1.0 + rate * b))


def _rate(plans: list[IntervalPlan], what: str) -> float | None:
    """Events or censorings per patient-time over the last read intervals."""
    usable = [p for p in plans if p.n0 > 0][-_RATE_INTERVALS:]
    if not usable:
        return None
    person_time = sum(p.model.person_time(p.censored) for p in usable)
    count = sum(p.events if what == "events" else p.censored for p in usable)
    return count / person_time if person_time > 0 else 0.0
