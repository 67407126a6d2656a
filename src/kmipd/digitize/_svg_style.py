"""SVG figures: lengths, colours, transforms and the style cascade (attributes, CSS, ``style=``).

Only what Kaplan-Meier figures from plotting libraries use: presentation
attributes, ``style="..."`` declarations and simple CSS rules (``*``, element
names, ``.class`` and ``element.class``, the last part of a selector).
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = [
    "IDENTITY",
    "INHERITED",
    "Matrix",
    "apply",
    "colour",
    "compose",
    "css_rules",
    "declarations",
    "length",
    "matrix_scale",
    "numbers",
    "own_style",
    "parse_transform",
]

Matrix = tuple[float, float, float, float, float, float]  # a b c d e f: x' = a x + c y + e
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
INHERITED = frozenset(
    {
        "fill",
        "fill-opacity",
        "stroke",
        "stroke-width",
        "stroke-opacity",
        "stroke-dasharray",
        "font-size",
        "font-family",
        "text-anchor",
        "visibility",
        "color",
    }
)
_PROPERTIES = INHERITED | {"opacity", "display", "transform"}
_NUMBER = re.compile(r"[-+]?(?:\d*\.\d+|\d+\.?)(?:[eE][-+]?\d+)?")
_UNITS = {"": 1.0, "px": 1.0, "pt": 4.0 / 3.0, "pc": 16.0, "in": 96.0, "mm": 96 / 25.4}
_UNITS["cm"] = 96 / 2.54


def numbers(text: str | None) -> list[float]:
    """Every number in ``text`` (commas, spaces or signs between them)."""
    return [float(v) for v in _NUMBER.findall(text or "")]


def length(text: str | None, default: float = 0.0, font: float = 10.0) -> float:
    """A length in user units (CSS px); ``default`` when missing or a percentage."""
    match = re.match(r"\s*([-+]?(?:\d*\.\d+|\d+\.?)(?:[eE][-+]?\d+)?)\s*([a-z%]*)", text or "")
    if not match:
        return default
    value, unit = float(match.group(1)), match.group(2)
    if unit in ("em", "ex"):
        return value * font * (1.0 if unit == "em" else 0.5)
    return value * _UNITS[unit] if unit in _UNITS else default


def colour(text: str | None, current: str | None = None) -> tuple[int, int, int] | None:
    """An SVG paint as 0-255 RGB; None for ``none``, gradients and what cannot be read."""
    from PIL import ImageColor

    value = (text or "").strip()
    if value.lower() == "currentcolor":
        value = (current or "black").strip()
    low = value.lower()
    if not value or low in ("none", "transparent", "inherit") or low.startswith("url("):
        return None
    match = re.fullmatch(r"rgba?\(([^)]*)\)", low)
    if match:
        parts = [p.strip() for p in re.split(r"[,\s/]+", match.group(1).strip()) if p.strip()]
        try:
            rgb = [float(p[:-1]) * 2.55 if p.endswith("%") else float(p) for p in parts[:3]]
        except ValueError:
            return None
        if len(rgb) != 3:
            return None
        r, g, b = (min(max(round(v), 0), 255) for v in rgb)
        return (r, g, b)
    try:
        found = ImageColor.getrgb(value)
    except ValueError:
        return None
    return (int(found[0]), int(found[1]), int(found[2]))


def declarations(text: str | None) -> dict[str, str]:
    """``name: value`` pairs of a ``style`` attribute or CSS block (``font`` shorthand split)."""
    out: dict[str, str] = {}
    for item in (text or "").split(";"):
        name, sep, value = item.partition(":")
        name, value = name.strip().lower(), value.replace("!important", "").strip()
        if not sep or not name:
            continue
        if name == "font":
            size = re.search(r"([\d.]+(?:px|pt|em)?)\s*(?:/\S+)?\s+(.+)$", value)
            if size:
                out["font-size"], out["font-family"] = size.group(1), size.group(2)
            continue
        out[name] = value
    return out


def css_rules(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """Simple CSS rules: ``(element or '*', class or '', declarations)`` per selector."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S).replace("<![CDATA[", "").replace("]]>", "")
    out = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        found = declarations(body)
        for selector in selectors.split(","):
            parts = selector.strip().split()
            if not parts or "@" in parts[0]:
                continue
            last = re.split(r"[>+~]", parts[-1])[-1]
            match = re.fullmatch(r"([A-Za-z*][\w-]*)?(?:\.([\w-]+))?", last)
            if match and (match.group(1) or match.group(2)):
                out.append((match.group(1) or "*", match.group(2) or "", found))
    return out


def own_style(
    tag: str, element: Any, rules: list[tuple[str, str, dict[str, str]]]
) -> dict[str, str]:
    """The element's own declarations: attributes, then matching CSS rules, then ``style``."""
    out = {k: v for k, v in element.attrib.items() if k in _PROPERTIES and k != "transform"}
    classes = set((element.get("class") or "").split())
    for name, klass, found in rules:
        if name in ("*", tag) and (not klass or klass in classes):
            out.update(found)
    out.update(declarations(element.get("style")))
    return out


def compose(first: Matrix, second: Matrix) -> Matrix:
    """The transform applying ``second`` first, then ``first``."""
    a1, b1, c1, d1, e1, f1 = first
    a2, b2, c2, d2, e2, f2 = second
    return (
        a1 * a2 + c1 * b2,
        b1 * a2 + d1 * b2,
        a1 * c2 + c1 * d2,
        b1 * c2 + d1 * d2,
        a1 * e2 + c1 * f2 + e1,
        b1 * e2 + d1 * f2 + f1,
    )


def apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    """A point through a transform."""
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


def matrix_scale(m: Matrix) -> float:
    """How much the transform scales lengths (square root of its determinant's size)."""
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


def parse_transform(text: str | None) -> Matrix:
    """An SVG ``transform`` list (matrix, translate, scale, rotate, skewX, skewY)."""
    out = IDENTITY
    for name, args in re.findall(
        r"(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)", text or ""
    ):
        v = numbers(args)
        step = IDENTITY
        if name == "matrix" and len(v) == 6:
            step = (v[0], v[1], v[2], v[3], v[4], v[5])
        elif name == "translate" and v:
            step = (1.0, 0.0, 0.0, 1.0, v[0], v[1] if len(v) > 1 else 0.0)
        elif name == "scale" and v:
            step = (v[0], 0.0, 0.0, v[1] if len(v) > 1 else v[0], 0.0, 0.0)
        elif name == "rotate" and v:
            a = math.radians(v[0])
            cos, sin = math.cos(a), math.sin(a)
            step = (cos, sin, -sin, cos, 0.0, 0.0)
            if len(v) >= 3:
                move = (1.0, 0.0, 0.0, 1.0, v[1], v[2])
                back = (1.0, 0.0, 0.0, 1.0, -v[1], -v[2])
                step = compose(compose(move, step), back)
        elif name == "skewX" and v:
            step = (1.0, 0.0, math.tan(math.radians(v[0])), 1.0, 0.0, 0.0)
        elif name == "skewY" and v:
            step = (1.0, math.tan(math.radians(v[0])), 0.0, 1.0, 0.0, 0.0)
        out = compose(out, step)
    return out
