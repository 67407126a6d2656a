"""Numbers-at-risk table under the plot: text lines, their numbers and the arm of each row."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._legend import Swatch
from kmipd.digitize._result import RiskCell
from kmipd.digitize._text import Word, fix_letters, join_words

__all__ = [
    "Crowded",
    "RiskLine",
    "RiskRow",
    "cells_of",
    "grid_times",
    "is_crowded",
    "label_step",
    "parse_count",
    "read_row",
    "risk_lines",
    "snap_time",
    "tick_step",
    "tick_values",
]

FloatArray = npt.NDArray[np.float64]
_COUNT = re.compile(r"^\(?(\d[\d,]*)\)?")
_MAX_SPLIT = 4  # the tick step may be down to a quarter of the smallest gap between labels read
_STEP_SLACK = 0.05  # how far from a whole number of steps a gap between labels may be


@dataclass(frozen=True)
class RiskLine:
    """One text line below the x axis: its key swatch (if any) and its words."""

    row: float
    swatch: Swatch | None
    words: tuple[Word, ...]


def risk_lines(words: list[Word], swatches: list[Swatch], below: float) -> list[RiskLine]:
    """Text lines under ``below`` (the bottom of the x tick labels), top to bottom.

    Parameters
    ----------
    words : list of Word
        Glyph groups of the figure (swatches among them are set apart).
    swatches : list of Swatch
    below : float
        Row under which the table lies.

    Returns
    -------
    list of RiskLine
        Lines of words whose vertical centres agree within half a word height.
    """
    keys = [s.word for s in swatches if not _amid(s.word, words)]
    swatches = [s for s in swatches if s.word in keys]
    under = sorted(
        (w for w in words if w.row0 > below and not _within(w, keys)), key=lambda w: w.centre[0]
    )
    lines: list[list[Word]] = []
    for word in under:
        if lines and abs(word.centre[0] - np.mean([w.centre[0] for w in lines[-1]])) <= 0.5 * max(
            word.height, 4
        ):
            lines[-1].append(word)
        else:
            lines.append([word])
    out = []
    for line in lines:
        centre = float(np.mean([w.centre[0] for w in line]))
        height = max(w.height for w in line)
        key = next(
            (
                s
                for s in swatches
                if s.word.row0 > below
                and abs(s.word.centre[0] - centre) <= 0.6 * height
                and s.word.col1 <= min(w.col0 for w in line) + 2
            ),
            None,
        )
        out.append(RiskLine(centre, key, tuple(sorted(line, key=lambda w: w.col0))))
    return out


def _amid(key: Word, words: list[Word]) -> bool:
    """Whether a key-like box stands between two words of its line and is as tall as they
    are: a number in a curve's colour whose digits look like a stroke (a "4" on a "9"), not
    a row's key, which comes first."""
    centre = key.centre[0]
    line = [
        w
        for w in words
        if w is not key
        and abs(w.centre[0] - centre) <= 0.5 * max(w.height, 4)
        and key.height >= 0.8 * w.height
    ]
    return any(w.col1 <= key.col0 for w in line) and any(w.col0 >= key.col1 for w in line)


def _within(word: Word, boxes: list[Word]) -> bool:
    """Whether ``word`` lies inside one of ``boxes``."""
    return any(
        b.row0 <= word.row0 and word.row1 <= b.row1 and b.col0 <= word.col0 and word.col1 <= b.col1
        for b in boxes
    )


def parse_count(text: str) -> tuple[int, int | None] | None:
    """A number at risk, and a censored count in parentheses after it if any.

    Parameters
    ----------
    text : str
        OCR reading such as ``"120"``, ``"1,047"``, ``"120 (5)"`` or ``"120(5)"``.

    Returns
    -------
    tuple of (int, int or None) or None
        None if the text does not start with a count.
    """
    cleaned = text.strip().replace(" ", "")
    if not cleaned or cleaned.startswith("("):
        return None
    match = _COUNT.match(cleaned)
    if match is None or match.group(0) != cleaned[: len(match.group(0))]:
        return None
    digits = match.group(1).replace(",", "")
    rest = cleaned[len(match.group(0)) :]
    censored = re.fullmatch(r"\((\d+)\)", rest)
    if rest and censored is None:
        return None
    return int(digits), int(censored.group(1)) if censored else None


