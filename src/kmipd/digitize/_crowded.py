"""Read every row of a risk table, rebuilding numbers that touch from the table's own font."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._dejavu import ADVANCE, DIGIT_HEIGHT
from kmipd.digitize._glyphs import DigitFont, learn_font, strip_ink
from kmipd.digitize._overlap import decode_span
from kmipd.digitize._overprint import Face, Leaving, Overprint, digit_band, redraw_row
from kmipd.digitize._parallel import each, running, warm
from kmipd.digitize._redraw import Limit
from kmipd.digitize._refine import Placed, refine_font
from kmipd.digitize._result import RiskCell
from kmipd.digitize._retry import RETRY_UNSURE, decode_hard, overprinted, unsure
from kmipd.digitize._risk import (
    LONG_RUN,
    Crowded,
    RiskLine,
    RiskRow,
    cells_of,
    grid_times,
    is_crowded,
    read_row,
    tick_values,
)
from kmipd.digitize._samples import PAD, lone_numbers, tick_samples
from kmipd.digitize._text import OCR_SURE, Word

__all__ = ["read_rows"]

FloatArray = npt.NDArray[np.float64]
_PAD = PAD
LOOSE_AXIS = 0.25  # x calibration confidence (share of tick labels agreeing) below which
# the time under each number is a guess
_PITCH_TICKS = 10  # ticks of the first crowded span redrawn to choose an unmeasured pitch
SECONDED = 0.5  # confidence of a rebuilt number OCR read the same on its own (at most)
# over a number the rebuild is unsure of
_Rebuilt = dict[  # by a word's columns and the counts around it: its cells, and the
    tuple[int, int, int | None, int],  # tick columns and counts it noted for refining the font
    tuple[list[RiskCell] | None, list[tuple[list[float], list[int]]]],
]
_Key = tuple[float, int, int, int | None, int]  # a word redrawn: its line's row, its columns and
# the counts around it
_Read = tuple[Overprint | None, tuple[Face | None, ...] | None]  # see ``_overprint.redraw_row``


def _numeric(word: Word) -> bool:
    """A word read as a plain count (digits only)."""
    return bool(re.fullmatch(r"\d+", word.numeric)) and not re.search(r"[A-Za-z]{2}", word.text)


def _top(line: RiskLine) -> int | None:
    """Row of the tops of the line's numbers (the median top of its number words)."""
    tops = [w.row0 for w in line.words if _numeric(w)]
    return int(np.median(tops)) - _PAD if tops else None


def _edge(font: DigitFont) -> float:
    """Columns between a number's tick and its ink edge, at the least (60 % of the narrowest)."""
    return 0.6 * min(-d.offset for d in font.digits.values())


def _span_times(word: Word, edge: float, x_axis: AxisCalibration) -> list[float]:
    """Tick times a word of touching numbers covers, from time 0 or the first tick to the last.

    ``edge``: columns between a number's tick and its ink edge, at the
    least. A table has no number past the last tick label: a last number
    wider than the ticks are apart would otherwise add a tick after it.
    """
    ticks = tick_values(x_axis)
    start, end = min([0.0, *ticks]), max([0.0, *ticks])
    times = grid_times(word.col0 + edge, word.col1 - 1 - edge, x_axis)
    return [t for t in times if start <= t <= end]


def _rebuilder(
    line: RiskLine,
    strip: FloatArray,
    font: DigitFont,
    x_axis: AxisCalibration,
    record: list[Placed] | None = None,
    retry: bool = False,
    known: _Rebuilt | None = None,
) -> Crowded:
    """The callback that rebuilds one word of touching numbers of ``line`` (noted in ``record``),
    or takes the rebuild ``known`` for it (see ``_read_ahead``)."""

    def rebuild(word: Word, upper: int | None, lower: int) -> list[RiskCell] | None:
        hit = (known or {}).get((word.col0, word.col1, upper, lower))
        if hit is not None:
            if record is not None:
                record.extend((strip, centres, values) for centres, values in hit[1])
            return hit[0]
        times = _span_times(word, _edge(font), x_axis)
        if not times:
            return None
        centres = [float(x_axis.pixel(t)) for t in times]
        decoded = decode_hard(strip, (word.col0, word.col1), centres, font, upper, lower, retry)
        if decoded is None:
            return None
        if record is not None:
            record.append((strip, centres, list(decoded.values)))
        confidence = _seconded(word, centres, decoded.values, decoded.confidence, font.pitch)
        confidence = overprinted(centres, decoded.values, confidence, font.pitch)
        values, confidence = _ocr_fill(
            word, times, (decoded.values, confidence), (upper, lower), x_axis
        )
        return [
            RiskCell(line.row, col, str(value), value, time, conf)
            for time, col, value, conf in zip(times, centres, values, confidence, strict=True)
        ]

    return rebuild


