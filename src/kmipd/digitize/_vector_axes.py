"""Vector PDF figures: the plot panel and both axis calibrations, from the page's text and paths.

Tick labels are the page's own numeric text runs: the y labels are a column of
numbers (values falling down the page), the x labels the nearest row of
numbers under it. Each label is moved onto its tick mark (a short stroke
between the label and the panel, or a grid line) when there is one, since a
label's text box is not centred on its value exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import AxisCalibration, TickLabel, fit_axis, parse_number
from kmipd.digitize._pdf_types import Box, Stroke, TextRun, VectorPage

__all__ = ["Segment", "VectorAxes", "drawn_boxes", "find_axes", "segments"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Segment:
    """One straight piece of a stroke: ``(c0, r0) -> (c1, r1)`` with its stroke's index."""

    c0: float
    r0: float
    c1: float
    r1: float
    stroke: int

    @property
    def horizontal(self) -> bool:
        return abs(self.r1 - self.r0) <= 0.01 * max(abs(self.c1 - self.c0), 1e-9)

    @property
    def vertical(self) -> bool:
        return abs(self.c1 - self.c0) <= 0.01 * max(abs(self.r1 - self.r0), 1e-9)

    @property
    def length(self) -> float:
        return float(np.hypot(self.c1 - self.c0, self.r1 - self.r0))


@dataclass(frozen=True)
class VectorAxes:
    """The panel ``(top, left, bottom, right)`` and the two calibrations."""

    panel: tuple[float, float, float, float]
    x_axis: AxisCalibration
    y_axis: AxisCalibration
    x_labels: tuple[TextRun, ...]
    y_labels: tuple[TextRun, ...]
    panel_source: str


def segments(strokes: tuple[Stroke, ...] | list[Stroke]) -> list[Segment]:
    """Every straight piece of every stroke (zero-length pieces dropped)."""
    out = []
    for index, stroke in enumerate(strokes):
        p = stroke.points
        for (c0, r0), (c1, r1) in pairwise(p):
            if abs(c1 - c0) + abs(r1 - r0) > 1e-6:
                out.append(Segment(float(c0), float(r0), float(c1), float(r1), index))
    return out


def _numbers(texts: tuple[TextRun, ...]) -> list[tuple[TextRun, float, bool]]:
    out = []
    for run in texts:
        parsed = parse_number(run.text) if run.upright else None
        if parsed is not None:
            out.append((run, parsed[0], parsed[1]))
    return out


def _groups(
    numbers: list[tuple[TextRun, float, bool]], key: int
) -> list[list[tuple[TextRun, float, bool]]]:
    """Runs sharing a coordinate of their box (``key`` indexes the box), within 0.3 em."""
    ordered = sorted(numbers, key=lambda n: n[0].box[key])
    groups: list[list[tuple[TextRun, float, bool]]] = []
    for item in ordered:
        size = item[0].size
        if groups and abs(item[0].box[key] - groups[-1][-1][0].box[key]) <= 0.3 * size:
            groups[-1].append(item)
        else:
            groups.append([item])
    return [g for g in groups if len(g) >= 2]


def _linear(group: list[tuple[TextRun, float, bool]], axis: str) -> int:
    """How many labels of a candidate group lie on one monotone straight line."""
    pos = np.array([n[0].centre[0 if axis == "x" else 1] for n in group])
    values = np.array([n[1] for n in group])
    size = float(np.median([n[0].size for n in group]))
    fit = fit_axis(pos, values, axis == "x", tolerance=0.6 * size)
    return 0 if fit is None else int(fit[2].sum())


def _label_sets(
    page: VectorPage,
) -> tuple[list[tuple[TextRun, float, bool]], list[tuple[TextRun, float, bool]]] | None:
    """The y label column and the x label row under it."""
    numbers = _numbers(page.texts)
    columns = _groups(numbers, 2) + _groups(numbers, 0)
    columns = [c for c in columns if _linear(c, "y") >= 2]
    if not columns:
        return None
    y_set = max(columns, key=lambda c: (_linear(c, "y"), -min(n[0].box[0] for n in c)))
    lowest = max(n[0].centre[1] for n in y_set)
    right = max(n[0].box[2] for n in y_set)
    rows = [
        r
        for r in _groups(numbers, 1)
        if _linear(r, "x") >= 2
        and min(n[0].box[1] for n in r) >= lowest - r[0][0].size
        and max(n[0].box[2] for n in r) > right
    ]
    if not rows:
        return None
    x_set = min(rows, key=lambda r: min(n[0].box[1] for n in r))
    return y_set, x_set


def _snap(
    labels: list[tuple[TextRun, float, bool]], segs: list[Segment], axis: str
) -> list[tuple[float, bool]]:
    """Each label's position on its axis: its tick mark's if one is found, else its centre."""
    out = []
    for run, _, _ in labels:
        left, top, right, bottom = run.box
        size = run.size
        if axis == "x":
            centre = (left + right) / 2.0
            near = [
                s.c0
                for s in segs
                if s.vertical
                and abs(s.c0 - centre) <= max((right - left) / 2.0, 0.3 * size)
                and top - 3.0 * size <= max(s.r0, s.r1) <= top + 0.2 * size
            ]
        else:
            centre = (top + bottom) / 2.0
            near = [
                s.r0
                for s in segs
                if s.horizontal
                and abs(s.r0 - centre) <= 0.6 * (bottom - top)
                and right - 0.2 * size <= min(s.c0, s.c1) <= right + 3.0 * size
            ]
        if near:
            best = min(near, key=lambda p: abs(p - centre))
            out.append((float(best), True))
        else:
            out.append((centre, False))
    return out


