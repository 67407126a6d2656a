"""Vector PDF figures: the legend and the numbers-at-risk table, from the page's own text.

A legend entry is a short horizontal stroke (or a small filled box) with text
starting just right of it; its style names the arm. A risk-table row is a line
of whole numbers under the x tick labels, each under an x tick; the row goes
to an arm by the colour of its numbers or of its key (a coloured glyph, stroke
or box left of the numbers), else by its text label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._legend_counts import LegendCounts, counts_of, legend_table, lines_text
from kmipd.digitize._pdf_types import Box, Stroke, TextRun, VectorPage
from kmipd.digitize._result import RiskCell
from kmipd.digitize._risk import parse_count
from kmipd.digitize._text import Word

__all__ = ["LegendEntry", "RiskRowRead", "find_legend", "find_risk_rows"]

_COUNT = re.compile(r"^\(?(\d{1,3}(?:,\d{3})+|\d+)\)?$")
_BRACKETED = re.compile(r"\(\d+\)")


@dataclass(frozen=True)
class LegendEntry:
    """A legend key (its stroke index, or -1 for a filled box), the label right of it, and
    the patients and events that columns beside the label state (a legend printed as a
    table), if any."""

    stroke: int
    colour: tuple[int, int, int]
    dash: tuple[float, ...]
    width: float
    label: str
    box: Box
    counts: LegendCounts | None = None


@dataclass(frozen=True)
class RiskRowRead:
    """One row of the risk table: its cells, its key colour and label (if any)."""

    cells: tuple[RiskCell, ...]
    row: float
    colour: tuple[int, int, int] | None
    label: str | None
    coloured_numbers: bool


def _line_text(
    texts: list[TextRun], start: float, row: float, size: float, stop: float
) -> tuple[str, list[TextRun]]:
    """Text runs on the line at ``row`` from column ``start`` on, until a wide gap or ``stop``."""
    line = sorted(
        (
            t
            for t in texts
            if t.upright
            and abs(t.centre[1] - row) <= 0.6 * size
            and t.box[0] >= start - 0.2 * size
            and t.box[0] < stop
        ),
        key=lambda t: t.box[0],
    )
    words: list[TextRun] = []
    for run in line:
        if words and run.box[0] - words[-1].box[2] > 1.2 * size:
            break
        if not words and run.box[0] - start > 2.5 * size:
            break
        words.append(run)
    return _joined(words, size), words


_Key = tuple[int, Box, tuple[int, int, int], tuple[float, ...], float]


def _keys(page: VectorPage) -> list[_Key]:
    """Short horizontal strokes and small filled boxes that could be legend keys."""
    sizes = [t.size for t in page.texts] or [10.0]
    em = float(np.median(sizes))
    out = []
    for i, s in enumerate(page.strokes):
        rows, cols = s.points[:, 1], s.points[:, 0]
        length = float(cols.max() - cols.min())
        if rows.max() - rows.min() <= 0.05 * em and 0.8 * em <= length <= 8 * em:
            box = (float(cols.min()), float(rows.min()), float(cols.max()), float(rows.max()))
            out.append((i, box, s.colour, s.dash, s.width))
    for f in page.fills:
        w, h = f.box[2] - f.box[0], f.box[3] - f.box[1]
        if 0.3 * em <= w <= 3 * em and 0.3 * em <= h <= 2 * em and min(f.colour) < 245:
            out.append((-1, f.box, f.colour, (), 0.0))
    return out


def find_legend(page: VectorPage) -> list[LegendEntry]:
    """Legend entries: a key with a label right of it (at most one entry per key position)."""
    texts = [t for t in page.texts if t.text.strip()]
    keys = _keys(page)
    entries: list[LegendEntry] = []
    lines: list[tuple[float, list[TextRun]]] = []
    for index, box, colour, dash, width in keys:
        row = (box[1] + box[3]) / 2.0
        near = [t for t in texts if abs(t.centre[1] - row) <= 0.6 * t.size]
        if not near:
            continue
        size = float(np.median([t.size for t in near]))
        after = [
            k[1][0]
            for k in keys
            if k[1][0] > box[2] and abs((k[1][1] + k[1][3]) / 2 - row) <= 0.6 * size
        ]
        stop = min(after, default=np.inf)
        label, words = _line_text(texts, box[2], row, size, stop)
        if not label or not any(ch.isalnum() for ch in label):
            continue
        full = (
            box[0],
            min(box[1], *(w.box[1] for w in words)),
            max(w.box[2] for w in words),
            max(box[3], *(w.box[3] for w in words)),
        )
        entries.append(LegendEntry(index, colour, dash, width, label, full))
        beside = [
            t
            for t in texts
            if t.upright and abs(t.centre[1] - row) <= 0.6 * size and full[2] < t.box[0] < stop
        ]
        lines.append((full[2], beside))
    return _with_counts(entries, lines, texts)


def _as_word(run: TextRun) -> Word:
    """A text run as a word box (pixels rounded outwards), its text read surely."""
    left, top, right, bottom = run.box
    return Word(int(top), int(left), int(np.ceil(bottom)), int(np.ceil(right)), run.text, 1.0)


def _with_counts(
    entries: list[LegendEntry], lines: list[tuple[float, list[TextRun]]], texts: list[TextRun]
) -> list[LegendEntry]:
    """Entries with the counts their table's columns state (the text is the file's own)."""
    words = {id(t): _as_word(t) for t in texts if t.upright}
    table = legend_table(
        [(int(np.ceil(end)), [words[id(t)] for t in line]) for end, line in lines],
        list(words.values()),
        [],
    )
    if table is None:
        return entries

    def text_of(cell: tuple[Word, ...]) -> tuple[str, float]:
        return lines_text(cell, lambda line: " ".join(w.text for w in line)), 1.0

    found = counts_of(table, text_of)
    return [replace(e, counts=c) for e, c in zip(entries, found, strict=True)]


def _value(text: str) -> int | None:
    match = _COUNT.match(text.strip())
    return int(match.group(1).replace(",", "")) if match else None


def _count(text: str) -> int | None:
    """A number at risk, with or without a count in parentheses after it ("120 (5)")."""
    parsed = parse_count(text)
    return parsed[0] if parsed is not None else _value(text)


def _folded(row: list[TextRun]) -> list[TextRun]:
    """A row with each count in parentheses joined to the number before it ("120 (5)": the
    patients censored, or with an event, so far), as one run over both."""
    out: list[TextRun] = []
    for run in row:
        text = run.text.strip()
        if out and _BRACKETED.fullmatch(text) and not out[-1].text.strip().endswith(")"):
            last = out[-1]
            box = (
                min(last.box[0], run.box[0]),
                min(last.box[1], run.box[1]),
                max(last.box[2], run.box[2]),
                max(last.box[3], run.box[3]),
            )
            out[-1] = replace(last, text=f"{last.text.strip()} {text}", box=box)
            continue
        out.append(run)
    return out


def _rows(runs: list[TextRun]) -> list[list[TextRun]]:
    ordered = sorted(runs, key=lambda t: t.centre[1])
    rows: list[list[TextRun]] = []
    for run in ordered:
        if rows and abs(run.centre[1] - rows[-1][-1].centre[1]) <= 0.35 * run.size:
            rows[-1].append(run)
        else:
            rows.append([run])
    return [sorted(r, key=lambda t: t.box[0]) for r in rows if len(r) >= 2]


def _anchor(row: list[TextRun], ticks: np.ndarray) -> tuple[np.ndarray, float]:
    """Column of each number (centre, left or right edge: the one that best meets the ticks)
    and the median distance to the nearest tick."""
    best: tuple[float, np.ndarray] | None = None
    for which in (lambda b: (b[0] + b[2]) / 2.0, lambda b: b[0], lambda b: b[2]):
        cols = np.array([which(t.box) for t in row])
        dist = float(np.median(np.min(np.abs(cols[:, None] - ticks[None, :]), axis=1)))
        if best is None or dist < best[0] - 1e-6:
            best = (dist, cols)
    assert best is not None
    return best[1], best[0]


def _times(cols: np.ndarray, x_axis: AxisCalibration) -> tuple[np.ndarray, np.ndarray]:
    """Times of the cells: the tick value when on a tick, else the calibrated value."""
    used = [t for t in x_axis.labels if t.used]
    ticks = np.array([t.pixel for t in used])
    values = np.array([t.value for t in used])
    spacing = float(np.median(np.diff(np.sort(ticks)))) if ticks.size > 1 else 1.0
    index = np.argmin(np.abs(cols[:, None] - ticks[None, :]), axis=1)
    on_tick = np.abs(cols - ticks[index]) <= 0.15 * spacing
    raw = np.asarray(x_axis.value(cols), dtype=float)
    step = float(np.median(np.diff(np.sort(values)))) / 2.0 if values.size > 1 else 1.0
    half = np.round(raw / step) * step
    near_half = np.abs(raw - half) <= 0.1 * step
    times = np.where(on_tick, values[index], np.where(near_half, half, np.round(raw, 4)))
    confidence = np.where(on_tick, 1.0, np.where(near_half, 0.8, 0.5))
    return times, confidence


def _row_key(
    page: VectorPage, row: list[TextRun], left: float, strokes: list[Stroke]
) -> tuple[tuple[int, int, int] | None, str | None]:
    """Colour key and text label left of a row's first number."""
    centre = float(np.mean([t.centre[1] for t in row]))
    size = float(np.median([t.size for t in row]))
    colours: list[tuple[float, tuple[int, int, int]]] = []
    words = []
    for t in page.texts:
        if t.box[2] > left or abs(t.centre[1] - centre) > max(0.7 * size, 0.35 * t.size):
            continue
        if any(ch.isalnum() for ch in t.text):
            words.append(t)
        if max(t.colour) - min(t.colour) > 24:
            colours.append((abs(t.centre[1] - centre), t.colour))
    for s in strokes:
        r = float(s.points[:, 1].mean())
        if s.points[:, 0].max() <= left and abs(r - centre) <= 0.7 * size:
            if max(s.colour) - min(s.colour) > 24:
                colours.append((abs(r - centre), s.colour))
    for f in page.fills:
        r = (f.box[1] + f.box[3]) / 2.0
        coloured = max(f.colour) - min(f.colour) > 24
        if f.box[2] <= left and abs(r - centre) <= 0.7 * size and coloured:
            colours.append((abs(r - centre), f.colour))
    colour = min(colours)[1] if colours else None
    words.sort(key=lambda t: t.box[0])
    return colour, _joined(words, size) or None


