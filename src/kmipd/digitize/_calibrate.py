"""Axis calibration: tick labels read by OCR, matched to tick marks, fitted robustly."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import numpy.typing as npt

from kmipd.digitize._frame import Frame
from kmipd.digitize._lines import find_ticks
from kmipd.digitize._text import Word
from kmipd.digitize._tickgrid import fit_tick_grid
from kmipd.digitize._ticktext import (
    join_split_decimals,
    parse_number,
    repair_decimals,
    x_label_words,
    y_label_words,
)

__all__ = [
    "AxisCalibration",
    "TickLabel",
    "fit_axis",
    "fit_reads",
    "parse_number",
    "x_label_words",
    "y_label_words",
]

FloatArray = npt.NDArray[np.float64]
GRID_BELOW = 0.5  # x calibration confidence below which evenly spaced tick marks may do better
_BAND_MARGIN = 4  # pixels past the panel's ends a tick mark may stand (at the axis ends)


@dataclass(frozen=True)
class TickLabel:
    """One tick label: where it is, what it says, and whether the fit used it."""

    pixel: float
    value: float
    text: str
    confidence: float
    on_tick_mark: bool
    used: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        return {
            "pixel": round(self.pixel, 2),
            "value": self.value,
            "text": self.text,
            "confidence": round(self.confidence, 3),
            "on_tick_mark": self.on_tick_mark,
            "used": self.used,
        }


@dataclass(frozen=True)
class AxisCalibration:
    """Linear map between a pixel coordinate and a data value on one axis.

    ``value = intercept + slope * pixel``; the pixel is a column for the x axis
    and a row for the y axis. ``percent`` marks a y axis labelled 0-100.
    """

    axis: str
    slope: float
    intercept: float
    labels: tuple[TickLabel, ...] = ()
    residual_px: float = 0.0
    confidence: float = 0.0
    percent: bool = False
    source: str = "labels"

    def value(self, pixel: Any) -> Any:
        """Data value at ``pixel`` (scalar or array)."""
        return self.intercept + self.slope * np.asarray(pixel, dtype=float)

    def pixel(self, value: Any) -> Any:
        """Pixel coordinate of data ``value`` (scalar or array)."""
        return (np.asarray(value, dtype=float) - self.intercept) / self.slope

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        return {
            "axis": self.axis,
            "slope": self.slope,
            "intercept": self.intercept,
            "percent": self.percent,
            "source": self.source,
            "residual_px": round(self.residual_px, 3),
            "confidence": round(self.confidence, 3),
            "labels": [label.to_dict() for label in self.labels],
        }


def fit_axis(
    pixels: FloatArray, values: FloatArray, increasing: bool, tolerance: float
) -> tuple[float, float, npt.NDArray[np.bool_]] | None:
    """Robust straight-line fit ``value = intercept + slope * pixel``.

    Every pair of labels proposes a line; the one that most labels agree with
    (within ``tolerance`` pixels) wins and is refitted by least squares on them.

    Parameters
    ----------
    pixels, values : ndarray of float
        Label positions and values.
    increasing : bool
        Whether values must grow with the pixel coordinate.
    tolerance : float
        Largest pixel distance of an inlier.

    Returns
    -------
    tuple of (slope, intercept, inliers) or None
        None with fewer than two distinct usable labels.
    """
    best: tuple[int, float, npt.NDArray[np.bool_]] | None = None
    for i, j in combinations(range(len(pixels)), 2):
        dp, dv = pixels[j] - pixels[i], values[j] - values[i]
        if dp == 0 or dv == 0 or (dv / dp > 0) != increasing:
            continue
        slope = dv / dp
        predicted = pixels[i] + (values - values[i]) / slope
        error = np.abs(predicted - pixels)
        inliers = error <= tolerance
        key = (int(inliers.sum()), -float(error[inliers].sum()))
        if best is None or key > (best[0], best[1]):
            best = (key[0], key[1], inliers)
    if best is None or best[0] < 2:
        return None
    inliers = best[2]
    # pixel = a + b * value, the pixel carries the noise
    b, a = np.polyfit(values[inliers], pixels[inliers], 1)
    return 1.0 / b, -a / b, inliers


def snap(centres: FloatArray, ticks: FloatArray, widths: FloatArray) -> tuple[FloatArray, Any]:
    """Move label centres onto the nearest tick mark within half the label width (+2 px)."""
    if ticks.size == 0:
        return centres, np.zeros(centres.size, dtype=bool)
    nearest = ticks[np.argmin(np.abs(ticks[None, :] - centres[:, None]), axis=1)]
    close = np.abs(nearest - centres) <= widths / 2.0 + 2.0
    return np.where(close, nearest, centres), close


def tick_band(ink: FloatArray, frame: Frame, labels: list[Word], horizontal: bool) -> FloatArray:
    """Ink strip from the panel edge (outside) towards the tick labels, at most 12 px.

    Only the panel's side of the strip is kept (the rest is blanked): the other
    axis's lowest (or leftmost) tick label may reach into it.
    """
    if horizontal:
        line = frame.x_line
        start = int(np.ceil(line.position + line.thickness / 2.0)) if line else int(frame.bottom)
        stop = min(min(w.row0 for w in labels) - 1, start + 12)
        band = ink[max(0, start) : max(0, stop)].copy()
        ends = frame.left, frame.right
    else:
        line = frame.y_line
        stop = (
            int(np.floor(line.position - line.thickness / 2.0)) + 1 if line else int(frame.left) + 1
        )
        start = max(max(w.col1 for w in labels) + 1, stop - 12)
        band = ink[:, max(0, start) : max(0, stop)].T[::-1].copy()
        ends = frame.top, frame.bottom
    band[:, : max(0, int(ends[0]) - _BAND_MARGIN)] = 0.0
    band[:, int(ends[1]) + _BAND_MARGIN + 1 :] = 0.0
    return band


def _split_on_ticks(word: Word, ticks: FloatArray) -> list[tuple[float, str, float, bool]]:
    """Labels printed so close that they touch: each character goes to its nearest tick."""
    nearest = [int(np.argmin(np.abs(ticks - c))) for c in word.numeric_cols]
    out: list[tuple[float, str, float, bool]] = []
    for k in dict.fromkeys(nearest):
        text = "".join(ch for ch, n in zip(word.numeric, nearest, strict=True) if n == k)
        out.append((float(ticks[k]), text, word.numeric_confidence, True))
    return out


def tick_marks(words: list[Word], ink: FloatArray, frame: Frame, horizontal: bool) -> FloatArray:
    """Positions of the tick marks between the panel edge and its tick labels."""
    band = tick_band(ink, frame, words, horizontal)
    return find_ticks(band) if band.shape[0] >= 2 else np.zeros(0)


def label_reads(
    words: list[Word], ticks: FloatArray, horizontal: bool
) -> list[tuple[float, str, float, bool]]:
    """Per tick label: pixel of its tick, numeric text, confidence, whether on a tick mark.

    The pixel is the label centre moved onto a tick mark (of ``ticks``) if one
    is near; an x label word that spans several tick marks is split between them.
    """
    axis = 1 if horizontal else 0
    spacing = float(np.median(np.diff(ticks))) if ticks.size >= 2 else np.inf
    out: list[tuple[float, str, float, bool]] = []
    for word in words:
        split = len(word.numeric_cols) == len(word.numeric) > 1
        under = ticks[(ticks >= word.col0) & (ticks <= word.col1)]
        if horizontal and split and word.width > 1.3 * spacing and under.size >= 2:
            out.extend(_split_on_ticks(word, under))
            continue
        centre = np.array([word.centre[axis] - 0.5])
        size = np.array([word.width if horizontal else word.height], dtype=float)
        pixel, on_tick = snap(centre, ticks, size)
        out.append((float(pixel[0]), word.numeric, word.numeric_confidence, bool(on_tick[0])))
    return out


def _readings(
    reads: list[tuple[float, str, float, bool]],
) -> list[tuple[float, str, float, bool, float, bool]]:
    """Labels that read as numbers: (pixel, text, conf, on tick, value, percent sign)."""
    out = []
    texts = repair_decimals([r[1] for r in reads])
    for read, text in zip(reads, texts, strict=True):
        parsed = parse_number(text)
        if parsed is not None:
            out.append((read[0], text, read[2], read[3], parsed[0], parsed[1]))
    return out


def calibrate_axis(
    words: list[Word], ink: FloatArray, frame: Frame, axis: str
) -> AxisCalibration | None:
    """Calibrate the x (``axis="x"``) or y axis from its tick labels.

    Parameters
    ----------
    words : list of Word
        All read words of the figure.
    ink : ndarray of float, shape (rows, cols)
        Ink strength, for the tick marks.
    frame : Frame
        The plot panel.
    axis : {"x", "y"}

    Returns
    -------
    AxisCalibration or None
        None when fewer than two labels could be read and fitted.
    """
    horizontal = axis == "x"
    if horizontal:
        chosen = x_label_words(words, frame, ink)
    else:
        chosen = join_split_decimals(y_label_words(words, frame, ink))
    ticks = tick_marks(chosen, ink, frame, horizontal) if chosen else np.zeros(0)
    reads = label_reads(chosen, ticks, horizontal) if chosen else []
    found = fit_reads(axis, reads)
    if horizontal and (found is None or found.confidence < GRID_BELOW):
        grid = _from_grid(_readings(reads), ticks)
        if grid is not None and (found is None or grid.confidence > found.confidence):
            return grid
    return found


def fit_reads(axis: str, reads: list[tuple[float, str, float, bool]]) -> AxisCalibration | None:
    """The calibration of a straight-line fit through read tick labels.

    Parameters
    ----------
    axis : {"x", "y"}
    reads : list of tuple
        Per label: its pixel (column for x, row for y), numeric text, OCR
        confidence and whether it sits on a tick mark (see ``label_reads``).

    Returns
    -------
    AxisCalibration or None
        None when fewer than two labels read as numbers or none fit.
    """
    readings = _readings(reads)
    if len(readings) < 2:
        return None
    pixels = np.array([r[0] for r in readings], dtype=float)
    values = np.array([r[4] for r in readings], dtype=float)
    span = float(np.ptp(pixels))
    fit = fit_axis(pixels, values, axis == "x", max(1.5, 0.006 * span))
    return None if fit is None else _from_fit(axis, readings, pixels, values, fit)


def _from_fit(
    axis: str,
    readings: list[tuple[float, str, float, bool, float, bool]],
    pixels: FloatArray,
    values: FloatArray,
    fit: tuple[float, float, npt.NDArray[np.bool_]],
) -> AxisCalibration:
    """The calibration of a straight-line fit through the labels."""
    slope, intercept, inliers = fit
    residual = float(
        np.sqrt(np.mean((intercept + slope * pixels[inliers] - values[inliers]) ** 2)) / abs(slope)
    )
    n_in = int(inliers.sum())
    ocr = float(np.mean([readings[i][2] for i in np.flatnonzero(inliers)]))
    confidence = (
        ocr * min(1.0, n_in / 3.0) * (n_in / len(readings)) / (1.0 + max(0.0, residual - 0.5))
    )
    percent = False
    if axis == "y":
        percent = any(r[5] for r in readings) or float(np.max(np.abs(values[inliers]))) > 1.5
    ticks = tuple(
        TickLabel(r[0], r[4], r[1], float(r[2]), r[3], bool(u))
        for r, u in zip(readings, inliers, strict=True)
    )
    return AxisCalibration(
        axis, float(slope), float(intercept), ticks, residual, float(confidence), bool(percent)
    )


def _from_grid(
    readings: list[tuple[float, str, float, bool, float, bool]], ticks: FloatArray
) -> AxisCalibration | None:
    """The x calibration of evenly spaced tick marks (see ``fit_tick_grid``), if they are.

    Every mark becomes a used label with its grid value; marks whose label
    was not read exactly keep an empty text and confidence 0.
    """
    if len(readings) < 2:
        return None
    pixels = np.array([r[0] for r in readings], dtype=float)
    values = np.array([r[4] for r in readings], dtype=float)
    grid = fit_tick_grid(
        ticks,
        pixels,
        [r[1] for r in readings],
        values,
        np.array([r[2] for r in readings], dtype=float),
    )
    if grid is None:
        return None
    b, a = np.polyfit(grid.values, grid.pixels, 1)  # pixel = a + b * value
    residual = float(np.sqrt(np.mean((a + b * grid.values - grid.pixels) ** 2)))
    read = {
        int(np.argmin(np.abs(grid.pixels - r[0]))): r
        for r, ok in zip(readings, grid.exact, strict=True)
        if ok
    }
    labels = tuple(
        TickLabel(
            float(p),
            float(v),
            read[k][1] if k in read else "",
            float(read[k][2]) if k in read else 0.0,
            True,
            True,
        )
        for k, (p, v) in enumerate(zip(grid.pixels, grid.values, strict=True))
    )
    return AxisCalibration(
        "x", float(1.0 / b), float(-a / b), labels, residual, grid.confidence, False, "labels"
    )