def label_step(values: npt.ArrayLike) -> float | None:
    """The tick step of an axis from the tick values read.

    Labels that could not be read leave gaps: values 0, 1, 3, 5 are ticks a
    step of 1 apart, not 2. The step is the largest that every gap is a
    whole multiple of: the smallest gap, or a half, third ... of it; if none
    is (a label a little off), the median gap.

    Parameters
    ----------
    values : array_like
        Tick values read (any order; repeats count once).

    Returns
    -------
    float or None
        None with fewer than two distinct values.
    """
    ticks = np.unique(np.asarray(values, dtype=float))
    if ticks.size < 2:
        return None
    gaps = np.diff(ticks)
    for parts in range(1, _MAX_SPLIT + 1):
        step = float(gaps.min()) / parts
        ratio = gaps / step
        if np.all(np.abs(ratio - np.round(ratio)) <= _STEP_SLACK):
            return step
    return float(np.median(gaps))


def tick_values(x_axis: AxisCalibration) -> FloatArray:
    """Values of the x tick labels used by the calibration, ascending."""
    return np.array(sorted({label.value for label in x_axis.labels if label.used}))


def tick_step(x_axis: AxisCalibration) -> float | None:
    """The tick step of the x axis (`label_step` of its `tick_values`); None if it has
    fewer than two."""
    return _tick_grid(x_axis)[1]


def _tick_grid(x_axis: AxisCalibration) -> tuple[FloatArray, float | None]:
    """The x axis's tick values and tick step, worked out once per axis (a table's
    numbers each ask for them)."""
    try:
        return _tick_grid_of(x_axis)
    except TypeError:  # an axis holding something unhashable
        ticks = tick_values(x_axis)
        return ticks, label_step(ticks)


@functools.lru_cache(maxsize=64)
def _tick_grid_of(x_axis: AxisCalibration) -> tuple[FloatArray, float | None]:
    """`_tick_grid`, cached; the values are read-only."""
    ticks = tick_values(x_axis)
    ticks.flags.writeable = False
    return ticks, label_step(ticks)


def grid_times(col0: float, col1: float, x_axis: AxisCalibration) -> list[float]:
    """Tick times (multiples of the tick step from the first tick) between two image columns."""
    ticks, step = _tick_grid(x_axis)
    if step is None:
        return []
    lo, hi = sorted(float(v) for v in x_axis.value(np.array([col0, col1])))
    first, last = np.ceil((lo - ticks[0]) / step - 1e-9), np.floor((hi - ticks[0]) / step + 1e-9)
    return [float(ticks[0] + step * n) for n in np.arange(first, last + 1)]


def snap_time(col: float, x_axis: AxisCalibration) -> tuple[float, float]:
    """The tick time a risk-table number stands under, and how far (in steps) it was moved.

    Numbers sit under the tick marks: the time at the number's centre is
    moved to the nearest multiple of the tick step (from the first tick).
    """
    raw = float(x_axis.value(col))
    ticks, step = _tick_grid(x_axis)
    if step is None:
        return raw, 0.0
    grid = ticks[0] + step * np.round((raw - ticks[0]) / step)
    return float(grid), abs(grid - raw) / step


@dataclass(frozen=True)
class RiskRow:
    """A line of the table read as numbers at risk.

    Attributes
    ----------
    line : RiskLine
    label : str
        Text before the numbers (row name), if any.
    cells : tuple of RiskCell
        The numbers, left to right.
    """

    line: RiskLine
    label: str
    cells: tuple[RiskCell, ...]


def _named_before_start(word: Word, cells: list[RiskCell]) -> bool:
    """Whether a word read as numbers stands left of time 0 and reads as letters too: a row
    label such as "osc" (read over digits as "05c"), not a count."""
    before = all(c.time is not None and c.time < 0 for c in cells)
    return before and any(ch.isalpha() for ch in word.text)


def _has_digit(word: Word) -> bool:
    """Whether either reading of a word holds a digit."""
    return any(ch.isdigit() for ch in word.text + word.numeric)


def _is_text(word: Word) -> bool:
    """Whether a word reads better as text than as a number.

    Letters that look like digits ('o', 'l', 'S') alone do not make text;
    two other letters do when the reading over digits explains less than
    half of the word's characters.
    """
    letters = [ch for ch in word.text if ch.isalpha()]
    real = [ch for ch in letters if ch not in "oOlISsBZzDgbi"]
    if not letters or (not real and len(letters) <= 2):
        return False
    printed = [ch for ch in word.text if not ch.isspace()]
    digits = sum(ch.isdigit() for ch in word.numeric)
    if len(real) >= 2 and 2 * digits < len(printed):  # "ct_b" read over digits as "6"
        return True
    return word.confidence >= word.numeric_confidence - 0.05


