"""Trace every curve colour of the panel, and map traces to survival curves."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._legend import LegendEntry
from kmipd.digitize._scene import Scene
from kmipd.digitize._trace import Trace, trace_arm
from kmipd.types import Curve

__all__ = ["is_rising", "legend_mask", "to_curve", "trace_all"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def legend_mask(shape: tuple[int, int], entries: list[LegendEntry]) -> BoolArray:
    """Pixels of legend keys and labels (to keep them out of the curves)."""
    mask = np.zeros(shape, dtype=bool)
    for entry in entries:
        for word in (entry.swatch.word, *entry.words):
            mask[max(0, word.row0 - 2) : word.row1 + 2, max(0, word.col0 - 2) : word.col1 + 2] = (
                True
            )
    return mask


def is_rising(coverage: FloatArray) -> bool:
    """Whether the ink climbs from left to right (a cumulative incidence curve)."""
    inked = coverage >= 0.25
    cols = np.flatnonzero(inked.any(axis=0))
    if cols.size < 20:
        return False
    rows = np.arange(coverage.shape[0])[:, None]
    mean_row = (rows * inked).sum(axis=0)[cols] / inked.sum(axis=0)[cols]
    k = max(3, cols.size // 10)
    return bool(np.median(mean_row[-k:]) < np.median(mean_row[:k]) - 3.0)


def _fallback(traces: dict[int, Trace], skip: int, cols: int) -> FloatArray | None:
    """Per column, the level of the other traced curves (the topmost where several)."""
    levels = np.full(cols, np.nan)
    for k, trace in traces.items():
        if k == skip:
            continue
        span = slice(trace.first_col, trace.last_col + 1)
        levels[span] = np.fmin(levels[span], trace.column_rows)
    return levels if np.isfinite(levels).any() else None


def _moved(trace: Trace, row0: int, col0: int, rows: int, flip: bool) -> Trace:
    """A trace of a crop (flipped upside down if ``flip``) in image coordinates."""
    tr, cr = trace.rows, trace.column_rows
    if flip:
        tr, cr = rows - 1 - tr, rows - 1 - cr
    return Trace(
        trace.cols + col0,
        tr + row0,
        trace.thickness,
        trace.first_col + col0,
        trace.last_col + col0,
        trace.filled_fraction,
        cr + row0,
    )


def _panel_slices(scene: Scene) -> tuple[slice, slice]:
    """Rows and columns of the panel (with a pixel to spare)."""
    f = scene.frame
    rows, cols = scene.ink.shape
    return (
        slice(max(0, int(f.top) - 1), min(rows, int(np.ceil(f.bottom)) + 2)),
        slice(max(0, int(f.left) - 1), min(cols, int(np.ceil(f.right)) + 2)),
    )


def trace_all(scene: Scene, hide: BoolArray, rising: bool = False) -> dict[int, Trace]:
    """A trace for every curve colour with ink spanning at least a tenth of the panel.

    Curves are traced twice: the second time, columns where a curve is hidden
    are filled from the curves traced over it.

    Parameters
    ----------
    scene : Scene
    hide : ndarray of bool, shape (rows, cols)
        Pixels to ignore (legend inside the panel).
    rising : bool, optional
        Trace curves that climb (cumulative incidence) by flipping the image.

    Returns
    -------
    dict of int to Trace
        By colour index, in image coordinates.
    """
    rs, cs = _panel_slices(scene)
    labels = np.where(hide, -1, scene.labels)[rs, cs]
    coverage = np.where(hide, 0.0, scene.coverage)[rs, cs]
    if rising:
        labels, coverage = labels[::-1], coverage[::-1]
    strong = coverage >= 0.25
    width = scene.frame.right - scene.frame.left
    traces: dict[int, Trace] = {}
    for _ in range(2):
        found = {}
        for k in range(len(scene.colours)):
            mine = labels == k
            fallback = _fallback(traces, k, coverage.shape[1]) if traces else None
            trace = trace_arm(np.where(mine, coverage, 0.0), strong & ~mine, 0, fallback)
            if trace is not None and trace.last_col - trace.first_col >= 0.1 * width:
                found[k] = trace
        traces = found
    return {k: _moved(t, rs.start, cs.start, coverage.shape[0], rising) for k, t in traces.items()}


def to_curve(
    trace: Trace,
    x: AxisCalibration,
    y: AxisCalibration,
    name: str,
    rising: bool = False,
    warnings: list[str] | None = None,
) -> Curve:
    """Map a pixel trace through the calibration to a survival curve.

    Times below 0 are set to 0 and survival is clipped to [0, 1]; a rising
    (cumulative incidence) curve ``F`` is returned as ``1 - F``. A curve whose
    start is hidden (under another curve or the frame) is taken to start at
    survival 1 at time 0 (with a warning if more than 2 % of the axis is hidden
    and the first visible survival is below 0.9). A last drop that ends
    within a pen width of 0 ends at 0 (the axis hides its foot).
    """
    time = np.maximum(x.value(trace.cols), 0.0)
    value = y.value(trace.rows) / (100.0 if y.percent else 1.0)
    survival = np.clip(1.0 - value if rising else value, 0.0, 1.0)
    if trace.cols.size >= 2 and trace.cols[-1] == trace.cols[-2]:
        # a last drop whose foot is within a pen width of 0 is hidden by the axis: it is to 0
        pixel = abs(float(np.diff(y.value(np.array([0.0, 1.0])))[0]))
        if survival[-1] <= trace.thickness * pixel / (100.0 if y.percent else 1.0):
            survival[-1] = 0.0
    span = max(float(time[-1]), 1e-9) if time.size else 1.0
    if time.size and time[0] > 0:
        if time[0] <= 0.005 * span:
            time[0] = 0.0
        else:
            if time[0] > 0.02 * span and survival[0] < 0.9 and warnings is not None:
                warnings.append(
                    f"arm {name!r}: the curve is hidden before time {time[0]:.4g}; "
                    "taken to start at survival 1"
                )
            time = np.concatenate(([0.0, time[0]], time))
            survival = np.concatenate(([1.0, 1.0], survival))
    return Curve(time=time, survival=survival, arm=name)
