"""Counts a legend states in columns beside its labels: patients and events per arm.

NEJM and Lancet figures often print the legend as a small table inside the
plot: each key and arm name followed by columns headed "No. of Patients",
"No. of Events" (or "Events/patients", cells like "87/261") and the median.
The patients give each arm's size and the events its event total, which is
what Guyot's method needs when the numbers at risk are coarse or missing.

The columns are found from the legend's geometry (words on each entry's line
right of its label, lined up under words above the first entry) and read
with the labels; the header words name what each column counts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from kmipd.digitize._result import ArmResult
from kmipd.digitize._text import Word

__all__ = [
    "LegendCounts",
    "TableGeometry",
    "column_kind",
    "counts_of",
    "is_count_text",
    "legend_table",
    "lines_text",
    "read_counts",
    "take_from_label",
    "with_stated_events",
]

_CELL_GAP = 1.2  # words of one cell are at most this many heights apart ("87 (33.3)")
_HEADER_LINES = 4.5  # the header sits within this many text heights above the first entry
_SURE = 0.7  # a cell and its header read at least this surely (mean confidence)
_END_SHARE = 0.03  # a curve ending this share of the axis before its end ends inside the plot
_TAIL_SHARE = 0.05  # at most this share of the events may be still at risk at the table's end

_EVENTS = re.compile(r"\b(events?|deaths?|died|progressions?|relapses?)\b")
_PATIENTS = re.compile(r"\b(patients?|pts|participants|subjects|n)\b")
_NOT_COUNT = re.compile(r"median|months?|\bmo\b|\bci\b|rate|hazard|ratio|time|free")
_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)"
_ONE = re.compile(rf"^{_NUMBER}(?:\s*\(.*\))?$")
_PAIR = re.compile(rf"^{_NUMBER}\s*/\s*{_NUMBER}(?:\s*\(.*\))?$")


@dataclass(frozen=True)
class LegendCounts:
    """What the legend's table states for one arm.

    Attributes
    ----------
    n, events : int or None
        Patients and events, where a column gives them.
    confidence : float
        The least mean OCR confidence of the cells and headers they came from.
    """

    n: int | None
    events: int | None
    confidence: float


@dataclass(frozen=True)
class TableGeometry:
    """The words of a legend's table: per entry its cells, per column its header.

    Attributes
    ----------
    cells : tuple of tuple of tuple of Word
        ``cells[i][j]``: the words of entry ``i`` in column ``j`` (empty if none).
    headers : tuple of tuple of Word
        ``headers[j]``: the words over column ``j``, top to bottom, left to right.
    columns : tuple of (int, int)
        ``columns[j]``: the first and last image column of column ``j``'s cells.
    """

    cells: tuple[tuple[tuple[Word, ...], ...], ...]
    headers: tuple[tuple[Word, ...], ...]
    columns: tuple[tuple[int, int], ...] = ()

    @property
    def words(self) -> list[Word]:
        """Every word to read (cells, then headers)."""
        out = [w for row in self.cells for cell in row for w in cell]
        return out + [w for header in self.headers for w in header]


def _line_cells(label_end: int, line: list[Word], height: float) -> list[tuple[Word, ...]]:
    """Words of one entry's line right of its label, grouped into cells by the gaps."""
    cells: list[list[Word]] = []
    for word in sorted((w for w in line if w.col0 > label_end), key=lambda w: w.col0):
        if cells and word.col0 - cells[-1][-1].col1 <= _CELL_GAP * height:
            cells[-1].append(word)
        else:
            cells.append([word])
    return [tuple(c) for c in cells]


def _columns(rows: list[list[tuple[Word, ...]]]) -> list[tuple[int, int]]:
    """Column spans: the cells of all entries, overlapping spans merged."""
    spans = sorted((c[0].col0, c[-1].col1) for row in rows for c in row)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _over(word: Word, span: tuple[int, int], height: float) -> bool:
    """Whether a header word stands over a column (its middle within the column, widened)."""
    middle = word.centre[1]
    return span[0] - height <= middle <= span[1] + height


