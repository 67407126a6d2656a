"""Read patient-level data (CSV ``arm,time,event``, columns in any order)."""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kmipd.errors import InputError, located

__all__ = ["read_ipd"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
IPD = dict[str, tuple[FloatArray, IntArray]]

_COLUMNS = ("arm", "time", "event")
_LAYOUT = "columns arm, time, event in any order (event 1 = event, 0 = censored)"
_EVENT_CODES = {"0": 0, "1": 1, "0.0": 0, "1.0": 1}


def read_ipd(
    path: str | os.PathLike[str],
    *,
    select: str | None = None,
    require_arm: bool = True,
    error: type[InputError] = InputError,
) -> IPD:
    """Read patient-level data, one ``(time, event)`` pair of arrays per arm.

    The file is a CSV (``,``, ``;`` or tab separated) with a header naming the
    columns ``arm``, ``time`` and ``event`` in any order (kmdata's files are
    ``time,event,arm``); other columns are ignored. ``event`` is 1 for an event
    and 0 for a censoring; ``time`` is a number ≥ 0.

    Parameters
    ----------
    path : str or path-like
        The file.
    select : str, optional
        Keep only this arm (its value in the ``arm`` column).
    require_arm : bool, default True
        Whether the ``arm`` column is required; without it the whole file is
        one arm named after the file's stem.
    error : InputError subclass, default InputError
        The class of the errors raised.

    Returns
    -------
    dict of str to (ndarray, ndarray)
        Times (float) and events (int 0/1) per arm, arms in file order.

    Raises
    ------
    InputError
        Unreadable or empty file, missing columns, a time that is not a number
        or negative, an event not coded 0/1, or a ``select`` that matches no
        arm. The message names file, row and column.

    Examples
    --------
    >>> ipd = read_ipd("TH3RESA_2A.csv", select="trastuzumab_emtansine")  # doctest: +SKIP
    >>> list(ipd)  # doctest: +SKIP
    ['trastuzumab_emtansine']
    """
    source = os.fspath(path)
    rows = _rows(source, error)
    header_line, header = rows[0]
    columns = _columns(header, source, header_line, require_arm, error)
    if len(rows) == 1:
        raise error(
            located(
                "the file has a header but no data rows; add one row per patient",
                source=source,
                row=header_line,
            )
        )
    default = Path(source).stem
    times: dict[str, list[float]] = {}
    events: dict[str, list[int]] = {}
    for line, cells in rows[1:]:
        arm, time, event = _parse_row(cells, columns, source, line, default, error)
        times.setdefault(arm, []).append(time)
        events.setdefault(arm, []).append(event)
    if select is not None:
        if select not in times:
            found = ", ".join(f"{name!r} ({len(values)} rows)" for name, values in times.items())
            raise error(
                located(
                    f"no arm {select!r} in column 'arm'; arms in the file: {found}",
                    source=source,
                )
            )
        times, events = {select: times[select]}, {select: events[select]}
    return {
        name: (np.asarray(times[name], dtype=np.float64), np.asarray(events[name], dtype=np.int64))
        for name in times
    }


def _rows(source: str, error: type[InputError]) -> list[tuple[int, list[str]]]:
    """Non-blank rows with their 1-based line numbers; the first is the header."""
    try:
        data = Path(source).read_bytes()
    except FileNotFoundError:
        raise error(located("file not found; check the path", source=source)) from None
    except IsADirectoryError:
        raise error(
            located("this is a folder; give the path of a CSV file", source=source)
        ) from None
    except OSError as exc:
        raise error(
            located(f"cannot read the file ({exc.strerror or exc})", source=source)
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    lines = io.StringIO(text, newline=None).readlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise error(
            located(f"the file is empty; it needs a header row with {_LAYOUT}", source=source)
        )
    delimiter = next((d for d in (",", ";", "\t") if d in first), ",")
    reader = csv.reader(lines, delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(reader, 1):
            if any(cell.strip() for cell in cells):
                rows.append((number, [cell.strip() for cell in cells]))
    except csv.Error as exc:
        message = f"cannot split the line into cells ({exc}); check its quotes"
        raise error(located(message, source=source, row=reader.line_num)) from None
    return rows


def _columns(
    header: list[str], source: str, line: int, require_arm: bool, error: type[InputError]
) -> dict[str, int]:
    names = [cell.strip().strip("\"'").lower() for cell in header]
    columns: dict[str, int] = {}
    for name in _COLUMNS:
        found = [i for i, cell in enumerate(names) if cell == name]
        if len(found) > 1:
            raise error(
                located(
                    f"column {name!r} appears {len(found)} times; keep one", source=source, row=line
                )
            )
        if found:
            columns[name] = found[0]
    needed = _COLUMNS if require_arm else _COLUMNS[1:]
    missing = [name for name in needed if name not in columns]
    if missing:
        listed = ", ".join(repr(name) for name in missing)
        seen = ", ".join(repr(cell) for cell in header) or "none"
        raise error(
            located(
                f"missing column {listed} in the header (found {seen}); the file needs {_LAYOUT}",
                source=source,
                row=line,
            )
        )
    return columns


def _parse_row(
    cells: list[str],
    columns: dict[str, int],
    source: str,
    line: int,
    default: str,
    error: type[InputError],
) -> tuple[str, float, int]:
    def cell(name: str) -> str:
        index = columns[name]
        if index >= len(cells):
            raise error(
                located(
                    f"the row has no {name!r} cell (only {len(cells)} cells)",
                    source=source,
                    row=line,
                )
            )
        return cells[index].strip("\"'")

    arm = cell("arm") if "arm" in columns else default
    if not arm:
        raise error(located("empty arm name; name the arm", source=source, row=line, column="arm"))
    return arm, _time(cell("time"), source, line, error), _event(cell("event"), source, line, error)


def _time(text: str, source: str, line: int, error: type[InputError]) -> float:
    try:
        value = float(text)
    except ValueError:
        value, problem = math.nan, f"not a number: {text!r}; give each time as a number"
    else:
        problem = "" if math.isfinite(value) else f"not a finite number: {text!r}"
    if not problem and value < 0:
        problem = f"negative time {text}; times are durations from 0 (≥ 0)"
    if problem:
        raise error(located(problem, source=source, row=line, column="time"))
    return value


def _event(text: str, source: str, line: int, error: type[InputError]) -> int:
    code = _EVENT_CODES.get(text)
    if code is None:
        raise error(
            located(
                f"event must be coded 1 (event) or 0 (censored), found {text!r}; recode the column",
                source=source,
                row=line,
                column="event",
            )
        )
    return code
