"""DejaVu Sans digits drawn at the size of a row of overprinted numbers (see ``_redraw``).

A face of the ten digits drawn at quarter-pixel positions (``_face``),
optionally mirrored so a row can be searched from its right end; a count
drawn alone (``_Face.number``) or counts of one length all at once
(``_Face.papers``). Three renderings (``RENDERS``): the outlines drawn
unhinted, advancing by their own width (``SMOOTH``) or by whole pixels
(``WHOLE``), and FreeType's light hinting with each digit on a whole pixel
(``LIGHT``), which is what Cairo draws (R's ``png``/``ggsave`` devices on
Linux), to the pixel at the right size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import numpy.typing as npt
from matplotlib import ft2font
from PIL import Image, ImageDraw, ImageFont
from scipy.ndimage import gaussian_filter

__all__ = ["ADVANCE", "DIGIT_HEIGHT", "LIGHT", "RENDERS", "SMOOTH", "WHOLE", "light_sizes"]

FloatArray = npt.NDArray[np.float64]
_FONT = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
DIGIT_HEIGHT = 1493 / 2048  # DejaVu Sans digit height, in em
ADVANCE = 1303 / 2048  # DejaVu Sans digit advance, in em
_SUPER = 4  # supersampling of the glyph drawings (quarter-pixel positions)
SMOOTH = "smooth"  # outlines unhinted, advancing by their unhinted width
WHOLE = "whole"  # outlines unhinted, advancing by whole pixels (hinted metrics)
LIGHT = "light"  # FreeType's light hinting, each digit on a whole pixel (Cairo)
RENDERS = (SMOOTH, WHOLE, LIGHT)
_LIGHT_FLAGS: Any = (
    ft2font.LoadFlags.TARGET_LIGHT  # matplotlib >= 3.10
    if hasattr(ft2font, "LoadFlags")
    else getattr(ft2font, "LOAD_TARGET_LIGHT", 0x10000)
)


def _place(x: float) -> tuple[int, int]:
    """Column and quarter-pixel phase of a glyph drawing's left edge at ``x``."""
    base = int(np.floor(x))
    phase = round((x - base) * _SUPER)
    return (base + 1, 0) if phase == _SUPER else (base, phase)


@dataclass(frozen=True)
class _Face:
    """DejaVu Sans digits drawn at one size, for a band of ``height`` rows."""

    advance: float
    height: int
    glyphs: dict[tuple[str, int], FloatArray]
    width: int
    pad: int
    mirrored: bool = False  # each digit drawn mirrored, for a row searched right to left
    snapped: bool = False  # each digit drawn on the nearest whole pixel (``LIGHT``)

    def place(self, x: float) -> tuple[int, int]:
        """Column and phase of the drawing of a digit whose drawing's left edge is at ``x``."""
        return (int(np.floor(x + 0.5)), 0) if self.snapped else _place(x)

    def number(self, value: int, centre: float) -> tuple[int, FloatArray]:
        """First column and ink (band rows x columns) of ``value`` centred at ``centre``."""
        text = str(value)[::-1] if self.mirrored else str(value)
        left = centre - len(text) * self.advance / 2.0
        col0, width = self.box(len(text), centre)
        out = np.ones((self.height, width))
        for i, digit in enumerate(text):
            base, phase = self.place(left + i * self.advance - self.pad)
            at = base - col0
            out[:, at : at + self.width] *= 1.0 - self.glyphs[digit, phase]
        return col0, 1.0 - out

    def box(self, length: int, centre: float) -> tuple[int, int]:
        """First column and width of the drawing of a ``length``-digit count at ``centre``."""
        left = centre - length * self.advance / 2.0
        width = int(np.ceil(length * self.advance)) + 2 * self.pad + 4
        return int(np.floor(left)) - self.pad - 1, width

    def papers(self, values: Sequence[int], centre: float, lo: int, hi: int) -> FloatArray:
        """Clear paper (1 - ink) of each count at ``centre``, columns ``lo`` to ``hi`` x rows.

        The same values as :meth:`number` gives (transposed, and ones
        outside each drawing), drawn for all counts of one length at once.
        """
        out = np.ones((len(values), hi - lo, self.height))
        texts = [str(v)[::-1] if self.mirrored else str(v) for v in values]
        lengths: dict[int, list[int]] = {}
        for j, text in enumerate(texts):
            lengths.setdefault(len(text), []).append(j)
        for length, which in lengths.items():
            col0, width = self.box(length, centre)
            left = centre - length * self.advance / 2.0
            drawing = np.ones((len(which), width, self.height))
            digits = np.array([[int(ch) for ch in texts[j]] for j in which])
            for i in range(length):
                base, phase = self.place(left + i * self.advance - self.pad)
                at = base - col0
                drawing[:, at : at + self.width] *= self.clear[phase][digits[:, i]]
            np.subtract(1.0, drawing, out=drawing)  # ``number``'s ink ...
            np.subtract(1.0, drawing, out=drawing)  # ... turned back into paper
            a, b = max(col0, lo), min(col0 + width, hi)
            out[which, a - lo : b - lo] = drawing[:, a - col0 : b - col0]
        return out

    @cached_property
    def clear(self) -> list[FloatArray]:
        """Per phase: 1 - each digit's drawing (digits x columns x rows)."""
        return [
            np.stack([(1.0 - self.glyphs[str(d), phase]).T for d in range(10)])
            for phase in range(_SUPER)
        ]

    @cached_property
    def inks(self) -> list[FloatArray]:
        """Per phase: each digit's drawing (digits x rows x columns)."""
        glyphs = self.glyphs
        return [np.stack([glyphs[str(d), phase] for d in range(10)]) for phase in range(_SUPER)]

    @property
    def digit_ink(self) -> float:
        """Squared ink of one digit ("8"): the unit errors are weighed in."""
        return float(np.sum(self.glyphs["8", 0] ** 2))