def legend_table(
    lines: Sequence[tuple[int, Sequence[Word]]], words: Sequence[Word], keys: Sequence[Word]
) -> TableGeometry | None:
    """The cells and column headers of a legend printed as a table, if it is one.

    Parameters
    ----------
    lines : sequence of (int, sequence of Word)
        Per legend entry, top to bottom: the column its label ends at and the
        words on its line (label words included; those right of it are cells).
    words : sequence of Word
        All glyph groups of the figure (the headers are among them).
    keys : sequence of Word
        Legend keys (never header words).

    Returns
    -------
    TableGeometry or None
        None unless some column has a cell and words over it. (A cell may
        be missing where a label ran into it: see :func:`take_from_label`.)
    """
    heights = [w.height for _, line in lines for w in line]
    if not heights:
        return None
    height = float(np.median(heights))
    rows = [_line_cells(end, list(line), height) for end, line in lines]
    spans = _columns(rows)
    top = min((w.row0 for _, line in lines for w in line), default=0)
    keyed = {(k.row0, k.col0) for k in keys}
    reach = top - _HEADER_LINES * height
    above = [w for w in words if reach <= w.row0 and w.row1 <= top]
    above = [w for w in above if (w.row0, w.col0) not in keyed]
    cells, headers, columns = [], [], []
    for span in spans:
        per_row = tuple(
            next((c for c in row if span[0] <= c[0].col0 and c[-1].col1 <= span[1]), ())
            for row in rows
        )
        header = tuple(
            sorted((w for w in above if _over(w, span, height)), key=lambda w: (w.row0, w.col0))
        )
        if any(per_row) and header:
            cells.append(per_row)
            headers.append(header)
            columns.append(span)
    if not headers:
        return None
    return TableGeometry(tuple(zip(*cells, strict=True)), tuple(headers), tuple(columns))


def take_from_label(
    table: TableGeometry, entry: int, label: Sequence[Word], is_count: Callable[[Word], bool]
) -> tuple[TableGeometry, tuple[Word, ...]]:
    """Counts a label ran into, given back to the table's columns.

    A name printed close to the first column ("Antibody + chemo 181") is
    read as one label with the count. Trailing label words that read as a
    count and stand in a column where the entry has no cell are moved to
    that cell (the label keeps at least its first word).

    Parameters
    ----------
    table : TableGeometry
    entry : int
        The entry's row in the table.
    label : sequence of Word
        The entry's label words, left to right.
    is_count : callable
        Whether a word reads as a count ("181", "87/261").

    Returns
    -------
    TableGeometry
        With the words moved into the entry's cells.
    tuple of Word
        The label words left.
    """
    words = list(label)
    cells = list(table.cells[entry])
    while len(words) > 1 and is_count(words[-1]):
        middle = words[-1].centre[1]
        column = next(
            (j for j, (a, b) in enumerate(table.columns) if a <= middle <= b and not cells[j]),
            None,
        )
        if column is None:
            break
        cells[column] = (words.pop(),)
    if len(words) == len(label):
        return table, tuple(label)
    rows = list(table.cells)
    rows[entry] = tuple(cells)
    return replace(table, cells=tuple(rows)), tuple(words)


def is_count_text(text: str) -> bool:
    """Whether text reads as a count a legend's table gives ("181", "1,024", "87/261")."""
    cell = " ".join(text.split())
    return bool(_ONE.match(cell) or _PAIR.match(cell))


def column_kind(header: str) -> str | None:
    """What a column counts, from its header: ``"events"``, ``"patients"``,
    ``"events/patients"``, ``"patients/events"`` or None (a median, a rate).

    Parameters
    ----------
    header : str
        The header's words as read ("No. of Events", "Events/patients").

    Returns
    -------
    str or None
    """
    text = " ".join(header.lower().replace("no.", "no ").split())
    if _NOT_COUNT.search(text):
        return None
    events, patients = _EVENTS.search(text), _PATIENTS.search(text)
    if events and patients:
        if "/" not in text:
            return None
        return "events/patients" if events.start() < patients.start() else "patients/events"
    return "events" if events else "patients" if patients else None


def _value(text: str) -> int:
    return int(text.replace(",", ""))


