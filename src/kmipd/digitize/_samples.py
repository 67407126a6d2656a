"""Lone numbers of a risk table and of the tick labels, to learn the table's font from."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._glyphs import Sample, strip_ink
from kmipd.digitize._image import ink_grey
from kmipd.digitize._ocr import Reading, recognise
from kmipd.digitize._risk import snap_time, tick_step
from kmipd.digitize._text import Word

__all__ = ["PAD", "lone_numbers", "tick_samples"]

FloatArray = npt.NDArray[np.float64]
PAD = 2  # rows kept above and below the digits


def _glyph_spans(strip: FloatArray) -> list[tuple[int, int, int]]:
    """Column range and height of each glyph (connected ink) of a row strip."""
    import cv2

    count, _, stats, _ = cv2.connectedComponentsWithStats(
        (strip >= 0.3).astype(np.uint8), connectivity=8
    )
    return sorted(
        (int(stats[k, 0]), int(stats[k, 0] + stats[k, 2]), int(stats[k, 3]))
        for k in range(1, count)
        if stats[k, 4] >= 3
    )


def _clean_groups(strip: FloatArray, x_axis: AxisCalibration) -> list[tuple[int, int, int, float]]:
    """Glyph groups that stand alone under one tick: (left, right, glyphs, tick column)."""
    spans = _glyph_spans(strip)
    if not spans:
        return []
    tall = max(h for _, _, h in spans)
    owner = [snap_time((c0 + c1 - 1) / 2.0, x_axis)[0] for c0, c1, _ in spans]
    ink = strip.max(axis=0) >= 0.3
    out = []
    for time in dict.fromkeys(owner):
        mine = [s for s, t in zip(spans, owner, strict=True) if t == time]
        left, right = min(c0 for c0, _, _ in mine), max(c1 for _, c1, _ in mine)
        centre = float(x_axis.pixel(time))
        crowded = any(s not in mine and s[0] < right + 1 and s[1] > left - 1 for s in spans)
        crowded = crowded or _reaches(left, right, centre, tall, ink, x_axis, time)
        wide = any(c1 - c0 > 0.9 * tall for c0, c1, _ in mine)
        if crowded or wide or abs((left + right - 1) / 2.0 - centre) > 0.2 * tall:
            continue
        out.append((left, right, len(mine), centre))
    return out


def _reaches(
    left: int,
    right: int,
    centre: float,
    tall: int,
    ink: npt.NDArray[np.bool_],
    x_axis: AxisCalibration,
    time: float,
) -> bool:
    """Whether a glyph group reaches over a neighbouring tick that has a number of its own.

    Every tick of a row has a number; one overlapping the next can fuse with
    it into one connected glyph, so a group is clean only if it keeps clear
    of the middle (a narrow digit's half width) of each neighbour tick that
    has ink.
    """
    step = abs(float(x_axis.pixel(time + _tick_step(x_axis))) - centre)
    if not np.isfinite(step) or step <= 0:
        return False
    half = 0.2 * tall
    for side in (-1.0, 1.0):
        other = centre + side * step
        lo, hi = max(0, round(other - half)), min(ink.size, round(other + half) + 1)
        if hi <= lo or not ink[lo:hi].any():
            continue
        if (side < 0 and left < other + half) or (side > 0 and right > other - half):
            return True
    return False


def _tick_step(x_axis: AxisCalibration) -> float:
    """The tick step of the x axis (1 if it cannot be told)."""
    step = tick_step(x_axis)
    return 1.0 if step is None else step


def lone_numbers(
    strips: list[FloatArray | None],
    x_axis: AxisCalibration,
    read: Sequence[tuple[int, Sequence[Word]]] = (),
) -> list[Sample]:
    """Numbers that stand alone under their tick, each read on its own.

    Parameters
    ----------
    strips : list of ndarray or None
        Ink strips of the rows (None: no row).
    x_axis : AxisCalibration
    read : sequence of (int, sequence of Word), optional
        Per strip, its top image row and the words already read in it. A
        number that is one of those words (the same columns, give or take a
        pixel) and was read surely keeps that reading; the others are read
        again, cut from the strip: a number the page's word boxes joined to
        its neighbours, or one read unsurely.

    Returns
    -------
    list of Sample
        The numbers read surely, one digit per glyph.
    """
    found: list[tuple[FloatArray, int, tuple[int, int, int, float]]] = []
    known: list[Reading | None] = []
    for k, strip in enumerate(strips):
        if strip is None:
            continue
        for group in _clean_groups(strip, x_axis):
            found.append((strip, 0, group))
            known.append(_already(group, strip, read[k] if k < len(read) else None))
    if not found:
        return []
    grey = {id(s): ink_grey(s) for s, _, _ in found}
    unread = [f for f, r in zip(found, known, strict=True) if r is None]
    fresh = iter(_read_groups(grey, unread) if unread else [])
    out = []
    for (strip, _, (left, right, glyphs, centre)), reading in zip(found, known, strict=True):
        reading = reading if reading is not None else next(fresh)
        if _trusted(reading, glyphs):
            out.append(
                Sample(strip, 0, left, right, centre, reading.numeric, reading.numeric_confidence)
            )
    return out


def _already(
    group: tuple[int, int, int, float],
    strip: FloatArray,
    read: tuple[int, Sequence[Word]] | None,
) -> Reading | None:
    """The sure reading of the word that is this glyph group, if the page's reading has one."""
    if read is None:
        return None
    top, words = read
    left, right, glyphs, _ = group
    for word in words:
        same = abs(word.col0 - left) <= 1 and abs(word.col1 - right) <= 1
        if same and top <= word.row0 and word.row1 <= top + strip.shape[0]:
            reading = Reading(word.text, word.confidence, word.numeric, word.numeric_confidence)
            return reading if _trusted(reading, glyphs) else None
    return None


_ROUND = {"0": "oOD0", "1": "lI|1"}  # one glyph OCR hesitates between letter and digit


def _trusted(reading: Reading, glyphs: int) -> bool:
    """Whether a group's reading can teach the font its digits.

    A confident reading with one character per glyph; or a lone glyph read
    as a letter that only looks like its digit ('o' for '0'): the recogniser
    is unsure whether it is a letter, not which shape it is.
    """
    if len(reading.numeric) != glyphs or not reading.numeric.isdigit():
        return False
    if reading.numeric_confidence >= 0.9:
        return True
    alike = _ROUND.get(reading.numeric, "")
    return glyphs == 1 and reading.numeric_confidence >= 0.35 and reading.text.strip() in alike


def _read_groups(
    grey: dict[int, npt.NDArray[np.uint8]],
    found: list[tuple[FloatArray, int, tuple[int, int, int, float]]],
) -> list[Reading]:
    """OCR of each glyph group on its own (one call per strip)."""
    readings: list[Reading] = []
    for key in dict.fromkeys(id(s) for s, _, _ in found):
        mine = [g for s, _, g in found if id(s) == key]
        image = grey[key]
        boxes = [(0, left, image.shape[0], right) for left, right, _, _ in mine]
        readings += recognise(image, boxes)
    return readings


def _tick_row(ticks: list[Word]) -> list[Word]:
    """The x tick labels: the largest set of number words on one line."""
    words = [w for w in ticks if re.fullmatch(r"[\d.,%]+", w.numeric)]
    lines = [[v for v in words if abs(v.centre[0] - w.centre[0]) <= 3] for w in words]
    return max(lines, key=len, default=[])


def tick_samples(
    ticks: list[Word], ink: FloatArray, x_axis: AxisCalibration, height: int, digit: float
) -> list[Sample]:
    """Tick labels standing alone, read on their own and scaled to the table's digit height."""
    import cv2

    row = _tick_row(ticks)
    if not row or digit < 1:
        return []
    top = int(np.median([w.row0 for w in row]))
    tall = max(w.height for w in row)
    scale = digit / tall
    strip = strip_ink(ink, top - 2, tall + 4)
    found = lone_numbers([strip], x_axis, [(top - 2, row)])
    out = []
    cols = max(1, round(strip.shape[1] * scale))
    for sample in found:
        sized = cv2.resize(sample.strip.astype(np.float32), (cols, round((tall + 4) * scale)))
        big = np.zeros((height, cols))
        shift = PAD - round(2 * scale)
        rows = min(height, sized.shape[0] + shift) - max(0, shift)
        big[max(0, shift) : max(0, shift) + rows] = sized[max(0, -shift) : max(0, -shift) + rows]
        big = np.where(big >= 0.15, big, 0.0)
        left, right = int(np.floor(sample.left * scale)), int(np.ceil(sample.right * scale))
        centre = sample.centre * scale
        out.append(Sample(big, 0, left, right, centre, sample.digits, sample.confidence))
    return out
