"""The expected-count model of one interval of a KM curve.

Within an interval that starts with ``n0`` patients at risk, segment ``k`` of
the digitized curve has hazard ``h[k] = 1 - S[k] / S[k-1]`` and receives a
share ``w[k]`` of the interval's ``c`` censorings. Expected numbers at risk
follow ``r[k] = r[k-1] (1 - h[k]) - c w[k]``, which is linear in ``c``::

    r[k] = n0 P[k] - c Q[k],   P[k] = prod_{j<=k} (1 - h[j]),
                               Q[k] = sum_{j<=k} w[j] P[k] / P[j]

so the expected events ``D(c) = sum_k h[k] r[k-1]`` and the number left at
the end ``r[K](c)`` are linear in ``c`` too, and the censoring that makes
them agree with a risk table or a reported event total has a closed form.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class IntervalModel:
    """Linear forms of expected events and end-of-interval risk set in ``c``."""

    n0: float
    hazard: FloatArray  # h[k]
    length: FloatArray  # duration of segment k
    weight: FloatArray  # w[k], sums to 1 (or all 0)
    survival_ratio: FloatArray  # P[k]
    censor_load: FloatArray  # Q[k]
    has_drops: bool = False  # whether the curve drops anywhere in the interval
    events_at_zero: float = 0.0  # D(0) = n0 sum h[k] P[k-1]
    events_per_censoring: float = 0.0  # -dD/dc = sum h[k] Q[k-1]

    def linear_events(self, censored: float) -> float:
        """Expected events ``D(c)`` from its linear form (no clipping at zero risk)."""
        return max(self.events_at_zero - censored * self.events_per_censoring, 0.0)

    def events(self, censored: float) -> float:
        """Expected events with ``censored`` censorings spread by the weights."""
        return float(np.sum(self.hazard * self.at_risk_before(censored)))

    def left(self, censored: float) -> float:
        """Expected number still at risk at the end of the interval."""
        if self.hazard.size == 0:
            return self.n0 - censored
        return float(self.n0 * self.survival_ratio[-1] - censored * self.censor_load[-1])

    def at_risk_before(self, censored: float) -> FloatArray:
        """Expected number at risk just before each segment."""
        p_prev = np.concatenate(([1.0], self.survival_ratio[:-1]))
        q_prev = np.concatenate(([0.0], self.censor_load[:-1]))
        return np.maximum(self.n0 * p_prev - censored * q_prev, 0.0)

    def person_time(self, censored: float) -> float:
        """Expected time at risk summed over patients."""
        return float(np.sum(self.at_risk_before(censored) * self.length))

    def censored_for_left(self, n_left: float) -> float:
        """Censorings that leave ``n_left`` at risk at the end (may be out of range)."""
        load = self.censor_load[-1] if self.hazard.size else 1.0
        if load <= 0:
            return 0.0
        return float((self.n0 * self.survival_ratio[-1] - n_left) / load)

    def censored_for_events(self, n_events: float) -> float:
        """Censorings that make the expected events equal ``n_events``."""
        if self.events_per_censoring <= 0:
            return 0.0
        return float((self.events_at_zero - n_events) / self.events_per_censoring)


def interval_model(
    n0: float, hazard: FloatArray, weight: FloatArray, length: FloatArray
) -> IntervalModel:
    """Build the linear model of one interval.

    Parameters
    ----------
    n0 : float
        Number at risk at the start of the interval.
    hazard : ndarray
        Hazard ``1 - S[k]/S[k-1]`` of each segment, in [0, 1].
    weight : ndarray
        Share of the interval's censorings that falls in each segment.
    length : ndarray
        Duration of each segment.

    Returns
    -------
    IntervalModel
    """
    total = float(weight.sum())
    weight = weight / total if total > 0 else weight
    ratio = np.asarray(np.cumprod(1.0 - hazard), dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_unit = np.where(ratio > 0, weight / np.where(ratio > 0, ratio, 1.0), 0.0)
    load = ratio * np.cumsum(per_unit)
    ratio_prev = np.concatenate(([1.0], ratio[:-1]))
    load_prev = np.concatenate(([0.0], load[:-1]))
    return IntervalModel(
        n0=float(n0),
        hazard=hazard,
        length=length,
        weight=weight,
        survival_ratio=ratio,
        censor_load=load,
        has_drops=bool(hazard.size and hazard.max() > 0),
        events_at_zero=float(n0 * np.sum(hazard * ratio_prev)),
        events_per_censoring=float(np.sum(hazard * load_prev)),
    )


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
    keeps_one: bool = False  # nobody left at the end, yet the curve stays above 0

    @property
    def max_events(self) -> int:
        """Most events the interval may hold: a curve above 0 means one leaver is censored."""
        leaving = self.n0 - (0 if self.tail else self.left)
        return max(leaving - int(self.keeps_one), 0)

    @property
    def can_hold_events(self) -> bool:
        """Whether events may be placed in this interval."""
        return self.model.has_drops or (self.unread is not None and bool(self.unread.any()))