def _ocr_fill(
    word: Word,
    times: list[float],
    rebuilt: tuple[tuple[int, ...], list[float]],
    bounds: tuple[int | None, int],
    x_axis: AxisCalibration,
) -> tuple[list[int], list[float]]:
    """Rebuilt numbers the rebuild is unsure of, taken from OCR where OCR is sure and fits.

    OCR's number is used only when OCR splits the word into one number per
    tick of the span, each digit group close to its tick, is sure of the
    word, and the number lies between the nearest numbers the rebuild is
    sure of on either side (counts at risk never rise). ``bounds`` are the
    counts read before and after the word (``None`` / 0 when there are none);
    they stand in where no sure rebuilt number lies on that side.
    """
    values, sure = list(rebuilt[0]), [c >= SECONDED for c in rebuilt[1]]
    out_v, out_c = list(values), list(rebuilt[1])
    cells = [c for c in cells_of(word, x_axis) if c.value is not None]
    if word.numeric_confidence < OCR_SURE or [c.time for c in cells] != list(times):
        return out_v, out_c
    for i, cell in enumerate(cells):
        value = cell.value
        if value is None or sure[i] or value == values[i] or cell.confidence < OCR_SURE:
            continue
        left = [v for v, ok in zip(values[:i], sure[:i], strict=True) if ok]
        right = [v for v, ok in zip(values[i + 1 :], sure[i + 1 :], strict=True) if ok]
        above = left[-1] if left else bounds[0]
        below = right[0] if right else bounds[1]
        if (above is None or value <= above) and value >= below:
            out_v[i], out_c[i] = value, SECONDED
    return out_v, out_c


def _seconded(
    word: Word,
    centres: list[float],
    values: tuple[int, ...],
    confidence: tuple[float, ...],
    pitch: float,
) -> list[float]:
    """Confidences, the first raised if OCR read the same digits at the same place.

    The first number of a run of touching numbers has nothing on its left,
    so OCR reads its leading digits as well as the rebuild does, and the two
    err in different ways. (Further right both see the same blend of
    digits, so they agree on the same mistakes.)
    """
    out = list(confidence)
    text, cols = word.numeric, list(word.numeric_cols)
    if len(cols) != len(text) or not values:
        return out
    half = 0.5 * len(str(values[0])) * pitch
    inside = "".join(ch for ch, c in zip(text, cols, strict=True) if abs(c - centres[0]) < half)
    if inside == str(values[0]):
        out[0] = max(out[0], min(SECONDED, word.numeric_confidence))
    return out


def _fit_pitch(
    font: DigitFont, lines: list[RiskLine], strips: list[FloatArray | None], x_axis: AxisCalibration
) -> DigitFont:
    """The font with the pitch that best redraws the start of the first span of touching numbers."""
    first = next(
        (
            (word, strip)
            for line, strip in zip(lines, strips, strict=True)
            for word in line.words
            if strip is not None and is_crowded(word, x_axis)
        ),
        None,
    )
    if first is None:
        return font
    word, strip = first
    times = _span_times(word, _edge(font), x_axis)
    centres = [float(x_axis.pixel(t)) for t in times][:_PITCH_TICKS]
    if len(centres) < 2:
        return font
    upto = centres[-1] + 0.5 * (centres[-1] - centres[-2])
    digit = font.height - 2 * _PAD

    def costs(pitches: FloatArray) -> dict[float, float]:
        span = (word.col0, word.col1)
        calls = [(strip, span, centres, font, float(p), upto) for p in pitches]
        return dict(zip((float(p) for p in pitches), each(_pitch_cost, calls), strict=True))

    wide = [d.image.shape[1] - 2 for n, d in font.digits.items() if n != "1"]
    glyph = float(np.median(wide)) if wide else 0.7 * digit
    step = 0.07 * glyph  # advance = glyph width plus side bearings (condensed type: little)
    coarse = costs(np.arange(0.95, 1.5, 0.07) * glyph)
    centre = min(coarse, key=lambda p: coarse[p])
    fine = costs(centre + np.array([-0.5, -0.25, 0.25, 0.5]) * step)
    tried = {**coarse, **fine}
    return replace(font, pitch=min(tried, key=lambda p: tried[p]))


