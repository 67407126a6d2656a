"""Numbers printed deeply over each other, read by redrawing them in DejaVu Sans.

When a risk table puts a number at every tick and the ticks are closer
than a number is wide, three to six numbers overlap at every place and no
number stands alone to learn the table's font from (see ``_glyphs``).
Such tables come from R (ggplot2/survminer) and matplotlib on Linux, whose
default sans-serif face is DejaVu Sans, which matplotlib ships. This module
draws candidate rows in that face at the size the ink shows, moved by the
fraction of a pixel that puts the ticks' centres on the drawing's grid,
and keeps the row whose drawing matches the ink. A beam search runs left to right under
the rule that counts at risk never rise, once per limit on falls the
curves give (``leaving_limits``); each row found is then polished count by
count on the ink alone, as censoring whose marks print over each other can
exceed any limit. A row printed more than four ticks deep is also searched
from its right end, on the mirrored ink, where the numbers are short and
stand clearer, and the two are joined. The fit is checked: a table in
another face matches badly and is left unread (``None``), and a row
printed more than four ticks deep is kept only where its sharp and
blurred readings hold up on each other's ink (``_held``).

First the face is tried as R's Cairo devices draw it: FreeType's light
hinting with each digit on a whole pixel (``_dejavu.LIGHT``, fitted by
``_fit_light``). Where that redraws the ink exactly, the drawing is the
ink and one sharp reading is enough, but digits printed at one place over
each other still do not say which count each belongs to: rows that trade
such digits between counts redraw the ink as well. Of those, the row whose
falls change most evenly is kept, and the counts they read differently are
kept less sure, or left out where the falls do not decide (``_exact``).
Where the light face does not redraw the ink exactly (another renderer,
a screenshot), the unhinted faces are used as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.ndimage import gaussian_filter

from kmipd.digitize._dejavu import (
    ADVANCE,
    DIGIT_HEIGHT,
    LIGHT,
    SMOOTH,
    WHOLE,
    _advance,
    _face,
    light_sizes,
)
from kmipd.digitize._exact import exact
from kmipd.digitize._parallel import each
from kmipd.digitize._redraw import (
    BEAM,
    Limit,
    _beam,
    _confidence,
    _joined,
    _polish,
    _reverse_row,
    _Search,
    _State,
)

__all__ = [
    "Face",
    "Leaving",
    "Overprint",
    "decode_overprint",
    "digit_band",
    "leaving_limits",
    "most_leaving",
    "redraw_row",
]

FloatArray = npt.NDArray[np.float64]
Leaving = Callable[[float, float, int], int]  # most who may leave between two times, given
# the number at risk at the first
Face = tuple[float, str, float]  # size (pixels), rendering (``_dejavu.RENDERS``), shift (pixels)
_EXCHANGES = 3  # rounds in which the sharp and blurred searches polish each other's rows
_GAIN = 0.02  # share of its error a polished row must redraw better by to replace its start
_FIT = 0.35  # residual ink (share of the ink seen) above which the face is not the table's
_BLUR = 0.8  # pixels of Gaussian blur on drawing and ink alike: the figure's renderer hints
# and smooths glyphs its own way, which matters most at small sizes
_LEAVE_SLACK = 2.0  # counts a fall may exceed what the curves allow by (reading error) ...
_LEAVE_SHARE = 0.04  # ... plus this share of those at risk
_SCALES = (0.94, 0.97, 1.0, 1.03)  # sizes tried, as shares of the size the digits' height
# gives (a shrunk or JPEG screenshot blurs the digits' edges into a row more)
_PREFIX = 8  # numbers redrawn to choose the size, the advance and the shift ...
_PREFIX_BEAM = 40  # ... keeping this many beginnings at each tick
_SHALLOW_BEAM = 40  # beginnings kept at each tick in a row at most ``_DEEP`` ticks deep
# (``BEAM`` in deeper rows)
_SHIFTS = (0.0, 0.25, 0.5, 0.75)  # pixels the centres are moved by, tried (see ``_fit_face``)
_SMALL = 16  # digits fewer rows tall than this are compared blurred
_DEPTH = 7.0  # tick gaps a number may span at most (wider: printed over beyond reading)
_DEEP = 4.0  # tick gaps beyond which a row is also searched from its right end, and kept
# only where its two readings agree ...
_AGREE = 0.9  # ... on this share of its counts at least, or where the other reading redraws
_CONSISTENT = 0.01  # the row kept within this share of its own best, or where they agree on
_MOST = 0.75  # this share at least and the other reading redraws the row kept within ...
_CLOSE = 0.05  # ... this share of its own best
_STRONG = 0.5  # ink from which a pixel counts when measuring the digits' height
_FAINT = 0.15  # ink below which a pixel is taken for paper (noise, grid lines) ...
_FAINT_LIGHT = 0.02  # ... or, redrawing in the exact light-hinted face, the digits' own edges
_LINE_PIXELS = 10  # faint pixels a row needs to show a line across the digits ...
_PAPER = 0.01  # ... of which those with less ink than this are paper ...
_PAPER_SHARE = 0.05  # ... and at most this share may be: a line leaves no paper
_LIGHT_FIT = 0.02  # most error of the first numbers in the light-hinted face, if it is the table's
_LIGHT_NEAR = 0.06  # ... and within which another size is tried
_LIGHT_SURE = 0.002  # ... and within which the first numbers are not searched for again


def digit_band(ink: FloatArray, row: float, cols: tuple[int, int]) -> tuple[int, int] | None:
    """Top and bottom (inclusive) rows of the digits on text line ``row`` between ``cols``.

    The rows of strong ink around the line's centre that touch it without a gap.
    """
    lo, hi = max(0, cols[0]), min(ink.shape[1], cols[1])
    centre = round(row)
    if hi <= lo or not 0 <= centre < ink.shape[0]:
        return None
    inked = np.asarray((ink[:, lo:hi] >= _STRONG).any(axis=1), dtype=bool)
    if not inked[centre]:
        return None
    top = bottom = centre
    while top > 0 and inked[top - 1]:
        top -= 1
    while bottom < ink.shape[0] - 1 and inked[bottom + 1]:
        bottom += 1
    return top, bottom


@dataclass(frozen=True)
class Overprint:
    """A row of numbers rebuilt from their overprinted ink.

    Attributes
    ----------
    values : tuple of int
        One count per centre.
    confidence : tuple of float
        Per count: how clearly the nearest counts its neighbours allow (one
        and ten either side) redraw worse; 0 where the sharp and the blurred
        readings disagree; in the exact face, 0.3 at most where a row that
        redraws the ink as well but falls less evenly reads it otherwise,
        and under 0.2 where the falls do not decide (see ``_exact``).
    misfit : float
        Ink left unexplained, as a share of the ink seen (0 = drawn exactly).
    face : Face
        The size, advance and shift the numbers were redrawn with.
    """

    values: tuple[int, ...]
    confidence: tuple[float, ...]
    misfit: float
    face: Face


_ArmRead = tuple[FloatArray, FloatArray, FloatArray]  # an arm's step curve and censor times


def leaving_limits(arms: Sequence[_ArmRead]) -> tuple[Leaving, ...]:
    """The limits on falls a deeply overprinted row is searched under, loosest first.

    :func:`most_leaving`, and where some arms show no censor marks, the
    same with those arms counted as if none of their patients were
    censored: the tighter bound is often right, as censoring is usually
    light, and where it is not the ink decides (see ``decode_overprint``).
    """
    loose = most_leaving(arms)
    if all(len(arm[2]) for arm in arms):
        return (loose,)
    strict = most_leaving(arms, unmarked=True)
    return (loose, strict) if any(len(arm[2]) for arm in arms) else (strict,)


def most_leaving(arms: Sequence[_ArmRead], unmarked: bool = False) -> Leaving:
    """The most who may leave any arm's table between two times, from the curves read.

    Between times ``a`` and ``b`` with ``n`` at risk at ``a``, at most
    ``-n ln(S(b-) / S(a-))`` die (each factor ``1 - d/n_j`` of the
    Kaplan-Meier product is at most ``exp(-d/n)``); add the censor marks
    seen in between and a slack for the reading. The most over all arms is
    returned, as a row's arm is not known yet. Only arms with censor marks
    read count: without marks censoring cannot be counted, and where no arm
    shows any, anyone may leave.

    Parameters
    ----------
    arms : sequence of (times, survival, censor times)
        Each arm's step curve and censor marks.
    unmarked : bool
        Count arms without censor marks too, as if none of their patients
        were censored.
    """

    return _MostLeaving(tuple(arm for arm in arms if unmarked or len(arm[2])))


@dataclass(frozen=True, eq=False)
class _MostLeaving:
    """:func:`most_leaving` of the arms ``marked`` (a value, so it can go to a helper process)."""

    marked: tuple[_ArmRead, ...]

    def __call__(self, a: float, b: float, n: int) -> int:
        """The most who may leave between times ``a`` and ``b`` with ``n`` at risk at ``a``."""
        if not self.marked:
            return n
        most = 0.0
        for times, survival, marks in self.marked:
            if len(times) == 0 or b > float(times[-1]):
                return n
            before = np.searchsorted(times, [a, b], side="left") - 1
            s0, s1 = (float(survival[max(i, 0)]) for i in before)
            if s1 <= 0.0 or s0 <= 0.0:
                return n
            died = -n * np.log(min(1.0, s1 / s0))
            censored = int(np.count_nonzero((marks >= a) & (marks < b)))
            most = max(most, died + censored)
        return int(np.ceil(most + _LEAVE_SLACK + _LEAVE_SHARE * n))


def decode_overprint(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    bounds: tuple[int | None, int] = (None, 0),
    limits: Sequence[Limit | None] = (None,),
    face: Face | None = None,
) -> Overprint | None:
    """Rebuild one count per centre from a band of overprinted numbers.

    Each limit on falls starts one search; its row is then polished count
    by count on the ink alone, and the row that redraws the ink best is
    kept. A row more than ``_DEEP`` ticks deep is also searched from its
    right end and joined (:func:`_rows`). In the exact light-hinted face
    one sharp reading is made and its ambiguous counts found
    (:func:`_exact`); where that face does not redraw the row's own ink
    within 1 %, or most of its counts redraw inexactly, the row is rebuilt
    in the unhinted faces twice,
    comparing drawing and ink sharp and blurred (renderers hint and smooth
    small glyphs their own way), each reading polishing the other's rows; a
    count the two disagree on is kept with confidence 0, to be reported,
    not used.

    Parameters
    ----------
    ink : ndarray of float, shape (rows, cols)
        The figure's ink (0 paper, 1 full ink).
    band : (int, int)
        Top and bottom rows (inclusive) of the digits (see :func:`digit_band`).
    centres : list of float
        Image column of each number's centre (its tick), left to right.
    bounds : (int or None, int)
        The count read before these numbers (None if none) and after them.
    limits : sequence of callable or None
        Each ``limit(k, n)``: the most who may leave between centres ``k``
        and ``k + 1`` with ``n`` at risk at ``k`` (see :func:`most_leaving`);
        None for no limit. The first also guides the choice of the face's size.
    face : (float, str, float), optional
        The size, rendering and shift to redraw with, as another row of the
        same table was (its ``Overprint.face``); fitted to this row's first
        numbers if not given (:func:`_fit_face`).

    Returns
    -------
    Overprint or None
        None when no row of DejaVu Sans digits redraws the ink well enough.
    """
    read = redraw_row(ink, band, centres, bounds, limits, face)
    assert read is not None  # only a reading without unhinted faces gives up
    return read[0]


def redraw_row(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    bounds: tuple[int | None, int] = (None, 0),
    limits: Sequence[Limit | None] = (None,),
    face: Face | None = None,
    unhinted: bool = True,
) -> tuple[Overprint | None, tuple[Face | None, ...] | None] | None:
    """:func:`decode_overprint`, and the faces that, given, read the row the same.

    Given no face, one is fitted and the row read with it; where the
    light-hinted face does not redraw the row, an unhinted one is fitted
    and the row read with that. Given any face on that path, the same
    calls follow, so the reading is the same. A helper that reads a row
    ahead, before the face of the rows above it is known, can so tell
    whether its reading stands (see ``_crowded._Redraw``); without
    ``unhinted`` it gives up (None) where an unhinted face would have to be
    fitted, the costliest step.

    Returns
    -------
    (Overprint or None, tuple or None) or None
        The reading (None: no row redraws the ink well enough) and the
        faces it is read the same with (an entry None: no face given), or
        None for those faces where any face is (the row is not read at all,
        being too short or printed too deep). None instead of the pair where,
        without ``unhinted``, the reading gave up.
    """
    if len(centres) < 2:
        return None, None
    depth = _depth(ink, band, centres)
    if depth > _DEPTH:
        return None, None
    limit = limits[0] if limits else None
    alike: list[Face | None] = [face]
    if face is None:
        fitted = _fit_face(
            ink, band, centres, bounds[0], limit, ahead=depth > _DEEP, unhinted=unhinted
        )
        if fitted is None:
            return None
        face = fitted
        alike.append(face)
    if face[1] == LIGHT:
        exact = _redrawn(ink, band, centres, bounds, limits, face, depth)
        if exact is not None:
            return exact, tuple(alike)
        if not unhinted:
            return None
        face = _fit_unhinted(ink, band, centres, bounds[0], limit)
        alike.append(face)
    return _redrawn(ink, band, centres, bounds, limits, face, depth), tuple(alike)


def _redrawn(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    bounds: tuple[int | None, int],
    limits: Sequence[Limit | None],
    face: Face,
    depth: float,
) -> Overprint | None:
    """The row redrawn in ``face`` (see :func:`decode_overprint`), or None."""
    em, render, shift = face
    centres, shape = [c + shift for c in centres], (em, render)
    beam = BEAM if depth > _DEEP else _SHALLOW_BEAM
    blurs = (0.0,) if render == LIGHT else (0.0, _BLUR)  # an exact face needs no second look
    ahead = depth > _DEEP  # the bound on later ink pays where rows print deep
    searches = [_search(ink, band, centres, blur, shape, beam=beam, ahead=ahead) for blur in blurs]
    mirrors: list[_Search | None] = [None] * len(blurs)
    if depth > _DEEP:  # from the right end too, where a search from the left goes astray
        mirrors = [_search(ink, band, centres, blur, shape, True, beam, ahead) for blur in blurs]
    pools = _exchanged(searches, bounds, limits, mirrors)
    readings = each(
        _judged, [(search, rows, face) for search, rows in zip(searches, pools, strict=True)]
    )
    if render == LIGHT:
        return _exact(searches[0], readings[0])
    sharp, blurred = readings
    if sharp is None or blurred is None:
        return None
    small = band[1] - band[0] + 1 < _SMALL
    first, second = (blurred, sharp) if small else (sharp, blurred)
    if depth > _DEEP and not _held(first, second, searches[0] if small else searches[1]):
        return None  # so deep that only a row the other reading finds (nearly) as good holds
    confidence = tuple(
        c if a == b else 0.0
        for a, b, c in zip(first.values, second.values, first.confidence, strict=True)
    )
    return Overprint(first.values, confidence, first.misfit, face)


def _exact(search: _Search, reading: Overprint | None) -> Overprint | None:
    """The reading in the exact face with its ambiguous counts left out (see ``_exact``)."""
    if reading is None:
        return None
    got = exact(search, reading.values)
    if got is None:
        return None
    values, confidence, misfit = got
    return Overprint(tuple(values), confidence, misfit, reading.face)


def _held(first: Overprint, second: Overprint, other: _Search) -> bool:
    """Whether the reading ``first`` holds up on the other reading's ink (``other``).

    It holds where the two readings agree on ``_AGREE`` of the counts,
    where the other reading redraws ``first`` within ``_CONSISTENT`` of its
    own best row ``second`` (blurred ink tells near rows apart less well),
    or where they agree on ``_MOST`` and it redraws ``first`` within
    ``_CLOSE``. A search gone astray in a row printed four ticks deep
    disagrees with the other on about a third of the counts, and each
    redraws the other's row 6-15 % worse; the counts the two readings read
    differently are not used either way (see :func:`decode_overprint`).
    """
    agree = float(np.mean([a == b for a, b in zip(first.values, second.values, strict=True)]))
    if agree >= _AGREE:
        return True
    ratio = other.total(first.values) / max(other.total(second.values), 1e-12)
    return ratio <= 1.0 + _CONSISTENT or (agree >= _MOST and ratio <= 1.0 + _CLOSE)


def _exchanged(
    searches: list[_Search],
    bounds: tuple[int | None, int],
    limits: Sequence[Limit | None],
    mirrors: Sequence[_Search | None],
) -> list[list[list[int]]]:
    """Each search's rows, with the rows the other searches found polished on its own ink.

    A row one reading finds may, polished on another reading's ink, come
    closer to the truth than anything that reading found itself; such rows
    are passed back and forth until none is new (``_EXCHANGES`` rounds at most).
    """
    pools = each(
        _rows,
        [
            (search, bounds, limits, mirrored)
            for search, mirrored in zip(searches, mirrors, strict=True)
        ],
    )
    seen = [{tuple(row) for row in pool} for pool in pools]
    for _ in range(_EXCHANGES):
        todo: list[list[list[int]]] = [[] for _ in searches]
        for i in range(len(searches)):
            for j, pool in enumerate(pools):
                for row in pool:
                    if j != i and tuple(row) not in seen[i]:
                        seen[i].add(tuple(row))
                        todo[i].append(row)
        if not any(todo):
            break
        news = each(
            _polished_all, [(s, rows, bounds) for s, rows in zip(searches, todo, strict=True)]
        )
        for pool, new in zip(pools, news, strict=True):
            pool.extend(row for row in new if row not in pool)
    return pools


def _depth(ink: FloatArray, band: tuple[int, int], centres: list[float]) -> float:
    """Tick gaps the first number spans, by where its ink starts."""
    advance = (band[1] - band[0] + 1) / DIGIT_HEIGHT * ADVANCE
    inked = np.asarray((ink[band[0] : band[1] + 1] >= _STRONG).any(axis=0), dtype=bool)
    col, gap = int(centres[0]), 0
    while col > 0 and gap < 0.5 * advance:
        col -= 1
        gap = 0 if inked[col] else gap + 1
    left = col + gap
    digits = np.ceil(2.0 * (centres[0] - left) / advance - 0.1)
    return float(digits * advance / float(np.median(np.diff(centres))))


def _band(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    advance: float,
    blur: float,
    faint: float = _FAINT,
) -> tuple[FloatArray, int, int]:
    """The ink of the digit band (with margins), ink under ``faint`` and beyond the row removed.

    Returns the band, its height and the row of the digits' baseline in it.
    """
    top, bottom = band
    digit = bottom - top + 1
    margin = max(2, digit // 4)
    height = digit + 2 * margin
    lo, hi = top - margin, top - margin + height
    seen = np.zeros((height, ink.shape[1]))
    seen[max(0, -lo) : height - max(0, hi - ink.shape[0])] = ink[max(0, lo) : min(hi, ink.shape[0])]
    if faint < _FAINT:  # kept faint ink: take out faint lines that cross the digits
        seen = _unlined(seen, margin, digit)
    seen[:, : max(0, int(centres[0] - 2.6 * advance))] = 0.0
    seen[:, int(np.ceil(centres[-1] + 2.6 * advance)) :] = 0.0
    return gaussian_filter(np.where(seen >= faint, seen, 0.0), blur), height, digit + margin


def _unlined(seen: FloatArray, margin: int, digit: int) -> FloatArray:
    """The band's ink with grid lines and rules across the digits taken out.

    A column inked in the margins above and below the digits, where no
    digit reaches, is a rule or a border, and is cleared. A column's faint
    line shows in those margins (the least ink of those rows); a row's
    line in the row's faint pixels off the column lines (their median,
    where hardly any of them is paper). A digit drawn over a line darkens
    paper the line already darkened, so the line's ink is divided out
    (``1 - (1 - ink) / (1 - line)``), leaving the digit's own.
    """
    rows = [*range(margin - 2, margin), *range(margin + digit, margin + digit + 2)]
    least = seen[rows].min(axis=0)
    seen = np.where(least[None, :] >= _STRONG, 0.0, seen)  # a rule or border: not digits
    across = np.clip(least, 0.0, _FAINT)
    clean = across == 0.0
    along = np.zeros(seen.shape[0])
    for r in range(seen.shape[0]):
        faint = seen[r, clean]
        faint = faint[faint < _FAINT]
        if faint.size >= _LINE_PIXELS and np.mean(faint < _PAPER) < _PAPER_SHARE:
            along[r] = float(np.median(faint))  # a line leaves the row no paper
    line = np.maximum(along[:, None], across[None, :])
    return np.clip(1.0 - (1.0 - seen) / (1.0 - line), 0.0, 1.0)


def _fit_face(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    upper: int | None,
    limit: Limit | None,
    ahead: bool = True,
    unhinted: bool = True,
) -> Face | None:
    """Size, rendering and shift that best redraw the row's first numbers.

    The exact light-hinted face is tried first (:func:`_fit_light`;
    ``ahead``: whether its search bounds the ink later counts may draw,
    which pays where rows print deep); where it does not redraw the ink,
    the unhinted faces are (:func:`_fit_unhinted`), unless ``unhinted`` is
    False (then None).
    """
    band_ink, rows = _rows_of(ink, band)  # the helper process gets the band's rows only
    fitted = _fit_light(band_ink, rows, centres, upper, limit, ahead)
    if fitted is not None or not unhinted:
        return fitted
    return _fit_unhinted(ink, band, centres, upper, limit)


def _fit_unhinted(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    upper: int | None,
    limit: Limit | None,
) -> Face:
    """Size, unhinted rendering and shift that best redraw the row's first numbers.

    At sizes around the one the digits' height gives. The shift, in
    pixels, moves the centres onto the drawings' grid: a glyph is drawn on
    pixel edges (column j spans [j, j + 1)), where an image column's centre
    is j + 0.5, and a tick's centre is read to a fraction of a pixel, so
    the shift is fitted around 0.5 (``_SHIFTS``) once the size is.
    """
    digit = band[1] - band[0] + 1
    band_ink, band = _rows_of(ink, band)  # the helper process gets the band's rows only
    shapes = [
        (round(digit / DIGIT_HEIGHT * scale * 4) / 4, render)
        for scale in _SCALES
        for render in (SMOOTH, WHOLE)
    ]
    leads = each(
        _prefix_lead,
        [(band_ink, band, centres, em, render, 0.5, upper, limit) for em, render in shapes],
    )
    misfits = [misfit for misfit, _ in leads]
    fits = [(misfit, em, render) for misfit, (em, render) in zip(misfits, shapes, strict=True)]
    misfit, em, render = min(fits, key=lambda fit: fit[0])
    if not np.isfinite(misfit):
        return round(digit / DIGIT_HEIGHT * 4) / 4, SMOOTH, 0.5
    others = [s for s in _SHIFTS if s != 0.5]
    moved = each(
        _prefix_lead, [(band_ink, band, centres, em, render, s, upper, limit) for s in others]
    )
    shifts = [(misfit, 0.5), *zip([m for m, _ in moved], others, strict=True)]
    return em, render, min(shifts)[1]


def _fit_light(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    upper: int | None,
    limit: Limit | None,
    ahead: bool = True,
) -> Face | None:
    """The light-hinted face that redraws the row's first numbers, or None if none does.

    The first numbers are searched at sizes at which light-hinted digits
    stand as tall as the ink's (the middle one, then, if it came within
    ``_LIGHT_NEAR``, the quartiles); where
    they redraw the ink within ``_LIGHT_FIT``, the size of those that
    redraws them best is kept, the first numbers are searched again there
    (unless they redrew within ``_LIGHT_SURE``), and the size (in steps of
    1/64 pixel, FreeType's) and the shift that redraw those numbers best
    are kept.
    """
    digit = band[1] - band[0] + 1
    sizes = light_sizes(digit)
    if not sizes:
        return None
    for q in (2, 1, 3):
        em = sizes[len(sizes) * q // 4]
        misfit, lead = _prefix_lead(ink, band, centres, em, LIGHT, 0.5, upper, limit, ahead)
        if misfit <= _LIGHT_FIT and lead:
            break
        if misfit > _LIGHT_NEAR:  # not the face at all: no other size is tried
            return None
    else:
        return None

    def best(fits: list[tuple[float, float]], lead: list[int]) -> int:
        """Index of the (size, shift) of ``fits`` whose first counts redraw best."""
        errors = each(_prefix_error, [(ink, band, centres, e, s, lead) for e, s in fits])
        return min(zip(errors, range(len(fits)), strict=True))[1]

    em = sizes[best([(size, 0.5) for size in sizes], lead)]
    if misfit > _LIGHT_SURE:  # at the size found, the first numbers may read better still
        again, better = _prefix_lead(ink, band, centres, em, LIGHT, 0.5, upper, limit, ahead)
        if better and again <= misfit:
            lead = better
    ems = [em + k / 64 for k in range(-4, 5)]
    em = ems[best([(size, 0.5) for size in ems], lead)]
    shifts = sorted(_SHIFTS, key=lambda s: s != 0.5)  # ties: 0.5 first
    return em, LIGHT, shifts[best([(em, s) for s in shifts], lead)]


def _prefix_error(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    em: float,
    shift: float,
    values: list[int],
) -> float:
    """Error of the first counts ``values`` redrawn light-hinted, as a share of the ink covered."""
    moved = [c + shift for c in centres]
    seen, height, baseline = _band(ink, band, moved, _advance(em, LIGHT), 0.0, _FAINT_LIGHT)
    search = _Search(seen, moved, _face(em, height, baseline, 0.0, LIGHT), ahead=False)
    state: _State | None = None
    for k, value in enumerate(values):
        state = search.extend(state, value, k)
    assert state is not None
    return state.error / max(float(np.sum(seen[:, : state.start] ** 2)), 1e-9)


def _rows_of(ink: FloatArray, band: tuple[int, int]) -> tuple[FloatArray, tuple[int, int]]:
    """The rows of ``ink`` that :func:`_band` reads for ``band``, and the band in them."""
    digit = band[1] - band[0] + 1
    margin = max(2, digit // 4)
    lo, hi = max(0, band[0] - margin), min(ink.shape[0], band[1] + margin + 1)
    return ink[lo:hi], (band[0] - lo, band[1] - lo)


def _prefix_lead(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    em: float,
    render: str,
    shift: float,
    upper: int | None,
    limit: Limit | None,
    ahead: bool = True,
) -> tuple[float, list[int]]:
    """The best first ``_PREFIX`` numbers and their error, as a share of the ink they cover."""
    moved = [c + shift for c in centres]
    faint = _FAINT_LIGHT if render == LIGHT else _FAINT
    seen, height, baseline = _band(ink, band, moved, _advance(em, render), 0.0, faint)
    search = _Search(seen, moved, _face(em, height, baseline, 0.0, render), ahead=ahead)
    states = _beam(search, (upper, 0), limit, _PREFIX, width=_PREFIX_BEAM)
    if not states:
        return float("inf"), []
    lead = states[0]
    return lead.error / max(float(np.sum(seen[:, : lead.start] ** 2)), 1e-9), lead.values


def _search(
    ink: FloatArray,
    band: tuple[int, int],
    centres: list[float],
    blur: float,
    shape: tuple[float, str],
    mirrored: bool = False,
    beam: int = BEAM,
    ahead: bool = True,
) -> _Search:
    """The search over the band with drawing and ink blurred by ``blur`` pixels.

    ``shape`` is the face's size in pixels and its rendering
    (``_dejavu.RENDERS``); ``mirrored``: the band mirrored left to right, and the digits;
    ``beam``: the row beginnings its searches keep at each tick; ``ahead``:
    on a snapping face, whether to bound the ink later counts may draw.
    """
    em, render = shape
    faint = _FAINT_LIGHT if render == LIGHT else _FAINT
    seen, height, baseline = _band(ink, band, centres, _advance(em, render), blur, faint)
    face = _face(em, height, baseline, blur, render, mirrored)
    if not mirrored:
        return _Search(seen, centres, face, beam, ahead)
    width = seen.shape[1]
    flipped = [float(width - c) for c in reversed(centres)]
    return _Search(np.ascontiguousarray(seen[:, ::-1]), flipped, face, beam, ahead)


def _rows(
    search: _Search,
    bounds: tuple[int | None, int],
    limits: Sequence[Limit | None],
    mirrored: _Search | None = None,
) -> list[list[int]]:
    """One polished row per limit the search starts under, and each joined to a reverse row.

    With ``mirrored`` (the search on the mirrored ink), the row found from
    the right end (:func:`_reverse_row`) is joined to each row found from the
    left (:func:`_joined`): a search from the left may go astray where
    numbers print deepest over each other and never find its way back.
    """
    rows = []
    for limit in limits or (None,):
        found = _beam(search, bounds, limit)
        if found:
            rows.append(_polished(search, found[0].values, bounds))
    if mirrored is None or not rows:
        return rows
    # no count above the first count the left searches found
    tail = _reverse_row(mirrored, (max(row[0] for row in rows), bounds[1]))
    if tail is not None:
        best = min(search.total(row) for row in rows)
        for head in list(rows):
            joined = _polished(search, _joined(search, head, tail), bounds)
            if joined not in rows and search.total(joined) < (1.0 - _GAIN) * best:
                rows.append(joined)  # clearly better only: small gains are the renderer's noise
    return rows


def _polished_all(
    search: _Search, rows: list[list[int]], bounds: tuple[int | None, int]
) -> list[list[int]]:
    """Each row :func:`_polished`."""
    return [_polished(search, row, bounds) for row in rows]


def _polished(search: _Search, row: list[int], bounds: tuple[int | None, int]) -> list[int]:
    """``row`` polished (see :func:`_polish`) if that redraws the ink clearly better.

    Polishing changes counts for any gain, and small gains are as often
    the renderer's noise as the truth.
    """
    better = _polish(search, row, bounds)
    return better if search.total(better) < (1.0 - _GAIN) * search.total(row) else list(row)


def _judged(search: _Search, rows: list[list[int]], face: Face) -> Overprint | None:
    """The row that redraws the ink best (with ``face``), or None if too deep or fitting badly."""
    if not rows:
        return None
    best = min(rows, key=search.total)
    depth = len(str(best[0])) * search.face.advance
    if depth > _DEPTH * float(np.median(np.diff(search.centres))):
        return None
    misfit = search.total(best) / max(float(np.sum(search.seen**2)), 1e-9)
    if misfit > _FIT:
        return None
    rivals = [row for row in rows if row != best]
    confidence = tuple(_confidence(search, best, rivals))
    return Overprint(tuple(best), confidence, round(misfit, 4), face)
