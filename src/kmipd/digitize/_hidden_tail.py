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
    within ``tolerance`` of the level where arm ``index`` ends."""
    level = float(arms[index].curve.survival[-1])
    for j, other in enumerate(arms):
        t, s = np.asarray(other.curve.time), np.asarray(other.curve.survival)
        if j == index or float(t[-1]) <= end:
            continue
        start = max(0, int(np.searchsorted(t, end, side="right")) - 1)
        near = s[start : int(np.searchsorted(t, end + reach, side="right"))]
        if near.size and float(np.min(np.abs(near - level))) <= tolerance:
            return j
    return None


def _extended(arm: ArmResult, other: ArmResult, until: float, x_axis: AxisCalibration) -> ArmResult:
    """``arm`` with ``other``'s curve (never above ``arm``'s last level) added up to ``until``."""
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
    return replace(arm, curve=curve, pixels=pixels)


def along_covering_curves(
    arms: list[ArmResult], x_axis: AxisCalibration, warnings: list[str]
) -> list[ArmResult]:
    """Arms whose curve went under another's, taken along it while their table holds patients.

    Parameters
    ----------
    arms : list of ArmResult
        Arms with their risk tables attached.
    x_axis : AxisCalibration
    warnings : list of str
        Appended to, one note per arm taken along another's curve.

    Returns
    -------
    list of ArmResult
    """
    out = list(arms)
    for i, arm in enumerate(arms):
        until = short_of(arm)
        if until is None:
            continue
        end = float(arm.curve.time[-1])
        tolerance = _LEVEL_PX * (arm.curve.precision or 1.0 / 300.0)
        j = _covering(arms, i, end, tolerance, _REACH_PX * abs(float(x_axis.slope)))
        if j is None:
            continue
        out[i] = _extended(arm, arms[j], until, x_axis)
        warnings.append(
            f"arm {arm.name!r}: its curve goes under the curve of arm {arms[j].name!r} at time "
            f"{end:g}; as its table has patients at risk up to {until:g}, it is taken to run "
            f"along that curve to {float(out[i].curve.time[-1]):g}"
        )
    return out