def _pitch_cost(
    strip: FloatArray,
    span: tuple[int, int],
    centres: list[float],
    font: DigitFont,
    pitch: float,
    upto: float,
) -> float:
    """How badly the span's first numbers redraw with ``font`` at ``pitch`` (inf: not at all)."""
    decoded = decode_span(strip, span, centres, replace(font, pitch=pitch), upto=upto)
    return np.inf if decoded is None else decoded.residual


def read_rows(
    lines: list[RiskLine],
    x_axis: AxisCalibration,
    ink: FloatArray | None = None,
    ticks: list[Word] | None = None,
    leaving: Sequence[Leaving] = (),
) -> list[RiskRow]:
    """The lines that read as risk-table rows, numbers that touch rebuilt where possible.

    Parameters
    ----------
    lines : list of RiskLine
        Text lines under the x axis, read.
    x_axis : AxisCalibration
    ink : ndarray of float, shape (rows, cols), optional
        The figure's ink; without it touching numbers keep their OCR reading.
    ticks : list of Word, optional
        Read tick labels: digits in the same font, for those the table does
        not show alone.
    leaving : sequence of callable
        Limits on who may leave between two times (from the curves read), for
        numbers printed deeply over each other (see ``_overprint.leaving_limits``).

    Returns
    -------
    list of RiskRow
        Top to bottom.
    """
    rows = _read_rows(lines, x_axis, ink, ticks, leaving)
    if x_axis.source != "labels" or x_axis.confidence >= LOOSE_AXIS:
        return rows
    return [  # the tick under each number is a guess: no number can be sure
        replace(row, cells=tuple(replace(c, confidence=0.15 * c.confidence) for c in row.cells))
        for row in rows
    ]


def _read_rows(
    lines: list[RiskLine],
    x_axis: AxisCalibration,
    ink: FloatArray | None,
    ticks: list[Word] | None,
    leaving: Sequence[Leaving] = (),
) -> list[RiskRow]:
    """``read_rows`` before the check of the x calibration."""
    crowded = [any(is_crowded(w, x_axis) for w in line.words) for line in lines]
    if ink is None or not any(crowded):
        rows = [read_row(line, x_axis, ink=ink) for line in lines]
        return [row for row in rows if row is not None]
    warm()  # a helper process for the searches below, used once it runs (see ``_parallel``)
    heights = [w.height for line in lines for w in line.words if _numeric(w)]
    height = (int(np.max(heights)) if heights else 0) + 2 * _PAD
    strips: list[FloatArray | None] = []
    read: list[tuple[int, Sequence[Word]]] = []
    for line in lines:
        top = _top(line)
        strips.append(None if top is None else strip_ink(ink, top, height))
        read.append((0 if top is None else top, line.words))
    samples = lone_numbers(strips, x_axis, read)
    spare = tick_samples(ticks or [], ink, x_axis, height, height - 2 * _PAD) if samples else []
    font = learn_font(samples, spare)
    if font is not None and not font.measured:
        font = _fit_pitch(font, lines, strips, x_axis)
    record: list[Placed] = []
    redraw = _Redraw(ink, x_axis, leaving)
    out = _rebuilt(lines, strips, crowded, font, x_axis, record, ink=ink, redraw=redraw)
    if font is not None and record:  # read again the rows not already read surely,
        better = refine_font(font, record)  # with the refined font, searching harder
        again = [
            busy and not _sure(row) and (better is not font or _shaky(row))
            for busy, row in zip(crowded, out, strict=True)
        ]
        if any(again):
            redone = _rebuilt(lines, strips, again, better, x_axis, None, True, True, ink, redraw)
            out = [new if redo else old for old, new, redo in zip(out, redone, again, strict=True)]
    return [row for row in out if row is not None]


SURE_ROW = 0.5  # a row whose every number is at least this sure is not rebuilt again


def _shaky(row: RiskRow | None) -> bool:
    """Whether a row is missing, or more than ``RETRY_UNSURE`` of its numbers are unsure."""
    return row is None or unsure(tuple(c.confidence for c in row.cells)) > RETRY_UNSURE


def _sure(row: RiskRow | None) -> bool:
    """Whether every number of a row was read with confidence ``SURE_ROW`` or more."""
    return row is not None and all(c.confidence >= SURE_ROW for c in row.cells)


