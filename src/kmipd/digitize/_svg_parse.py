"""SVG figures: walk an SVG document into the page primitives the vector reader takes.

Strokes, fills and text runs come out in pixels of the drawing rendered at
``dpi`` (``col`` right, ``row`` down; SVG's y axis points down as well), like
a PDF page's (:mod:`kmipd.digitize._pdf_layout`). Embedded raster images
(``data:`` URIs) are decoded and kept with the box they are drawn in.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import re
import urllib.parse
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np

from kmipd.digitize._pdf_types import Box, Fill, FloatArray, Stroke, TextRun, VectorPage
from kmipd.digitize._svg_path import shape
from kmipd.digitize._svg_style import (
    INHERITED,
    Matrix,
    apply,
    colour,
    compose,
    css_rules,
    length,
    matrix_scale,
    numbers,
    own_style,
    parse_transform,
)
from kmipd.digitize._svg_text import text_runs
from kmipd.digitize._svg_types import SvgDrawing, SvgImage
from kmipd.errors import InputError

__all__ = ["SvgDrawing", "SvgImage", "parse_svg"]

_XLINK = "{http://www.w3.org/1999/xlink}href"
_SKIP = {
    "defs", "symbol", "clipPath", "mask", "marker", "pattern", "metadata", "title", "desc",
    "style", "linearGradient", "radialGradient", "filter", "script", "foreignObject", "font",
}  # fmt: skip
_GROUPS = {"g", "svg", "a", "switch"}
_GLYPH = re.compile(r"glyph|^[A-Za-z]+(?:[A-Z][a-z]+)*-[0-9a-f]{2,5}$")


def _tag(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _blend(rgb: tuple[int, int, int], alpha: float) -> tuple[int, int, int]:
    """A colour drawn with ``alpha`` over white."""
    alpha = min(max(alpha, 0.0), 1.0)
    r, g, b = (round(c * alpha + 255 * (1 - alpha)) for c in rgb)
    return (r, g, b)


def _opacity(style: dict[str, str], key: str) -> float:
    values = numbers(style.get(key, "1")) or [1.0]
    return values[0] * float(style.get("_opacity", "1"))


def _root_matrix(root: Any, dpi: float) -> tuple[Matrix, tuple[int, int] | None]:
    """User units to pixels at ``dpi`` (CSS px are 1/96 inch), and the page shape if known."""
    box = numbers(root.get("viewBox"))
    view = box if len(box) == 4 and box[2] > 0 and box[3] > 0 else None
    width = length(root.get("width"), -1.0) if "%" not in (root.get("width") or "") else -1.0
    height = length(root.get("height"), -1.0) if "%" not in (root.get("height") or "") else -1.0
    if view is not None:
        width = width if width > 0 else view[2]
        height = height if height > 0 else view[3]
    px = dpi / 96.0
    if view is None:
        shape_ = (round(height * px), round(width * px)) if width > 0 and height > 0 else None
        return (px, 0.0, 0.0, px, 0.0, 0.0), shape_
    sx, sy = width / view[2], height / view[3]
    tx = ty = 0.0
    if not (root.get("preserveAspectRatio") or "").strip().startswith("none"):
        sx = sy = min(sx, sy)
        tx, ty = (width - view[2] * sx) / 2.0, (height - view[3] * sy) / 2.0
    fit = (sx, 0.0, 0.0, sy, tx - view[0] * sx, ty - view[1] * sy)
    return compose((px, 0.0, 0.0, px, 0.0, 0.0), fit), (round(height * px), round(width * px))


def _dash(style: dict[str, str], scale: float) -> tuple[float, ...]:
    pattern = numbers(style.get("stroke-dasharray"))
    if not pattern or not any(v > 0 for v in pattern):
        return ()
    if len(pattern) % 2:
        pattern = pattern * 2
    return tuple(round(v * scale, 2) for v in pattern if v > 0)


def _image_bytes(href: str) -> bytes | None:
    if not href.startswith("data:"):
        return None
    head, _, payload = href.partition(",")
    try:
        if head.endswith(";base64"):
            return base64.b64decode(re.sub(r"\s+", "", payload), validate=False)
        return urllib.parse.unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        return None


class _Walker:
    """Collects primitives while walking the element tree."""

    def __init__(self, root: Any) -> None:
        self.ids = {el.get("id"): el for el in root.iter() if el.get("id")}
        self.rules = [
            rule for el in root.iter() if _tag(el) == "style" for rule in css_rules(el.text or "")
        ]
        self.strokes: list[Stroke] = []
        self.fills: list[Fill] = []
        self.texts: list[TextRun] = []
        self.images: list[SvgImage] = []
        self.order: list[tuple[str, Any]] = []
        self.glyphs = 0
        self.stack: list[str] = []

    def walk(self, element: Any, parent: dict[str, str], matrix: Matrix, root: bool) -> None:
        tag = _tag(element)
        if tag in _SKIP and not root:
            return
        own = own_style(tag, element, self.rules)
        if own.get("display", "").strip() == "none":
            return
        style = {k: v for k, v in parent.items() if k in INHERITED or k == "_opacity"}
        style.update({k: v for k, v in own.items() if k != "opacity"})
        opacity = (numbers(own.get("opacity", "1")) or [1.0])[0]
        style["_opacity"] = str(float(parent.get("_opacity", "1")) * opacity)
        if not root:
            matrix = compose(matrix, parse_transform(element.get("transform")))
        if tag in _GROUPS:
            if tag == "svg" and not root:
                move = (1.0, 0.0, 0.0, 1.0, length(element.get("x")), length(element.get("y")))
                matrix = compose(matrix, move)
            for child in element:
                self.walk(child, style, matrix, False)
        elif tag == "use":
            self.use(element, style, matrix)
        elif tag == "text":
            if style.get("visibility") != "hidden":
                for run in text_runs(element, style, self.rules, matrix):
                    self.texts.append(run)
                    self.order.append(("text", run))
        elif tag == "image":
            self.image(element, matrix)
        else:
            self.shape(shape(tag, element), style, matrix)

    def use(self, element: Any, style: dict[str, str], matrix: Matrix) -> None:
        ref = (element.get(_XLINK) or element.get("href") or "").strip()
        target = self.ids.get(ref[1:]) if ref.startswith("#") else None
        if target is None or ref in self.stack or len(self.stack) > 20:
            return
        move = (1.0, 0.0, 0.0, 1.0, length(element.get("x")), length(element.get("y")))
        matrix = compose(matrix, move)
        if _tag(target) == "symbol" or _GLYPH.search(ref[1:]):
            self.glyphs += 1
        self.stack.append(ref)
        try:
            if _tag(target) == "symbol":
                inner = dict(style, **own_style("symbol", target, self.rules))
                for child in target:
                    self.walk(child, inner, matrix, False)
            else:
                self.walk(target, style, matrix, False)
        finally:
            self.stack.pop()

    def image(self, element: Any, matrix: Matrix) -> None:
        from PIL import Image

        data = _image_bytes((element.get(_XLINK) or element.get("href") or "").strip())
        if not data:
            return
        try:
            with Image.open(_stream(data)) as probe:
                size = probe.size
        except Exception:  # Pillow raises many types for broken images
            return
        x, y = length(element.get("x")), length(element.get("y"))
        w = length(element.get("width"), float(size[0]))
        h = length(element.get("height"), float(size[1]))
        if not (element.get("preserveAspectRatio") or "").strip().startswith("none"):
            s = min(w / size[0], h / size[1])
            x, y = x + (w - size[0] * s) / 2.0, y + (h - size[1] * s) / 2.0
            w, h = size[0] * s, size[1] * s
        corners = np.array([apply(matrix, cx, cy) for cx in (x, x + w) for cy in (y, y + h)])
        lo, hi = corners.min(axis=0), corners.max(axis=0)
        box = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
        found = SvgImage(data, box, (matrix[0] < 0, matrix[3] < 0), (int(size[0]), int(size[1])))
        self.images.append(found)
        self.order.append(("image", found))

    def shape(
        self, subpaths: list[list[tuple[float, float]]], style: dict[str, str], m: Matrix
    ) -> None:
        if not subpaths or style.get("visibility") == "hidden":
            return
        scale = matrix_scale(m)
        stroke = colour(style.get("stroke"), style.get("color"))
        fill = colour(style.get("fill", "black"), style.get("color"))
        width = length(style.get("stroke-width"), 1.0) * scale
        dash = _dash(style, scale)
        for sub in subpaths:
            points: FloatArray = np.array([apply(m, x, y) for x, y in sub], dtype=float)
            if fill is not None and len(sub) >= 3:
                rgb = _blend(fill, _opacity(style, "fill-opacity"))
                lo, hi = points.min(axis=0), points.max(axis=0)
                self.fills.append(
                    Fill((float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])), rgb)
                )
                self.order.append(("fill", (points, rgb)))
            if stroke is not None and width > 0:
                rgb = _blend(stroke, _opacity(style, "stroke-opacity"))
                found = Stroke(points, rgb, float(width), dash)
                self.strokes.append(found)
                self.order.append(("stroke", found))


def _stream(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def _touches(box: Box, clip: Box | None) -> bool:
    if clip is None:
        return True
    return box[2] >= clip[0] and box[0] <= clip[2] and box[3] >= clip[1] and box[1] <= clip[3]


def _points_box(points: FloatArray) -> Box:
    lo, hi = points.min(axis=0), points.max(axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def parse_svg(data: bytes, dpi: float, clip: Box | None, name: str) -> SvgDrawing:
    """The primitives an SVG draws, in pixels of the drawing rendered at ``dpi``.

    Parameters
    ----------
    data : bytes
        The SVG (or gzip-compressed SVGZ) file's bytes.
    dpi : float
        Pixels per inch (an SVG ``px`` is 1/96 inch).
    clip : tuple of float, optional
        ``(left, top, right, bottom)`` in pixels: keep only what touches it.
    name : str
        The file's name, for messages.

    Returns
    -------
    SvgDrawing

    Raises
    ------
    InputError
        If the bytes are not a well-formed SVG document, or declare entities.
    """
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            raise InputError(f"{name}: a damaged compressed SVG (SVGZ)") from None
    if b"<!ENTITY" in data[:65536].upper():
        raise InputError(f"{name}: SVGs that declare XML entities are not read; export it again")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InputError(f"{name}: not a readable SVG ({exc}); export the figure again") from None
    if _tag(root) != "svg":
        raise InputError(f"{name}: not an SVG document (its root element is <{_tag(root)}>)")
    matrix, shape_ = _root_matrix(root, dpi)
    walker = _Walker(root)
    walker.walk(root, {}, matrix, True)
    if shape_ is None:
        ends = [s.points.max(axis=0) for s in walker.strokes] + [
            np.array(t.box[2:]) for t in walker.texts
        ]
        far = np.max(ends, axis=0) if ends else np.array([1.0, 1.0])
        shape_ = (int(np.ceil(far[1])) + 1, int(np.ceil(far[0])) + 1)
    strokes = tuple(s for s in walker.strokes if _touches(_points_box(s.points), clip))
    page = VectorPage(
        strokes,
        tuple(f for f in walker.fills if _touches(f.box, clip)),
        tuple(t for t in walker.texts if _touches(t.box, clip)),
        tuple(i.box for i in walker.images),
        shape_,
        dpi / 72.0,
        name,
    )
    return SvgDrawing(page, tuple(walker.images), tuple(walker.order), walker.glyphs, dpi)