@lru_cache(maxsize=32)
def _font(em: float) -> ImageFont.FreeTypeFont:
    """DejaVu Sans at ``em`` pixels, supersampled."""
    return ImageFont.truetype(str(_FONT), max(4, round(em * _SUPER)))


def _advance(em: float, render: str) -> float:
    """Digit advance in pixels at ``em`` pixels, as ``render`` draws (see ``RENDERS``)."""
    if render == LIGHT:
        return _light(em)[0]
    advance = _font(em).getlength("0") / _SUPER
    return float(round(advance)) if render == WHOLE else advance


@lru_cache(maxsize=256)
def _light(em: float) -> tuple[float, dict[str, tuple[int, FloatArray]]]:
    """DejaVu Sans digits at ``em`` pixels in FreeType's light hinting.

    Returns the hinted advance and, per digit, the rows its bitmap rises
    above the baseline and the bitmap (coverage 0-1), whose column 0 is
    the digit's origin.
    """
    font = ft2font.FT2Font(str(_FONT))
    font.set_size(em, 72)
    digits: dict[str, tuple[int, FloatArray]] = {}
    advance = 0.0
    for digit in "0123456789":
        glyph = font.load_char(ord(digit), flags=_LIGHT_FLAGS)
        advance = glyph.horiAdvance / 64.0
        width = int(np.ceil(glyph.bbox[2] / 64.0)) + 2
        rows = int(np.ceil(glyph.bbox[3] / 64.0)) - int(np.floor(glyph.bbox[1] / 64.0)) + 2
        canvas = np.zeros((rows, width), dtype=np.uint8)
        font.draw_glyph_to_bitmap(canvas, 0, 0, glyph)  # origin at column 0, top row 0
        digits[digit] = (int(np.ceil(glyph.bbox[3] / 64.0)), canvas / 255.0)
    return advance, digits


@lru_cache(maxsize=1024)
def _zero_top(em: float) -> int:
    """Rows a light-hinted '0' at ``em`` pixels rises above the baseline (as ``_light`` has it)."""
    font = ft2font.FT2Font(str(_FONT))
    font.set_size(em, 72)
    return int(np.ceil(font.load_char(ord("0"), flags=_LIGHT_FLAGS).bbox[3] / 64.0))