def _rebuilt(
    lines: list[RiskLine],
    strips: list[FloatArray | None],
    crowded: list[bool],
    font: DigitFont | None,
    x_axis: AxisCalibration,
    record: list[Placed] | None = None,
    only: bool = False,
    retry: bool = False,
    ink: FloatArray | None = None,
    redraw: _Redraw | None = None,
) -> list[RiskRow | None]:
    """Each line read as a row (None if not one), touching numbers rebuilt with ``font``.

    With ``only``, lines not marked in ``crowded`` are skipped (None); with
    ``retry``, spans read unsurely are searched again (see ``decode_hard``);
    ``ink`` is the figure's, for the row labels (see ``read_row``); ``redraw``
    reads numbers printed deeply over each other.
    """
    out: list[RiskRow | None] = []
    ahead = _read_ahead(lines, strips, crowded, font, x_axis, retry, redraw)
    for line, strip, busy, known in zip(lines, strips, crowded, ahead, strict=True):
        if only and not busy:
            out.append(None)
            continue
        rebuild = None
        if busy and strip is not None and font is not None:
            rebuild = _rebuilder(line, strip, font, x_axis, record, retry, known)
        if busy and redraw is not None:
            rebuild = redraw.wrap(rebuild, line)
        out.append(read_row(line, x_axis, rebuild, ink))
    return out


def _read_ahead(
    lines: list[RiskLine],
    strips: list[FloatArray | None],
    crowded: list[bool],
    font: DigitFont | None,
    x_axis: AxisCalibration,
    retry: bool,
    redraw: _Redraw | None = None,
) -> list[_Rebuilt]:
    """Per line, its touching numbers rebuilt ahead, the rows shared with a helper process.

    Rows are read independently of each other, so while the helpers run
    (see ``_parallel``) the crowded rows are read side by side, as
    ``read_row`` would read them without the figure's ink. The rows are
    then read in turn, as before, taking a rebuild from here when it is
    asked for with the same counts around it (a redrawn word can change
    them), and a redrawing (``redraw``) where its face is the one the turn
    gives (see ``_Redraw``).
    """
    rows = [
        k
        for k, (strip, busy) in enumerate(zip(strips, crowded, strict=True))
        if busy and ((strip is not None and font is not None) or redraw is not None)
    ]
    out: list[_Rebuilt] = [{} for _ in lines]
    if len(rows) < 2 or not running():
        return out
    calls = [  # the first row is read as in turn, the others guess the face (``_Redraw.copy``)
        (lines[k], strips[k], font, x_axis, retry, redraw and redraw.copy(k != rows[0]))
        for k in rows
    ]
    for k, (rebuilt, redrawn) in zip(rows, each(_row_ahead, calls), strict=True):
        out[k] = rebuilt
        if redraw is not None:
            for key, got in redrawn.items():
                redraw.redrawn.setdefault(key, got)
    return out


def _row_ahead(
    line: RiskLine,
    strip: FloatArray | None,
    font: DigitFont | None,
    x_axis: AxisCalibration,
    retry: bool,
    redraw: _Redraw | None,
) -> tuple[_Rebuilt, dict[_Key, _Read]]:
    """Every rebuild ``read_row`` asks for in ``line``, by the word's columns and the counts
    around it, and every redrawing (module-level: for a helper process)."""
    got: _Rebuilt = {}
    record: list[Placed] = []
    noted: Crowded | None = None
    if strip is not None and font is not None:
        rebuild = _rebuilder(line, strip, font, x_axis, record, retry)

        def noted(word: Word, upper: int | None, lower: int) -> list[RiskCell] | None:
            before = len(record)
            cells = rebuild(word, upper, lower)
            key = (word.col0, word.col1, upper, lower)
            got[key] = (cells, [(c, v) for _, c, v in record[before:]])
            return cells

    read_row(line, x_axis, noted if redraw is None else redraw.wrap(noted, line))
    return got, {} if redraw is None else redraw.redrawn


def _unsure(cells: list[RiskCell]) -> float:
    """Share of the cells read unsurely (see ``_retry.unsure``)."""
    return unsure(tuple(c.confidence for c in cells))


@dataclass(frozen=True, eq=False)
class _PerCentre:
    """``most`` (who may leave between two times) between consecutive ``times``.

    A value rather than a closure, so a search under it can go to a helper
    process (see ``_parallel``).
    """

    most: Leaving
    times: tuple[float, ...]
    known: dict[tuple[int, int], int] = field(default_factory=dict)  # answers given

    def __call__(self, k: int, n: int) -> int:
        """The most who may leave between centres ``k`` and ``k + 1`` with ``n`` at risk."""
        got = self.known.get((k, n))
        if got is None:
            got = self.known[k, n] = self.most(self.times[k], self.times[k + 1], n)
        return got


