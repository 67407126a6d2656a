"""Axis values from evenly spaced tick marks, when the tick labels overlap or are misread.

Crowded x axes (a tick every month over ten years) print their labels over
each other: OCR then reads fragments, and a straight-line fit through the
labels finds a wrong slope. The tick marks themselves stay clean. When they
are evenly spaced, the axis is ``value = first + k * step`` at the ``k``-th
mark, and only ``first`` and ``step`` must come from the labels: the pair that
most labels read at least in part (three or more exactly) wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt

__all__ = ["TickGrid", "fit_tick_grid", "is_nice_step"]

FloatArray = npt.NDArray[np.float64]
MIN_TICKS = 5  # fewer marks: the labels alone are as good
MIN_EXACT = 3  # labels read exactly that must agree with the grid
_NICE = (1.0, 1.2, 1.5, 2.0, 2.4, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)


@dataclass(frozen=True)
class TickGrid:
    """Evenly spaced tick marks and the value at each.

    Attributes
    ----------
    pixels : ndarray of float
        Tick mark positions, in order.
    values : ndarray of float
        Value at each mark (``first + k * step``).
    exact : ndarray of bool
        Per label reading: read exactly the value of its mark.
    partial : ndarray of bool
        Per label reading: read a part of its mark's value (overprinted labels).
    confidence : float
        Mean OCR confidence of the exact readings, times the share of the
        readings that agree at least in part, times ``min(1, exact / 3)``.
    """

    pixels: FloatArray
    values: FloatArray
    exact: npt.NDArray[np.bool_]
    partial: npt.NDArray[np.bool_]
    confidence: float


def is_nice_step(step: float) -> bool:
    """Whether ``step`` is a step axes use: 1, 1.2, 1.5, 2, 2.4, 2.5, 3, 4, 5, 6 or 8 times 10^k.

    (1.2, 2.4, 3 and 6 for months: 12, 24, 3 and 6.)
    """
    if not np.isfinite(step) or step <= 0:
        return False
    scale = float(10.0 ** np.floor(np.log10(step) + 1e-9))
    return any(abs(step / scale - n) < 1e-6 for n in (*_NICE, 10.0))


def _even(ticks: FloatArray) -> float | None:
    """The spacing of ``ticks`` if they are evenly spaced (within 5 % or 1 px), else None."""
    if ticks.size < MIN_TICKS:
        return None
    gaps = np.diff(np.sort(ticks))
    spacing = float(np.median(gaps))
    if spacing <= 0 or np.max(np.abs(gaps - spacing)) > max(1.0, 0.05 * spacing):
        return None
    return spacing


def _text(value: float, step: float) -> str:
    """How a tick label of ``value`` is printed, with as many decimals as the step needs."""
    for decimals in range(4):
        if abs(round(step, decimals) - step) < 1e-9:
            return f"{value:.{decimals}f}"
    return f"{value:g}"


def fit_tick_grid(
    ticks: FloatArray,
    pixels: FloatArray,
    texts: list[str],
    values: FloatArray,
    confidences: FloatArray,
) -> TickGrid | None:
    """Values of evenly spaced tick marks from the labels read at them.

    Parameters
    ----------
    ticks : ndarray of float
        Tick mark positions along the axis.
    pixels : ndarray of float
        Where each label reading stands (on its tick mark if one was near).
    texts : list of str
        What each label reads (digits only, e.g. ``"46"`` for an overprinted ``"16"``).
    values : ndarray of float
        The number each text reads as.
    confidences : ndarray of float
        OCR confidence of each reading.

    Returns
    -------
    TickGrid or None
        None when the marks are not evenly spaced, or fewer than three
        readings at distinct marks agree on a nice step whose first mark is a
        multiple of it.
    """
    spacing = _even(ticks)
    if spacing is None or pixels.size < MIN_EXACT:
        return None
    marks = np.sort(ticks)
    index = np.rint((pixels - marks[0]) / spacing).astype(int)
    near = (np.abs(pixels - (marks[0] + index * spacing)) <= 0.25 * spacing) & (
        (index >= 0) & (index < marks.size)
    )
    best: tuple[tuple[int, int], float, float] | None = None
    for i, j in combinations(np.flatnonzero(near), 2):
        if index[i] == index[j]:
            continue
        step = (values[j] - values[i]) / (index[j] - index[i])
        if not is_nice_step(float(step)):
            continue
        first = float(values[i] - index[i] * step)
        if abs(first / step - round(first / step)) > 1e-6:
            continue
        key = _score(index, near, texts, values, first, float(step))
        if best is None or key > best[0]:
            best = (key, first, float(step))
    if best is None or best[0][1] < MIN_EXACT:
        return None
    _, first, step = best
    expected = first + index * step
    exact = near & (np.abs(values - expected) <= 1e-6 * max(1.0, abs(step)))
    partial = near & np.array(
        [t in _text(e, step) for t, e in zip(texts, expected, strict=True)], dtype=bool
    )
    confidence = (
        float(np.mean(confidences[exact]))
        * min(1.0, exact.sum() / 3.0)
        * float((exact | partial).sum() / pixels.size)
    )
    grid = (first + np.arange(marks.size) * step).astype(float)
    return TickGrid(marks, grid, exact, partial & ~exact, confidence)


def _score(
    index: npt.NDArray[np.int_],
    near: npt.NDArray[np.bool_],
    texts: list[str],
    values: FloatArray,
    first: float,
    step: float,
) -> tuple[int, int]:
    """Readings that give their mark's value at least in part, then marks read exactly."""
    expected = first + index * step
    exact = near & (np.abs(values - expected) <= 1e-6 * max(1.0, abs(step)))
    partial = sum(
        bool(n) and t in _text(e, step) for n, t, e in zip(near, texts, expected, strict=True)
    )
    return int(partial), int(np.unique(index[exact]).size)
