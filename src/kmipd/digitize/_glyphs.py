"""The digits of a risk table's own font, cut from the numbers that stand alone.

Numbers printed so close that they overlap cannot be read by OCR; they can be
rebuilt from the table's font (see ``_overlap``). The font is learned from the
same table: every number that stands alone under its tick and was read
confidently is cut into its digits (connected components), and a least-squares
fit of where each digit sits gives the digit pitch (advance) and each digit's
offset from the number's centre.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Digit", "DigitFont", "Sample", "learn_font", "strip_ink"]

FloatArray = npt.NDArray[np.float64]
FAINT = 0.15  # ink below this (grid lines, paper texture) counts as background
MIN_ADVANCE = 0.9  # least digit pitch, in digit ink widths, that a measured pitch may have
_MARGIN = 1  # columns kept on each side of a digit's ink


@dataclass(frozen=True)
class Sample:
    """A number read alone under its tick: its ink strip, centre and digits.

    Attributes
    ----------
    strip : ndarray of float, shape (rows, cols)
        Ink of the table row (rows aligned on the tops of its digits).
    col0 : int
        Image column of ``strip[:, 0]``.
    left, right : int
        Image columns of the number's box (half-open).
    centre : float
        Image column of its tick.
    digits : str
        What OCR read.
    confidence : float
    """

    strip: FloatArray
    col0: int
    left: int
    right: int
    centre: float
    digits: str
    confidence: float


@dataclass(frozen=True, eq=False)
class Digit:
    """One digit of the font: its ink and where its ink starts in a one-digit number.

    ``borrowed`` digits were not seen alone in the table: their image is a
    scaled tick label (see ``_refine`` for how the table corrects it).
    """

    image: FloatArray
    offset: float
    confidence: float
    borrowed: bool = False


@dataclass(frozen=True, eq=False)
class DigitFont:
    """Digits of a table's font, learned from the table.

    Attributes
    ----------
    pitch : float
        Advance from one digit to the next, in pixels.
    digits : dict of str to Digit
        The digits seen (not always all ten).
    height : int
        Rows of every digit image.
    measured : bool
        Whether the pitch was measured on the table's own numbers (else it
        is a guess to refine).
    """

    pitch: float
    digits: dict[str, Digit]
    height: int
    measured: bool = True

    def place(self, digit: str, centre: float, index: int, count: int) -> int:
        """Image column of the first column of ``digit`` (index of count) in a number at centre."""
        where = centre + self.digits[digit].offset + (index - (count - 1) / 2.0) * self.pitch
        return round(where) - _MARGIN


def strip_ink(ink: FloatArray, top: int, height: int) -> FloatArray:
    """Rows ``top`` to ``top + height`` of ``ink`` (zero outside), faint ink removed."""
    out = np.zeros((height, ink.shape[1]))
    lo, hi = max(0, top), min(ink.shape[0], top + height)
    if hi > lo:
        out[lo - top : hi - top] = ink[lo:hi]
    return np.where(out >= FAINT, out, 0.0)


def _components(sample: Sample) -> list[tuple[int, int]]:
    """Column ranges (image columns, half-open) of the glyphs of a number, left to right."""
    import cv2

    box = sample.strip[:, sample.left - sample.col0 : sample.right - sample.col0]
    count, _, stats, _ = cv2.connectedComponentsWithStats(
        (box >= 0.3).astype(np.uint8), connectivity=8
    )
    spans = sorted(
        (int(stats[k, 0]), int(stats[k, 0] + stats[k, 2]))
        for k in range(1, count)
        if stats[k, 4] >= 3
    )
    merged: list[tuple[int, int]] = []
    for c0, c1 in spans:  # pieces of one glyph overlap in columns
        if merged and c0 < merged[-1][1] - 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], c1))
        else:
            merged.append((c0, c1))
    return [(c0 + sample.left, c1 + sample.left) for c0, c1 in merged]


def _observations(samples: list[Sample]) -> list[tuple[str, int, int, float, FloatArray, float]]:
    """Per digit seen: (digit, index, count, ink start minus centre, image, confidence)."""
    out = []
    for sample in samples:
        if not re.fullmatch(r"\d+", sample.digits):
            continue
        spans = _components(sample)
        if len(spans) != len(sample.digits):
            continue
        for j, (digit, (c0, c1)) in enumerate(zip(sample.digits, spans, strict=True)):
            lo, hi = c0 - _MARGIN - sample.col0, c1 + _MARGIN - sample.col0
            if lo < 0 or hi > sample.strip.shape[1]:
                continue
            image = sample.strip[:, lo:hi]
            out.append((digit, j, len(sample.digits), c0 - sample.centre, image, sample.confidence))
    return out


def _fit(
    observed: list[tuple[str, int, int, float, FloatArray, float]],
) -> tuple[float, dict[str, float]]:
    """Least-squares pitch and per-digit offsets: start = offset[d] + (j - (k - 1) / 2) pitch.

    With only one-digit numbers the pitch is not measured: it is taken as
    1.25 times the median glyph width (and returned negative to say so).
    """
    names = sorted({o[0] for o in observed})
    shift = np.array([o[1] - (o[2] - 1) / 2.0 for o in observed])
    design = np.zeros((len(observed), len(names) + 1))
    for r, o in enumerate(observed):
        design[r, names.index(o[0])] = 1.0
    design[:, -1] = shift
    starts = np.array([o[3] for o in observed])
    if np.any(shift != 0):
        solution = np.linalg.lstsq(design, starts, rcond=None)[0]
        pitch = float(solution[-1])
        offsets = {n: float(solution[i]) for i, n in enumerate(names)}
    else:  # only one-digit numbers: the pitch from the glyph widths
        widths = [o[4].shape[1] - 2 * _MARGIN for o in observed if o[0] != "1"]
        pitch = -1.25 * float(np.median(widths)) if widths else 0.0
        offsets = {n: float(np.median(starts[[o[0] == n for o in observed]])) for n in names}
    return pitch, offsets


def _start(
    o: tuple[str, int, int, float, FloatArray, float], pitch: float, offsets: dict[str, float]
) -> float:
    """Where the fit puts a glyph's ink start (relative to its number's centre)."""
    return offsets[o[0]] + (o[1] - (o[2] - 1) / 2.0) * pitch


def _digits(samples: list[Sample]) -> tuple[float, dict[str, Digit]]:
    """Pitch (negative if guessed) and digits learned from samples, with outliers dropped."""
    observed = _observations(samples)
    if not observed:
        return 0.0, {}
    pitch, offsets = _fit(observed)
    for _ in range(2):  # drop glyphs that sit far from where the fit puts them, refit
        kept = [o for o in observed if abs(_start(o, abs(pitch), offsets) - o[3]) <= 2.0]
        if len(kept) == len(observed) or not kept:
            break
        observed = kept
        pitch, offsets = _fit(observed)
    digits = {}
    for name, offset in offsets.items():
        best = min(
            (o for o in observed if o[0] == name),
            key=lambda o: (abs(_start(o, abs(pitch), offsets) - o[3]), -o[5]),
        )
        digits[name] = Digit(best[4], offset, best[5])
    return pitch, digits


def _squeeze(own: dict[str, Digit], other: dict[str, Digit]) -> float:
    """How much narrower the table's digits are than the same digits elsewhere (1 if unknown).

    Some renderers condense a crowded table's text; the tick labels keep
    their shape, so borrowed digits are narrowed alike.
    """
    ratios = [
        (own[n].image.shape[1] - 2 * _MARGIN) / (other[n].image.shape[1] - 2 * _MARGIN)
        for n in own
        if n in other and n != "1" and other[n].image.shape[1] > 2 * _MARGIN + 2
    ]
    ratio = float(np.median(ratios)) if ratios else 1.0
    return ratio if abs(ratio - 1.0) > 0.15 else 1.0


def _narrowed(digit: Digit, squeeze: float) -> Digit:
    """A borrowed digit, its width (and offset) scaled by ``squeeze``."""
    image = digit.image
    if squeeze != 1.0:
        import cv2

        cols = max(2 * _MARGIN + 1, round(image.shape[1] * squeeze))
        image = cv2.resize(image.astype(np.float32), (cols, image.shape[0])).astype(np.float64)
        image = np.where(image >= FAINT, image, 0.0)
    return Digit(image, digit.offset * squeeze, 0.5 * digit.confidence, True)


def learn_font(samples: list[Sample], spare: list[Sample] | None = None) -> DigitFont | None:
    """The digits of a table's font from its numbers that stand alone.

    Parameters
    ----------
    samples : list of Sample
        Numbers of the table read confidently, each alone under its tick.
    spare : list of Sample, optional
        Other numbers in the same font scaled to the table's size (tick
        labels), for digits and a pitch the table does not show alone; their
        digits get half the confidence.

    Returns
    -------
    DigitFont or None
        None if fewer than two digits could be learned or the pitch is not
        plausible.
    """
    pitch, digits = _digits(samples)
    if not digits:
        return None
    wide = [d.image.shape[1] - 2 * _MARGIN for n, d in digits.items() if n != "1"]
    if pitch > 0 and wide and pitch < MIN_ADVANCE * float(np.median(wide)):
        # digits of a number do not overlap: a misread sample, not a pitch; keep lone digits
        pitch, digits = _digits([s for s in samples if len(s.digits) == 1])
        if not digits:
            return None
        pitch = -abs(pitch)
    measured = pitch > 0
    height = int(next(iter(digits.values())).image.shape[0])
    if spare and (len(digits) < 10 or pitch < 0):
        spare_pitch, extra = _digits([s for s in spare if s.strip.shape[0] == height])
        squeeze = _squeeze(digits, extra)
        for name, digit in extra.items():
            if name not in digits:
                digits[name] = _narrowed(digit, squeeze)
        if pitch < 0 < spare_pitch:
            pitch = spare_pitch * squeeze
    pitch = abs(pitch)
    if not 0.25 * height <= pitch <= 1.5 * height or len(digits) < 2:
        return None
    return DigitFont(pitch, digits, height, measured)
