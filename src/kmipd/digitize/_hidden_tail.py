"""A curve's tail hidden under another curve drawn over it.

Two arms that run together to the end of a figure show only the curve drawn
last: the other's trace stops where it went under. Its risk table still has
patients at risk later, so the curve goes on; no ink of its own is seen
after it went under, so it runs along the curve over it (had it left that
curve, it would show). It is taken along that curve as far as its table
shows patients at risk.

A curve can also go under another's censor marks at its own level, some
way before the other curve comes down to it: it is seen ending flat, apart
from the other, and the other meets its level later. Given ``covered`` (the
ink of the figure), it is taken along the other curve when a flat line at its
last level, from its end to where the other meets it, would be hidden by
other arms' ink in every column (had it run there in the open, its ink would
show).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from kmipd.digitize._arm_rows import short_of
from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._lines import true_runs
from kmipd.digitize._result import ArmResult

__all__ = ["Covered", "along_covering_curves", "ink_cover"]

_LEVEL_PX = 3.0  # pixels of the y axis within which a curve meets the one it went under
_REACH_PX = 4.0  # pixels of the x axis after its end within which it meets it
_OPEN_SOLID = 1  # columns a hidden solid line may show through gaps in the ink over it
_OPEN_BROKEN = 4  # the same for a dashed or dotted line (its own gaps are as wide)
_COVERED_REACH = 0.1  # share of the x axis after its end within which it meets it, when
# a flat line at its level would be hidden by other ink all the way

Covered = Callable[[int, float, float, float], bool]
"""``covered(arm, row, col0, col1)``: whether a flat line at image ``row`` from column
``col0`` to ``col1`` would be hidden in every column by ink of arms other than ``arm``."""


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


def ink_cover(
    labels: npt.NDArray[np.int64], owners: list[tuple[int, ...]], broken: list[bool]
) -> Covered:
    """``covered`` for a figure's colour labels.

    A flat line at an image row is hidden from ``col0`` to ``col1`` when ink
    of colours other than the arm's own (within a row of it) covers every
    column, but for gaps of at most ``_OPEN_SOLID`` columns (``_OPEN_BROKEN``
    for an arm drawn dashed or dotted, whose own line has such gaps).

    Parameters
    ----------
    labels : ndarray of int, shape (rows, cols)
        Colour index per image pixel, -1 for none.
    owners : list of tuple of int
        Per arm, its colour indices (its curve's, and its confidence limits').
    broken : list of bool
        Per arm, whether it is drawn dashed or dotted.

    Returns
    -------
    Covered
    """

    def covered(index: int, row: float, col0: float, col1: float) -> bool:
        first, last = int(np.ceil(col0)), int(np.floor(col1))
        if last < first:
            return True
        level = round(row)
        band = labels[max(0, level - 1) : level + 2, first : last + 1]
        hidden = ((band >= 0) & ~np.isin(band, owners[index])).any(axis=0)
        gaps = true_runs(~hidden)
        widest = int((gaps[:, 1] - gaps[:, 0]).max()) if len(gaps) else 0
        return widest <= (_OPEN_BROKEN if broken[index] else _OPEN_SOLID)

    return covered


def _meeting(arm: ArmResult, other: ArmResult, end: float, tolerance: float) -> float | None:
    """The first time after ``end`` at which ``other``'s curve, above the level where
    ``arm`` ends at ``end``, comes down to within ``tolerance`` of it (None if it never
    does, or is not above it there)."""
    level = float(arm.curve.survival[-1])
    t, s = np.asarray(other.curve.time), np.asarray(other.curve.survival)
    at_end = int(np.searchsorted(t, end, side="right")) - 1
    if at_end < 0 or s[at_end] <= level + tolerance:
        return None
    after = np.flatnonzero((t > end) & (s <= level + tolerance))
    return float(t[after[0]]) if after.size else None


def _covered_meeting(
    arms: list[ArmResult],
    index: int,
    end: float,
    tolerance: float,
    x_axis: AxisCalibration,
    covered: Covered,
) -> int | None:
    """The other arm whose curve meets arm ``index``'s last level soonest, within
    ``_COVERED_REACH`` of the time the curves span, provided a flat line at that level up
    to the meeting would be hidden by other arms' ink all the way."""
    cols, rows = arms[index].pixels
    if not cols.size:
        return None
    span = max(float(a.curve.time[-1]) for a in arms if len(a.curve.time))
    row = float(rows[np.argmax(cols)])
    best: tuple[float, int] | None = None
    for j, other in enumerate(arms):
        if j == index or not len(other.curve.time) or float(other.curve.time[-1]) <= end:
            continue
        meet = _meeting(arms[index], other, end, tolerance)
        if meet is None or meet > end + _COVERED_REACH * span:
            continue
        if best is not None and meet >= best[0]:
            continue
        if covered(index, row, float(np.max(cols)) + 1.0, float(x_axis.pixel(meet))):
            best = (meet, j)
    return None if best is None else best[1]


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
    covered: Covered | None = None,
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
    covered : callable, optional
        ``covered(arm, row, col0, col1)`` (see ``Covered``): with it, a curve
        that went under another's marks before that curve met its level is
        taken along it too.

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
        if j is None and covered is not None:
            j = _covered_meeting(out, i, end, tolerance, x_axis, covered)
        if j is None:
            continue
        out[i] = _extended(arm, out[j], until, x_axis)
        warnings.append(
            f"arm {arm.name!r}: its curve goes under the curve of arm {out[j].name!r} at time "
            f"{end:g}; as its table has patients at risk up to {until:g}, it is taken to run "
            f"along that curve to {float(out[i].curve.time[-1]):g}"
        )
    return out
