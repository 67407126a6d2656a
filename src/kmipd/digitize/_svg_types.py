"""SVG figures: what an SVG draws (page primitives, embedded images, drawing order)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kmipd.digitize._pdf_types import Box, VectorPage

__all__ = ["SvgDrawing", "SvgImage"]


@dataclass(frozen=True)
class SvgImage:
    """An embedded raster image: its encoded bytes, the box it is drawn in (page pixels),
    whether it is drawn mirrored left-right and upside down, and its ``(width, height)``."""

    data: bytes
    box: Box
    flip: tuple[bool, bool] = (False, False)
    size: tuple[int, int] = (0, 0)


@dataclass(frozen=True, eq=False)
class SvgDrawing:
    """What an SVG draws: the page primitives, its images, and everything in drawing order.

    ``order`` holds ``("fill", (points, colour))``, ``("stroke", Stroke)``,
    ``("text", TextRun)`` and ``("image", SvgImage)`` items, for rendering;
    ``glyphs`` counts shapes drawn from glyph outlines (text that is not text).
    """

    page: VectorPage
    images: tuple[SvgImage, ...]
    order: tuple[tuple[str, Any], ...]
    glyphs: int
    dpi: float
