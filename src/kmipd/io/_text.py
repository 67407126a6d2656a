"""Shared low-level parsing: read a text file, split it into cells, parse numbers.

Column-name aliases live here and only here.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kmipd.errors import InputError, located

__all__ = [
    "ARM_ALIASES",
    "TIME_ALIASES",
    "Table",
    "arm_groups",
    "column_cells",
    "column_label",
    "group_rows",
    "is_index_column",
    "is_number",
    "match_columns",
    "missing_columns",
    "normalize",
    "parse_column",
    "parse_numbers",
    "read_table",
    "trimmed",
    "wpd_datasets",
]

FloatArray = npt.NDArray[np.float64]
ErrorType = type[InputError]

TIME_ALIASES = frozenset(
    {"time", "t", "x", "months", "month", "years", "year", "weeks", "week", "days", "day"}
)
ARM_ALIASES = frozenset({"arm", "group", "strata", "stratum", "curve", "treatment", "dataset"})

_NON_WORD = re.compile(r"[^0-9a-z]+")
_QUOTED = re.compile(r'"[^"]*"')
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class Table:
    """Cells of a delimited text file, header split off.

    ``lines[i]`` is the 1-based line number of ``rows[i]`` in the file.
    """

    source: str
    header: tuple[str, ...] | None
    header_line: int | None
    rows: list[list[str]]
    lines: list[int]
    decimal_comma: bool = False

    @property
    def names(self) -> list[str]:
        """Header names without trailing empty ones (empty list if headerless)."""
        return trimmed(self.header or ())

    @property
    def width(self) -> int:
        """Number of columns: named columns, or cells of the first row."""
        return len(self.names) if self.header else len(trimmed(self.rows[0]))


def trimmed(cells: Sequence[str]) -> list[str]:
    """``cells`` without trailing empty cells."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return list(cells[:end])


def normalize(name: str) -> str:
    """Lower-case ``name`` with runs of punctuation and spaces turned into ``_``."""
    return _NON_WORD.sub("_", name.strip().strip("\"'").lower()).strip("_")


def is_number(cell: str, decimal_comma: bool = False) -> bool:
    """Whether ``cell`` parses as a float."""
    try:
        float(cell.replace(",", ".") if decimal_comma else cell)
    except ValueError:
        return False
    return True


def read_table(path: str | os.PathLike[str], error: ErrorType) -> Table:
    """Read ``path`` and split it into a header (stripped) and rows of cells.

    The delimiter is taken from the first non-blank line (``;``, tab, ``,``,
    else runs of whitespace); with ``;`` a decimal comma is accepted. The first
    row is a header when none of its cells is a number. Blank lines are
    skipped; ``Table.lines`` keeps each row's line number. Errors are ``error``.
    """
    source = os.fspath(path)
    text = _decode(_read_bytes(source, error), source, error)
    lines = io.StringIO(text, newline=None).readlines()  # only \n, \r\n and \r end lines
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise error(located("the file is empty; export the data again", source=source))
    delimiter = _sniff(first)
    rows, numbers = _split(lines, delimiter, source, error)
    decimal_comma = delimiter == ";"
    header, header_line = None, None
    if not any(is_number(cell, decimal_comma) for cell in rows[0]):
        header, header_line = tuple(cell.strip() for cell in rows.pop(0)), numbers.pop(0)
    if not rows:
        message = "the file has a header but no data rows; export the data again"
        raise error(located(message, source=source, row=header_line))
    if header is not None and delimiter in (None, "\t"):
        header = _name_row_index(header, rows[0])
    return Table(source, header, header_line, rows, numbers, decimal_comma)


def _name_row_index(header: tuple[str, ...], first: list[str]) -> tuple[str, ...]:
    """R's ``write.table`` writes no name for the row-name column: add an empty one."""
    names = trimmed(header)
    if all(names) and len(names) == len(trimmed(first)) - 1:
        return ("", *names)
    return header


def _read_bytes(source: str, error: ErrorType) -> bytes:
    try:
        return Path(source).read_bytes()
    except FileNotFoundError:
        message = "file not found; check the path and the working directory"
    except IsADirectoryError:
        message = "this is a directory; give the path of a file"
    except OSError as exc:
        message = f"cannot read the file ({exc.strerror or exc}); check that it is readable"
    raise error(located(message, source=source))


