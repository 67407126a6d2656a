"""Censorings between an interval's events, timed so each step has the curve's height.

A Kaplan-Meier step is ``S * d / n``: the number at risk ``n`` sets its
height. Where few patients are at risk a step is several pixels tall and its
height says how many were censored before it. Spread evenly over an interval,
the censorings give steps of the wrong heights and the rebuilt curve wanders
about the drawn one between two risk-table times. Here the censorings of an
interval are handed out gap by gap (before each event time), each gap taking
the count that brings the rebuilt curve nearest the drawn one just after its
event while keeping the interval's last level; a level within the curve's
precision counts as on it, and a censoring moved away from the even spread
costs a small share of a step, so with many at risk (steps finer than the
drawing can show) the even spread stands. The interval's counts do not
change. This needs the curve's precision: kmipd knows it for a curve it read
itself (a pixel), not for points clicked by hand, whose noise is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kmipd.reconstruction._model import IntervalPlan
from kmipd.reconstruction._segments import Segments

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MOVE_COST = 0.1  # cost of one censoring moved from the even spread, as a share of a step
WINDOW = 10  # most censorings moved into or out of one gap


def curve_level(seg: Segments, start: float, stop: float) -> float:
    """Mean of the digitized curve over ``[start, stop)``, or its value just after ``start``.

    Parameters
    ----------
    seg : Segments
        The curve as segments (linear between nodes, vertical at drops).
    start, stop : float
        The stretch averaged; a segment it cuts is counted at the level of
        its start over the part inside (exact for a step curve).

    Returns
    -------
    float
    """
    time = np.append(seg.start, seg.stop[-1])
    value = np.append(seg.survival_before, seg.survival_before[-1] * (1.0 - seg.hazard[-1]))
    if stop <= start:
        return float(value[min(int(np.searchsorted(time, start, side="right")), value.size) - 1])
    area = np.concatenate(([0.0], np.cumsum(0.5 * (value[:-1] + value[1:]) * np.diff(time))))
    # the area function is continuous in time, so a drop's repeated time does not matter
    first = np.searchsorted(time, [start, stop], side="right") - 1
    first = np.clip(first, 0, time.size - 1)
    at = area[first] + value[first] * (np.array([start, stop]) - time[first])
    return float((at[1] - at[0]) / (stop - start))


def track_censoring(
    plan: IntervalPlan,
    events: FloatArray,
    censored: FloatArray,
    level: float,
    targets: FloatArray,
    *,
    until: float | None = None,
    noise: float | None = None,
) -> tuple[FloatArray, float]:
    """Re-time an interval's censorings so the rebuilt steps follow the curve.

    Parameters
    ----------
    plan : IntervalPlan
        The interval (its ``n0`` patients at risk at the start).
    events : ndarray
        The interval's event times, sorted.
    censored : ndarray
        Its censoring times as spread evenly (their count is kept).
    level : float
        The rebuilt curve's survival at the interval's start.
    targets : ndarray
        The drawn curve's level after each distinct event time.
    until : float, optional
        Latest time a censoring may take (where the interval's censoring
        weights end); the interval's end by default.
    noise : float, optional
        The drawn curve's precision: a rebuilt level this close to it is as
        good as on it. Without it the censorings stay where they are and
        only the level at the interval's end is computed.

    Returns
    -------
    censored : ndarray
        The new censoring times.
    level : float
        The rebuilt curve's survival at the interval's end.
    """
    times, deaths = np.unique(events, return_counts=True)
    # a censoring at an event's time is still at risk then: it counts in the gap after
    even = np.bincount(np.searchsorted(times, censored, side="right"), minlength=times.size + 1)
    counts = np.zeros_like(even)
    left, at_risk = int(censored.size), float(plan.n0)
    for j, (d, target) in enumerate(zip(deaths, targets, strict=True)):
        k = (
            int(even[j])
            if noise is None
            else _gap_count(
                _Gap(level, at_risk, int(d), float(target), int(even[j]), left, noise),
                deaths[j + 1 :],
                even[j + 1 :],
                float(targets[-1]),
            )
        )
        counts[j], left, at_risk = k, left - k, at_risk - k
        level *= 1.0 - d / at_risk if at_risk > 0 else 0.0
        at_risk -= d
    counts[-1] += left
    if noise is None or np.array_equal(counts, even):
        return censored, level
    last = plan.stop if until is None else min(until, plan.stop)
    edges = np.concatenate(([plan.start], times, [max(last, float(times[-1]))]))
    gap = np.searchsorted(times, censored, side="right")
    kept = np.isin(gap, np.flatnonzero(counts == even))
    moved = _spread(edges, np.where(counts == even, 0, counts))
    return np.sort(np.concatenate((censored[kept], moved))), level


@dataclass(frozen=True)
class _Gap:
    """The rebuilt curve just before one event time, and that time's choice."""

    level: float  # survival before the event
    at_risk: float  # at risk before this gap's censorings
    deaths: int
    target: float  # the drawn level after the event
    even: int  # censorings the even spread puts in the gap
    left: int  # censorings still to hand out in the interval
    noise: float  # a level this close to the drawn one is as good as on it


def _gap_count(gap: _Gap, deaths: IntArray, even: IntArray, end_target: float) -> int:
    """Censorings before an event time that bring the step nearest its target.

    The interval's last level counts too: censorings taken early leave fewer
    at risk, so every later step grows. The later censorings are taken as
    spread like the even spread (``even``: counts of the later gaps, the
    last being after the interval's last event).
    """
    low, high = max(gap.even - WINDOW, 0), min(gap.even + WINDOW, gap.left)
    k = np.arange(low, max(min(high, int(gap.at_risk) - gap.deaths), low - 1) + 1)
    if k.size == 0:
        return 0
    n = gap.at_risk - k
    after = gap.level * (1.0 - gap.deaths / n)
    final = after.copy()
    if deaths.size:
        rest = (gap.left - k).astype(float)
        share = even[:-1] / even.sum() if even.sum() > 0 else np.zeros(deaths.size)
        before = np.cumsum(np.concatenate(([0], deaths[:-1]))) + gap.deaths
        at = n[:, None] - before[None, :] - np.cumsum(share)[None, :] * rest[:, None]
        final = after * np.prod(1.0 - deaths[None, :] / np.maximum(at, deaths[None, :]), axis=1)
    miss = np.maximum(np.abs(after - gap.target) - gap.noise, 0.0)
    miss += np.maximum(np.abs(final - end_target) - gap.noise, 0.0)
    step = gap.level * gap.deaths / max(gap.at_risk, 1.0)
    cost = miss + MOVE_COST * step * np.abs(k - gap.even)
    return int(k[np.argmin(cost)])


def _spread(edges: FloatArray, counts: npt.NDArray[np.int64]) -> FloatArray:
    """``counts[j]`` times spread evenly inside each gap ``[edges[j], edges[j + 1])``."""
    parts = []
    for j, k in enumerate(counts):
        if k:
            lo, hi = edges[j], edges[j + 1]
            parts.append(lo + (np.arange(k) + 0.5) / k * (hi - lo))
    return np.concatenate(parts) if parts else np.empty(0)
