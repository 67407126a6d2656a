"""A curve's tail hidden under another curve drawn over it.

Two arms that run together to the end of a figure show only the curve drawn
last: the other's trace stops where it went under. Its risk table still has
patients at risk later, so the curve goes on; no ink of its own is seen
after it went under, so it runs along the curve over it (had it left that
curve, it would show). It is taken along that curve as far as its table
shows patients at risk.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kmipd.digitize._arm_rows import short_of
from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._result import ArmResult

__all__ = ["along_covering_curves"]

_LEVEL_PX = 3.0  # pixels of the y axis within which a curve meets the one it went under
_REACH_PX = 4.0  # pixels of the x axis after its end within which it meets it


def _covering(
    arms: list[ArmResult], index: int, end: float, tolerance: float, reach: float
) -> int | None:
    """The other arm whose curve goes on past ``end`` and, within ``reach`` of it, passes
    nearest the level where arm ``index`` ends (within ``tolerance``); of equally near
    ones, the one that goes on furthest."""
    level = float(arms[index].curve.survival[-1])
    best: tuple[float, float, int] | None = None
    for j, other in enumerate(arms):
        t, s = np.asarray(other.curve.time), np.asarray(other.curve.survival)
        if j == index or not t.size or float(t[-1]) <= end:
            continue
        first = max(0, int(np.searchsorted(t, end, side="right")) - 1)
        near = s[first : int(np.searchsorted(t, end + reach, side="right"))]
        gap = float(np.min(np.abs(near - level))) if near.size else np.inf
        if gap <= tolerance and (best is None or (gap, -float(t[-1])) < best[:2]):
            best = (gap, -float(t[-1]), j)
    return None if best is None else best[2]


def _extended(arm: ArmResult, other: ArmResult, until: float, x_axis: AxisCalibration) -> ArmResult:
    """``arm`` with ``other``'s curve (never above ``arm``'s last level) added up to ``until``;
    its curve confidence scaled by the share of that span it was seen in."""
    end, level = float(arm.curve.time[-1]), float(arm.curve.survival[-1])
    t, s = np.asarray(other.curve.time), np.asarray(other.curve.survival)
    keep = (t > end) & (t <= until)
    curve = replace(
        arm.curve,
        time=np.concatenate((arm.curve.time, t[keep])),
        survival=np.concatenate((arm.curve.survival, np.minimum(s[keep], level))),
    )
    cols, rows = arm.pixels
    o_cols, o_rows = other.pixels
    last = float(np.max(cols)) if cols.size else -np.inf
    add = (o_cols > last) & (o_cols <= float(x_axis.pixel(until)))
    pixels = (np.concatenate((cols, o_cols[add])), np.concatenate((rows, o_rows[add])))
    seen = (end - float(arm.curve.time[0])) / max(float(curve.time[-1] - arm.curve.time[0]), 1e-12)
    confidence = dict(arm.confidence)
    if "curve" in confidence:
        confidence["curve"] = round(confidence["curve"] * min(1.0, seen), 3)
    return replace(arm, curve=curve, pixels=pixels, confidence=confidence)


def along_covering_curves(
    arms: list[ArmResult],
    x_axis: AxisCalibration,
    warnings: list[str],
    floored: list[bool] | None = None,
) -> list[ArmResult]:
    """Arms whose curve went under another's, taken along it while their table holds patients.

    Arms are taken in order of where their curve ends, latest first, so a
    curve that went under one that itself went under a third follows both.

    Parameters
    ----------
    arms : list of ArmResult
        Arms with their risk tables attached.
    x_axis : AxisCalibration
    warnings : list of str
        Appended to, one note per arm taken along another's curve.
    floored : list of bool, optional
        Per arm, whether its curve runs out through the panel's floor (left
        as it is: its end is explained).

    Returns
    -------
    list of ArmResult
    """
    out = list(arms)
    floored = floored or [False] * len(arms)
    ends = [float(a.curve.time[-1]) if len(a.curve.time) else -np.inf for a in arms]
    for i in sorted(range(len(arms)), key=lambda k: -ends[k]):
        arm = out[i]
        until = None if floored[i] else short_of(arm)
        if until is None:
            continue
        end = float(arm.curve.time[-1])
        tolerance = _LEVEL_PX * (arm.curve.precision or 1.0 / 300.0)
        j = _covering(out, i, end, tolerance, _REACH_PX * abs(float(x_axis.slope)))
        if j is None:
            continue
        out[i] = _extended(arm, out[j], until, x_axis)
        warnings.append(
            f"arm {arm.name!r}: its curve goes under the curve of arm {out[j].name!r} at time "
            f"{end:g}; as its table has patients at risk up to {until:g}, it is taken to run "
            f"along that curve to {float(out[i].curve.time[-1]):g}"
        )
    return out