def _characters(word: Word) -> tuple[str, list[float]]:
    """The digits of a word (after a row label run into it) with their image columns."""
    text, cols = word.numeric, list(word.numeric_cols)
    if len(cols) != len(text):  # no positions: spread the characters evenly
        cols = list(word.col0 - 0.5 + (np.arange(len(text)) + 0.5) * word.width / max(1, len(text)))
    mixed = re.fullmatch(r"([A-Za-z][A-Za-z .+/_-]*?)(\d[\d,()]*)", word.text.strip())
    if mixed and _is_text(word):  # "Arm A793", "chemo_trastuzumab117": keep the trailing number
        keep = len(mixed.group(2))
        text, cols = text[-keep:], cols[-keep:]
    elif _is_text(word):
        return "", []
    return text, cols


def _one_number(word: Word, x_axis: AxisCalibration) -> bool:
    """Whether a word is too narrow to hold numbers under two ticks (numbers that touch
    span a tick gap at least): a table that right-aligns its numbers at the ticks (as
    lifelines does) puts the first digits of a wide number nearer the tick before."""
    step = tick_step(x_axis)
    if step is None:
        return False
    gap = abs(step / x_axis.slope)  # pixels between ticks
    return word.width < _ONE_NUMBER * gap


def _anchor_col(word: Word, cols: list[float], anchor: str) -> float:
    """The column of a one-number word that a table aligns at its tick."""
    if anchor == "left":
        return float(word.col0)
    if anchor == "right":
        return float(word.col1 - 1)
    return float(np.mean(cols))


def table_anchor(words: Sequence[Word], x_axis: AxisCalibration) -> str:
    """How a table line aligns its numbers at the ticks: ``"centre"``, ``"right"`` or
    ``"left"``.

    The edge (or centre) of its one-number words that lies nearest the ticks,
    over three such words at least; the centre unless an edge fits clearly
    better (within ``_ALIGNED`` of a step, and twice as close as the centres).

    Parameters
    ----------
    words : sequence of Word
        The line's words, read (label words are passed over).
    x_axis : AxisCalibration

    Returns
    -------
    str
    """
    ticks, step = _tick_grid(x_axis)
    if step is None:
        return "centre"
    first = float(ticks[0])
    misses: dict[str, list[float]] = {a: [] for a in _ANCHORS}
    for word in words:
        text, cols = _characters(word)
        if not text or "(" in text or not _one_number(word, x_axis):
            continue
        for anchor in _ANCHORS:
            at = (float(x_axis.value(_anchor_col(word, cols, anchor))) - first) / step
            misses[anchor].append(abs(at - round(at)))
    if len(misses["centre"]) < 3:
        return "centre"
    median = {a: float(np.median(v)) for a, v in misses.items()}
    best = min(median, key=lambda a: median[a])
    fits = median[best] <= _ALIGNED and median[best] < 0.5 * median["centre"]
    return best if fits else "centre"


def cells_of(word: Word, x_axis: AxisCalibration, anchor: str = "centre") -> list[RiskCell]:
    """Number-at-risk cells in a word: its characters grouped by the tick they stand under.

    Numbers printed so close that they touch come as one word; each
    character goes to the tick nearest to it, so they are split again. A
    word narrower than the gap between ticks is one number, at the tick its
    ``anchor`` (see :func:`table_anchor`) is nearest.
    """
    text, cols = _characters(word)
    if not text:
        return []
    snapped = [snap_time(c, x_axis) for c in cols]
    groups: list[list[int]] = []
    one = _one_number(word, x_axis)  # its digits may straddle the middle between two ticks
    at = _anchor_col(word, cols, "centre" if "(" in text else anchor)
    if one:
        snapped = [snap_time(at, x_axis)] * len(cols)
    for i in range(len(text)):
        same_tick = groups and snapped[i][0] == snapped[groups[-1][-1]][0]
        # a censored count in parentheses belongs to the number before it, even when
        # it reaches past the middle between two ticks
        censored = groups and "(" in text[groups[-1][0] : i + 1] and ")" not in text[i - 1 : i]
        if same_tick or censored or (groups and text[i] == "("):
            groups[-1].append(i)
        else:
            groups.append([i])
    out = []
    for group in groups:
        chunk = "".join(text[i] for i in group)
        count_part = [i for i in group if i < group[0] + len(chunk.split("(")[0])] or group
        col = float(np.mean([cols[i] for i in count_part]))
        parsed = parse_count(chunk)
        time, moved = snap_time(at if one else col, x_axis)
        confidence = word.numeric_confidence * (1.0 if moved <= 0.2 else 0.5)
        value = None if parsed is None else parsed[0]
        out.append(
            RiskCell(
                word.centre[0], col, chunk, value, time if value is not None else None, confidence
            )
        )
    return out


_CENSORED = re.compile(r"\(\d+\)")


