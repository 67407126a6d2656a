"""Figure documents: what was uploaded and read, as the user corrected it.

A figure is ``kind`` ``"image"`` (a figure read automatically or by hand),
``"curve"`` (digitized curve CSVs) or ``"ipd"`` (patient-level data). Its
arms hold curve points ``[time, survival]`` (survival a probability),
censor-mark times and numbers at risk, each number with the confidence it
was read with (None once the user changed it). The calibration maps image
pixels to axis values by two points per axis; changing it moves every
point read from the image with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kmipd.errors import InputError
from kmipd.study import normalize_unit
from kmipd.web._models import MAX_ARMS, MAX_POINTS, CalibrationEdit, FigureEdit, MergeRequest

__all__ = [
    "CANVAS",
    "Axis",
    "apply_calibration",
    "apply_edit",
    "apply_reading",
    "curve_figure",
    "image_figure",
    "ipd_figure",
    "merge_arms",
]

Doc = dict[str, Any]
CANVAS = {"width": 900, "height": 520, "left": 70.0, "right": 880.0, "top": 20.0, "bottom": 470.0}
PALETTE = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000")


class Axis:
    """Linear map between pixels and axis values given by two points ``(p0, v0)``, ``(p1, v1)``."""

    def __init__(self, handles: Mapping[str, float]) -> None:
        self.p0, self.v0 = float(handles["p0"]), float(handles["v0"])
        self.slope = (float(handles["v1"]) - self.v0) / (float(handles["p1"]) - self.p0)

    def value(self, pixel: Any) -> Any:
        """Axis value at ``pixel``."""
        return self.v0 + (np.asarray(pixel, dtype=float) - self.p0) * self.slope

    def pixel(self, value: Any) -> Any:
        """Pixel of axis ``value``."""
        return self.p0 + (np.asarray(value, dtype=float) - self.v0) / self.slope


def _survival(value: Any, calibration: Mapping[str, Any]) -> Any:
    """Survival probability of a y-axis value (percent and cumulative incidence undone)."""
    v = np.asarray(value, dtype=float) / (100.0 if calibration.get("percent") else 1.0)
    return 1.0 - v if calibration.get("failure") else v


def _axis_value(survival: Any, calibration: Mapping[str, Any]) -> Any:
    """The y-axis value showing ``survival``."""
    s = np.asarray(survival, dtype=float)
    v = 1.0 - s if calibration.get("failure") else s
    return v * (100.0 if calibration.get("percent") else 1.0)


def _base(name: str, kind: str, trial: str, endpoint: str, time_unit: str | None) -> Doc:
    return {
        "name": name,
        "kind": kind,
        "status": "ready",
        "stage": "",
        "error": None,
        "trial": trial,
        "endpoint": endpoint or "OS",
        "time_unit": _unit(time_unit),
        "warnings": [],
        "notes": [],
        "reader": None,
        "revision": 0,
        "result": None,
    }


def _unit(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    unit = normalize_unit(value)
    if unit is None:
        raise InputError(f"time unit {value!r} is unknown; use days, weeks, months or years")
    return unit


def image_figure(name: str, width: int, height: int, meta: Mapping[str, Any]) -> Doc:
    """A new image figure, waiting to be read (``status`` ``"pending"``)."""
    doc = _base(
        name, "image", meta.get("trial", ""), meta.get("endpoint", ""), meta.get("time_unit")
    )
    doc.update(
        status="pending", stage="waiting to be read", canvas={"width": width, "height": height}
    )
    doc.update(calibration=None, arms=[])
    return doc


def apply_reading(doc: Doc, reading: Mapping[str, Any], reader: Mapping[str, Any]) -> Doc:
    """The figure with what the reader (or the manual fallback) found."""
    arms = [dict(arm) for arm in reading["arms"]]
    for arm in arms:
        arm.setdefault("colour", PALETTE[0])
    out = dict(doc, calibration=reading["calibration"], arms=arms, reader=dict(reader))
    out.update(warnings=list(reading["warnings"]), status="ready", stage="", error=None)
    out.update(panel=int(reading.get("panel", 1)), panels=int(reading.get("panels", 1)))
    out.update(result=None, revision=int(doc.get("revision", 0)) + 1)
    return out


def _synthetic(end: float) -> Doc:
    """The calibration of the drawn axes of a figure from CSV data."""
    nice = float(np.ceil(end / 6.0) * 6.0) if end > 6 else max(float(np.ceil(end)), 1.0)
    c = CANVAS
    return {
        "x": {"p0": c["left"], "v0": 0.0, "p1": c["right"], "v1": nice},
        "y": {"p0": c["bottom"], "v0": 0.0, "p1": c["top"], "v1": 1.0},
        "percent": False,
        "failure": False,
        "plot_area": {k: c[k] for k in ("top", "left", "bottom", "right")},
        "ticks": [],
        "confidence": {},
        "source": "data",
        "editable": False,
    }


def _blank_arm(index: int, name: str) -> Doc:
    return {
        "key": f"a{index + 1}",
        "name": name[:80],
        "colour": PALETTE[index % len(PALETTE)],
        "label_read": None,
        "confidence": {},
        "points": [],
        "censor": [],
        "risk": [],
        "n": None,
        "events": None,
    }


def curve_figure(
    name: str,
    curves: Mapping[str, Any],
    tables: Mapping[str, Any],
    marks: Mapping[str, Any],
    meta: Mapping[str, Any],
) -> Doc:
    """A figure from digitized curve CSVs (``Curve``, ``RiskTable``, ``CensorMarks`` by arm)."""
    for what, items in (("numbers at risk", tables), ("censor marks", marks)):
        for named in items:
            if named not in curves:
                raise InputError(
                    f"the {what} name arm {named!r}, which has no curve; curves: "
                    f"{', '.join(map(repr, curves))} (rename the arm in one of the files)"
                )
    _check_size(curves, {name: len(curve) for name, curve in curves.items()})
    arms = []
    for index, (arm_name, curve) in enumerate(curves.items()):
        arm = _blank_arm(index, str(arm_name))
        arm["points"] = [
            [float(t), float(s)] for t, s in zip(curve.time, curve.survival, strict=True)
        ]
        if arm_name in tables:
            table = tables[arm_name]
            arm["risk"] = [
                {"time": float(t), "n": int(n), "confidence": None, "source": "file"}
                for t, n in zip(table.time, table.n_at_risk, strict=True)
            ]
        if arm_name in marks:
            arm["censor"] = [float(t) for t in marks[arm_name].time]
        arms.append(arm)
    end = float(max(max((p[0] for p in arm["points"]), default=1.0) for arm in arms))
    doc = _base(
        name, "curve", meta.get("trial", ""), meta.get("endpoint", ""), meta.get("time_unit")
    )
    doc.update(canvas={"width": CANVAS["width"], "height": CANVAS["height"]}, arms=arms)
    doc["calibration"] = _synthetic(end)
    return doc


def _check_size(arms: Mapping[str, Any], points: Mapping[str, int]) -> None:
    """Refuse data the page could not edit: too many arms or points."""
    if len(arms) > MAX_ARMS:
        raise InputError(
            f"the file holds {len(arms)} arms; the app takes at most {MAX_ARMS} per figure, "
            "split the file"
        )
    for name, count in points.items():
        if count > MAX_POINTS:
            raise InputError(
                f"arm {name!r} has {count} points; the app takes at most {MAX_POINTS} per arm, "
                "thin the points out"
            )


def ipd_figure(name: str, ipd: Mapping[str, tuple[Any, Any]], meta: Mapping[str, Any]) -> Doc:
    """A figure holding patient-level data (nothing to digitize; analysed directly)."""
    _check_size(ipd, {})
    arms = []
    for index, (arm_name, (time, event)) in enumerate(ipd.items()):
        arm = _blank_arm(index, str(arm_name))
        arm["ipd"] = {"time": [float(t) for t in time], "event": [int(e) for e in event]}
        arms.append(arm)
    doc = _base(name, "ipd", meta.get("trial", ""), meta.get("endpoint", ""), meta.get("time_unit"))
    doc.update(canvas=None, calibration=None, arms=arms)
    return doc


def apply_edit(doc: Doc, edit: FigureEdit) -> Doc:
    """The figure with the user's corrections; confidences kept only for unchanged numbers."""
    if doc.get("status") != "ready":
        raise InputError("the figure is still being read; wait until it is ready, then correct it")
    old = {arm["key"]: arm for arm in doc["arms"]}
    arms = []
    for index, given in enumerate(edit.arms):
        before = old.get(given.key)
        if doc["kind"] == "ipd" and before is None:
            raise InputError(f"arm key {given.key!r} is not in this data; arms cannot be added")
        arm = dict(before) if before is not None else _blank_arm(index, given.name)
        arm.update(key=given.key, name=given.name, n=given.n, events=given.events)
        if given.colour:
            arm["colour"] = given.colour
        if doc["kind"] != "ipd":
            arm["points"] = _corners([float(t), float(s)] for t, s in given.points)
            arm["censor"] = sorted(float(t) for t in given.censor)
            arm["risk"] = _risk_edit(before, given.risk)
        arms.append(arm)
    out = dict(doc, arms=arms, trial=edit.trial, endpoint=edit.endpoint)
    out["time_unit"] = _unit(edit.time_unit)
    if edit.name:
        out["name"] = edit.name
    return _changed(out)


