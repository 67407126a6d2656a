"""The cleaned curve as segments, split at the risk-table times."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Segments:
    """Segments between consecutive curve nodes.

    Segment ``k`` runs from node ``k`` to node ``k + 1``; a segment of zero
    length is a vertical drop. ``interval[k]`` is the risk-table interval the
    segment belongs to (a drop exactly at a risk time belongs to the interval
    that starts there, as numbers at risk count those still at risk at t).
    """

    start: FloatArray
    stop: FloatArray
    hazard: FloatArray
    survival_before: FloatArray
    interval: IntArray

    @property
    def length(self) -> FloatArray:
        """Duration of each segment."""
        return self.stop - self.start


def split_segments(time: FloatArray, survival: FloatArray, cuts: FloatArray) -> Segments:
    """Insert the ``cuts`` into the curve and cut it into segments.

    Parameters
    ----------
    time, survival : ndarray
        Cleaned curve nodes (non-decreasing time, non-increasing survival).
    cuts : ndarray
        Increasing risk-table times, the first being 0.

    Returns
    -------
    Segments
    """
    inner = cuts[(cuts > time[0]) & (cuts < time[-1])]
    index = np.searchsorted(time, inner, side="left")
    lo = np.maximum(index - 1, 0)
    span = time[index] - time[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(span > 0, (inner - time[lo]) / np.where(span > 0, span, 1.0), 1.0)
    value = survival[lo] + frac * (survival[index] - survival[lo])
    value = np.where(time[index] == inner, survival[index], value)
    nodes_t = np.insert(time, index, inner)
    nodes_s = np.insert(survival, index, value)
    before = nodes_s[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard = np.where(before > 0, 1.0 - nodes_s[1:] / np.where(before > 0, before, 1.0), 0.0)
    hazard = np.clip(hazard, 0.0, 1.0)
    interval = np.searchsorted(cuts, nodes_t[:-1], side="right") - 1
    return Segments(
        start=nodes_t[:-1],
        stop=nodes_t[1:],
        hazard=hazard,
        survival_before=before,
        interval=interval.astype(np.int64),
    )
