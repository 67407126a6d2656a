"""SVG figures without tick labels as text: the plot panel from the axis lines or frame.

Used when the axis ranges are given (``x_range``, ``y_range``) but the
drawing has no numeric text: the panel is where the two axis lines meet
(a long vertical and a long horizontal stroke sharing the bottom-left
corner), else the largest box (frame or background) inside the page.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._pdf_types import Stroke, VectorPage
from kmipd.digitize._vector_axes import VectorAxes, drawn_boxes, segments

__all__ = ["panel_axes", "without_keys"]


def _user(axis: str, value_range: tuple[float, float], p0: float, p1: float) -> AxisCalibration:
    lo, hi = value_range
    slope = (hi - lo) / (p1 - p0)
    return AxisCalibration(axis, slope, lo - slope * p0, (), 0.0, 1.0, False, "user")


def _from_lines(page: VectorPage) -> tuple[float, float, float, float] | None:
    rows, cols = page.shape
    segs = segments(page.strokes)
    tol = max(1.5, 0.004 * max(rows, cols))
    vertical = [s for s in segs if s.vertical and s.length >= 0.2 * rows]
    horizontal = [s for s in segs if s.horizontal and s.length >= 0.2 * cols]
    best: tuple[float, tuple[float, float, float, float]] | None = None
    for v in vertical:
        v_top, v_bottom = min(v.r0, v.r1), max(v.r0, v.r1)
        for h in horizontal:
            h_left, h_right = min(h.c0, h.c1), max(h.c0, h.c1)
            if abs(v.c0 - h_left) <= tol and abs(v_bottom - h.r0) <= tol:
                area = (h_right - h_left) * (h.r0 - v_top)
                if best is None or area > best[0]:
                    best = (area, (v_top, v.c0, h.r0, h_right))
    return None if best is None else best[1]


def _from_boxes(page: VectorPage) -> tuple[float, float, float, float] | None:
    rows, cols = page.shape
    area = float(rows * cols)
    boxes = drawn_boxes(page)
    fits = [b for b in boxes if 0.1 * area <= (b[2] - b[0]) * (b[3] - b[1]) <= 0.95 * area]
    if not fits:
        return None
    left, top, right, bottom = max(fits, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
    return top, left, bottom, right


def panel_axes(
    page: VectorPage, x_range: tuple[float, float], y_range: tuple[float, float]
) -> VectorAxes | None:
    """The panel found from lines or boxes, calibrated by the given ranges; None if not found.

    Parameters
    ----------
    page : VectorPage
    x_range, y_range : tuple of float
        Data values at the panel's left/right and bottom/top edges.

    Returns
    -------
    VectorAxes or None
    """
    panel = _from_lines(page)
    source = "axis lines"
    if panel is None:
        panel, source = _from_boxes(page), "frame"
    if panel is None:
        return None
    top, left, bottom, right = panel
    if right - left < 1 or bottom - top < 1:
        return None
    x_axis = _user("x", x_range, left, right)
    y_axis = _user("y", y_range, bottom, top)
    return VectorAxes(panel, x_axis, y_axis, (), (), source)


def _style(stroke: Stroke) -> tuple[tuple[int, int, int], float, tuple[float, ...]]:
    return stroke.colour, round(stroke.width, 1), stroke.dash


def without_keys(page: VectorPage, panel: tuple[float, float, float, float]) -> VectorPage:
    """The page without legend keys, found without their labels.

    A key is a lone short horizontal stroke inside the panel, away from its
    left edge, touching no other stroke of its style, while a longer stroke
    of its style (its arm's curve) exists.
    """
    top, left, bottom, right = panel
    width = right - left
    tol = max(1.0, 0.005 * width)
    keep = []
    for stroke in page.strokes:
        p = stroke.points
        span = float(p[:, 0].max() - p[:, 0].min())
        flat = float(p[:, 1].max() - p[:, 1].min()) <= 1e-6 * max(span, 1.0)
        inside = left + 0.02 * width < p[:, 0].min() and top < p[0, 1] < bottom
        key = flat and inside and 0 < span < 0.15 * width
        if key:
            same = [s for s in page.strokes if s is not stroke and _style(s) == _style(stroke)]
            ends = p[[0, -1]]
            touching = any(
                float(np.min(np.hypot(*(s.points[:, None, :] - ends[None, :, :]).T))) <= tol
                for s in same
            )
            longer = any(float(np.ptp(s.points[:, 0])) > span for s in same)
            key = longer and not touching
        if not key:
            keep.append(stroke)
    return replace(page, strokes=tuple(keep))