def _decode(data: bytes, source: str, error: ErrorType) -> str:
    try:
        text = data.decode("utf-16") if data[:2] in _UTF16_BOMS else data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel on Windows
    if "\x00" in text:
        message = "this is not a text file (it holds binary data); give a CSV or text file"
        raise error(located(message, source=source))
    return text


def _sniff(first: str) -> str | None:
    unquoted = _QUOTED.sub("", first)
    return next((d for d in (";", "\t", ",") if d in unquoted), None)


def _split(
    lines: list[str], delimiter: str | None, source: str, error: ErrorType
) -> tuple[list[list[str]], list[int]]:
    rows: list[list[str]] = []
    numbers: list[int] = []
    if delimiter is None:
        for number, line in enumerate(lines, 1):
            cells = [cell.strip('"') for cell in line.split()]
            if cells:
                rows.append(cells)
                numbers.append(number)
        return rows, numbers
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        parsed = list(reader)
    except csv.Error as exc:
        message = f"cannot split the line into cells ({exc}); check its quotes"
        raise error(located(message, source=source, row=reader.line_num)) from None
    if len(parsed) != len(lines):  # a quoted cell spans lines: count them again
        return _split_counting(lines, delimiter)
    keep = [i for i, row in enumerate(parsed) if row and (row[0].strip() or _has_text(row))]
    if len(keep) == len(parsed):
        return parsed, list(range(1, len(parsed) + 1))
    return [parsed[i] for i in keep], [i + 1 for i in keep]


def _has_text(row: list[str]) -> bool:
    return any(cell.strip() for cell in row)


def _split_counting(lines: list[str], delimiter: str) -> tuple[list[list[str]], list[int]]:
    rows: list[list[str]] = []
    numbers: list[int] = []
    reader = csv.reader(lines, delimiter=delimiter)
    end = 0
    for row in reader:
        start, end = end + 1, reader.line_num
        if _has_text(row):
            rows.append(row)
            numbers.append(start)
    return rows, numbers


def column_cells(table: Table, index: int, *, numeric: bool = True) -> list[str]:
    """Cells of column ``index`` (``""`` where a row is short).

    With ``numeric`` a decimal comma becomes a point (files delimited by ``;``);
    without it cells are stripped (number parsing ignores surrounding spaces).
    """
    cells = [row[index] if index < len(row) else "" for row in table.rows]
    if not numeric:
        return [cell.strip() for cell in cells]
    if table.decimal_comma:
        return [cell.replace(",", ".") for cell in cells]
    return cells


def column_label(table: Table, index: int, role: str) -> str:
    """Name of column ``index`` for messages: its header name, else ``role``."""
    names = table.names
    return names[index] if index < len(names) and names[index] else role


def is_index_column(table: Table, index: int = 0) -> bool:
    """Whether column ``index`` counts rows 0, 1, 2, ... or 1, 2, 3, ... (an R row index)."""
    try:
        values = np.array([float(cell) for cell in column_cells(table, index)])
    except ValueError:
        return False
    return values[0] in (0.0, 1.0) and bool(np.all(np.diff(values) == 1.0))


def parse_numbers(
    cells: Sequence[str],
    lines: Sequence[int],
    *,
    source: str,
    column: str,
    error: ErrorType,
    what: str = "number",
) -> FloatArray:
    """Parse ``cells`` as finite floats; ``error`` names the line of the first bad cell."""
    try:
        values = np.array([float(cell) for cell in cells], dtype=np.float64)
    except ValueError:
        for cell, line in zip(cells, lines, strict=True):
            if not is_number(cell):
                raise error(
                    located(_not_a_number(cell, what), source=source, row=line, column=column)
                ) from None
        raise  # pragma: no cover - every cell parsed on the second try
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        message = f"{cells[i]!r} is not a finite number; give a real {what} or delete the row"
        raise error(located(message, source=source, row=lines[i], column=column))
    return values


def parse_column(
    table: Table, index: int, column: str, *, error: ErrorType, what: str = "number"
) -> FloatArray:
    """Parse column ``index`` of ``table`` as finite floats (see :func:`parse_numbers`)."""
    cells = column_cells(table, index)
    return parse_numbers(
        cells, table.lines, source=table.source, column=column, error=error, what=what
    )