def _calibration(
    labels: list[tuple[TextRun, float, bool]], segs: list[Segment], axis: str
) -> AxisCalibration | None:
    snapped = _snap(labels, segs, axis)
    pos = np.array([p for p, _ in snapped])
    values = np.array([n[1] for n in labels])
    size = float(np.median([n[0].size for n in labels]))
    fit = fit_axis(pos, values, axis == "x", tolerance=max(0.5, 0.05 * size))
    if fit is None:
        return None
    slope, intercept, inliers = fit
    on_tick = np.array([t for _, t in snapped])
    residual = np.abs(intercept + slope * pos - values) / abs(slope)
    ticks = tuple(
        TickLabel(float(p), float(v), n[0].text, 1.0, bool(t), bool(u))
        for p, v, n, t, u in zip(pos, values, labels, on_tick, inliers, strict=True)
    )
    share = float(inliers.mean())
    confidence = share * (1.0 if on_tick[inliers].all() else 0.6)
    confidence *= 1.0 if inliers.sum() >= 3 else 0.7
    percent = axis == "y" and (any(n[2] for n in labels) or float(values.max()) > 1.5)
    return AxisCalibration(
        axis,
        float(slope),
        float(intercept),
        ticks,
        float(residual[inliers].max()) if inliers.any() else 0.0,
        round(confidence, 3),
        bool(percent),
        "pdf text",
    )


def _contains(box: Box, cols: FloatArray, rows: FloatArray, tol: float) -> bool:
    left, top, right, bottom = box
    return bool(
        left - tol <= cols.min()
        and cols.max() <= right + tol
        and top - tol <= rows.min()
        and rows.max() <= bottom + tol
    )


def drawn_boxes(page: VectorPage) -> list[tuple[float, float, float, float]]:
    """``(left, top, right, bottom)`` of every fill and of every stroke of 4+ points."""
    return [f.box for f in page.fills] + [
        (
            float(s.points[:, 0].min()),
            float(s.points[:, 1].min()),
            float(s.points[:, 0].max()),
            float(s.points[:, 1].max()),
        )
        for s in page.strokes
        if len(s.points) >= 4
    ]


def _panel(
    page: VectorPage, segs: list[Segment], x_ticks: FloatArray, y_ticks: FloatArray
) -> tuple[tuple[float, float, float, float], str]:
    """``(top, left, bottom, right)`` of the plot panel and how it was found."""
    tol = 1.0
    page_area = page.shape[0] * page.shape[1]
    boxes = drawn_boxes(page)
    grid_c, grid_r = np.meshgrid(x_ticks, y_ticks)
    fits = [
        b
        for b in boxes
        if (b[2] - b[0]) * (b[3] - b[1]) < 0.98 * page_area
        and _contains(b, grid_c.ravel(), grid_r.ravel(), tol)
    ]
    if fits:
        left, top, right, bottom = min(fits, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))
        return (top, left, bottom, right), "frame"
    x_lo, x_hi, y_lo, y_hi = x_ticks.min(), x_ticks.max(), y_ticks.min(), y_ticks.max()
    vertical = [
        s
        for s in segs
        if s.vertical
        and s.c0 <= x_lo + tol
        and min(s.r0, s.r1) <= y_lo + tol
        and max(s.r0, s.r1) >= y_hi - tol
    ]
    horizontal = [
        s
        for s in segs
        if s.horizontal
        and s.r0 >= y_hi - tol
        and min(s.c0, s.c1) <= x_lo + tol
        and max(s.c0, s.c1) >= x_hi - tol
    ]
    if vertical and horizontal:
        v = max(vertical, key=lambda s: s.c0)
        h = min(horizontal, key=lambda s: s.r0)
        return (min(v.r0, v.r1), v.c0, h.r0, max(h.c0, h.c1)), "axis lines"
    return (float(y_lo), float(x_lo), float(y_hi), float(x_hi)), "tick marks"


def find_axes(page: VectorPage) -> VectorAxes | None:
    """The plot panel and both calibrations, or None if no numeric tick labels are found.

    Parameters
    ----------
    page : VectorPage

    Returns
    -------
    VectorAxes or None
    """
    found = _label_sets(page)
    if found is None:
        return None
    y_set, x_set = found
    segs = segments(page.strokes)
    x_axis = _calibration(x_set, segs, "x")
    y_axis = _calibration(y_set, segs, "y")
    if x_axis is None or y_axis is None:
        return None
    x_ticks = np.array([t.pixel for t in x_axis.labels if t.used])
    y_ticks = np.array([t.pixel for t in y_axis.labels if t.used])
    panel, source = _panel(page, segs, x_ticks, y_ticks)
    return VectorAxes(
        panel, x_axis, y_axis, tuple(n[0] for n in x_set), tuple(n[0] for n in y_set), source
    )
