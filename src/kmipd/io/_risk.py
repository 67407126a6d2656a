"""Read numbers-at-risk tables."""

from __future__ import annotations

import os
import warnings
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from kmipd.errors import DataQualityWarning, RiskTableError, located
from kmipd.io._text import (
    ARM_ALIASES,
    TIME_ALIASES,
    Table,
    arm_groups,
    column_label,
    is_number,
    match_columns,
    missing_columns,
    parse_column,
    read_table,
)
from kmipd.types import RiskTable

__all__ = ["read_risk_table"]

N_AT_RISK_ALIASES = frozenset(
    {
        "n",
        "nrisk",
        "n_risk",
        "nar",
        "at_risk",
        "number_at_risk",
        "n_at_risk",
        "no_at_risk",
        "natrisk",
    }
)
_EXPECTED = (
    "a time column (time, t, month, months, years) and a numbers-at-risk column "
    "(n_at_risk, n, nrisk, n_risk, nar, at_risk, number_at_risk), and optionally an arm "
    "column (arm, group, strata, curve)"
)


class _Column(NamedTuple):
    """One arm's values before validation, with where each came from."""

    time: npt.NDArray[np.float64]
    n: npt.NDArray[np.float64]
    lines: npt.NDArray[np.int64]
    time_lines: npt.NDArray[np.int64]
    time_source: str
    time_column: str
    count_column: str


def read_risk_table(
    path: str | os.PathLike[str],
    *,
    times: str | os.PathLike[str] | None = None,
    arm: str | None = None,
) -> dict[str, RiskTable]:
    """Read numbers at risk, one :class:`~kmipd.types.RiskTable` per arm.

    Detected layouts: a CSV ``time,n_at_risk[,arm]`` (aliases accepted, e.g.
    reconstructKM's ``time,NAR``); Guyot's ``nrisk.txt``
    (interval, time, lower, upper, nrisk; only time and nrisk are used); and
    IPDfromKM's split form, a one-column file of numbers with ``times`` a
    one-column file of times.

    Parameters
    ----------
    path : str or path-like
        The numbers-at-risk file.
    times : str or path-like, optional
        One-column file of the times, for a one-column ``path``. If it has more
        entries than ``path`` has numbers, the first ones are used (with a warning).
    arm : str, optional
        Arm name for a file that names no arms (default ``"arm"``).

    Returns
    -------
    dict of str to RiskTable
        Tables in file order, each sorted by time (with a warning if the file
        was not).

    Raises
    ------
    RiskTableError
        Unreadable or empty file, missing columns, non-numeric, non-finite,
        non-integer or negative counts, negative or repeated times, or a count
        that rises over time. The message names file, row and column.

    Examples
    --------
    >>> read_risk_table("pbo_NAR.csv", arm="Placebo")  # doctest: +SKIP
    {'Placebo': RiskTable(arm='Placebo', times=8)}
    """
    table = read_table(path, RiskTableError)
    notes: list[str] = []
    if times is not None:
        columns = {arm or "arm": _split_form(table, times, notes)}
    else:
        columns = _column_form(table, arm or "arm")
    tables = {
        name: _risk_table(name, column, table.source, notes) for name, column in columns.items()
    }
    for note in notes:
        warnings.warn(note, DataQualityWarning, stacklevel=2)
    return tables


def _column_form(table: Table, default_arm: str) -> dict[str, _Column]:
    t, n, a = _layout(table)
    labels = (column_label(table, t, "time"), column_label(table, n, "n_at_risk"))
    time = parse_column(table, t, labels[0], error=RiskTableError, what="time")
    count = parse_column(table, n, labels[1], error=RiskTableError, what="number at risk")
    lines = np.asarray(table.lines, dtype=np.int64)
    if a is None:
        return {default_arm: _Column(time, count, lines, lines, table.source, *labels)}
    groups = arm_groups(table, a, RiskTableError)
    result = {}
    for name, picks in groups.items():
        rows = np.asarray(picks)
        result[name] = _Column(
            time[rows], count[rows], lines[rows], lines[rows], table.source, *labels
        )
    return result


def _layout(table: Table) -> tuple[int, int, int | None]:
    """Indices of the time, numbers-at-risk and arm (or None) columns."""
    if table.width == 1:
        message = (
            "the file has one column (numbers at risk?) but no times; give the times "
            "file too (--risk-times, times=) or add a time column"
        )
        raise RiskTableError(located(message, source=table.source))
    if table.header is None:
        if table.width == 2:
            return 0, 1, None
        if table.width == 3 and not is_number(table.rows[0][2], table.decimal_comma):
            return 0, 1, 2
        message = f"{table.width} columns and no header row; add a header row naming {_EXPECTED}"
        raise RiskTableError(located(message, source=table.source, row=table.lines[0]))
    roles = {"time": TIME_ALIASES, "n_at_risk": N_AT_RISK_ALIASES, "arm": ARM_ALIASES}
    found = match_columns(table, roles, RiskTableError)
    time, count = found["time"], found["n_at_risk"]
    if time is None or count is None:
        raise RiskTableError(missing_columns(table, _EXPECTED))
    return time, count, found["arm"]


