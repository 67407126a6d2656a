"""SVG figures: draw what an SVG holds (fills, strokes, text, embedded images) with Pillow.

A plain rendering, good enough to check an overlay on and to read an SVG
that holds a raster image: shapes in their colours and widths (dashes drawn
solid), text in Pillow's default font at its size, images scaled into their
boxes, all in drawing order.
"""

from __future__ import annotations

import io
from typing import Any

from kmipd.digitize._svg_parse import SvgDrawing
from kmipd.errors import InputError

__all__ = ["MAX_RENDER_PIXELS", "render_drawing"]

MAX_RENDER_PIXELS = 40_000_000


def _font(size: float) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=max(size, 4.0))
    except TypeError:  # Pillow without FreeType sizes
        return ImageFont.load_default()


def _text(canvas: Any, run: Any) -> None:
    from PIL import Image, ImageDraw

    left, top, right, bottom = run.box
    font = _font(0.85 * run.size if run.upright else 0.85 * (right - left))
    if run.upright:
        ImageDraw.Draw(canvas).text(
            (left, top + 0.1 * run.size), run.text, fill=run.colour, font=font
        )
        return
    width, height = max(int(bottom - top), 1), max(int(right - left), 1)
    label = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    ImageDraw.Draw(label).text((0, 0), run.text, fill=(*run.colour, 255), font=font)
    label = label.rotate(90, expand=True)
    canvas.paste(label, (int(left), int(top)), label)


def render_drawing(drawing: SvgDrawing) -> Any:
    """The drawing as an RGB PIL image of ``drawing.page.shape``.

    Raises
    ------
    InputError
        If the image would be unreasonably large (more than 40 million pixels).
    """
    from PIL import Image, ImageDraw, ImageOps

    rows, cols = drawing.page.shape
    if rows * cols > MAX_RENDER_PIXELS or min(rows, cols) < 1:
        raise InputError(
            f"{drawing.page.source}: the SVG is {cols} x {rows} pixels at {drawing.dpi:g} dpi; "
            "too large to render (give a lower dpi)"
        )
    canvas = Image.new("RGB", (cols, rows), "white")
    draw = ImageDraw.Draw(canvas)
    for kind, item in drawing.order:
        if kind == "fill":
            points, rgb = item
            draw.polygon([(float(c), float(r)) for c, r in points], fill=rgb)
        elif kind == "stroke":
            line = [(float(c), float(r)) for c, r in item.points]
            draw.line(line, fill=item.colour, width=max(round(item.width), 1), joint="curve")
        elif kind == "text":
            _text(canvas, item)
            draw = ImageDraw.Draw(canvas)
        elif kind == "image":
            left, top, right, bottom = item.box
            size = (max(round(right - left), 1), max(round(bottom - top), 1))
            with Image.open(io.BytesIO(item.data)) as picture:
                rgba = picture.convert("RGBA")
            if item.flip[0]:
                rgba = ImageOps.mirror(rgba)
            if item.flip[1]:
                rgba = ImageOps.flip(rgba)
            if rgba.size != size:
                rgba = rgba.resize(size, Image.Resampling.LANCZOS)
            canvas.paste(rgba, (round(left), round(top)), rgba)
            draw = ImageDraw.Draw(canvas)
    return canvas
