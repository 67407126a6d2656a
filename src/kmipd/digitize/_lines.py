"""Long straight lines (axes, panel borders, grid lines) and short tick marks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "Box",
    "Line",
    "bridge_gaps",
    "find_lines",
    "find_ticks",
    "line_mask",
    "longest_run",
    "true_runs",
]

BoolArray = npt.NDArray[np.bool_]
Box = tuple[int, int, int, int]  # row0, col0, row1, col1 (half open): a pixel box
FloatArray = npt.NDArray[np.float64]
_PIECE = 3  # a piece of a bridged line is at least this many bridges long


def true_runs(mask: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Runs of True in a 1-D array, as rows ``(first, last + 1)``, left to right."""
    flags = np.asarray(mask, dtype=bool).astype(np.int8)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], flags, [0]))))
    return np.asarray(edges.reshape(-1, 2), dtype=np.int64)


def longest_run(mask: npt.ArrayLike) -> tuple[int, int]:
    """First and last index of the longest run of True (``(0, -1)`` if there is none)."""
    runs = true_runs(mask)
    if not len(runs):
        return 0, -1
    first, end = runs[int(np.argmax(runs[:, 1] - runs[:, 0]))]
    return int(first), int(end) - 1


@dataclass(frozen=True)
class Line:
    """A long horizontal or vertical line segment.

    Attributes
    ----------
    horizontal : bool
        True for a horizontal line (constant row).
    position : float
        Centre row (horizontal) or column (vertical).
    start, end : int
        First and last column (horizontal) or row (vertical), inclusive.
    thickness : int
        Number of rows (columns) the line covers.
    """

    horizontal: bool
    position: float
    start: int
    end: int
    thickness: int

    @property
    def length(self) -> int:
        """Number of pixels along the line."""
        return self.end - self.start + 1


def _open(mask: BoolArray, length: int, horizontal: bool) -> BoolArray:
    """Keep only runs of at least ``length`` pixels along one direction."""
    import cv2

    length |= 1  # odd: an even kernel shifts the result by a pixel
    shape = (1, length) if horizontal else (length, 1)
    kernel = np.ones(shape, dtype=np.uint8)
    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)


def _segments(profile: BoolArray, max_gap: int) -> list[tuple[int, int]]:
    """Inclusive (start, end) runs of True in ``profile``, bridging gaps up to ``max_gap``."""
    index = np.flatnonzero(profile)
    if index.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(index) > max_gap + 1)
    starts = np.concatenate(([index[0]], index[breaks + 1]))
    ends = np.concatenate((index[breaks], [index[-1]]))
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def bridge_gaps(mask: BoolArray, gap: int, horizontal: bool) -> BoolArray:
    """``mask`` with breaks of up to ``gap`` pixels along one direction filled."""
    import cv2

    shape = (1, gap + 1) if horizontal else (gap + 1, 1)
    kernel = np.ones(shape, dtype=np.uint8)
    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool)


def find_lines(mask: BoolArray, min_length: int, horizontal: bool, bridge: int = 0) -> list[Line]:
    """Straight horizontal or vertical line segments of at least ``min_length`` pixels.

    Parameters
    ----------
    mask : ndarray of bool, shape (rows, cols)
        Candidate line pixels.
    min_length : int
        Shortest segment kept.
    horizontal : bool
        Look for horizontal (True) or vertical (False) lines.
    bridge : int, optional
        Breaks of up to this many pixels along a line are bridged first (a
        faint grid line is cut wherever a curve or a mark crosses it), and
        a line may come in pieces (a curve's plateau may lie along it for
        longer): pieces of at least ``_PIECE * bridge`` pixels on one row (or
        column) count as one line when together at least ``min_length`` long.

    Returns
    -------
    list of Line
        Segments; parallel adjacent rows (columns) are merged into one thick line.
    """
    shortest = min_length
    if bridge > 0:
        mask = bridge_gaps(mask, bridge, horizontal)
        shortest = min(min_length, _PIECE * bridge)
    opened = _open(mask, max(3, shortest), horizontal)
    if not horizontal:
        opened = opened.T
    rows = np.flatnonzero(opened.any(axis=1))
    lines: list[Line] = []
    for first, last in _segments(np.isin(np.arange(opened.shape[0]), rows), 0):
        band = opened[first : last + 1]
        pieces = [
            (start, end)
            for start, end in _segments(np.asarray(band.any(axis=0), dtype=bool), 8)
            if end - start + 1 >= shortest
        ]
        if sum(end - start + 1 for start, end in pieces) < min_length:
            continue
        if bridge == 0:  # unbridged, each segment is long enough on its own
            pieces = [(start, end) for start, end in pieces if end - start + 1 >= min_length]
        lines.extend(_line(band, first, start, end, horizontal) for start, end in pieces)
    return lines


def _line(band: BoolArray, first: int, start: int, end: int, horizontal: bool) -> Line:
    """The line of rows ``first`` onwards of ``band`` between ``start`` and ``end``."""
    weights = band[:, start : end + 1].sum(axis=1).astype(float)
    rows = np.arange(first, first + band.shape[0])
    centre = float(np.sum(rows * weights) / weights.sum())
    return Line(horizontal, centre, start, end, band.shape[0])


def line_mask(shape: tuple[int, int], lines: list[Line], pad: int = 1) -> BoolArray:
    """Pixels covered by ``lines`` (each widened by ``pad``)."""
    mask = np.zeros(shape, dtype=bool)
    for line in lines:
        half = line.thickness / 2.0 + pad
        lo, hi = int(np.floor(line.position - half + 0.5)), int(np.ceil(line.position + half))
        if line.horizontal:
            mask[max(0, lo) : hi, line.start : line.end + 1] = True
        else:
            mask[line.start : line.end + 1, max(0, lo) : hi] = True
    return mask


def find_ticks(band: FloatArray) -> FloatArray:
    """Positions of tick marks crossing a band, at sub-pixel precision.

    Parameters
    ----------
    band : ndarray of float, shape (length, along)
        Ink strength in a strip next to an axis; ticks run across ``length``
        (e.g. rows below a horizontal axis, where ticks are vertical strokes).

    Returns
    -------
    ndarray of float
        Ink-weighted centre of each tick, in band coordinates along its length.
        Ticks are the strokes as long as the longest ones (all ticks of an
        axis have one length).
    """
    if band.size == 0 or band.shape[0] < 2:
        return np.zeros(0)
    counts = (band >= 0.35).sum(axis=0)
    if counts.max() < 2:
        return np.zeros(0)
    ticks = []
    for start, end in _segments(counts >= max(2.0, 0.6 * counts.max()), 0):
        if end - start + 1 > max(6, band.shape[0] * 2):
            continue  # a line along the band, not a tick
        lo, hi = max(0, start - 1), min(band.shape[1], end + 2)
        weight = band[:, lo:hi].sum(axis=0)
        ticks.append(float(np.sum(np.arange(lo, hi) * weight) / max(weight.sum(), 1e-9)))
    return np.asarray(ticks, dtype=float)
