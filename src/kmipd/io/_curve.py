"""Read digitized survival-curve points from CSV and text files."""

from __future__ import annotations

import os
import re
import warnings
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from kmipd.errors import CurveError, DataQualityWarning, located
from kmipd.io._text import (
    ARM_ALIASES,
    TIME_ALIASES,
    Table,
    arm_groups,
    column_label,
    is_index_column,
    is_number,
    match_columns,
    missing_columns,
    normalize,
    parse_column,
    parse_numbers,
    read_table,
    wpd_datasets,
)
from kmipd.types import Curve

__all__ = ["read_curve"]

SURVIVAL_ALIASES = frozenset(
    {"survival", "surv", "s", "y", "prob", "probability", "os", "pfs", "s_t", "km"}
)
_EXPECTED = (
    "a time column (time, t, x, months, years), a survival column "
    "(survival, surv, s, y, prob, probability, os, pfs) and, for several arms, "
    "an arm column (arm, group, strata, curve)"
)
_GENERIC_NAME = re.compile(r"(v|x|col|column|var)?_?\d*")
_PERCENT_CUTOFF = 1.5  # a survival value above this means the file is in percent
_TOLERANCE = 0.02  # click noise beyond [0, 1] left for the cleaner to clip
_NEGATIVE_TIME = 0.05  # negative times within this share of the range are clicks left of 0


class _Points(NamedTuple):
    time: npt.NDArray[np.float64]
    value: npt.NDArray[np.float64]
    lines: npt.NDArray[np.int64]
    time_column: str
    value_column: str


def read_curve(
    path: str | os.PathLike[str],
    *,
    percent: bool | None = None,
    failure: bool = False,
    arm: str | None = None,
) -> dict[str, Curve]:
    """Read digitized curve points, one :class:`~kmipd.types.Curve` per arm.

    Detected layouts: a CSV with a header naming time, survival and optionally
    arm columns (long format; common aliases accepted, delimiter ``,`` ``;``
    tab or spaces); WebPlotDigitizer exports (headerless ``x,y``, or the
    multi-dataset export with one column pair per arm); Guyot's
    ``survival.txt`` (index, time, survival); IPDfromKM ``V1,V2``; DigitizeIt
    ``... x,... y``; and headerless ScanIt output.

    Parameters
    ----------
    path : str or path-like
        The file.
    percent : bool, optional
        Whether survival is in percent. None (default) decides: values above
        1.5 are read as percent, with a :class:`~kmipd.errors.DataQualityWarning`.
    failure : bool, default False
        The values are cumulative incidence (rising from 0); survival is
        ``1 - value``.
    arm : str, optional
        Arm name for a file that names no arms (default ``"arm"``); ignored when
        the file names its arms.

    Returns
    -------
    dict of str to Curve
        Curves in file order, survival as a probability. Points are as read
        (unsorted, unclipped); ``rows`` holds their line numbers.

    Raises
    ------
    CurveError
        Unreadable or empty file, missing columns, non-numeric or non-finite
        values, survival above 1 when ``percent=False``, times far below 0, an
        arm with fewer than 2 points. The message names file, row and column.

    Examples
    --------
    >>> curves = read_curve("pbo_clicks.csv", arm="Placebo")  # doctest: +SKIP
    >>> curves["Placebo"]  # doctest: +SKIP
    Curve(arm='Placebo', points=96)
    """
    table = read_table(path, CurveError)
    datasets = wpd_datasets(table, CurveError)
    if datasets is None:
        points = _from_columns(table, arm or "arm")
    else:
        points = {name: _points(table.source, name, *cells) for name, cells in datasets.items()}
    notes: list[str] = []
    divisor = _percent_divisor(table.source, points, percent, notes)
    curves = {
        name: _curve(name, p, table.source, divisor=divisor, failure=failure, notes=notes)
        for name, p in points.items()
    }
    for note in notes:
        warnings.warn(note, DataQualityWarning, stacklevel=2)
    return curves


def _points(source: str, name: str, xs: list[str], ys: list[str], lines: list[int]) -> _Points:
    """Points of one WebPlotDigitizer dataset."""
    columns = (f"{name} X", f"{name} Y")
    time = parse_numbers(xs, lines, source=source, column=columns[0], error=CurveError, what="time")
    value = parse_numbers(
        ys, lines, source=source, column=columns[1], error=CurveError, what="survival"
    )
    return _Points(time, value, np.asarray(lines, dtype=np.int64), *columns)


def _from_columns(table: Table, default_arm: str) -> dict[str, _Points]:
    t, s, a = _layout(table)
    columns = (column_label(table, t, "time"), column_label(table, s, "survival"))
    time = parse_column(table, t, columns[0], error=CurveError, what="time")
    value = parse_column(table, s, columns[1], error=CurveError, what="survival")
    lines = np.asarray(table.lines, dtype=np.int64)
    if a is None:
        return {default_arm: _Points(time, value, lines, *columns)}
    groups = arm_groups(table, a, CurveError)
    points = {}
    for name, picks in groups.items():
        rows = np.asarray(picks)
        points[name] = _Points(time[rows], value[rows], lines[rows], *columns)
    return points


