"""Read censoring tick marks."""

from __future__ import annotations

import os

import numpy as np
import numpy.typing as npt

from kmipd.errors import CensorMarkError, located
from kmipd.io._text import (
    ARM_ALIASES,
    TIME_ALIASES,
    Table,
    arm_groups,
    column_cells,
    column_label,
    is_number,
    match_columns,
    missing_columns,
    parse_numbers,
    read_table,
    wpd_datasets,
)
from kmipd.types import CensorMarks

__all__ = ["read_censor_marks"]

MARK_TIME_ALIASES = TIME_ALIASES | {"censor", "censored", "censoring", "censor_time", "mark"}
_EXPECTED = (
    "a time column (time, t, x, months, years, censor) and optionally an arm column "
    "(arm, group, strata, curve); a headerless file of one column of times also works"
)


def read_censor_marks(
    path: str | os.PathLike[str], *, arm: str | None = None
) -> dict[str, CensorMarks]:
    """Read the times of censoring tick marks, one :class:`~kmipd.types.CensorMarks` per arm.

    Detected layouts: a CSV ``time[,arm]`` (aliases accepted; other columns,
    such as the marks' y values, are ignored); a headerless column of times;
    headerless ``x,y`` or WebPlotDigitizer multi-dataset exports (x is the time).

    Parameters
    ----------
    path : str or path-like
        The file.
    arm : str, optional
        Arm name for a file that names no arms (default ``"arm"``).

    Returns
    -------
    dict of str to CensorMarks
        Marks per arm in file order, times sorted.

    Raises
    ------
    CensorMarkError
        Unreadable or empty file, missing columns, non-numeric, non-finite or
        negative times. The message names file, row and column.

    Examples
    --------
    >>> read_censor_marks("marks.csv")  # doctest: +SKIP
    {'Placebo': CensorMarks(...), 'Pembrolizumab': CensorMarks(...)}
    """
    table = read_table(path, CensorMarkError)
    datasets = wpd_datasets(table, CensorMarkError)
    if datasets is not None:
        return {
            name: _marks(name, xs, lines, table.source, f"{name} X")
            for name, (xs, _, lines) in datasets.items()
        }
    t, a = _layout(table)
    label = column_label(table, t, "time")
    cells = column_cells(table, t)
    if a is None:
        name = arm or "arm"
        return {name: _marks(name, cells, table.lines, table.source, label)}
    groups = arm_groups(table, a, CensorMarkError)
    return {
        name: _marks(
            name, [cells[i] for i in rows], [table.lines[i] for i in rows], table.source, label
        )
        for name, rows in groups.items()
    }


def _layout(table: Table) -> tuple[int, int | None]:
    """Indices of the time and arm (or None) columns."""
    width = table.width
    if width == 1:
        return 0, None
    if table.header is None:
        if width == 2:
            return (0, None) if is_number(table.rows[0][1], table.decimal_comma) else (0, 1)
        message = f"{width} columns and no header row; add a header row naming {_EXPECTED}"
        raise CensorMarkError(located(message, source=table.source, row=table.lines[0]))
    found = match_columns(table, {"time": MARK_TIME_ALIASES, "arm": ARM_ALIASES}, CensorMarkError)
    if found["time"] is None:
        raise CensorMarkError(missing_columns(table, _EXPECTED))
    return found["time"], found["arm"]


def _marks(name: str, cells: list[str], lines: list[int], source: str, column: str) -> CensorMarks:
    time: npt.NDArray[np.float64] = parse_numbers(
        cells, lines, source=source, column=column, error=CensorMarkError, what="time"
    )
    negative = np.flatnonzero(time < 0)
    if negative.size:
        i = int(negative[0])
        message = f"censoring time {time[i]:g} is negative; check the x-axis or delete the row"
        raise CensorMarkError(located(message, source=source, row=lines[i], column=column))
    return CensorMarks(time=np.sort(time), arm=name, source=source)
