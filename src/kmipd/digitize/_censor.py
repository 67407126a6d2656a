"""Censoring marks: short vertical strokes crossing a curve (``+`` and ``|`` marks)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kmipd.digitize._trace import Trace

__all__ = ["Marks", "find_marks", "stroke_lengths"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_FLAT_REACH = 2  # px beyond a mark where the curve's level is compared on both sides
_LEVEL_SHIFT = 0.5  # px: a level that moves more across a mark is a staircase, not a flat


@dataclass(frozen=True, eq=False)
class Marks:
    """Censoring marks found on one curve.

    Attributes
    ----------
    cols, rows : ndarray of float
        Centre of each mark in image pixels.
    dense : int
        Number of clusters of overlapping marks that were split by width
        (their count is an estimate).
    """

    cols: FloatArray
    rows: FloatArray
    dense: int


def stroke_lengths(
    ink: BoolArray,
    cols: npt.NDArray[np.int64],
    start_rows: npt.NDArray[np.int64],
    direction: int,
    limit: int,
) -> npt.NDArray[np.int64]:
    """Length of the unbroken ink run from ``start_rows`` going up (-1) or down (+1).

    Parameters
    ----------
    ink : ndarray of bool, shape (rows, cols)
    cols, start_rows : ndarray of int
        Column and first row looked at, per column.
    direction : {-1, 1}
    limit : int
        Longest run counted.

    Returns
    -------
    ndarray of int
    """
    offsets = np.arange(limit)[:, None] * direction
    rows = start_rows[None, :] + offsets
    inside = (rows >= 0) & (rows < ink.shape[0])
    hit = np.zeros(rows.shape, dtype=bool)
    hit[inside] = ink[rows[inside], np.broadcast_to(cols, rows.shape)[inside]]
    return np.asarray(np.cumprod(hit, axis=0).sum(axis=0), dtype=np.int64)


def _mark_columns(ink: BoolArray, trace: Trace) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Columns where ink sticks out both above and below the curve, and the curve row there."""
    t = trace.thickness
    cols = np.arange(trace.first_col, trace.last_col + 1)
    level = trace.level(cols.astype(float))
    first = np.floor(level - t / 2.0 + 0.5).astype(np.int64)
    last = np.floor(level + t / 2.0 - 0.5).astype(np.int64)
    limit = int(4 * np.ceil(t) + 8)
    up = stroke_lengths(ink, cols, first - 1, -1, limit)
    down = stroke_lengths(ink, cols, last + 1, 1, limit)
    need = max(2, int(np.ceil(0.6 * t)))
    drops = trace.cols[1:][np.diff(trace.rows) > 0]
    near_drop = (np.abs(cols[:, None] - drops[None, :]) <= t / 2.0 + 1.5).any(axis=1)
    marked = (up >= need) & (down >= need) & ~near_drop
    return cols[marked], level[marked]


def _on_flat(trace: Trace, start: int, end: int) -> bool:
    """Whether the curve's centre line is level just left and right of columns start..end.

    A mark sits on a flat stretch; ink above and below a steep staircase, whose
    small steps the corners smooth over, does not.
    """
    sides = np.array([start - _FLAT_REACH, end + _FLAT_REACH]) - trace.first_col
    left, right = trace.column_rows[np.clip(sides, 0, trace.column_rows.size - 1)]
    return bool(abs(float(right) - float(left)) <= _LEVEL_SHIFT)


def _groups(cols: npt.NDArray[np.int64]) -> list[tuple[int, int]]:
    """Inclusive runs of consecutive columns."""
    if cols.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(cols) > 1)
    starts = np.concatenate(([cols[0]], cols[breaks + 1]))
    ends = np.concatenate((cols[breaks], [cols[-1]]))
    return [(int(s), int(e)) for s, e in zip(starts, ends, strict=True)]


def find_marks(ink: BoolArray, trace: Trace) -> Marks:
    """Censoring marks on one traced curve.

    A mark is a run of columns where the arm's ink extends at least about a
    pen width both above and below the curve, away from its drops. A run as
    wide as several marks (marks drawn over each other) is split evenly by the
    typical width of a single mark.

    Parameters
    ----------
    ink : ndarray of bool, shape (rows, cols)
        The arm's ink.
    trace : Trace
        The arm's traced curve.

    Returns
    -------
    Marks
    """
    cols, levels = _mark_columns(ink, trace)
    groups = _groups(cols)
    if not groups:
        return Marks(np.zeros(0), np.zeros(0), 0)
    widths = np.array([e - s + 1 for s, e in groups], dtype=float)
    single = float(np.median(widths[widths <= np.percentile(widths, 50)]))
    single = max(single, 1.0)
    out_c: list[float] = []
    dense = 0
    for (start, end), width in zip(groups, widths, strict=True):
        count = 1 if width <= 2.0 * single + 1 else round(width / (single + 1))
        if count == 1 and not _on_flat(trace, start, end):
            continue
        dense += count > 1
        edges = np.linspace(start - 0.5, end + 0.5, count + 1)
        out_c.extend(((edges[:-1] + edges[1:]) / 2.0).tolist())
    centre = np.asarray(out_c)
    rows = np.interp(centre, cols.astype(float), levels)
    return Marks(centre, rows, dense)
