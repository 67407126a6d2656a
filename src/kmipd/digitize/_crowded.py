"""Read every row of a risk table, rebuilding numbers that touch from the table's own font."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._glyphs import DigitFont, Sample, learn_font, strip_ink
from kmipd.digitize._ocr import Reading, recognise
from kmipd.digitize._overlap import decode_span
from kmipd.digitize._result import RiskCell
from kmipd.digitize._risk import (
    Crowded,
    RiskLine,
    RiskRow,
    grid_times,
    is_crowded,
    read_row,
    snap_time,
)
from kmipd.digitize._text import Word

__all__ = ["read_rows"]

FloatArray = npt.NDArray[np.float64]
_PAD = 2  # rows kept above and below the digits


def _numeric(word: Word) -> bool:
    """A word read as a plain count (digits only)."""
    return bool(re.fullmatch(r"\d+", word.numeric)) and not re.search(r"[A-Za-z]{2}", word.text)


def _top(line: RiskLine) -> int | None:
    """Row of the tops of the line's numbers (the median top of its number words)."""
    tops = [w.row0 for w in line.words if _numeric(w)]
    return int(np.median(tops)) - _PAD if tops else None


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
    out = []
    for time in dict.fromkeys(owner):
        mine = [s for s, t in zip(spans, owner, strict=True) if t == time]
        left, right = min(c0 for c0, _, _ in mine), max(c1 for _, c1, _ in mine)
        centre = float(x_axis.pixel(time))
        crowded = any(s not in mine and s[0] < right + 1 and s[1] > left - 1 for s in spans)
        wide = any(c1 - c0 > 0.9 * tall for c0, c1, _ in mine)
        if crowded or wide or abs((left + right - 1) / 2.0 - centre) > 0.2 * tall:
            continue
        out.append((left, right, len(mine), centre))
    return out


def _samples(strips: list[FloatArray | None], x_axis: AxisCalibration) -> list[Sample]:
    """Numbers that stand alone under their tick, each read again on its own."""
    found: list[tuple[FloatArray, int, tuple[int, int, int, float]]] = []
    for strip in strips:
        if strip is not None:
            found += [(strip, 0, g) for g in _clean_groups(strip, x_axis)]
    if not found:
        return []
    grey = {id(s): np.clip(255.0 - 255.0 * s, 0, 255).astype(np.uint8) for s, _, _ in found}
    out = []
    for (strip, _, (left, right, glyphs, centre)), reading in zip(
        found,
        _read_groups(grey, found),
        strict=True,
    ):
        if reading.numeric_confidence >= 0.9 and len(reading.numeric) == glyphs:
            out.append(
                Sample(strip, 0, left, right, centre, reading.numeric, reading.numeric_confidence)
            )
    return out


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


def _edge(font: DigitFont) -> float:
    """Columns between a number's tick and its ink edge, at the least (60 % of the narrowest)."""
    return 0.6 * min(-d.offset for d in font.digits.values())


def _rebuilder(
    line: RiskLine, strip: FloatArray, font: DigitFont, x_axis: AxisCalibration
) -> Crowded:
    """The callback that rebuilds one word of touching numbers of ``line``."""

    def rebuild(word: Word, upper: int | None, lower: int) -> list[RiskCell] | None:
        edge = _edge(font)
        times = grid_times(word.col0 + edge, word.col1 - 1 - edge, x_axis)
        centres = [float(x_axis.pixel(t)) for t in times]
        decoded = decode_span(
            strip, (word.col0, word.col1), centres, font, upper=upper, lower=lower
        )
        if decoded is None:
            return None
        return [
            RiskCell(line.row, col, str(value), value, time, conf)
            for time, col, value, conf in zip(
                times, centres, decoded.values, decoded.confidence, strict=True
            )
        ]

    return rebuild


def _tick_row(ticks: list[Word]) -> list[Word]:
    """The x tick labels: the largest set of number words on one line."""
    words = [w for w in ticks if re.fullmatch(r"[\d.,%]+", w.numeric)]
    lines = [[v for v in words if abs(v.centre[0] - w.centre[0]) <= 3] for w in words]
    return max(lines, key=len, default=[])