@lru_cache(maxsize=64)
def light_sizes(height: int) -> tuple[float, ...]:
    """Sizes (in 1/8 pixel steps) at which light-hinted digits stand ``height`` rows tall.

    Empty where this matplotlib cannot draw a glyph into an array (older
    versions of its ``ft2font`` drew into their own image type): the light
    face is then not tried.
    """
    nominal = height / DIGIT_HEIGHT
    steps = range(int(nominal * 0.8 * 8), int(nominal * 1.2 * 8) + 1)
    try:
        sizes = tuple(em for em in (n / 8 for n in steps) if _zero_top(em) == height)
        if sizes:
            _light(sizes[len(sizes) // 2])  # drawn into an array (the size tried first)
        return sizes
    except (TypeError, ValueError, AttributeError):
        return ()


def _light_glyph(
    em: float, digit: str, height: int, baseline: int, width: int, at: int
) -> FloatArray:
    """Light-hinted ``digit`` on a canvas ``height`` x ``width``, its origin at column ``at``."""
    top, bitmap = _light(em)[1][digit]
    out = np.zeros((height, width))
    row = baseline - top
    r0, r1 = max(0, row), min(height, row + bitmap.shape[0])
    c1 = min(width, at + bitmap.shape[1])
    if r1 > r0 and c1 > at:
        out[r0:r1, at:c1] = bitmap[r0 - row : r1 - row, : c1 - at]
    return out


@lru_cache(maxsize=64)
def _face(
    em: float, height: int, baseline: int, blur: float, render: str, mirrored: bool = False
) -> _Face:
    """Digits 0-9 at ``em`` pixels, baseline at row ``baseline`` of a band ``height`` tall.

    ``render``: one of ``RENDERS``. ``mirrored``: each digit drawn
    mirrored left to right, for a search run from the row's right end on
    the mirrored ink (see :func:`_reverse_row`).
    """
    advance = _advance(em, render)
    pad = 2
    width = int(np.ceil(advance)) + 2 * pad + 1
    glyphs: dict[tuple[str, int], FloatArray] = {}
    for digit in "0123456789":
        if render == LIGHT:  # one drawing: the face puts it on whole pixels
            drawn = gaussian_filter(
                _light_digit(em, digit, (height, width), baseline, pad, mirrored), blur
            )
            glyphs.update({(digit, phase): drawn for phase in range(_SUPER)})
            continue
        for phase in range(_SUPER):
            small = _smooth_digit(
                em, digit, (height, width), baseline, advance, pad, phase, mirrored
            )
            glyphs[digit, phase] = gaussian_filter(small, blur)
    return _Face(advance, height, glyphs, width, pad, mirrored, render == LIGHT)


def _light_digit(
    em: float,
    digit: str,
    shape: tuple[int, int],
    baseline: int,
    pad: int,
    mirrored: bool,
) -> FloatArray:
    """A light-hinted digit, its origin at column ``pad``.

    The face places it on the nearest whole pixel (:meth:`_Face.place`), as
    Cairo does. Mirrored, it is flipped about the cell ``advance + 2 pad``
    wide, as :func:`_smooth_digit` flips it.
    """
    height, width = shape
    drawn = _light_glyph(em, digit, height, baseline, width, pad)
    if not mirrored:
        return drawn
    last = round(_advance(em, LIGHT)) + 2 * pad - 1  # column m shows ``last - m``
    cols = last - np.arange(width)
    inside = (cols >= 0) & (cols < width)
    out = np.zeros_like(drawn)
    out[:, inside] = drawn[:, cols[inside]]
    return out


def _smooth_digit(
    em: float,
    digit: str,
    shape: tuple[int, int],
    baseline: int,
    advance: float,
    pad: int,
    phase: int,
    mirrored: bool,
) -> FloatArray:
    """An unhinted digit at quarter-pixel ``phase``, supersampled and averaged down.

    Mirrored, it is flipped about the cell ``advance + 2 pad`` wide.
    """
    height, width = shape
    font = _font(em)
    canvas = Image.new("L", (width * _SUPER, height * _SUPER), 0)
    at = 0 if mirrored else phase
    ImageDraw.Draw(canvas).text(
        (pad * _SUPER + at, baseline * _SUPER), digit, font=font, fill=255, anchor="ls"
    )
    pixels = np.asarray(canvas, dtype=float) / 255.0
    if mirrored:  # sub-column m of the mirror shows sub-column ``last - m`` of the digit
        last = round(advance * _SUPER) + 2 * pad * _SUPER + phase - 1
        cols = last - np.arange(pixels.shape[1])
        inside = (cols >= 0) & (cols < pixels.shape[1])
        flipped = np.zeros_like(pixels)
        flipped[:, inside] = pixels[:, cols[inside]]
        pixels = flipped
    return pixels.reshape(height, _SUPER, width, _SUPER).mean(axis=(1, 3))