def _not_a_number(cell: str, what: str) -> str:
    if not cell.strip():
        return f"the cell is empty; give a {what} or delete the row"
    if cell.endswith("%"):
        return f"{cell!r} is not a number; remove the % sign (survival in percent is detected)"
    return f"{cell!r} is not a number; give a {what} or delete the row"


def group_rows(
    cells: Sequence[str], lines: Sequence[int], *, source: str, column: str, error: ErrorType
) -> dict[str, npt.NDArray[np.intp]]:
    """Row indices of each arm name (stripped), arms in order of first appearance."""
    codes: dict[str, int] = {}
    index = np.array([codes.setdefault(name.strip(), len(codes)) for name in cells])
    if "" in codes:
        i = int(np.flatnonzero(index == codes[""])[0])
        message = "the arm name is empty; name the arm of every row"
        raise error(located(message, source=source, row=lines[i], column=column))
    order = np.argsort(index, kind="stable")
    bounds = np.cumsum(np.bincount(index, minlength=len(codes)))[:-1]
    return dict(zip(codes, np.split(order, bounds), strict=True))


def arm_groups(table: Table, column: int, error: ErrorType) -> dict[str, npt.NDArray[np.intp]]:
    """Row indices of each arm named in ``column`` of ``table``."""
    return group_rows(
        column_cells(table, column, numeric=False),
        table.lines,
        source=table.source,
        column=column_label(table, column, "arm"),
        error=error,
    )


def match_columns(
    table: Table, roles: Mapping[str, frozenset[str]], error: ErrorType
) -> dict[str, int | None]:
    """Index of the header column whose name is an alias of each role (None if absent)."""
    names = [normalize(name) for name in table.names]
    found: dict[str, int | None] = {}
    for role, aliases in roles.items():
        hits = [i for i, name in enumerate(names) if name in aliases]
        if len(hits) > 1:
            first, second = (table.names[i] for i in hits[:2])
            message = (
                f"columns {first!r} and {second!r} both look like the {role} column; "
                "rename or delete one of them"
            )
            raise error(located(message, source=table.source, row=table.header_line))
        found[role] = hits[0] if hits else None
    return found


def missing_columns(table: Table, expected: str) -> str:
    """Located message listing the columns found and the ones expected."""
    found = ", ".join(repr(name) for name in table.names) or "none"
    message = f"cannot find the columns needed; columns found: {found}; expected {expected}"
    return located(message, source=table.source, row=table.header_line)


def wpd_datasets(
    table: Table, error: ErrorType
) -> dict[str, tuple[list[str], list[str], list[int]]] | None:
    """Columns of a WebPlotDigitizer multi-dataset export, or None if not one.

    Such an export has dataset names in the first row (each followed by an
    empty cell), ``X,Y,X,Y,...`` in the second and ragged column pairs below.
    Returns, per dataset, its x cells, y cells and line numbers.
    """
    names = table.names
    labels = [cell.strip().lower() for cell in trimmed(table.rows[0])]
    pairs = (len(names) + 1) // 2
    if not names or labels != ["x", "y"] * pairs or any(names[1::2]) or not all(names[0::2]):
        return None
    datasets: dict[str, tuple[list[str], list[str], list[int]]] = {}
    for k, name in enumerate(names[0::2]):
        if name in datasets:
            message = f"dataset name {name!r} appears twice; give each dataset its own name"
            raise error(located(message, source=table.source, row=table.header_line))
        datasets[name] = _wpd_pair(table, 2 * k, name, error)
    return datasets


def _wpd_pair(
    table: Table, index: int, name: str, error: ErrorType
) -> tuple[list[str], list[str], list[int]]:
    xs, ys, lines = [], [], []
    x_cells = column_cells(table, index)
    y_cells = column_cells(table, index + 1)
    for x, y, line in zip(x_cells[1:], y_cells[1:], table.lines[1:], strict=True):
        x, y = x.strip(), y.strip()
        if x and y:
            xs.append(x)
            ys.append(y)
            lines.append(line)
        elif x or y:
            column = f"{name} {'Y' if x else 'X'}"
            message = "the cell is empty but its pair is not; fill it in or clear both"
            raise error(located(message, source=table.source, row=line, column=column))
    return xs, ys, lines