def _spare(
    ticks: list[Word], ink: FloatArray, x_axis: AxisCalibration, height: int, digit: float
) -> list[Sample]:
    """Tick labels standing alone, read on their own and scaled to the table's digit height."""
    import cv2

    row = _tick_row(ticks)
    if not row:
        return []
    top = int(np.median([w.row0 for w in row]))
    tall = max(w.height for w in row)
    scale = digit / tall
    strip = strip_ink(ink, top - 2, tall + 4)
    found = _samples([strip], x_axis)
    out = []
    cols = max(1, round(strip.shape[1] * scale))
    for sample in found:
        sized = cv2.resize(sample.strip.astype(np.float32), (cols, round((tall + 4) * scale)))
        big = np.zeros((height, cols))
        shift = _PAD - round(2 * scale)
        rows = min(height, sized.shape[0] + shift) - max(0, shift)
        big[max(0, shift) : max(0, shift) + rows] = sized[max(0, -shift) : max(0, -shift) + rows]
        big = np.where(big >= 0.15, big, 0.0)
        left, right = int(np.floor(sample.left * scale)), int(np.ceil(sample.right * scale))
        centre = sample.centre * scale
        out.append(Sample(big, 0, left, right, centre, sample.digits, sample.confidence))
    return out


def _fit_pitch(
    font: DigitFont, lines: list[RiskLine], strips: list[FloatArray | None], x_axis: AxisCalibration
) -> DigitFont:
    """The font with the pitch that best redraws the start of the first span of touching numbers."""
    first = next(
        (
            (word, strip)
            for line, strip in zip(lines, strips, strict=True)
            for word in line.words
            if strip is not None and is_crowded(word, x_axis)
        ),
        None,
    )
    if first is None:
        return font
    word, strip = first
    times = grid_times(word.col0 + _edge(font), word.col1 - 1 - _edge(font), x_axis)
    centres = [float(x_axis.pixel(t)) for t in times][:5]
    if len(centres) < 2:
        return font
    upto = centres[-1] + 0.5 * (centres[-1] - centres[-2])
    digit = font.height - 2 * _PAD
    best, cost = font, np.inf
    for pitch in np.arange(0.6, 1.0, 0.03) * digit:
        trial = replace(font, pitch=float(pitch))
        decoded = decode_span(strip, (word.col0, word.col1), centres, trial, upto=upto)
        if decoded is not None and decoded.residual < cost:
            best, cost = trial, decoded.residual
    return best


def read_rows(
    lines: list[RiskLine],
    x_axis: AxisCalibration,
    ink: FloatArray | None = None,
    ticks: list[Word] | None = None,
) -> list[RiskRow]:
    """The lines that read as risk-table rows, numbers that touch rebuilt where possible.

    Parameters
    ----------
    lines : list of RiskLine
        Text lines under the x axis, read.
    x_axis : AxisCalibration
    ink : ndarray of float, shape (rows, cols), optional
        The figure's ink; without it touching numbers keep their OCR reading.
    ticks : list of Word, optional
        Read tick labels: digits in the same font, for those the table does
        not show alone.

    Returns
    -------
    list of RiskRow
        Top to bottom.
    """
    crowded = [any(is_crowded(w, x_axis) for w in line.words) for line in lines]
    if ink is None or not any(crowded):
        rows = [read_row(line, x_axis) for line in lines]
        return [row for row in rows if row is not None]
    heights = [w.height for line in lines for w in line.words if _numeric(w)]
    height = (int(np.max(heights)) if heights else 0) + 2 * _PAD
    strips: list[FloatArray | None] = []
    for line in lines:
        top = _top(line)
        strips.append(None if top is None else strip_ink(ink, top, height))
    samples = _samples(strips, x_axis)
    spare = _spare(ticks or [], ink, x_axis, height, height - 2 * _PAD) if samples else []
    font = learn_font(samples, spare)
    if font is not None and not font.measured:
        font = _fit_pitch(font, lines, strips, x_axis)
    out = []
    for line, strip, busy in zip(lines, strips, crowded, strict=True):
        rebuild = None
        if busy and strip is not None and font is not None:
            rebuild = _rebuilder(line, strip, font, x_axis)
        row = read_row(line, x_axis, rebuild)
        if row is not None:
            out.append(row)
    return out
