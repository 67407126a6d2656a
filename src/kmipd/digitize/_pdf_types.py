"""The drawing primitives of a PDF page, in pixels of the page rendered at some dpi."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Box", "Fill", "FloatArray", "Stroke", "TextRun", "VectorPage"]

FloatArray = npt.NDArray[np.float64]
Box = tuple[float, float, float, float]  # left, top, right, bottom


@dataclass(frozen=True, eq=False)
class Stroke:
    """One stroked subpath: ``points`` is ``(n, 2)`` of ``(col, row)``."""

    points: FloatArray
    colour: tuple[int, int, int]
    width: float
    dash: tuple[float, ...] = ()


@dataclass(frozen=True)
class Fill:
    """A filled shape (its box and colour), e.g. a legend or risk-table colour key."""

    box: Box
    colour: tuple[int, int, int]


@dataclass(frozen=True)
class TextRun:
    """A run of characters drawn together (one string of the page's text)."""

    text: str
    box: Box
    colour: tuple[int, int, int]
    size: float
    upright: bool = True

    @property
    def centre(self) -> tuple[float, float]:
        """``(col, row)`` of the box centre."""
        left, top, right, bottom = self.box
        return (left + right) / 2.0, (top + bottom) / 2.0


@dataclass(frozen=True, eq=False)
class VectorPage:
    """The drawing primitives of one PDF page, in pixels of the page rendered at ``dpi``."""

    strokes: tuple[Stroke, ...]
    fills: tuple[Fill, ...]
    texts: tuple[TextRun, ...]
    images: tuple[Box, ...]
    shape: tuple[int, int]
    scale: float
    source: str | None = None