def read_counts(
    headers: Sequence[tuple[str, float]], cells: Sequence[Sequence[tuple[str, float]]]
) -> list[LegendCounts | None]:
    """Each entry's patients and events, from its cells under headers that name them.

    Parameters
    ----------
    headers : sequence of (str, float)
        Per column: header text and mean OCR confidence.
    cells : sequence of sequence of (str, float)
        Per entry, per column: cell text and confidence ("" where none).

    Returns
    -------
    list of LegendCounts or None
        Per entry; None where no column gave a count read surely. A count of
        events above the count of patients is dropped as misread.
    """
    kinds = [column_kind(text) if conf >= _SURE else None for text, conf in headers]
    out: list[LegendCounts | None] = []
    for row in cells:
        found: dict[str, int] = {}
        sure = 1.0
        for kind, (text, conf), (_, header_conf) in zip(kinds, row, headers, strict=True):
            cell = " ".join(text.split())
            if kind is None or conf < _SURE:
                continue
            pair, one = _PAIR.match(cell), _ONE.match(cell)
            if "/" in kind and pair:
                first, second = kind.split("/")
                found[first], found[second] = _value(pair.group(1)), _value(pair.group(2))
            elif "/" not in kind and one:
                found[kind] = _value(one.group(1))
            else:
                continue
            sure = min(sure, conf, header_conf)
        n, events = found.get("patients"), found.get("events")
        if n is not None and events is not None and events > n:
            n, events = None, None
        out.append(None if n is None and events is None else LegendCounts(n, events, sure))
    return out


def lines_text(words: Sequence[Word], join: Callable[[list[Word]], str]) -> str:
    """Words as text, line by line (a header of two lines is one text), each line by ``join``."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.row0, w.col0)):
        if lines and abs(word.row0 - lines[-1][0].row0) <= 0.5 * word.height:
            lines[-1].append(word)
        else:
            lines.append([word])
    return " ".join(join(sorted(line, key=lambda w: w.col0)) for line in lines)


def counts_of(
    table: TableGeometry, text_of: Callable[[tuple[Word, ...]], tuple[str, float]]
) -> list[LegendCounts | None]:
    """Each entry's counts, its cells and the headers read by ``text_of`` (text, confidence).

    Parameters
    ----------
    table : TableGeometry
    text_of : callable
        A cell's or header's words to their text and confidence.

    Returns
    -------
    list of LegendCounts or None
        Per entry of ``table`` (see :func:`read_counts`).
    """
    headers = [text_of(h) for h in table.headers]
    rows = [[text_of(cell) if cell else ("", 0.0) for cell in row] for row in table.cells]
    return read_counts(headers, rows)


def with_stated_events(
    arm: ArmResult, axis_end: float, warnings: list[str], *, cut: bool = False
) -> ArmResult:
    """The arm with its legend's event total as its ``events``, where that is the total
    over the curve.

    ``reconstruct`` takes the events up to the curve's end. The legend's
    total is that when the follow-up ends inside the figure: the curve stops
    short of the x axis's end, or its numbers at risk fall to 0 (or to at most
    5 % of the events: no more can fall after the axis). Never for a curve
    ``cut`` off by the panel's floor (a y axis from 0.5), whose end is not the
    follow-up's. An events row of the risk table, read already, wins.
    """
    stated = arm.stated_events
    if stated is None or arm.events is not None:
        return arm
    if cut:
        warnings.append(
            f"arm {arm.name!r}: its legend states {stated} events, but its curve leaves the "
            "plot, so some fall where it is not shown; not used (give --events)"
        )
        return arm
    table = arm.risk_table
    start = arm.n
    if table is not None and float(table.time[0]) == 0.0:
        start = int(table.n_at_risk[0])
    if start is not None and stated > start:
        warnings.append(
            f"arm {arm.name!r}: its legend states {stated} events, more than its "
            f"{start} patients; not used (give --events)"
        )
        return arm
    curve_end, first = float(arm.curve.time[-1]), float(arm.curve.time[0])
    inside = curve_end < axis_end - _END_SHARE * (axis_end - first)
    reaches = table is not None and float(table.time[-1]) >= (1 - _END_SHARE) * curve_end
    left = int(table.n_at_risk[-1]) if table is not None and reaches else None
    if not inside and (left is None or left > _TAIL_SHARE * stated):
        still = "" if left is None else f" with {left} still at risk"
        warnings.append(
            f"arm {arm.name!r}: its legend states {stated} events, but its curve runs to the "
            f"end of the x axis{still}, so some may fall after it; not used (give --events)"
        )
        return arm
    warnings.append(
        f"arm {arm.name!r}: {stated} events read from the legend's table; used as the arm's "
        "event total (give --events to override)"
    )
    return replace(arm, events=stated)