def _split_form(table: Table, times: str | os.PathLike[str], notes: list[str]) -> _Column:
    """IPDfromKM's numbers file with its separate times file."""
    if table.width != 1:
        message = f"times= is for a one-column file of numbers at risk, but this has {table.width}"
        raise RiskTableError(
            located(f"{message}; drop times= or the extra columns", source=table.source)
        )
    count = parse_column(
        table, 0, column_label(table, 0, "n_at_risk"), error=RiskTableError, what="number at risk"
    )
    time_table = read_table(times, RiskTableError)
    if time_table.width != 1:
        message = f"the times file should have one column, but this has {time_table.width}"
        raise RiskTableError(located(message, source=time_table.source))
    time = parse_column(
        time_table, 0, column_label(time_table, 0, "time"), error=RiskTableError, what="time"
    )
    if time.size < count.size:
        message = (
            f"{time.size} time(s) for {count.size} numbers at risk in {table.source}; "
            "give one time per number"
        )
        raise RiskTableError(located(message, source=time_table.source))
    if time.size > count.size:
        notes.append(
            f"{time_table.source} has {time.size} times but {table.source} has {count.size} "
            f"numbers at risk; using the first {count.size} times"
        )
    time_lines = np.asarray(time_table.lines[: count.size], dtype=np.int64)
    return _Column(
        time[: count.size],
        count,
        np.asarray(table.lines, dtype=np.int64),
        time_lines,
        time_table.source,
        column_label(time_table, 0, "time"),
        column_label(table, 0, "n_at_risk"),
    )


def _risk_table(name: str, column: _Column, source: str, notes: list[str]) -> RiskTable:
    _check_values(column, source)
    order = np.argsort(column.time, kind="stable")
    if np.any(np.diff(order) != 1):
        notes.append(f"{source}: the rows of arm {name!r} were not in time order; sorted them")
        column = column._replace(
            time=column.time[order],
            n=column.n[order],
            lines=column.lines[order],
            time_lines=column.time_lines[order],
        )
    _check_order(column, source)
    return RiskTable(
        time=column.time,
        n_at_risk=column.n.round().astype(np.int64),
        arm=name,
        source=source,
        rows=column.lines,
    )


def _check_values(column: _Column, source: str) -> None:
    """Counts are non-negative whole numbers; times are not negative."""
    fraction = np.flatnonzero(np.abs(column.n - np.round(column.n)) > 1e-6)
    negative = np.flatnonzero(column.n < 0)
    for bad, problem in ((fraction, "is not a whole number"), (negative, "is negative")):
        if bad.size:
            i = int(bad[0])
            message = f"number at risk {column.n[i]:g} {problem}; give a count of 0 or more"
            row = int(column.lines[i])
            raise RiskTableError(
                located(message, source=source, row=row, column=column.count_column)
            )
    bad = np.flatnonzero(column.time < 0)
    if bad.size:
        i = int(bad[0])
        message = f"time {column.time[i]:g} is negative; risk-table times start at 0"
        raise RiskTableError(
            located(
                message,
                source=column.time_source,
                row=int(column.time_lines[i]),
                column=column.time_column,
            )
        )


def _check_order(column: _Column, source: str) -> None:
    """No repeated time; numbers at risk never rise (rows sorted by time)."""
    repeated = np.flatnonzero(np.diff(column.time) == 0)
    if repeated.size:
        i = int(repeated[0])
        first, second = (int(line) for line in column.time_lines[i : i + 2])
        message = f"time {column.time[i]:g} appears twice (rows {first} and {second}); keep one row"
        raise RiskTableError(
            located(message, source=column.time_source, row=second, column=column.time_column)
        )
    rising = np.flatnonzero(np.diff(column.n) > 0)
    if rising.size:
        i = int(rising[0])
        first, second = (int(line) for line in column.lines[i : i + 2])
        message = (
            f"number at risk rises from {column.n[i]:g} at time {column.time[i]:g} "
            f"(row {first}) to {column.n[i + 1]:g} at time {column.time[i + 1]:g} "
            f"(row {second}); "
            "numbers at risk can only fall: check both rows"
        )
        raise RiskTableError(
            located(message, source=source, row=second, column=column.count_column)
        )