@dataclass
class _Redraw:
    """Numbers printed deeply over each other, redrawn in DejaVu Sans (see ``_overprint``).

    Deep overprints leave no number alone to learn the table's font from;
    ``_overprint`` then tries the common default face. A word is redrawn
    once per reading of the table (``memo``), however often its row is
    read again with the same counts around it. One table prints in one
    font: the face fitted to the first word redrawn (its size, advance and
    shift) redraws the other words whose digits are as tall (``faces``).
    A row read ahead by a helper (``copy``, see ``_read_ahead``) fits its own
    face where the rows above it have not given one yet; its redrawings
    (``redrawn``) are used in turn where the face the turn gives reads them
    the same (see ``_overprint.redraw_row``).
    """

    ink: FloatArray
    x_axis: AxisCalibration
    leaving: Sequence[Leaving] = ()
    memo: dict[_Key, list[RiskCell] | None] = field(default_factory=dict)
    faces: dict[int, Face] = field(default_factory=dict)  # by the digits' height in pixels
    redrawn: dict[_Key, _Read] = field(default_factory=dict)  # every redrawing, and the
    # faces it reads the same with (see ``_overprint.redraw_row``), read here or ahead
    ahead: bool = False  # a copy reading a row ahead: no unhinted face is fitted

    def copy(self, ahead: bool) -> _Redraw:
        """A copy to read a row with elsewhere: it knows the memo and faces so far, shares nothing.

        ``ahead``: the row is read before the rows above it. Where the face
        of its digits' height is not known yet, it then tries the
        light-hinted face only: fitting an unhinted one costs most, and the
        rows read in turn fit it once for all.
        """
        memo, faces = dict(self.memo), dict(self.faces)
        return _Redraw(self.ink, self.x_axis, self.leaving, memo, faces, ahead=ahead)

    def wrap(self, rebuild: Crowded | None, line: RiskLine) -> Crowded:
        """``rebuild``, or where it fails or reads a number unsurely, the numbers redrawn.

        The redrawing is kept only where fewer of its numbers are unsure.
        """

        def redrawn(word: Word, upper: int | None, lower: int) -> list[RiskCell] | None:
            got = rebuild(word, upper, lower) if rebuild is not None else None
            if got is not None and _unsure(got) == 0.0:  # read surely: keep it
                return got
            key = (line.row, word.col0, word.col1, upper, lower)
            if key not in self.memo:
                self.memo[key] = self._cells(line, word, (upper, lower))
            redrawn = self.memo[key]
            if redrawn is None and got is None and self._unreadable(word):
                return []  # OCR's split of a long run of numbers no rebuild read is noise
            if redrawn is None or (got is not None and _unsure(got) <= _unsure(redrawn)):
                return got
            return redrawn

        return redrawn

    def _unreadable(self, word: Word) -> bool:
        """A long run of touching numbers (``LONG_RUN`` ticks or more) OCR is unsure of."""
        ticks = grid_times(word.col0, word.col1 - 1, self.x_axis)
        return len(ticks) >= LONG_RUN and word.numeric_confidence < OCR_SURE

    def _cells(
        self, line: RiskLine, word: Word, bounds: tuple[int | None, int]
    ) -> list[RiskCell] | None:
        """The word's numbers redrawn, or None if they cannot be."""
        band = digit_band(self.ink, line.row, (word.col0, word.col1))
        if band is None:
            return None
        edge = 0.3 * ADVANCE * (band[1] - band[0] + 1) / DIGIT_HEIGHT
        times = _span_times(word, edge, self.x_axis)
        centres = [float(self.x_axis.pixel(t)) for t in times]
        limits: list[Limit | None] = [_PerCentre(most, tuple(times)) for most in self.leaving]
        height = band[1] - band[0] + 1
        face = self.faces.get(height)
        key = (line.row, word.col0, word.col1, *bounds)
        known = self.redrawn.get(key)
        if known is None or (known[1] is not None and face not in known[1]):
            read = redraw_row(self.ink, band, centres, bounds, limits, face, not self.ahead)
            if read is None:  # read ahead, it would need an unhinted face fitted
                return None
            known = self.redrawn[key] = read
        decoded = known[0]
        if decoded is None:
            return None
        self.faces.setdefault(height, decoded.face)
        return [
            RiskCell(line.row, col, str(value), value, time, conf)
            for time, col, value, conf in zip(
                times, centres, decoded.values, decoded.confidence, strict=True
            )
        ]
