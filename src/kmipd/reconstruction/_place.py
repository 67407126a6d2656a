"""Times of the events and censorings decided for each interval."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kmipd.reconstruction._model import IntervalPlan
from kmipd.reconstruction._segments import Segments
from kmipd.reconstruction._track import curve_level, track_censoring

FloatArray = npt.NDArray[np.float64]


def place(
    plans: list[IntervalPlan],
    seg: Segments,
    end: float,
    marks: FloatArray | None,
    read_end: float | None = None,
    precision: float | None = None,
) -> tuple[FloatArray, FloatArray]:
    """Event and censoring times of one arm.

    Events go where the curve drops: the j-th event of an interval sits where
    the expected cumulative events reach ``j - 1/2``, read along the curve (a
    vertical drop takes all its events at its time; a sloped stretch between
    two clicks spreads them). Censorings sit at the censor marks of their
    interval when there are any, otherwise where their weights put them
    (with the curve's ``precision`` known, between the events as the step
    heights say: see ``kmipd.reconstruction._track``); patients still at risk
    at the end are censored at the curve's last time.
    A Kaplan-Meier curve is drawn up to the last patient's time, so when every
    event and censoring would fall before the digitized curve's end
    ``read_end``, the latest censoring of the interval holding that end is
    moved there, unless the curve ends at 0 (its last patient died at the
    last drop and nobody is left to censor).

    Returns
    -------
    event_times, censor_times : ndarray
    """
    event_times: list[FloatArray] = []
    censor_times: list[FloatArray] = []
    marked: list[bool] = []
    for plan in plans:
        start, stop = seg.start[plan.segments], seg.stop[plan.segments]
        per_segment = plan.model.hazard * plan.model.at_risk_before(plan.censored)
        times = _invert(per_segment, start, stop, plan.events - plan.unread_events)
        if plan.unread_events:
            unread = np.asarray(plan.unread, dtype=float) * (stop - start)
            times = np.concatenate((times, _invert(unread, start, stop, plan.unread_events)))
        if not plan.tail:
            times = np.minimum(times, np.nextafter(plan.stop, -np.inf))
        event_times.append(np.sort(times))
        censor_times.append(_censor_times(plan, start, stop, marks))
        marked.append(marks is not None and _marks_inside(plan, marks).size > 0)
    if precision is not None:
        _track(plans, seg, event_times, censor_times, marked, precision)
    for i, plan in enumerate(plans):
        if plan.left and plan.tail:
            censor_times[i] = np.concatenate((censor_times[i], np.full(plan.left, end)))
    ends_above_zero = bool(
        seg.hazard.size == 0 or seg.survival_before[-1] * (1.0 - seg.hazard[-1]) > 0
    )
    if read_end is not None and ends_above_zero:  # after a drop to 0 nobody is left
        _last_at_curve_end(plans, event_times, censor_times, read_end)
    return np.concatenate(event_times or [np.empty(0)]), np.concatenate(
        censor_times or [np.empty(0)]
    )


def _last_at_curve_end(
    plans: list[IntervalPlan],
    event_times: list[FloatArray],
    censor_times: list[FloatArray],
    read_end: float,
) -> None:
    """Move the latest censoring to the curve's end when nothing else reaches it (in place)."""
    latest = max((float(t.max()) for t in (*event_times, *censor_times) if t.size), default=0.0)
    if latest >= read_end:
        return
    for i, plan in enumerate(plans):
        inside = plan.start <= read_end and (read_end < plan.stop or plan.tail)
        if inside and censor_times[i].size:
            times = censor_times[i].copy()
            times[int(np.argmax(times))] = read_end
            censor_times[i] = times
            return


def _invert(mass: FloatArray, start: FloatArray, stop: FloatArray, count: int) -> FloatArray:
    """Times at which the cumulative ``mass`` reaches (j - 1/2)/count of its total."""
    total = float(mass.sum()) if mass.size else 0.0
    if count <= 0:
        return np.empty(0)
    if total <= 0:
        return np.full(count, stop[-1] if stop.size else 0.0)
    cumulative = np.cumsum(mass) / total
    target = (np.arange(count) + 0.5) / count
    k = np.minimum(np.searchsorted(cumulative, target, side="left"), mass.size - 1)
    before = np.where(k > 0, cumulative[np.maximum(k - 1, 0)], 0.0)
    share = mass[k] / total
    frac = np.where(share > 0, (target - before) / np.where(share > 0, share, 1.0), 1.0)
    return np.asarray(start[k] + np.clip(frac, 0.0, 1.0) * (stop[k] - start[k]), dtype=float)


def _censor_times(
    plan: IntervalPlan, start: FloatArray, stop: FloatArray, marks: FloatArray | None
) -> FloatArray:
    count = plan.censored
    if count <= 0:
        return np.empty(0)
    if marks is not None:
        inside = _marks_inside(plan, marks)
        if inside.size:
            share = np.diff(np.round(np.linspace(0.0, count, inside.size + 1))).astype(int)
            return np.repeat(np.sort(inside), share)
    if start.size == 0 or plan.stop <= plan.start:
        return np.full(count, plan.stop)
    weight = plan.model.weight
    if weight.sum() <= 0:
        weight = stop - start
    times = _invert(np.asarray(weight, dtype=float), start, stop, count)
    # strictly inside the interval: a censoring at the next risk time would count as at risk
    if not plan.tail:
        times = np.minimum(times, np.nextafter(plan.stop, -np.inf))
    return times


def _marks_inside(plan: IntervalPlan, marks: FloatArray) -> FloatArray:
    """The censor marks within an interval (the tail's end included)."""
    if plan.tail:
        return marks[(marks >= plan.start) & (marks <= plan.stop)]
    return marks[(marks >= plan.start) & (marks < plan.stop)]


def _track(
    plans: list[IntervalPlan],
    seg: Segments,
    event_times: list[FloatArray],
    censor_times: list[FloatArray],
    marked: list[bool],
    precision: float,
) -> None:
    """Re-time each interval's censorings so its steps follow the curve (in place).

    Intervals timed by censor marks, holding events past the digitized curve,
    or after the last risk-table time (one long stretch, where a moved
    censoring is poorly bounded) keep their censorings (see
    ``kmipd.reconstruction._track``).
    """
    distinct = np.unique(np.concatenate(event_times or [np.empty(0)]))
    if seg.start.size == 0 or distinct.size == 0:
        return
    ends = np.append(distinct[1:], max(float(seg.stop[-1]), float(distinct[-1])))
    targets = np.array([curve_level(seg, a, b) for a, b in zip(distinct, ends, strict=True)])
    level = 1.0
    for i, plan in enumerate(plans):
        own = np.searchsorted(distinct, np.unique(event_times[i]))
        fixed = marked[i] or plan.tail or plan.unread_events or plan.censored == 0 or not own.size
        stop, weight = seg.stop[plan.segments], plan.model.weight
        until = float(stop[weight > 0].max()) if np.any(weight > 0) else None
        censor_times[i], level = track_censoring(
            plan,
            event_times[i],
            censor_times[i],
            level,
            targets[own],
            until=until,
            noise=None if fixed else precision,
        )