def _corners(points: Any) -> list[list[float]]:
    """Points by time; at one time the higher survival first (the top of a drop)."""
    return sorted((list(p) for p in points), key=lambda p: (p[0], -p[1]))


def _risk_edit(before: Doc | None, risk: list[Any]) -> list[Doc]:
    previous = {round(e["time"], 6): e for e in (before or {}).get("risk", [])}
    out = []
    for entry in sorted(risk, key=lambda e: e.time):
        item: Doc = {"time": float(entry.time), "n": entry.n, "confidence": None}
        old = previous.get(round(entry.time, 6))
        if old is not None and old.get("n") == entry.n:  # unchanged: keep how it was read
            item["confidence"] = old.get("confidence")
            item.update({key: old[key] for key in ("at", "source") if key in old})
        out.append(item)
    return out


def _changed(doc: Doc) -> Doc:
    return dict(doc, result=None, revision=int(doc.get("revision", 0)) + 1)


def apply_calibration(doc: Doc, edit: CalibrationEdit) -> Doc:
    """The figure with a new calibration; points and censor marks move with the pixels."""
    old = doc.get("calibration")
    if doc.get("kind") != "image" or old is None or doc.get("status") != "ready":
        raise InputError("only a figure read from an image (and ready) has an axis calibration")
    new = dict(old, x=edit.x.model_dump(), y=edit.y.model_dump(), source="user")
    if edit.percent is not None:
        new["percent"] = edit.percent
    ox, oy, nx, ny = Axis(old["x"]), Axis(old["y"]), Axis(new["x"]), Axis(new["y"])
    arms = []
    for arm in doc["arms"]:
        arm = dict(arm)
        if arm["points"]:
            points = np.asarray(arm["points"], dtype=float)
            time = np.maximum(nx.value(ox.pixel(points[:, 0])), 0.0)
            rows = oy.pixel(_axis_value(points[:, 1], old))
            survival = np.clip(_survival(ny.value(rows), new), 0.0, 1.0)
            arm["points"] = np.round(np.column_stack([time, survival]), 6).tolist()
        if arm["censor"]:
            marks = np.maximum(nx.value(ox.pixel(np.asarray(arm["censor"], dtype=float))), 0.0)
            arm["censor"] = np.round(marks, 6).tolist()
        arms.append(arm)
    return _changed(dict(doc, calibration=new, arms=arms))


