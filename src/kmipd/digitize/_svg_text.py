"""SVG figures: ``<text>`` and ``<tspan>`` as text runs (one run per word, as in a PDF).

An SVG gives where a string starts (its anchor point on the baseline) and its
font size, not the glyphs' widths; widths are estimated from typical
sans-serif advance widths, or taken from ``textLength`` when given (R's
svglite writes it). Boxes reach from 0.8 em above the baseline to 0.2 em
below it, as a PDF character's box does.
"""

from __future__ import annotations

import re
from typing import Any

from kmipd.digitize._pdf_types import TextRun
from kmipd.digitize._svg_style import (
    INHERITED,
    Matrix,
    apply,
    colour,
    compose,
    length,
    matrix_scale,
    numbers,
    own_style,
    parse_transform,
)

__all__ = ["text_runs"]

_NARROW = set(".,:;'|!il1()[]{} ")


def _advance(ch: str) -> float:
    """Typical advance width of a character, in em."""
    if ch.isspace():
        return 0.32
    if ch.isdigit():
        return 0.6
    if ch in _NARROW:
        return 0.3
    if ch in "mwMW%":
        return 0.85
    if ch.isupper():
        return 0.68
    return 0.55


def _width(text: str, size: float) -> float:
    return sum(_advance(ch) for ch in text) * size


def _tag(element: Any) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


def _first(text: str | None) -> float | None:
    found = numbers(text)
    return found[0] if found else None


def _chunks(
    element: Any, style: dict[str, str], rules: list[Any], cursor: list[float], out: list[Any]
) -> None:
    """Strings with their start point and style: ``(text, x, y, style, given_width)``."""
    x, y = _first(element.get("x")), _first(element.get("y"))
    cursor[0] = x if x is not None else cursor[0]
    cursor[1] = y if y is not None else cursor[1]
    cursor[0] += _first(element.get("dx")) or 0.0
    cursor[1] += _first(element.get("dy")) or 0.0
    anchor_here = x is not None
    given = length(element.get("textLength"), -1.0)
    if element.text and element.text.strip():
        out.append([element.text, cursor[0], cursor[1], style, given, anchor_here])
        cursor[0] += given if given > 0 else _width(element.text, _size(style))
    for child in element:
        if _tag(child) == "tspan":
            inner = {k: v for k, v in style.items() if k in INHERITED}
            inner.update(own_style("tspan", child, rules))
            _chunks(child, inner, rules, cursor, out)
        if child.tail and child.tail.strip():
            out.append([child.tail, cursor[0], cursor[1], style, -1.0, False])
            cursor[0] += _width(child.tail, _size(style))


def _size(style: dict[str, str]) -> float:
    return length(style.get("font-size"), 16.0) or 16.0


def text_runs(
    element: Any, style: dict[str, str], rules: list[Any], matrix: Matrix
) -> list[TextRun]:
    """The words of a ``<text>`` element as runs in page pixels.

    Parameters
    ----------
    element : xml.etree.ElementTree.Element
        The ``<text>``.
    style : dict
        Its computed style (inherited and own).
    rules : list
        The document's CSS rules (for ``<tspan>`` children).
    matrix : tuple of float
        User units of the element to page pixels (its own ``transform`` excluded).

    Returns
    -------
    list of TextRun
    """
    matrix = compose(matrix, parse_transform(element.get("transform")))
    chunks: list[Any] = []
    _chunks(element, style, rules, [0.0, 0.0], chunks)
    out = []
    for text, x, y, chunk_style, given, anchored in chunks:
        fill = colour(chunk_style.get("fill", "black"), chunk_style.get("color"))
        if fill is None or chunk_style.get("visibility") == "hidden":
            continue
        size = _size(chunk_style)
        width = given if given > 0 else _width(text, size)
        stretch = width / max(_width(text, size), 1e-9)
        anchor = chunk_style.get("text-anchor", "start")
        if anchored and anchor in ("middle", "end"):
            x -= width / (2.0 if anchor == "middle" else 1.0)
        out.extend(_words(text, x, y, size, stretch, matrix, fill))
    return out


def _words(
    text: str,
    x: float,
    y: float,
    size: float,
    stretch: float,
    matrix: Matrix,
    fill: tuple[int, int, int],
) -> list[TextRun]:
    dx, dy = matrix[0], matrix[1]
    upright = abs(dy) <= 0.09 * abs(dx) and dx > 0 and matrix[3] > 0
    scale = matrix_scale(matrix)
    out = []
    for match in re.finditer(r"\S+", text):
        start = x + _width(text[: match.start()], size) * stretch
        end = start + _width(match.group(), size) * stretch
        corners = [
            apply(matrix, cx, cy) for cx in (start, end) for cy in (y - 0.8 * size, y + 0.2 * size)
        ]
        cols = [c for c, _ in corners]
        rows = [r for _, r in corners]
        box = (min(cols), min(rows), max(cols), max(rows))
        out.append(TextRun(match.group(), box, fill, size * scale, upright))
    return out
