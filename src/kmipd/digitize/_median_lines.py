"""Median reference lines: a line across at survival 0.5 and drops from it to 0.

Many figures mark the medians (survminer's ``surv.median.line = "hv"``): a
line from time 0 across at 0.5 to the last median, and from each median a
line straight down to the time axis, often dashed and sometimes in an arm's
colour. No step curve runs from time 0 at one level and then straight down
to 0, so that shape is left out of the curves. (A curve crossing 0.5 at
the last median may run on beside the line across: the line is taken to
end at its last drop.)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._lines import Line, bridge_gaps, true_runs
from kmipd.digitize._scene import Scene

__all__ = ["median_lines"]

_INK = 0.25  # ink of a reference line's pixels, at the least
_LENGTH = 0.1  # a reference line is at least this share of the panel's width (height) long
_GAP = 8  # px: breaks of a dashed or dotted line bridged
_EDGE = 4  # px: the line starts this close to time 0 and the drops end this close to 0
_MEET = 3  # px: the drops start this close to the line across; the last is at its end
_MARGIN = 2  # px kept clear of the axis lines
_ACROSS = 0.95  # a line across nearly all the panel is a grid line
_ABOVE = 12  # px: a drop's column is not inked this far above the line across (grid)

BoolArray = npt.NDArray[np.bool_]


def median_lines(scene: Scene, x: AxisCalibration, y: AxisCalibration) -> list[Line]:
    """The lines marking the medians, if the panel has them (image coordinates).

    Parameters
    ----------
    scene : Scene
    x, y : AxisCalibration
        Where time 0 and the bottom of the y axis (survival or incidence 0) are.

    Returns
    -------
    list of Line
        The line across and the drops from it; empty if no line across from
        time 0 ends in a drop to 0.
    """
    f = scene.frame
    top, bottom = int(f.top) + _MARGIN, round(f.bottom) + 1
    left, right = round(f.left) + _MARGIN, int(f.right) - _MARGIN
    if bottom - top < 20 or right - left < 20:
        return []
    ink = scene.ink[top:bottom, left:right] >= _INK
    start = max(0, round(float(x.pixel(0.0))) - left)  # time 0
    floor = round(min(float(y.pixel(0.0)), float(f.bottom)) - top)  # survival 0
    if not (0 <= start < ink.shape[1] // 2 and floor > ink.shape[0] // 2):
        return []
    across = bridge_gaps(ink, _GAP, horizontal=True)[:, start:]
    reach = np.where(across.all(axis=1), across.shape[1], np.argmin(across, axis=1))
    high = np.arange(ink.shape[0]) < floor - _LENGTH * ink.shape[0]
    long = (reach >= _LENGTH * ink.shape[1]) & (reach < _ACROSS * across.shape[1]) & high
    if not long.any():
        return []
    down = bridge_gaps(ink, _GAP, horizontal=False)
    found: list[Line] = []
    for first, end in true_runs(long):
        row = (first + end - 1) // 2
        ends = start + int(np.max(reach[first:end]))
        drops = _drops(down, row, floor, (start + _MEET, ends + _MEET))
        if drops:  # the line across ends at the last drop (a curve may run on beside it)
            thick = int(end - first)
            last = min(ends, drops[-1][1] + _MEET)
            found.append(Line(True, row + top, left + start, left + last - 1, thick))
            found.extend(
                Line(False, (a + b - 1) / 2 + left, row + top, floor + top, b - a) for a, b in drops
            )
    return found


def _drops(down: BoolArray, row: int, floor: int, cols: tuple[int, int]) -> list[tuple[int, int]]:
    """Runs of columns (first, last + 1) between ``cols`` inked from ``row`` down to
    ``floor`` and not far above ``row``."""
    low, high = max(0, cols[0]), min(down.shape[1], cols[1] + 1)
    if high <= low or floor - _EDGE <= row + _MEET:
        return []
    spans = down[row + _MEET : floor - _EDGE, low:high].all(axis=0)
    above = down[max(0, row - _ABOVE) : max(0, row - _MEET), low:high].all(axis=0)
    runs = true_runs(spans & ~above)
    return [(int(a) + low, int(b) + low) for a, b in runs]