def _joined(runs: list[TextRun], size: float) -> str:
    """Text of runs left to right, a space only where they stand apart (not a kerned 'T')."""
    text = ""
    for i, run in enumerate(runs):
        gap = run.box[0] - runs[i - 1].box[2] if i else 0.0
        text += (" " if i and gap > 0.12 * size else "") + run.text
    return text.strip()


def find_risk_rows(
    page: VectorPage, x_axis: AxisCalibration, below: float, skip: set[int]
) -> list[RiskRowRead]:
    """Rows of whole numbers under row ``below`` whose numbers stand under the x ticks.

    Parameters
    ----------
    page : VectorPage
    x_axis : AxisCalibration
    below : float
        Bottom row of the x tick labels; the table is under it.
    skip : set of int
        ``id`` of the text runs that are tick labels.

    Returns
    -------
    list of RiskRowRead
        Top to bottom.
    """
    ticks = np.array([t.pixel for t in x_axis.labels if t.used])
    tick_values = {round(t.value, 9) for t in x_axis.labels}
    spacing = float(np.median(np.diff(np.sort(ticks)))) if ticks.size > 1 else 1.0
    runs = [
        t
        for t in page.texts
        if t.upright and id(t) not in skip and t.box[1] >= below - 1 and _value(t.text) is not None
    ]
    out = []
    for row in (_folded(r) for r in _rows(runs)):
        cols, dist = _anchor(row, ticks)
        if dist > 0.3 * spacing:
            continue
        times, conf = _times(cols, x_axis)
        values = [_count(t.text) for t in row]
        if all(round(float(v or -1), 9) in tick_values for v in values):
            continue  # another row of time labels (e.g. the risk table's own axis)
        cells = tuple(
            RiskCell(t.centre[1], float(c), t.text, v, float(tm), float(cf))
            for t, c, v, tm, cf in zip(row, cols, values, times, conf, strict=True)
        )
        left = min(t.box[0] for t in row) - 0.3 * float(np.median([t.size for t in row]))
        colour, label = _row_key(page, row, left, list(page.strokes))
        coloured = [t.colour for t in row if max(t.colour) - min(t.colour) > 24]
        numbers_coloured = len(coloured) == len(row)
        if numbers_coloured:
            colour = coloured[0]
        out.append(
            RiskRowRead(
                cells, float(np.mean([t.centre[1] for t in row])), colour, label, numbers_coloured
            )
        )
    return out
