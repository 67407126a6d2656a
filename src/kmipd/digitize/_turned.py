"""Y tick labels printed a quarter turn round, reading upwards (as Stata draws them).

Such labels are stacked glyphs, which the word finder leaves out as turned text
(it would join the y axis title). The strip left of the y axis is turned a
quarter clockwise, so that its labels stand upright along its bottom edge,
and read there as the x labels are read under a panel.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import AxisCalibration, fit_reads
from kmipd.digitize._image import ink_grey
from kmipd.digitize._scene import Scene, tallest_glyph
from kmipd.digitize._text import Word, find_glyphs, group_words, read_words

__all__ = ["turned_y_axis"]

_STRONG = 0.3  # ink of a glyph's pixels, at the least
_LINE = 0.6  # words whose bottoms lie within this many text heights of the lowest: one line
_NARROWEST = 8  # px: a strip left of the y axis narrower than this holds no labels


def turned_y_axis(scene: Scene) -> AxisCalibration | None:
    """Calibrate the y axis from tick labels turned to read upwards.

    Parameters
    ----------
    scene : Scene

    Returns
    -------
    AxisCalibration or None
        None when fewer than two such labels read as numbers and fit.
    """
    frame = scene.frame
    line = frame.y_line
    edge = int(np.floor(line.position - line.thickness / 2.0)) if line else int(frame.left)
    if edge < _NARROWEST:
        return None
    rows = scene.ink.shape[0]
    ink = np.ascontiguousarray(np.rot90(scene.ink[:, :edge], k=-1))
    image = np.ascontiguousarray(np.rot90(scene.image[:, :edge], k=-1))
    words = _label_line(ink, rows, (frame.top, frame.bottom))
    if len(words) < 2:
        return None
    read = read_words(ink_grey(ink), image, words)
    # a turned column c is the figure's row rows - 1 - c
    reads = [(rows - 1 - (w.centre[1] - 0.5), w.numeric, w.numeric_confidence, False) for w in read]
    return fit_reads("y", reads)


def _label_line(ink: npt.NDArray[np.float64], rows: int, panel: tuple[float, float]) -> list[Word]:
    """Words of the turned strip beside the panel's rows, on the line nearest the axis
    (the strip's bottom edge)."""
    glyphs = find_glyphs(ink >= _STRONG, tallest_glyph(rows))
    glyphs = glyphs[glyphs[:, 2] < ink.shape[0] - 1]  # tick marks drawn out from the axis
    top, bottom = panel
    lo, hi = rows - 1 - bottom, rows - 1 - top  # the panel's rows, as turned columns
    words = [
        w for w in group_words(glyphs) if lo - 2 * w.height <= w.centre[1] <= hi + 2 * w.height
    ]
    if not words:
        return []
    lowest = max(w.row1 for w in words)
    height = float(np.median([w.height for w in words if w.row1 >= lowest - 4]))
    return [w for w in words if w.row1 >= lowest - _LINE * height]
