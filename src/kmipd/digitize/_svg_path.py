"""SVG figures: geometry of shapes (path data, lines, polylines, rectangles, circles) as subpaths.

Every shape becomes a list of subpaths, each a list of ``(x, y)`` points in
the element's user units; Bézier segments are sampled, arcs drawn as
straight lines to their end point (plotting libraries draw curves with
Béziers, arcs only in markers).
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from kmipd.digitize._pdf_layout import sample_cubic
from kmipd.digitize._svg_style import length, numbers

__all__ = ["path_data", "shape"]

Point = tuple[float, float]
_TOKEN = re.compile(r"([MmLlHhVvCcSsQqTtAaZz])|([-+]?(?:\d*\.\d+|\d+\.?)(?:[eE][-+]?\d+)?)")
_ARGS = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2, "a": 7, "z": 0}


def _quadratic(p0: Point, p1: Point, p2: Point) -> list[Point]:
    c1 = (p0[0] + 2.0 / 3.0 * (p1[0] - p0[0]), p0[1] + 2.0 / 3.0 * (p1[1] - p0[1]))
    c2 = (p2[0] + 2.0 / 3.0 * (p1[0] - p2[0]), p2[1] + 2.0 / 3.0 * (p1[1] - p2[1]))
    return sample_cubic(p0, c1, c2, p2)


class _Pen:
    """Follows path commands; collects subpaths."""

    def __init__(self) -> None:
        self.out: list[list[Point]] = []
        self.current: list[Point] = []
        self.pos: Point = (0.0, 0.0)
        self.start: Point = (0.0, 0.0)
        self.control: Point | None = None  # last control point (for S and T)

    def move(self, p: Point) -> None:
        self.flush()
        self.current, self.pos, self.start = [p], p, p

    def line(self, p: Point) -> None:
        if not self.current:
            self.current = [self.pos]
        self.current.append(p)
        self.pos = p

    def extend(self, pts: list[Point]) -> None:
        if not self.current:
            self.current = [self.pos]
        self.current.extend(pts)
        self.pos = pts[-1]

    def close(self) -> None:
        if self.current:
            self.current.append(self.start)
            self.flush()
        self.pos = self.start

    def flush(self) -> None:
        if len(self.current) > 1:
            self.out.append(self.current)
        self.current = []


def _step(pen: _Pen, op: str, v: list[float]) -> None:
    """One command with its arguments (``op`` lower case for relative)."""
    rel = op.islower()
    ox, oy = pen.pos if rel else (0.0, 0.0)
    kind = op.lower()
    control = None
    if kind == "m":
        pen.move((ox + v[0], oy + v[1]))
    elif kind == "l":
        pen.line((ox + v[0], oy + v[1]))
    elif kind == "h":
        pen.line((ox + v[0], pen.pos[1]))
    elif kind == "v":
        pen.line((pen.pos[0], oy + v[0]))
    elif kind == "c":
        c2 = (ox + v[2], oy + v[3])
        pen.extend(sample_cubic(pen.pos, (ox + v[0], oy + v[1]), c2, (ox + v[4], oy + v[5])))
        control = c2
    elif kind == "s":
        last = pen.control or pen.pos
        c1 = (2 * pen.pos[0] - last[0], 2 * pen.pos[1] - last[1])
        c2 = (ox + v[0], oy + v[1])
        pen.extend(sample_cubic(pen.pos, c1, c2, (ox + v[2], oy + v[3])))
        control = c2
    elif kind == "q":
        c1 = (ox + v[0], oy + v[1])
        pen.extend(_quadratic(pen.pos, c1, (ox + v[2], oy + v[3])))
        control = c1
    elif kind == "t":
        last = pen.control or pen.pos
        c1 = (2 * pen.pos[0] - last[0], 2 * pen.pos[1] - last[1])
        pen.extend(_quadratic(pen.pos, c1, (ox + v[0], oy + v[1])))
        control = c1
    elif kind == "a":
        pen.line((ox + v[5], oy + v[6]))
    pen.control = control if kind in ("c", "s", "q", "t") else None


def path_data(d: str | None) -> list[list[Point]]:
    """The subpaths of SVG path data (``M L H V C S Q T A Z``, absolute and relative)."""
    pen = _Pen()
    op: str | None = None
    args: list[float] = []
    for command, number in _TOKEN.findall(d or ""):
        if command:
            if command in "Zz":
                pen.close()
                op, args = None, []
                continue
            op, args = command, []
            continue
        if op is None:
            break  # numbers without a command: the rest of the data is in error
        args.append(float(number))
        if len(args) == _ARGS[op.lower()]:
            _step(pen, op, args)
            args = []
            if op in "Mm":  # further pairs after a move are lines
                op = "l" if op == "m" else "L"
    pen.flush()
    return pen.out


def _ellipse(cx: float, cy: float, rx: float, ry: float) -> list[Point]:
    angles = np.linspace(0.0, 2.0 * math.pi, 25)
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def shape(tag: str, element: Any) -> list[list[Point]]:
    """The subpaths of a shape element; empty for anything else."""

    def get(name: str) -> float:
        return length(element.get(name), 0.0)

    if tag == "path":
        return path_data(element.get("d"))
    if tag == "line":
        return [[(get("x1"), get("y1")), (get("x2"), get("y2"))]]
    if tag in ("polyline", "polygon"):
        v = numbers(element.get("points"))
        pts = [(v[i], v[i + 1]) for i in range(0, len(v) - 1, 2)]
        if tag == "polygon" and len(pts) > 2:
            pts.append(pts[0])
        return [pts] if len(pts) > 1 else []
    if tag == "rect":
        x, y, w, h = get("x"), get("y"), get("width"), get("height")
        if w <= 0 or h <= 0:
            return []
        return [[(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)]]
    if tag == "circle":
        r = get("r")
        return [_ellipse(get("cx"), get("cy"), r, r)] if r > 0 else []
    if tag == "ellipse":
        rx, ry = get("rx"), get("ry")
        return [_ellipse(get("cx"), get("cy"), rx, ry)] if rx > 0 and ry > 0 else []
    return []
