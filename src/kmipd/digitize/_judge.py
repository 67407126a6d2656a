"""How sure each rebuilt number is, and single-number slips of the search mended.

A number rebuilt from ink printed over other numbers is sure only if its
own stretch of ink is drawn well (a pixel's shift forgiven) and no allowed
rival count (one digit changed, added or dropped) redraws that ink almost as
well; a sure number also needs a sure neighbour, as the counts of a row
hang together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from kmipd.digitize._overlap import _Decoder, _State

__all__ = ["Decoded", "judged", "paste"]

FloatArray = npt.NDArray[np.floating[Any]]  # ink: single or double precision
MISFIT = 0.05  # share of a number's ink drawn wrong (a pixel's shift forgiven) that voids it
POLISH = 8  # single-number mends tried after the beam search
MIN_DIFF = 4.0  # pixels' worth of difference below which two drawings are not told apart
SURE = 0.5  # how clearly (see _margins) a number must beat its rivals to be sure


@dataclass(frozen=True)
class Decoded:
    """Numbers rebuilt for consecutive ticks.

    Attributes
    ----------
    values : tuple of int
    confidence : tuple of float
        Per number: lower where the ink is poorly explained or another
        reading explains it almost as well.
    residual : float
        Share of the span's ink the drawing does not match.
    """

    values: tuple[int, ...]
    confidence: tuple[float, ...]
    residual: float
    margin: tuple[float, ...] = ()
    mismatch: tuple[float, ...] = ()


def paste(canvas: FloatArray, image: FloatArray, col: int) -> tuple[FloatArray, slice, slice]:
    """Window of ``canvas`` under ``image`` placed at column ``col`` (clipped), and the slices."""
    lo, hi = max(col, 0), min(col + image.shape[1], canvas.shape[1])
    if hi <= lo:
        return canvas[:, 0:0], slice(0, 0), slice(0, 0)
    return canvas[:, lo:hi], slice(lo, hi), slice(lo - col, hi - col)


def _layers(decoder: _Decoder, values: tuple[int, ...], cols: int) -> list[FloatArray]:
    """Ink of each number drawn alone, on the decoder's columns."""
    layers = []
    for value, centre in zip(values, decoder.centres, strict=False):
        layers.append(_drawn(decoder, str(value), centre, cols))
    return layers


def _drawn(decoder: _Decoder, text: str, centre: float, cols: int, first: int = 0) -> FloatArray:
    """Ink of the number ``text`` drawn at ``centre`` on decoder columns ``first`` to ``cols``.

    Read only: kept in ``decoder.drawings``, as a row is judged again after each mend.
    """
    key = (text, centre, cols, first)
    got = decoder.drawings.get(key)
    if got is not None:
        return got
    canvas = np.zeros((decoder.seen.shape[0], cols - first))
    for j, digit in enumerate(text):
        col = decoder.font.place(digit, centre, j, len(text)) - decoder.col0 - first
        window, where, part = paste(canvas, decoder.font.digits[digit].image, col)
        canvas[:, where] = 1.0 - (1.0 - window) * (1.0 - decoder.font.digits[digit].image[:, part])
    canvas.setflags(write=False)
    decoder.drawings[key] = canvas
    return canvas


def _rivals(value: int, low: int, high: int | None, names: list[str]) -> set[int]:
    """Counts within bounds that differ from ``value`` in one digit, or by one digit more/less."""
    text = str(value)
    out = set()
    for j in range(len(text)):
        for digit in names:
            other = text[:j] + digit + text[j + 1 :]
            if other != text and not (other[0] == "0" and len(other) > 1):
                out.add(int(other))
        if len(text) > 1:
            out.add(int(text[:j] + text[j + 1 :] or "0"))
    out |= {
        int(text[:j] + d + text[j:]) for j in range(len(text) + 1) for d in names if j or d != "0"
    }
    return {v for v in out if v != value and v >= low and (high is None or v <= high)}


def _margins(
    decoder: _Decoder, values: tuple[int, ...], upper: int | None
) -> tuple[list[float], list[tuple[float, int]]]:
    """Per number: how clearly the ink tells it from its closest allowed rival.

    All other numbers stay as decoded. For each rival count (one digit
    changed, added or dropped, within the bounds its neighbours set), the
    extra misfit of the rival is divided by how much the two drawings differ
    at all (at least ``MIN_DIFF`` pixels' worth): 1 when the ink where they
    differ is exactly the number's, 0 or less when the rival fits as well.
    A rival hidden entirely under other numbers counts as fitting as well.
    Also returns, per number, how much better its best rival fits (0 if
    none does) and that rival.
    """
    seen = decoder.seen
    cols = seen.shape[1]
    layers = [np.minimum(layer, 0.999) for layer in _layers(decoder, values, cols)]
    blank = np.ones_like(seen)
    for layer in layers:
        blank *= 1.0 - layer
    out, better = [], []
    for i, value in enumerate(values):
        better.append((0.0, value))
        rest = 1.0 - blank / (1.0 - layers[i])
        reach = (len(str(value)) + 1) * decoder.font.pitch
        centre = decoder.centres[i] - decoder.col0
        lo, hi = max(0, round(centre - reach)), min(cols, round(centre + reach) + 1)
        high = values[i - 1] if i else upper
        low = values[i + 1] if i + 1 < len(values) else 0
        rivals = _rivals(value, low, high, decoder.names)
        if hi <= lo or not rivals:
            out.append(1.0 if hi > lo else 0.0)
            continue
        window, other = seen[:, lo:hi], rest[:, lo:hi]

        def seen_as(text: str, other: FloatArray = other) -> FloatArray:
            drawn = _drawn(decoder, text, decoder.centres[i], hi, lo)  # noqa: B023
            return 1.0 - (1.0 - other) * (1.0 - drawn)

        mine = seen_as(str(value))
        own = float(np.square(mine - window).sum())
        ratios = []
        for rival in rivals:
            theirs = seen_as(str(rival))
            differ = float(np.square(theirs - mine).sum())
            worse = float(np.square(theirs - window).sum()) - own
            ratios.append(worse / max(differ, MIN_DIFF))
            if -worse > max(better[-1][0], 0.5):
                better[-1] = (-worse, rival)
        out.append(min(ratios))
    return out, better


