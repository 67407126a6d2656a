"""What a risk-table row tells about its arm beyond its counts.

The arm's name (for arms no legend named), its event total (from a row of
cumulative events), and, for a table printed inside the plot, which arm a
row belongs to (by the colour of its numbers).
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from kmipd.digitize._result import ArmResult
from kmipd.digitize._risk import RiskRow
from kmipd.digitize._tables import MIN_CELL_CONFIDENCE, count_kind
from kmipd.types import RiskTable

__all__ = [
    "coloured_rows",
    "cut_short",
    "events_by_end",
    "names_from_rows",
    "reaches_end",
    "renamed",
    "short_of",
]

_END_SHARE = 0.02  # a table time this close (share of the curve's end time) to it is at it
_CLEARLY = 0.5  # a colour at most this share of the distance to the next is clearly nearest
_SURE_EVENTS = 0.5  # confidence of the events count at the table's last time, at the least


def coloured_rows(rows: list[RiskRow], results: list[ArmResult]) -> list[RiskRow]:
    """Rows of a table inside the plot, each keyed to the arm its numbers are coloured like.

    Numbers printed inside the panel are told from curve labels and notes only
    by their colour: a row is kept when its words' colour is clearly nearest
    one arm's colour (half the distance to the next), and no other row's is.
    """
    colours = np.array([r.colour for r in results], dtype=float)
    if len(rows) != len(results) or not len(results):
        return []
    nearest = []
    for row in rows:
        inked = np.array([w.colour for w in row.line.words], dtype=float)
        centre = np.median(inked, axis=0)
        distance = np.sort(np.linalg.norm(colours - centre, axis=1))
        if distance.size > 1 and distance[0] > _CLEARLY * distance[1]:
            return []  # not clearly one arm's colour
        nearest.append(int(np.argmin(np.linalg.norm(colours - centre, axis=1))))
    if sorted(nearest) != list(range(len(results))):
        return []
    return [replace(row, label=results[k].name) for row, k in zip(rows, nearest, strict=True)]


def events_by_end(row: RiskRow, arm: ArmResult, warnings: list[str]) -> int | None:
    """Events up to the arm's last risk-table time, from a row of cumulative events.

    ``reconstruct`` takes an event total over the curve and the numbers at
    risk, which may go on where the curve is hidden; the count at the
    table's last time is that total when that time is the curve's end or
    later (or earlier by 2 % with no drop after it). The counts must agree
    with the numbers at risk: never falling, each rise no more than the
    patients who left over the same times, and the last one read surely;
    otherwise None, with a warning.
    """
    table = arm.risk_table
    end = float(arm.curve.time[-1])
    cells = {
        float(c.time): (int(c.value), c.confidence)
        for c in row.cells
        if c.value is not None
        and c.time is not None
        and c.time >= 0
        and c.confidence >= MIN_CELL_CONFIDENCE
    }
    if table is None or not reaches_end(arm, float(table.time[-1])):
        warnings.append(
            f"arm {arm.name!r}: the table ends before the curve's end ({end:g}); its events "
            "row is not used"
        )
        return None
    last = float(table.time[-1])
    if not _events_fit(cells, table) or cells[last][1] < _SURE_EVENTS:
        warnings.append(
            f"arm {arm.name!r}: the table's events row does not fit its numbers at risk or "
            "was not read surely; not used"
        )
        return None
    total = cells[last][0]
    warnings.append(
        f"arm {arm.name!r}: {total} events up to time {last:g} read from the table's "
        "events row; used as the arm's event total (give --events to override)"
    )
    return total


def reaches_end(arm: ArmResult, last: float) -> bool:
    """Whether the table's last time is the curve's end or later (or 2 % before, flat after)."""
    time, surv = np.asarray(arm.curve.time), np.asarray(arm.curve.survival)
    end = float(time[-1])
    if last >= end:
        return True
    at_last = float(surv[np.searchsorted(time, last, side="right") - 1])
    return end - last <= _END_SHARE * end and at_last == float(surv[-1])


def cut_short(arms: list[ArmResult], floored: list[bool] | None = None) -> list[str]:
    """Warnings for arms whose curve was read only part of the way its table shows it goes.

    Patients still at risk at a time mean that the curve runs on to that time
    at least. So a curve read only to clearly (2 % of that time) before it
    did not end there: the rest was lost (under dense censor marks, or drawn
    over).

    Parameters
    ----------
    arms : list of ArmResult
    floored : list of bool, optional
        Per arm, whether its curve runs out through the panel's floor (a y
        axis cut short): its end is explained by another warning.

    Returns
    -------
    list of str
    """
    notes = []
    for arm, floor in zip(arms, floored or [False] * len(arms), strict=True):
        held = None if floor else short_of(arm)
        if held is not None:
            notes.append(
                f"arm {arm.name!r}: its curve was read only to time {arm.curve.time[-1]:g}, "
                f"but its risk table has patients at risk at {held:g}; the rest of the curve "
                "was lost (check the overlay; `reconstruct` estimates the events after it)"
            )
    return notes


def short_of(arm: ArmResult) -> float | None:
    """The last time the arm's risk table has patients at risk, if its curve as read ends
    clearly (2 % of that time) before it; else None."""
    table = arm.risk_table
    if table is None or not len(arm.curve.time):
        return None
    held = np.asarray(table.time)[np.asarray(table.n_at_risk) > 0]
    last = float(np.max(held)) if held.size else None
    if last is None or float(arm.curve.time[-1]) >= last * (1.0 - _END_SHARE):
        return None
    return last


def _events_fit(cells: dict[float, tuple[int, float]], table: RiskTable) -> bool:
    """Whether cumulative events read at the table's times fit its numbers at risk."""
    times = [float(t) for t in table.time]
    if any(t not in cells for t in (times[0], times[-1])):
        return False
    at = {float(t): int(n) for t, n in zip(table.time, table.n_at_risk, strict=True)}
    known = [t for t in times if t in cells]
    for a, b in itertools.pairwise(known):
        rise = cells[b][0] - cells[a][0]
        if rise < 0 or rise > at[a] - at[b]:
            return False
    return True  # the rises add up: no more events than patients who left


def names_from_rows(
    results: list[ArmResult],
    assigned: dict[int, RiskRow],
    beside: frozenset[int],
    guessed: set[int],
    warnings: list[str],
) -> list[ArmResult]:
    """Arms no legend named, named from the labels of their risk-table rows.

    A name read beside a curve gives way too (``beside``). A row given to its
    arm by position names it only when it was the one row so given (else the
    names could be swapped). Warnings already written follow the new names.
    """
    out = list(results)
    kept = {r.name for i, r in enumerate(results) if r.label is not None and i not in beside}
    for i, row in assigned.items():
        weak = results[i].label is None or i in beside
        sure = i not in guessed or len(guessed) == 1
        new = row.label
        if not (weak and sure and new) or new in kept or count_kind(new) is not None:
            kept.add(results[i].name)
            continue
        old = results[i].name
        out[i] = renamed(results[i], new)
        kept.add(new)
        warnings[:] = [w.replace(f"arm {old!r}", f"arm {new!r}") for w in warnings]
    return out


def renamed(result: ArmResult, name: str) -> ArmResult:
    """The arm under another name (its curve, marks and table too)."""
    table = result.risk_table
    return replace(
        result,
        name=name,
        curve=replace(result.curve, arm=name),
        censor_marks=replace(result.censor_marks, arm=name),
        risk_table=None if table is None else replace(table, arm=name),
    )
