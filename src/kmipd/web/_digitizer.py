"""Adapter between the web app and :mod:`kmipd.digitize` (automatic figure reading).

The reader is detected at run time (``importlib.util.find_spec`` and
``hasattr``); without it, or when it cannot read a figure, the app falls
back to manual digitizing: the figure is shown with movable calibration
points and the user clicks the curves. Everything the reader returns is
turned into plain JSON in the *original* image's pixels (the reader may crop
and shrink), so the front end never depends on the reader's classes.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from kmipd.clean import compress_flats

__all__ = ["manual_reading", "read_figure", "reader_status"]

_CONTRACT = ("digitize",)


def reader_status() -> dict[str, Any]:
    """Whether automatic figure reading is available, and why not.

    Returns
    -------
    dict
        ``{"available": bool, "reason": str}``; the reason is empty when available.
    """
    try:
        if importlib.util.find_spec("kmipd.digitize") is None:
            return {"available": False, "reason": "kmipd.digitize is not installed"}
        module = importlib.import_module("kmipd.digitize")
    except Exception as exc:  # a half-written module may fail in any way
        return {"available": False, "reason": f"kmipd.digitize cannot be loaded ({exc})"}
    missing = [name for name in _CONTRACT if not hasattr(module, name)]
    if missing:
        return {"available": False, "reason": f"kmipd.digitize has no {', '.join(missing)}() yet"}
    return {"available": True, "reason": ""}


def read_figure(image: bytes, options: dict[str, Any]) -> dict[str, Any]:
    """Read a figure with :func:`kmipd.digitize.digitize` and return JSON-safe parts of a figure.

    Parameters
    ----------
    image : bytes
        PNG or JPEG bytes, exactly as shown in the page; or, with the
        ``drawing`` option, the PDF or SVG file that image was rendered from.
    options : dict
        ``x_range``, ``y_range``, ``percent``, ``arms``, ``crop``, ``panel`` (None or absent:
        not given);
        ``drawing``: ``{"kind": "pdf" or "svg", "page": int, "dpi": float}`` when ``image``
        is a PDF or SVG, read from its drawing (raster fallback) in the pixels of its
        rendering at that dpi.

    Returns
    -------
    dict
        ``calibration``, ``arms``, ``warnings``, ``seconds`` and ``panel`` of ``panels``
        (the plot panel read, of how many the figure has).

    Raises
    ------
    KmipdError
        From the reader (e.g. ``DigitizationError`` when no axes are found).
    """
    module = importlib.import_module("kmipd.digitize")
    given = {key: value for key, value in options.items() if value is not None}
    if "crop" in given:
        given["crop"] = tuple(int(v) for v in given["crop"])
    for key in ("x_range", "y_range"):
        if key in given:
            given[key] = tuple(float(v) for v in given[key])
    drawing = given.pop("drawing", None)
    if drawing and drawing.get("kind") == "pdf":
        page, dpi = int(drawing.get("page", 1)), float(drawing["dpi"])
        result = module.digitize_pdf(image, page, dpi=dpi, **given)
    elif drawing and drawing.get("kind") == "svg":
        result = module.digitize_svg(image, dpi=float(drawing["dpi"]), **given)
    else:
        result = module.digitize(image, **given)
    return _convert(result)


def manual_reading(width: int, height: int, note: str) -> dict[str, Any]:
    """A starting point for digitizing by hand: axes at 10 % / 90 % of the image, one empty arm."""
    calibration = {
        "x": {"p0": round(0.1 * width, 1), "v0": 0.0, "p1": round(0.9 * width, 1), "v1": 10.0},
        "y": {"p0": round(0.9 * height, 1), "v0": 0.0, "p1": round(0.1 * height, 1), "v1": 1.0},
        "percent": False,
        "failure": False,
        "plot_area": None,
        "ticks": [],
        "confidence": {"x": 0.0, "y": 0.0},
        "source": "manual",
        "editable": True,
    }
    arm: dict[str, Any] = {
        "key": "a1",
        "name": "arm 1",
        "colour": "#0072b2",
        "label_read": None,
        "confidence": {},
        "points": [],
        "censor": [],
        "risk": [],
        "n": None,
        "events": None,
    }
    return {"calibration": calibration, "arms": [arm], "warnings": [note], "seconds": 0.0}


def _convert(result: Any) -> dict[str, Any]:
    scale = float(getattr(result, "scale", 1.0) or 1.0)
    row0, col0 = (float(v) for v in getattr(result, "offset", (0, 0)))

    def col(value: float) -> float:
        return round(col0 + float(value) / scale, 2)

    def row(value: float) -> float:
        return round(row0 + float(value) / scale, 2)

    top, left, bottom, right = (float(v) for v in result.plot_area)
    x_axis, y_axis = result.x_axis, result.y_axis
    calibration = {
        "x": _handles(x_axis, col, (left, right)),
        "y": _handles(y_axis, row, (bottom, top)),
        "percent": bool(getattr(y_axis, "percent", False)),
        "failure": bool(getattr(result, "failure", False)),
        "plot_area": {
            "top": row(top),
            "left": col(left),
            "bottom": row(bottom),
            "right": col(right),
        },
        "ticks": _ticks(x_axis, col) + _ticks(y_axis, row),
        "confidence": {
            "x": _unit(getattr(x_axis, "confidence", 0.0)),
            "y": _unit(getattr(y_axis, "confidence", 0.0)),
        },
        "source": str(getattr(x_axis, "source", "labels")),
        "editable": True,
    }
    arms = [_arm(index, arm, col, row) for index, arm in enumerate(result.arms)]
    return {
        "calibration": calibration,
        "arms": arms,
        "warnings": [str(w) for w in getattr(result, "warnings", ())],
        "seconds": round(float(getattr(result, "seconds", 0.0)), 2),
        "panel": int(getattr(result, "panel", 1)),  # the plot panel read, of
        "panels": int(getattr(result, "panels", 1)),  # the figure's panels
    }


def _unit(value: Any) -> float:
    return round(min(max(float(value), 0.0), 1.0), 3)


def _pixel(axis: Any, value: float) -> float:
    """Pixel of an axis value (``value = intercept + slope * pixel``)."""
    return (float(value) - float(axis.intercept)) / float(axis.slope)


def _value(axis: Any, pixel: float) -> float:
    """Axis value at a pixel, to 4 significant digits."""
    return float(f"{float(axis.intercept) + float(axis.slope) * float(pixel):.4g}")


def _handles(
    axis: Any, to_image: Callable[[float], float], edges: tuple[float, float]
) -> dict[str, float]:
    """Two calibration points: the outermost tick labels used by the fit, else the panel edges.

    A label's point is where the fitted line reaches its value, so the two
    points give back the reader's own calibration.
    """
    used = [label for label in getattr(axis, "labels", ()) if getattr(label, "used", False)]
    used.sort(key=lambda label: float(label.pixel))
    if len(used) >= 2 and used[0].value != used[-1].value:
        first, last = float(used[0].value), float(used[-1].value)
        p0, p1 = to_image(_pixel(axis, first)), to_image(_pixel(axis, last))
        if abs(p1 - p0) >= 1:
            return {"p0": p0, "v0": first, "p1": p1, "v1": last}
    lo, hi = edges
    return {"p0": to_image(lo), "v0": _value(axis, lo), "p1": to_image(hi), "v1": _value(axis, hi)}


def _ticks(axis: Any, to_image: Callable[[float], float]) -> list[dict[str, Any]]:
    return [
        {
            "axis": str(getattr(axis, "axis", "x")),
            "pixel": to_image(float(label.pixel)),
            "value": float(label.value),
            "text": str(getattr(label, "text", label.value)),
            "confidence": _unit(getattr(label, "confidence", 0.0)),
            "used": bool(getattr(label, "used", True)),
        }
        for label in getattr(axis, "labels", ())
    ]


def _arm(
    index: int, arm: Any, col: Callable[[float], float], row: Callable[[float], float]
) -> dict:
    # the page edits the step corners; the points along flat stretches add nothing to edit
    time, surv = compress_flats(
        np.asarray(arm.curve.time, dtype=float), np.asarray(arm.curve.survival, dtype=float)
    )
    colour = getattr(arm, "colour", (0, 114, 178))
    confidence = {k: _unit(v) for k, v in dict(getattr(arm, "confidence", {}) or {}).items()}
    marks = getattr(arm, "censor_marks", None)
    return {
        "key": f"a{index + 1}",
        "name": str(arm.name)[:80] or f"arm {index + 1}",
        "colour": "#{:02x}{:02x}{:02x}".format(*(int(c) for c in colour[:3])),
        "label_read": getattr(arm, "label", None),
        "confidence": confidence,
        "points": [
            [round(max(float(t), 0.0), 6), round(min(max(float(s), 0.0), 1.0), 6)]
            for t, s in zip(time, surv, strict=True)
            if math.isfinite(float(t)) and math.isfinite(float(s))
        ],
        "censor": []
        if marks is None
        else [round(float(t), 6) for t in marks.time if math.isfinite(float(t)) and t >= 0],
        "risk": _risk(arm, confidence.get("risk_table"), col, row),
        "n": getattr(arm, "n_from_legend", None),  # "(N=410)" in the legend
        "events": getattr(arm, "events", None),  # an "Events" row or the legend's table
        "events_read": getattr(arm, "events", None),  # used only while the curve can hold it
        "precision": arm.curve.precision,  # one pixel, as survival: reconstruct trusts steps to it
    }


def _risk(
    arm: Any, default: float | None, col: Callable[[float], float], row: Callable[[float], float]
) -> list[dict[str, Any]]:
    """The arm's numbers at risk with the confidence and place of each number read."""
    cells = {}
    for cell in getattr(arm, "risk_cells", ()):
        if getattr(cell, "time", None) is not None:
            cells[round(float(cell.time), 6)] = cell
    table = getattr(arm, "risk_table", None)
    entries: dict[float, dict[str, Any]] = {}
    if table is not None:
        for time, n in zip(table.time, table.n_at_risk, strict=True):
            key = round(float(time), 6)
            entries[key] = {"time": key, "n": int(n), "confidence": default}
    for key, cell in cells.items():
        entry = entries.setdefault(key, {"time": key, "n": None, "confidence": 0.0})
        if entry["n"] is None and cell.value is not None:
            entry["n"] = int(cell.value)
        entry["confidence"] = _unit(cell.confidence)
        entry["at"] = [col(cell.col), row(cell.row)]
    return [
        entries[key]
        for key in sorted(entries)
        if math.isfinite(key) and key >= 0 and (entries[key]["n"] is None or entries[key]["n"] >= 0)
    ]
