"""Spans of touching numbers searched again when the first rebuild leaves many unsure.

Also the check that voids rebuilds of numbers printed too deep over each
other to tell apart.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from kmipd.digitize._glyphs import DigitFont
from kmipd.digitize._judge import Decoded
from kmipd.digitize._overlap import BEAM, decode_span
from kmipd.digitize._pairwise import decode_pairs
from kmipd.digitize._parallel import each

__all__ = ["MAX_OVERPRINT", "RETRY_UNSURE", "decode_hard", "overprinted", "unsure"]

FloatArray = npt.NDArray[np.float64]
WIDE_BEAM = 24  # beam of a second search, for spans the first read with many unsure numbers
RETRY_UNSURE = 0.2  # share of unsure numbers (confidence below 0.2) that calls for it
PITCH_STEP = 0.01  # pitches tried again around the chosen one, as a share of it
MAX_OVERPRINT = 3.0  # tick gaps a number's width may span; wider, it is printed over beyond reading


def decode_hard(
    strip: FloatArray,
    span: tuple[int, int],
    centres: list[float],
    font: DigitFont,
    upper: int | None,
    lower: int,
    retry: bool,
) -> Decoded | None:
    """The best rebuild of a span; searched again more widely if many numbers stay unsure.

    The pitch chosen on the start of one span can be a little off for a whole
    row (0.3 px over 30 numbers derails it), and a narrow beam can lose the
    best reading: a span read with many unsure numbers is rebuilt again at
    pitches close by, then exactly where numbers overlap only their
    neighbours (``decode_pairs``), then with a wider beam, and the drawing
    that explains its ink best is kept.

    Parameters
    ----------
    strip : ndarray of float, shape (font.height, cols)
        Ink of the table row.
    span : tuple of int
        Image columns (half-open) of the touching numbers.
    centres : list of float
        Image column of each tick in the span.
    font : DigitFont
    upper, lower : int or None, int
        Bounds from the counts beside the span (see ``decode_span``).
    retry : bool
        Whether to search again; without it, one search as ``decode_span``.

    Returns
    -------
    Decoded or None
        None if no non-rising sequence fits.
    """

    def at(pitch: float, width: int = BEAM) -> Decoded | None:
        trial = font if pitch == font.pitch else replace(font, pitch=pitch)
        return _decoded(strip, span, centres, trial, upper, lower, width)

    def residual(item: tuple[float, Decoded | None]) -> float:
        return np.inf if item[1] is None else item[1].residual

    best = (font.pitch, at(font.pitch))
    if not retry or (
        best[1] is not None
        and (
            unsure(best[1].confidence) <= RETRY_UNSURE
            or not any(overprinted(centres, best[1].values, [1.0], font.pitch))
        )
    ):
        return best[1]  # sure enough, or beyond reading at any pitch
    pitches = [font.pitch * (1.0 + PITCH_STEP * step) for step in (-2, -1, 1, 2)]
    calls = [(strip, span, centres, replace(font, pitch=p), upper, lower) for p in pitches]
    for pitch, decoded in zip(pitches, each(_decoded, calls), strict=True):
        best = min(best, (pitch, decoded), key=residual)
    if best[1] is not None and unsure(best[1].confidence) <= RETRY_UNSURE:
        return best[1]
    trial = replace(font, pitch=best[0])
    exact = decode_pairs(strip, span, centres, trial, upper=upper, lower=lower)
    best = min(best, (best[0], exact), key=residual)
    if best[1] is not None and unsure(best[1].confidence) <= RETRY_UNSURE:
        return best[1]
    return min(best, (best[0], at(best[0], WIDE_BEAM)), key=residual)[1]


def _decoded(
    strip: FloatArray,
    span: tuple[int, int],
    centres: list[float],
    font: DigitFont,
    upper: int | None,
    lower: int,
    width: int = BEAM,
) -> Decoded | None:
    """``decode_span`` with these bounds and beam ``width`` (module-level: for a helper process)."""
    return decode_span(strip, span, centres, font, upper=upper, lower=lower, beam_width=width)


def unsure(confidence: tuple[float, ...]) -> float:
    """Share of numbers read with confidence below 0.2."""
    return sum(c < 0.2 for c in confidence) / max(len(confidence), 1)


def overprinted(
    centres: list[float], values: tuple[int, ...], confidence: list[float], pitch: float
) -> list[float]:
    """Confidences, all zero if the widest number spans over ``MAX_OVERPRINT`` tick gaps.

    Every column of such a run is printed over by several numbers: the blend
    of ink no longer tells their digits apart, and a rebuild that fits it with
    shorter numbers (fewer digits, less overlap) is no better.
    """
    if len(centres) < 2:
        return confidence
    gap = (centres[-1] - centres[0]) / (len(centres) - 1)
    widest = max(len(str(v)) for v in values)
    return [0.0] * len(confidence) if widest * pitch > MAX_OVERPRINT * gap else confidence
