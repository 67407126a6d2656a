"""Numbers-at-risk table under the plot: text lines, their numbers and the arm of each row."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._legend import Swatch
from kmipd.digitize._result import RiskCell
from kmipd.digitize._text import Word

__all__ = ["RiskLine", "RiskRow", "parse_count", "read_row", "risk_lines", "snap_time"]

FloatArray = npt.NDArray[np.float64]
_COUNT = re.compile(r"^\(?(\d[\d,]*)\)?")


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
    keys = [s.word for s in swatches]
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


def snap_time(col: float, x_axis: AxisCalibration) -> tuple[float, float]:
    """The tick time a risk-table number stands under, and how far (in steps) it was moved.

    Numbers sit under the tick marks: the time at the number's centre is
    moved to the nearest multiple of the tick step (from the first tick).
    """
    raw = float(x_axis.value(col))
    ticks = np.array(sorted({label.value for label in x_axis.labels if label.used}))
    if ticks.size < 2:
        return raw, 0.0
    step = float(np.median(np.diff(ticks)))
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


def _is_text(word: Word) -> bool:
    """Whether a word reads better as text than as a number.

    Letters that look like digits ('o', 'l', 'S') alone do not make text.
    """
    letters = [ch for ch in word.text if ch.isalpha()]
    real = [ch for ch in letters if ch not in "oOlISsBZzDgbi"]
    if not letters or (not real and len(letters) <= 2):
        return False
    return word.confidence >= word.numeric_confidence - 0.05


def _characters(word: Word) -> tuple[str, list[float]]:
    """The digits of a word (after a row label run into it) with their image columns."""
    text, cols = word.numeric, list(word.numeric_cols)
    if len(cols) != len(text):  # no positions: spread the characters evenly
        cols = list(word.col0 - 0.5 + (np.arange(len(text)) + 0.5) * word.width / max(1, len(text)))
    mixed = re.fullmatch(r"([A-Za-z][A-Za-z .]*?)(\d[\d,()]*)", word.text.strip())
    if mixed and _is_text(word):  # "Arm A793": keep the trailing number
        keep = len(mixed.group(2))
        text, cols = text[-keep:], cols[-keep:]
    elif _is_text(word):
        return "", []
    return text, cols


def _cells(word: Word, x_axis: AxisCalibration) -> list[RiskCell]:
    """Number-at-risk cells in a word: its characters grouped by the tick they stand under.

    Numbers printed so close that they touch come as one word; each
    character goes to the tick nearest to it, so they are split again.
    """
    text, cols = _characters(word)
    if not text:
        return []
    snapped = [snap_time(c, x_axis) for c in cols]
    groups: list[list[int]] = []
    for i in range(len(text)):
        if groups and snapped[i][0] == snapped[groups[-1][-1]][0]:
            groups[-1].append(i)
        else:
            groups.append([i])
    out = []
    for group in groups:
        chunk = "".join(text[i] for i in group)
        col = float(np.mean([cols[i] for i in group]))
        parsed = parse_count(chunk)
        time, moved = snap_time(col, x_axis)
        confidence = word.numeric_confidence * (1.0 if moved <= 0.2 else 0.5)
        value = None if parsed is None else parsed[0]
        out.append(
            RiskCell(
                word.centre[0], col, chunk, value, time if value is not None else None, confidence
            )
        )
    return out


def read_row(line: RiskLine, x_axis: AxisCalibration) -> RiskRow | None:
    """Read a text line as a risk-table row, or None if it is not one.

    A row has numbers under at least two tick positions (or one, after a
    colour key); words reading as text before the first number are its label.
    """
    cells: list[RiskCell] = []
    label: list[str] = []
    for word in line.words:
        found = _cells(word, x_axis)
        if not found and not cells:
            label.append(word.text)
        elif found and _is_text(word) and not cells:
            label.append(word.text[: len(word.text) - len(found[0].text)].strip())
        cells.extend(found)
    numbers = [c for c in cells if c.value is not None]
    if len(numbers) < (1 if line.swatch is not None else 2):
        return None
    return RiskRow(line, " ".join(t for t in label if t), tuple(cells))