def _fold_censored(cells: list[RiskCell]) -> list[RiskCell]:
    """Censored counts printed in parentheses after a number at risk join that number's cell.

    Tables such as ``120 (5)`` give the patients censored so far after each
    number at risk; read as words of their own they are not numbers at risk.
    """
    out: list[RiskCell] = []
    for cell in cells:
        if out and out[-1].value is not None and _CENSORED.fullmatch(cell.text.replace(" ", "")):
            out[-1] = replace(out[-1], text=f"{out[-1].text} {cell.text}")
            continue
        out.append(cell)
    return out


_ONE_NUMBER = 1.0  # share of the tick gap below which a word is one number (numbers at
# two ticks that touch span the gap and a digit at least)
_ANCHORS = ("centre", "right", "left")
_ALIGNED = 0.1  # steps from its tick within which a table's aligned edge lies (median)
LONG_RUN = 8  # ticks a run of touching numbers spans from which OCR's split of it is noise
_LONG_RUN_DIGITS = 6  # digits OCR reads at least in such a run of numbers (it gives up on many)
UNREBUILT = 0.3  # confidence factor of OCR's split of touching numbers the rebuild gave up on
Crowded = Callable[[Word, int | None, int], list[RiskCell] | None]


def is_crowded(word: Word, x_axis: AxisCalibration) -> bool:
    """Whether a number-like word stretches over two or more ticks (numbers that touch).

    A long run (``LONG_RUN`` ticks or more) of numbers printed deeply over
    each other reads as letters to OCR; it counts when its reading over
    digits is a long number and no lower-case word shows in its text.
    """
    text = word.text.replace(" ", "")
    digits = sum(ch.isdigit() for ch in text)
    mostly = digits >= 2 and digits >= 0.5 * len(text)
    ticks = len(grid_times(word.col0, word.col1 - 1, x_axis))
    if ticks >= LONG_RUN and not mostly:
        numeric = sum(ch.isdigit() for ch in word.numeric)
        mostly = (
            numeric >= _LONG_RUN_DIGITS
            and numeric >= 0.9 * len(word.numeric)  # a stray mark read as "%" or "/"
            and not re.search("[a-z]{3}", text)
        )
    return mostly and ticks >= 2


def _bounds(found: list[list[RiskCell]], index: int) -> tuple[int | None, int]:
    """The last count before word ``index`` and the first count after it (0 if none)."""
    before = [c.value for cells in found[:index] for c in cells if c.value is not None]
    after = [c.value for cells in found[index + 1 :] for c in cells if c.value is not None]
    return (before[-1] if before else None), (after[0] if after else 0)


def read_row(
    line: RiskLine,
    x_axis: AxisCalibration,
    crowded: Crowded | None = None,
    ink: npt.NDArray[np.float64] | None = None,
) -> RiskRow | None:
    """Read a text line as a risk-table row, or None if it is not one.

    A row has numbers under at least two tick positions (or one, after a
    colour key); words reading as text before the first number are its label.

    Parameters
    ----------
    line : RiskLine
    x_axis : AxisCalibration
    crowded : callable, optional
        Rebuilds numbers that touch each other (a word over several ticks)
        from the word, the count before it and the count after it; its cells
        replace the OCR reading unless it returns None.
    ink : ndarray of float, optional
        The figure's ink, to see a faint underscore between two words of the
        label (as in legend labels).
    """
    anchor = table_anchor(line.words, x_axis)
    found = [cells_of(word, x_axis, anchor) for word in line.words]
    rebuilt = [False] * len(found)
    if crowded is not None:
        for i, word in enumerate(line.words):
            if is_crowded(word, x_axis):
                upper, lower = _bounds(found, i)
                got = crowded(word, upper, lower)
                if got is None:  # OCR's split of touching numbers misses digits printed over
                    found[i] = [replace(c, confidence=c.confidence * UNREBUILT) for c in found[i]]
                else:
                    found[i], rebuilt[i] = got, True
    cells: list[RiskCell] = []
    label: list[Word] = []
    for word, got, new in zip(line.words, found, rebuilt, strict=True):
        if not got and new:  # numbers no rebuild could read: neither cells nor label
            continue
        sign = not _has_digit(word) and all(c.value is None for c in got)  # "+" in "A + B"
        if not cells and (not got or sign or _named_before_start(word, got)):
            label.append(word)
            continue
        if got and not new and _is_text(word) and not cells:
            text = word.text[: len(word.text) - len(got[0].text)].strip()
            label.append(replace(word, text=text))
        cells.extend(got)
    cells = _fold_censored(cells)
    numbers = [c for c in cells if c.value is not None]
    if len(numbers) < (1 if line.swatch is not None else 2):
        return None
    return RiskRow(line, fix_letters(join_words([w for w in label if w.text], ink)), tuple(cells))
