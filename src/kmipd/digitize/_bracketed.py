"""Counts in parentheses beside the numbers at risk: patients censored, or events, so far.

The Lancet prints "Number at risk (number censored)", ``261 (0)  240 (6)``;
other tables give the cumulative events the same way. Either way, with the
numbers at risk they fix how many events fell between two times of the table,
and so the arm's event total up to the table's last time: what Guyot's
method most needs besides the numbers at risk.

Which of the two the parentheses hold is told by the curve, not by the
table's heading (often not read): the survival each reading predicts at the
table's times (life-table estimate) is set against the curve read there,
and a reading is kept only when it fits the curve and clearly better than
the other.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kmipd.digitize._arm_rows import reaches_end
from kmipd.digitize._result import ArmResult, RiskCell
from kmipd.digitize._risk import parse_count
from kmipd.digitize._tables import MIN_CELL_CONFIDENCE

__all__ = ["events_in_parentheses", "interval_counts"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_FIT = 0.04  # the reading kept predicts the curve at every table time within this
_CLEARLY = 2.0  # ... and its worst miss is this many times smaller than the other's
_MIN_TIMES = 3  # table times with a count in parentheses, at the least


def interval_counts(
    at_risk: IntArray, bracketed: IntArray, kind: str
) -> tuple[IntArray, IntArray] | None:
    """Events and censorings between consecutive table times, the parentheses read as ``kind``.

    Parameters
    ----------
    at_risk : ndarray of int
        Numbers at risk at the table's times.
    bracketed : ndarray of int
        The counts in parentheses at the same times (cumulative).
    kind : {"censored", "events"}

    Returns
    -------
    (ndarray, ndarray) or None
        Events and censorings per interval; None if a count would be negative
        (the reading does not fit the table).
    """
    left = -np.diff(at_risk)
    added = np.diff(bracketed)
    events, censored = (left - added, added) if kind == "censored" else (added, left - added)
    if (events < 0).any() or (censored < 0).any():
        return None
    return events, censored


def _predicted(at_risk: IntArray, events: IntArray, censored: IntArray) -> FloatArray:
    """Life-table survival at the table's times (censorings half-way through each interval)."""
    exposed = np.maximum(at_risk[:-1] - censored / 2.0, 1.0)
    return np.concatenate(([1.0], np.cumprod(1.0 - events / exposed)))


def _level(arm: ArmResult, times: FloatArray) -> FloatArray:
    """The arm's curve at ``times`` (its step function, right-continuous)."""
    time, surv = np.asarray(arm.curve.time), np.asarray(arm.curve.survival)
    index = np.clip(np.searchsorted(time, times, side="right") - 1, 0, len(surv) - 1)
    return surv[index]


def _bracketed(cells: Sequence[RiskCell]) -> dict[float, int]:
    """Count in parentheses by table time, from the row's cells read surely."""
    out: dict[float, int] = {}
    for cell in cells:
        if cell.time is None or cell.time < 0 or cell.confidence < MIN_CELL_CONFIDENCE:
            continue
        parsed = parse_count(cell.text)
        if parsed is not None and parsed[1] is not None:
            out[float(cell.time)] = parsed[1]
    return out


def events_in_parentheses(
    cells: Sequence[RiskCell], arm: ArmResult, warnings: list[str]
) -> int | None:
    """Events up to the table's last time, from the counts in parentheses of the arm's row
    (its ``cells``, as read).

    The counts must be given at the table's first and last times and at
    ``_MIN_TIMES`` at least, never fall, and read one way (censored or
    events so far) that fits the curve; the table must reach the curve's end
    (else events after it are missing). None otherwise, with a warning where
    counts were read but not used.
    """
    table = arm.risk_table
    counts = _bracketed(cells)
    if table is None or len(counts) < _MIN_TIMES:
        return None
    times = np.asarray(table.time, dtype=float)
    kept = np.array([t in counts for t in times])
    if not (kept[0] and kept[-1]):
        return None
    times, at_risk = times[kept], np.asarray(table.n_at_risk, dtype=np.int64)[kept]
    bracketed = np.array([counts[float(t)] for t in times], dtype=np.int64)
    misses = {}
    for kind in ("censored", "events"):
        split = interval_counts(at_risk, bracketed, kind)
        if split is not None:
            predicted = _predicted(at_risk, *split) * _level(arm, times[:1])[0]
            misses[kind] = float(np.max(np.abs(predicted - _level(arm, times))))
    best = min(misses, key=lambda k: misses[k], default=None)
    other = max((m for k, m in misses.items() if k != best), default=np.inf)
    name = arm.name
    if best is None or misses[best] > _FIT or other < _CLEARLY * misses[best]:
        warnings.append(
            f"arm {name!r}: the counts in parentheses of its numbers-at-risk row fit the curve "
            "neither as patients censored nor as events so far; not used"
        )
        return None
    if not reaches_end(arm, float(times[-1])):
        warnings.append(
            f"arm {name!r}: the table ends before the curve's end; the counts in parentheses "
            "of its row give no event total"
        )
        return None
    split = interval_counts(at_risk, bracketed, best)
    assert split is not None
    total = int(split[0].sum())
    warnings.append(
        f"arm {name!r}: the counts in parentheses of its numbers-at-risk row are the patients "
        f"{'censored' if best == 'censored' else 'with an event'} so far (they fit the curve); "
        f"{total} events up to time {times[-1]:g}, used as the arm's event total (give "
        "--events to override)"
    )
    return total