def _layout(table: Table) -> tuple[int, int, int | None]:
    """Indices of the time, survival and arm (or None) columns."""
    if table.header is None:
        return _headerless_layout(table)
    roles = {"time": TIME_ALIASES, "survival": SURVIVAL_ALIASES, "arm": ARM_ALIASES}
    found = match_columns(table, roles, CurveError)
    time, survival = found["time"], found["survival"]
    if time is None and survival is None:
        time, survival = _unnamed_pair(table.names)
    if time is None or survival is None:
        raise CurveError(missing_columns(table, _EXPECTED))
    return time, survival, found["arm"]


def _unnamed_pair(names: list[str]) -> tuple[int | None, int | None]:
    """DigitizeIt's ``Line 2 x, Line 2 y`` or R's ``V1, V2``: time then survival."""
    normal = [normalize(name) for name in names]
    xs = [i for i, name in enumerate(normal) if name.endswith("_x")]
    ys = [i for i, name in enumerate(normal) if name.endswith("_y")]
    if len(xs) == 1 and len(ys) == 1:
        return xs[0], ys[0]
    if len(normal) == 2 and all(_GENERIC_NAME.fullmatch(name) for name in normal):
        return 0, 1
    return None, None


def _headerless_layout(table: Table) -> tuple[int, int, int | None]:
    width = table.width
    if width == 2:
        return 0, 1, None
    if width == 3 and not is_number(table.rows[0][2], table.decimal_comma):
        return 0, 1, 2
    if width == 3 and is_index_column(table):
        return 1, 2, None
    message = f"{width} column(s) and no header row; add a header row naming {_EXPECTED}"
    raise CurveError(located(message, source=table.source, row=table.lines[0]))


def _percent_divisor(
    source: str, points: dict[str, _Points], percent: bool | None, notes: list[str]
) -> float:
    if percent is not None:
        return 100.0 if percent else 1.0
    top = max((float(p.value.max()) for p in points.values() if p.value.size), default=0.0)
    if top <= _PERCENT_CUTOFF:
        return 1.0
    notes.append(
        f"{source}: values go up to {top:g}, so they were assumed percent and divided "
        "by 100; pass --percent (percent=True) to silence this warning"
    )
    return 100.0


def _curve(
    name: str, p: _Points, source: str, *, divisor: float, failure: bool, notes: list[str]
) -> Curve:
    if len(p.time) < 2:
        message = (
            f"arm {name!r} has {len(p.time)} point(s); a curve needs at least 2: "
            "add points or check the arm names"
        )
        row = int(p.lines[0]) if len(p.lines) else None
        raise CurveError(located(message, source=source, row=row))
    value = p.value / divisor
    _check_range(p, value, source, divisor=divisor, failure=failure)
    _check_times(name, p, source, notes)
    survival = 1.0 - value if failure else value
    return Curve(time=p.time, survival=survival, arm=name, source=source, rows=p.lines)


def _check_range(
    p: _Points, value: npt.NDArray[np.float64], source: str, *, divisor: float, failure: bool
) -> None:
    what = "cumulative incidence" if failure else "survival"
    high = np.flatnonzero(value > 1.0 + _TOLERANCE)
    low = np.flatnonzero(value < -_TOLERANCE)
    if high.size:
        i = int(high[0])
        if divisor == 1.0:
            message = f"{what} {p.value[i]:g} is above 1; if the values are percentages, pass "
            message += "--percent (percent=True)"
        else:
            message = f"{what} {p.value[i]:g} is above 100 %; check the y-axis or delete the row"
    elif low.size:
        i = int(low[0])
        message = f"{what} {p.value[i]:g} is below 0; check the y-axis or delete the row"
    else:
        return
    raise CurveError(located(message, source=source, row=int(p.lines[i]), column=p.value_column))


def _check_times(name: str, p: _Points, source: str, notes: list[str]) -> None:
    """Error for times far below 0; a warning for slightly negative ones."""
    low = float(p.time.min())
    if low >= 0:
        return
    limit = -_NEGATIVE_TIME * (float(p.time.max()) - low)
    far = np.flatnonzero(p.time < limit)
    where = {"source": source, "column": p.time_column}
    if far.size:
        i = int(far[0])
        message = (
            f"time {p.time[i]:g} is below 0 by more than 5 % of the time range; "
            "check the x-axis calibration or delete the row"
        )
        raise CurveError(located(message, row=int(p.lines[i]), **where))
    negative = np.flatnonzero(p.time < 0)
    message = (
        f"arm {name!r} has {negative.size} negative time(s) (lowest {low:g}), probably "
        "clicked just left of the axis; they will be clipped to 0"
    )
    notes.append(located(message, row=int(p.lines[negative[0]]), **where))