def _polished(
    decoder: _Decoder, values: tuple[int, ...], upper: int | None
) -> tuple[tuple[int, ...], list[float]]:
    """The counts with single-number slips of the beam search mended, and their margins.

    The beam can lose the best reading of a number early on; where one
    count alone, changed to an allowed rival, redraws the ink better, it is
    changed (the clearest gain first) and the row judged again.
    """
    margins, better = _margins(decoder, values, upper)
    for _ in range(POLISH):
        gain, i = max((b[0], i) for i, b in enumerate(better))
        if gain <= 0.0:
            break
        values = (*values[:i], better[i][1], *values[i + 1 :])
        margins, better = _margins(decoder, values, upper)
    return values, margins


def _widen(image: FloatArray) -> FloatArray:
    """Each pixel the largest of itself and its left and right neighbours."""
    out = image.copy()
    out[:, 1:] = np.maximum(out[:, 1:], image[:, :-1])
    out[:, :-1] = np.maximum(out[:, :-1], image[:, 1:])
    return out


def _misfit(drawn: FloatArray, seen: FloatArray) -> FloatArray:
    """Ink drawn where none is seen and seen where none is drawn, a pixel's shift forgiven.

    Numbers stand at fractional columns and digits are drawn at whole ones,
    so anti-aliased edges differ by up to a pixel even when the reading is right.
    """
    extra = np.maximum(drawn - _widen(seen), 0.0)
    missing = np.maximum(seen - _widen(drawn), 0.0)
    return np.square(extra) + np.square(missing)


def judged(
    beam: list[_State], decoder: _Decoder, upper: int | None, judge: bool = True
) -> Decoded | None:
    """The best sequence, with per-number confidence from its own stretch and the runners-up.

    Each number is judged on the columns it covers: the share of that ink
    the drawing gets wrong (missing or extra), so a badly explained stretch
    does not drag down numbers that are drawn well elsewhere in the row.
    """
    if not beam:
        return None
    seen = decoder.seen
    best = beam[0]
    ink = float(np.square(seen).sum()) or 1.0
    cost = best.over + best.under
    residual = cost / ink
    close = [s for s in beam[1:] if s.over + s.under <= cost + 0.05 * ink]
    values, canvas = best.values, best.canvas
    margins = [0.0] * len(values)
    if judge:
        values, margins = _polished(decoder, values, upper)
    if values != best.values:
        blank = np.ones_like(seen)
        for layer in _layers(decoder, values, seen.shape[1]):
            blank *= 1.0 - layer
        canvas = 1.0 - blank
        residual = float(np.square(canvas - seen).sum()) / ink
    wrong = _misfit(canvas, seen).sum(axis=0)
    mass = np.square(seen).sum(axis=0)
    confidence, mismatch = [], []
    for i, value in enumerate(values):
        half = 0.5 * len(str(value)) * decoder.font.pitch + 1
        centre = decoder.centres[i] - decoder.col0
        lo, hi = max(0, round(centre - half)), min(seen.shape[1], round(centre + half) + 1)
        local = float(wrong[lo:hi].sum()) / max(float(mass[lo:hi].sum()), 1.0)
        mismatch.append(round(local, 4))
        rivals = sum(len(s.values) > i and s.values[i] != value for s in close)
        base = max(0.0, 1.0 - local / MISFIT) * min(1.0, max(0.0, margins[i]) / SURE)
        confidence.append(round(0.9 * base * (0.5 if rivals else 1.0), 3))
    return Decoded(values, _anchored(confidence), residual, tuple(margins), tuple(mismatch))


def _anchored(confidence: list[float]) -> tuple[float, ...]:
    """Confidences capped by the surer neighbour: a lone sure number among unsure ones is luck.

    Rebuilt numbers hang together (each bounds the next), so a number is
    trusted only as far as one of its neighbours is.
    """
    if len(confidence) < 2:
        return tuple(confidence)
    out = []
    for i, value in enumerate(confidence):
        near = confidence[max(0, i - 1) : i] + confidence[i + 1 : i + 2]
        out.append(min(value, max(near)))
    return tuple(out)