def merge_arms(doc: Doc, request: MergeRequest) -> Doc:
    """The figure with the listed arms merged into the first (points, marks and counts joined)."""
    if doc.get("kind") == "ipd":
        raise InputError("arms of patient-level data cannot be merged")
    by_key = {arm["key"]: arm for arm in doc["arms"]}
    missing = [key for key in request.keys if key not in by_key]
    if missing or len(set(request.keys)) != len(request.keys):
        raise InputError(
            f"merge: arm keys {request.keys} must be distinct arms of this figure "
            f"({', '.join(by_key)})"
        )
    parts = [by_key[key] for key in request.keys]
    target = dict(parts[0])
    target["points"] = _corners(p for arm in parts for p in arm["points"])
    target["censor"] = sorted(t for arm in parts for t in arm["censor"])
    target["risk"] = next((arm["risk"] for arm in parts if arm["risk"]), [])
    for key in ("n", "events"):
        target[key] = next((arm[key] for arm in parts if arm.get(key) is not None), None)
    if request.name:
        target["name"] = request.name
    arms = [target if arm["key"] == parts[0]["key"] else arm for arm in doc["arms"]]
    arms = [arm for arm in arms if arm["key"] not in request.keys[1:]]
    if len({arm["name"] for arm in arms}) != len(arms):
        raise InputError(f"merge: another arm is already named {target['name']!r}; choose a name")
    return _changed(dict(doc, arms=arms))
