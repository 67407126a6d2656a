"""Walk a PDF page's drawing with pdfminer: strokes, fills, images and text runs.

Every character is tagged with the string (text-showing operator) it was drawn
in, so numbers printed close together or overlapping stay apart.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kmipd.digitize._pdf_types import Box, Fill, FloatArray, Stroke, TextRun, VectorPage
from kmipd.errors import OptionError

__all__ = ["layout_page", "page_primitives", "sample_cubic"]


def _rgb(colour: Any) -> tuple[int, int, int]:
    """A pdfminer colour (gray, RGB or CMYK components in [0, 1]) as 0-255 RGB."""
    if isinstance(colour, int | float):
        colour = (colour,)
    if not isinstance(colour, tuple | list) or not all(isinstance(c, int | float) for c in colour):
        return (0, 0, 0)
    values = [min(max(float(c), 0.0), 1.0) for c in colour]
    if len(values) == 1:
        rgb = values * 3
    elif len(values) == 3:
        rgb = values
    elif len(values) == 4:
        c, m, y, k = values
        rgb = [(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)]
    else:
        return (0, 0, 0)
    r, g, b = (round(255 * v) for v in rgb)
    return (r, g, b)


def sample_cubic(p0: Any, p1: Any, p2: Any, p3: Any, steps: int = 8) -> list[tuple[float, float]]:
    """``steps`` points along a cubic Bézier from ``p0`` to ``p3`` (``p0`` itself left out)."""
    t = np.linspace(0.0, 1.0, steps + 1)[1:, None]
    pts = np.array([p0, p1, p2, p3], dtype=float)
    curve = (
        (1 - t) ** 3 * pts[0]
        + 3 * (1 - t) ** 2 * t * pts[1]
        + 3 * (1 - t) * t**2 * pts[2]
        + t**3 * pts[3]
    )
    return [(float(a), float(b)) for a, b in curve]


def _subpaths(path: list[Any]) -> list[list[tuple[float, float]]]:
    """The subpaths of a pdfminer path (``original_path``) as point lists (Béziers sampled)."""
    out: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for op, *raw in path:
        flat = [float(v) for item in raw for v in (item if isinstance(item, tuple) else (item,))]
        points = [(flat[i], flat[i + 1]) for i in range(0, len(flat) - 1, 2)]
        if op == "m" and points:
            if len(current) > 1:
                out.append(current)
            current = [points[0]]
        elif op == "l" and current and points:
            current.append(points[0])
        elif op in ("c", "v", "y") and current and points:
            if op == "v":
                points = [current[-1], *points]
            elif op == "y":
                points = [points[0], points[1], points[1]]
            if len(points) == 3:
                current.extend(sample_cubic(current[-1], points[0], points[1], points[2]))
        elif op == "h" and len(current) > 1:
            current.append(current[0])
    if len(current) > 1:
        out.append(current)
    return out


def _dash(style: Any, scale: float) -> tuple[float, ...]:
    try:
        pattern = [float(v) * scale for v in style[0]] if style else []
    except (TypeError, ValueError, IndexError):
        pattern = []
    return tuple(round(v, 2) for v in pattern if v > 0) if any(v > 0 for v in pattern) else ()


def _overlaps(points: FloatArray, box: Box) -> bool:
    left, top, right, bottom = box
    return bool(
        points[:, 0].max() >= left
        and points[:, 0].min() <= right
        and points[:, 1].max() >= top
        and points[:, 1].min() <= bottom
    )


class _Page:
    """Collects strokes, fills, characters (with the string each belongs to) and images."""

    def __init__(self, origin: tuple[float, float], scale: float, clip: Box | None) -> None:
        self.origin, self.scale, self.clip = origin, scale, clip
        self.strokes: list[Stroke] = []
        self.fills: list[Fill] = []
        self.chars: list[dict[str, Any]] = []
        self.images: list[Box] = []

    def xy(self, col: float, row: float) -> tuple[float, float]:
        return (col - self.origin[0]) * self.scale, (self.origin[1] - row) * self.scale

    def box(self, item: Any) -> Box:
        left, top = self.xy(item.x0, item.y1)
        right, bottom = self.xy(item.x1, item.y0)
        return left, top, right, bottom

    def add_path(self, item: Any) -> None:
        path = item.original_path or [("m", *item.pts[0])] + [("l", *p) for p in item.pts[1:]]
        for sub in _subpaths(path):
            points = np.array([self.xy(c, r) for c, r in sub], dtype=float)
            if self.clip is not None and not _overlaps(points, self.clip):
                continue
            if item.stroke:
                width = float(item.linewidth or 0.0) * self.scale
                colour = _rgb(item.stroking_color)
                self.strokes.append(
                    Stroke(points, colour, width, _dash(item.dashing_style, self.scale))
                )
            if item.fill and len(sub) >= 3:
                lo, hi = points.min(axis=0), points.max(axis=0)
                box = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
                self.fills.append(Fill(box, _rgb(item.non_stroking_color)))

    def add_char(self, item: Any) -> None:
        left, top, right, bottom = self.box(item)
        colour = getattr(item.graphicstate, "ncolor", None)
        self.chars.append(
            {
                "text": item.get_text(),
                "x0": left,
                "top": top,
                "x1": right,
                "bottom": bottom,
                "size": float(item.size) * self.scale,
                "upright": bool(item.upright),
                "colour": _rgb(colour),
                "string": getattr(item, "string_id", 0),
            }
        )

    def walk(self, items: Any) -> None:
        from pdfminer.layout import LTChar, LTCurve, LTFigure, LTImage

        for item in items:
            if isinstance(item, LTChar):
                self.add_char(item)
            elif isinstance(item, LTCurve):
                self.add_path(item)
            elif isinstance(item, LTImage):
                self.images.append(self.box(item))
            elif isinstance(item, LTFigure):
                self.walk(item)


def _continues(run: list[dict[str, Any]], char: dict[str, Any]) -> bool:
    """Whether ``char`` (next in drawing order) continues the text run.

    Within one string of the PDF, characters continue a run unless a gap of a
    fifth of an em or more (a word space drawn as a shift) separates them. A
    new string continues it only where the page draws one glyph per string
    (both strings are single characters) and it starts exactly where the run ends.
    """
    last = run[-1]
    size = max(float(last["size"]), 1e-6)
    same = char["string"] == last["string"]
    if not same and (char["string_size"] > 1 or last["string_size"] > 1):
        return False
    lo, hi = (-0.1, 0.2) if same else (-0.03, 0.03)
    if char["upright"] != last["upright"] or char["colour"] != last["colour"]:
        return False
    if abs(float(char["size"]) - size) > 0.05 * size:
        return False
    if char["upright"]:
        gap = char["x0"] - last["x1"]
        return abs(char["top"] - last["top"]) <= 0.2 * size and lo * size <= gap <= hi * size
    return same and abs(char["x0"] - last["x0"]) <= 0.2 * size


def _texts(chars: list[dict[str, Any]], clip: Box | None) -> list[TextRun]:
    """Text runs: characters in drawing order, split at new strings, jumps and spaces."""
    counts: dict[int, int] = {}
    for char in chars:
        counts[char["string"]] = counts.get(char["string"], 0) + 1
    for char in chars:
        char["string_size"] = counts[char["string"]]
    runs: list[list[dict[str, Any]]] = []
    for char in chars:
        if char["text"].isspace():
            runs.append([])
        elif runs and runs[-1] and _continues(runs[-1], char):
            runs[-1].append(char)
        else:
            runs.append([char])
    out = []
    for run in runs:
        if not run:
            continue
        box = (
            min(c["x0"] for c in run),
            min(c["top"] for c in run),
            max(c["x1"] for c in run),
            max(c["bottom"] for c in run),
        )
        if clip is not None and not _overlaps(np.array([box[:2], box[2:]]), clip):
            continue
        text = "".join(c["text"] for c in run)
        out.append(TextRun(text, box, run[0]["colour"], run[0]["size"], run[0]["upright"]))
    return out


def layout_page(stream: Any, page: int) -> Any:
    """pdfminer's layout of one page, each character tagged with the string it was drawn in."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage

    class Device(PDFPageAggregator):  # type: ignore[misc]
        string_id = 0

        def render_string(self, *args: Any, **kwargs: Any) -> Any:
            self.string_id += 1
            return super().render_string(*args, **kwargs)

        def render_char(self, *args: Any, **kwargs: Any) -> Any:
            advance = super().render_char(*args, **kwargs)
            item: Any = self.cur_item._objs[-1]
            item.string_id = self.string_id
            return advance

    manager = PDFResourceManager()
    device = Device(manager, laparams=None)
    interpreter = PDFPageInterpreter(manager, device)
    for number, pdf_page in enumerate(PDFPage.get_pages(stream)):
        if number == page - 1:
            interpreter.process_page(pdf_page)
            return device.get_result()
    raise OptionError(f"--page {page}: no such page")


def page_primitives(layout: Any, scale: float, clip: Box | None, name: str | None) -> VectorPage:
    """The primitives of a pdfminer page layout, in pixels at ``scale`` per PDF point.

    Parameters
    ----------
    layout : pdfminer.layout.LTPage
        From :func:`layout_page`.
    scale : float
        Pixels per PDF point (dpi / 72).
    clip : tuple of float, optional
        ``(left, top, right, bottom)`` in pixels: keep only what touches it.
    name : str, optional
        File name, for messages.

    Returns
    -------
    VectorPage
    """
    x0, y0, x1, y1 = layout.bbox
    found = _Page((float(x0), float(y1)), scale, clip)
    found.walk(layout)
    texts = _texts(found.chars, clip)
    shape = (round(float(y1 - y0) * scale), round(float(x1 - x0) * scale))
    return VectorPage(
        tuple(found.strokes),
        tuple(found.fills),
        tuple(texts),
        tuple(found.images),
        shape,
        scale,
        name,
    )
