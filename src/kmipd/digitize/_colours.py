"""Curve colours: find the distinct ink colours in the panel and give pixels to them.

A curve pixel is the curve's colour blended with the background by its
coverage (anti-aliasing). Each pixel is matched to the colour whose blend line
(background to colour) passes closest to it, and the blend fraction is kept as
the pixel's coverage. Colours on the same blend line (black and grey) are told
apart by which pure colour the pixel's neighbourhood holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "PALE_COLOUR",
    "InkColour",
    "assign_pixels",
    "blend_fraction",
    "find_colours",
    "is_blend_of",
    "is_dotted",
    "is_grey",
    "looks_like_edge",
    "strength",
    "to_lab",
]

FloatArray = npt.NDArray[np.float64]
UInt8Array = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class InkColour:
    """A distinct ink colour of the panel.

    Attributes
    ----------
    rgb : tuple of int
        The pure colour.
    pixels : int
        How many panel pixels have (nearly) this colour.
    """

    rgb: tuple[int, int, int]
    pixels: int

    @property
    def hex(self) -> str:
        """``#rrggbb``."""
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)


def to_lab(rgb: npt.ArrayLike) -> FloatArray:
    """CIE L*a*b* (L in 0-100) of sRGB colours, any leading shape.

    Parameters
    ----------
    rgb : array_like of uint8, shape (..., 3)

    Returns
    -------
    ndarray of float, shape (..., 3)
    """
    import cv2

    array = np.asarray(rgb, dtype=np.float32).reshape(-1, 1, 3) / 255.0
    lab = cv2.cvtColor(array, cv2.COLOR_RGB2Lab).reshape(np.shape(rgb))
    return np.asarray(lab, dtype=np.float64)


def _blend(pixels: FloatArray, colour: FloatArray, bg: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Blend fraction of each pixel towards ``colour`` and its distance from the blend line."""
    direction = colour - bg
    norm = float(direction @ direction)
    if norm < 1.0:
        return np.zeros(len(pixels)), np.full(len(pixels), np.inf)
    alpha = np.clip((pixels - bg) @ direction / norm, 0.0, 1.0)
    residual = np.linalg.norm(pixels - (bg + alpha[:, None] * direction), axis=1)
    return alpha, residual


def blend_fraction(
    colour: npt.ArrayLike, towards: npt.ArrayLike, background: npt.ArrayLike
) -> float:
    """How far ``colour`` lies from ``background`` towards ``towards`` (0 to 1): the
    coverage a pixel of ``colour`` has of a pen in ``towards``.

    Parameters
    ----------
    colour, towards, background : array_like of shape (3,)
        RGB.

    Returns
    -------
    float
    """
    alpha, _ = _blend(
        np.asarray(colour, float)[None, :],
        np.asarray(towards, float),
        np.asarray(background, float),
    )
    return float(alpha[0])


PALE_COLOUR = 0.45  # a colour this close to the background (0-1) is a wash, not a pen
_BEYOND = 1.35  # a pen's pure pixels lie at most this far along the blend line past its found shade
_LEAST = 0.12  # a pixel this faint (blend fraction) or fainter is no colour's
_THROUGH_BAND = 0.5  # ... and a pen seen through another arm's band is at least this strong
_FRINGE_DEPTH = 3  # pixels of a dark pen's anti-aliased edge given back to it
_EDGE_COVERAGE = 0.2  # a deeper edge pixel hangs on one at least this strong
_GREY_CHROMA = 6.0  # Lab chroma under which a colour is a grey, of no hue
_DOTS = 20  # pieces, at the least, of a dotted curve in a blend colour
_DOT_INK = 0.3  # a dotted grey has this share of the pixels of its commonest source, at least
_DOT_AREA = 3  # px: a dot's area (median), at the least
_DOT_ROUND = 0.8  # a dot's width over its height (median), at the least
_DOT_SPREAD = 0.5  # share of the grey's columns the dots spread across, at the least
_APART = 0.3  # share of a dotted grey curve's pixels, at the least, apart from its sources
_SHADES_APART = 0.5  # the same share for the dropped greys taken together
_THICK_SHARE = 0.3  # share of a pen's solid pixels inside its strokes, for a thick pen


def is_blend_of(candidate: FloatArray, colour: FloatArray, bg: FloatArray) -> bool:
    """Whether ``candidate`` lies on the blend line from ``bg`` to ``colour`` (lighter)."""
    alpha, residual = _blend(candidate[None, :], colour, bg)
    return bool(residual[0] < 14.0 and 0.05 < alpha[0] < 0.95)


def is_grey(rgb: npt.ArrayLike) -> bool:
    """Whether a colour has no hue to speak of (Lab chroma under ``_GREY_CHROMA``).

    Parameters
    ----------
    rgb : array_like of shape (3,)

    Returns
    -------
    bool
    """
    lab = to_lab(np.asarray(rgb).astype(np.uint8))
    return bool(np.hypot(lab[1], lab[2]) < _GREY_CHROMA)


def _fringe_pair(peaks: list[tuple[FloatArray, int]], j: int, k: int, m: int) -> bool:
    """Whether peaks ``k`` and ``m`` are greys around grey ``j``, the lighter rarer than it."""
    if not all(is_grey(peaks[i][0]) for i in (j, k, m)):
        return False
    lighter = max((k, m), key=lambda i: float(np.mean(peaks[i][0])))
    return peaks[lighter][1] < peaks[j][1]


def _sources(j: int, peaks: list[tuple[FloatArray, int]], bg: FloatArray) -> set[int]:
    """Other peaks that peak ``j`` could be a blend of (with the background or each other).

    Two greys are no pair for a grey between them when the lighter is rarer
    than it (black and a light grey): it is a blend of the darker with the
    background, found as such, and the lighter is its own anti-aliased fringe,
    no source of it. (A common lighter grey is another curve, and a grey
    between it and black is where the two cross. Colours of one hue are left
    paired: a curve under its own translucent band is a shade between the
    curve's colour and the band's.)
    """
    colour = peaks[j][0]
    found: set[int] = set()
    for k, (other, _) in enumerate(peaks):
        if k != j and is_blend_of(colour, other, bg):
            found.add(k)
        for m in range(k + 1, len(peaks)):
            if j in (k, m):
                continue
            second = peaks[m][0]
            if _fringe_pair(peaks, j, k, m):
                continue
            if is_blend_of(colour, other, second) and is_blend_of(colour, second, other):
                found.update((k, m))
    return found


def _peaks(pixels: UInt8Array, min_pixels: int, limit: int) -> list[tuple[FloatArray, int]]:
    """Most common colours (6-unit Lab bins), at least 14 Lab units apart."""
    lab = to_lab(pixels)
    q = np.floor(lab / 6.0).astype(np.int64) + np.array([0, 30, 30])
    keys = (q[:, 0] * 64 + q[:, 1]) * 64 + q[:, 2]
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    sums = np.zeros((len(counts), 3))
    np.add.at(sums, inverse, pixels.astype(float))
    means = sums / counts[:, None]
    peaks: list[tuple[FloatArray, int]] = []
    for index in np.argsort(-counts):
        if counts[index] < min_pixels or len(peaks) >= limit:
            break
        lab_c = to_lab(means[index].astype(np.uint8))
        if all(np.linalg.norm(lab_c - to_lab(c.astype(np.uint8))) >= 14.0 for c, _ in peaks):
            peaks.append((means[index], int(counts[index])))
    return peaks


def _core_masks(
    image: UInt8Array, mask: npt.NDArray[np.bool_], peaks: list[tuple[FloatArray, int]]
) -> list[npt.NDArray[np.bool_]]:
    """Pixels within 12 Lab units of each peak colour."""
    rows, cols = np.nonzero(mask)
    lab = to_lab(image[rows, cols])
    cores = []
    for colour, _ in peaks:
        near = np.linalg.norm(lab - to_lab(colour.astype(np.uint8)), axis=1) <= 12.0
        core = np.zeros(mask.shape, dtype=bool)
        core[rows[near], cols[near]] = True
        cores.append(core)
    return cores


def looks_like_edge(core: npt.NDArray[np.bool_], near_sources: list[npt.NDArray[np.bool_]]) -> bool:
    """Whether a blend colour's pixels are edges and thin marks of other colours' strokes.

    A curve drawn in the colour has horizontal runs (5+ px) of it away from
    the source colours; the edge row of a darker line touches that line, and
    the thin strokes of censoring marks make no long horizontal runs.
    """
    import cv2

    total = max(1, int(core.sum()))
    touching = np.logical_or.reduce(near_sources)
    if (core & touching).sum() >= 0.8 * total:
        return True
    runs = cv2.morphologyEx(core.astype(np.uint8), cv2.MORPH_OPEN, np.ones((1, 5), np.uint8))
    own = runs.astype(bool) & ~touching
    return bool(own.sum() < 0.25 * total)


def is_dotted(
    core: npt.NDArray[np.bool_], near_sources: list[npt.NDArray[np.bool_]], apart: float = _APART
) -> bool:
    """Whether a grey's pixels are a dotted curve of its own (greyscale figures tell arms
    apart by grey and line style).

    Such a curve makes no runs, but many of its pixels stand apart from every
    colour it could be a blend of, in many round dots of a few pixels spread
    across the panel. A dark pen's anti-aliased edge makes no such dots: its
    pieces apart from the pen are specks of a pixel or two (text, marks), or
    stand up where a drop falls between two columns. Its rounder pieces, where a
    dashed pen's dashes end or two pens cross, are rare beside the pen itself:
    ``find_colours`` asks a dotted grey for ``_DOT_INK`` of its source's pixels.

    ``apart`` is the share of the grey's pixels, at the least, that touch none
    of ``near_sources``.
    """
    import cv2

    alone = core & ~np.logical_or.reduce(near_sources)
    if alone.sum() < apart * max(1, int(core.sum())):
        return False
    count, _, stats, centres = cv2.connectedComponentsWithStats(
        alone.astype(np.uint8), connectivity=8
    )
    if count - 1 < _DOTS:
        return False
    width, height, area = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    across = np.percentile(centres[1:, 0], 95) - np.percentile(centres[1:, 0], 5)
    inked = np.flatnonzero(core.any(axis=0))
    return bool(
        np.median(area) >= _DOT_AREA
        and np.median(width / height) >= _DOT_ROUND
        and across >= _DOT_SPREAD * (inked[-1] - inked[0] + 1)
    )


def _dotted_in_shades(
    peaks: list[tuple[FloatArray, int]],
    cores: list[npt.NDArray[np.bool_]],
    near: list[npt.NDArray[np.bool_]],
    kept: list[int],
) -> list[int]:
    """The commonest dropped grey, when the dropped greys together are a dotted curve
    beside the one grey kept (a dotted pen 2-3 px wide comes out in several shades, none
    of them common enough alone).

    Half of their pixels must stand apart from the kept grey: the shades of a
    black pen's edges, split drops and dash ends (and of grid lines and text
    in a coloured figure) mostly touch it.
    """
    greys = [j for j in kept if is_grey(peaks[j][0])]
    if len(greys) != 1:
        return []
    pen = greys[0]
    shades = [
        j
        for j in range(len(peaks))
        if j not in kept and is_grey(peaks[j][0]) and peaks[j][0].mean() > peaks[pen][0].mean()
    ]
    if len(shades) < 2 or sum(peaks[j][1] for j in shades) < _DOT_INK * peaks[pen][1]:
        return []
    union = np.logical_or.reduce([cores[j] for j in shades])
    if not is_dotted(union, [near[pen]], _SHADES_APART):
        return []
    return [max(shades, key=lambda j: peaks[j][1])]


def find_colours(
    image: UInt8Array,
    mask: npt.NDArray[np.bool_],
    background: UInt8Array,
    min_pixels: int,
    max_colours: int = 8,
    *,
    compressed: bool = False,
) -> list[InkColour]:
    """Distinct ink colours among the strong panel pixels.

    Parameters
    ----------
    image : ndarray of uint8, shape (rows, cols, 3)
    mask : ndarray of bool, shape (rows, cols)
        The panel's clearly inked pixels (curves, marks, text).
    background : ndarray of uint8, shape (3,)
    min_pixels : int
        Fewest pixels of a colour worth keeping.
    max_colours : int, optional
    compressed : bool, optional
        A JPEG figure: a colour is an edge only of colours already kept, as
        blur there makes further, rarer blends (a grey curve is otherwise
        taken for the blurred edge of a darker grey).

    Returns
    -------
    list of InkColour
        Most common first. A blend of kept colours (with each other or with the
        background) is dropped when most of its pixels touch the kept colours:
        it is their anti-aliased edge, not a curve of its own (a grey curve
        next to a black one is kept), unless it is a grey drawn dotted (``is_dotted``).
    """
    import cv2

    if not mask.any():
        return []
    peaks = _peaks(image[mask], min_pixels, max_colours + 4)
    cores = _core_masks(image, mask, peaks)
    bg = background.astype(float)
    kernel = np.ones((3, 3), dtype=np.uint8)
    near = [cv2.dilate(c.astype(np.uint8), kernel).astype(bool) for c in cores]
    kept: list[int] = []
    for j in range(len(peaks)):
        every = _sources(j, peaks, bg)
        # JPEG blur makes rarer blends, which are no source of an edge
        sources = every & set(kept) if compressed else every
        if sources and looks_like_edge(cores[j], [near[k] for k in sources]):
            common = peaks[j][1] >= _DOT_INK * max(peaks[k][1] for k in every)
            grey = is_grey(peaks[j][0])
            if not (grey and common and is_dotted(cores[j], [near[k] for k in every])):
                continue
        kept.append(j)
    kept += _dotted_in_shades(peaks, cores, near, kept)
    kept = kept[:max_colours]
    return [
        InkColour(tuple(round(v) for v in peaks[j][0]), peaks[j][1])  # type: ignore[misc]
        for j in kept
    ]


def _lines(
    colours: list[InkColour], bg: FloatArray, washes: dict[int, FloatArray]
) -> list[tuple[int, FloatArray, FloatArray, float, float]]:
    """Each colour's blend lines as (colour index, start, direction, floor, farthest reach).

    A pen's line runs from the background towards it; a pen seen through
    another arm's translucent band (``washes``: the band's colour over the
    background, by the band's arm) runs from that band's colour in the same
    direction (its pixels there lie short of the pen's full strength by the
    band's opacity). A pixel on it fainter than ``_THROUGH_BAND`` (the floor)
    is one band seen through the other, or a band's edge: background, not ink.
    """
    lines = [(k, bg, np.asarray(c.rgb, dtype=float) - bg, 0.0, _reach_past(k, colours, bg))
             for k, c in enumerate(colours)]  # fmt: skip
    for k, colour in enumerate(colours):
        if strength(colour, bg) < PALE_COLOUR:
            continue
        for other, wash in washes.items():
            if other != k:
                direction = np.asarray(colour.rgb, dtype=float) - bg
                lines.append((k, wash, direction, _THROUGH_BAND, _BEYOND))
    return lines


def _reach_past(k: int, colours: list[InkColour], bg: FloatArray) -> float:
    """How far past colour ``k`` its blend line reaches: ``_BEYOND``, or not at all
    where a stronger found colour lies on it (black past a grey: the pixels between
    are that colour's anti-aliased edge, not the paler pen at full strength)."""
    mine = np.asarray(colours[k].rgb, dtype=float)
    for j, other in enumerate(colours):
        if j != k and is_blend_of(mine, np.asarray(other.rgb, dtype=float), bg):
            return 1.0
    return _BEYOND


def _nearest(
    pixels: FloatArray,
    colours: list[InkColour],
    bg: FloatArray,
    washes: dict[int, FloatArray] | None = None,
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Per pixel: best colour index, its blend fraction and distance to the pure colour.

    A colour is found as its commonest shade, which may be a little paler
    than the pen (the pen drawn over its own translucent band, or its marks
    paler, as lifelines draws them): the pen's pure pixels then lie on the
    blend line past that colour, up to ``_BEYOND`` times as far, and are
    matched there at full coverage, after an exact match.
    """
    n = len(pixels)
    best = np.full(n, -1, dtype=np.int64)
    best_alpha, best_score = np.zeros(n), np.full(n, np.inf)
    for k, start, direction, floor, farthest in _lines(colours, bg, washes or {}):
        norm = float(direction @ direction)
        if norm < 1.0:
            continue
        along = np.clip((pixels - start) @ direction / norm, 0.0, farthest)
        residual = np.linalg.norm(pixels - (start + along[:, None] * direction), axis=1)
        alpha, past = np.minimum(along, 1.0), np.maximum(along - 1.0, 0.0)
        reach = float(np.sqrt(norm))
        ok = (residual <= max(18.0, 0.2 * reach)) & (alpha >= _LEAST)
        # prefer the colour the pixel matches at full strength (grey vs black), and
        # one it matches exactly over one it matches only past its end
        score = residual + 0.35 * reach * (1.0 - alpha + past)
        better = ok & (score < best_score)
        label = np.where(alpha >= floor, k, -1)  # bands seen through bands are no ink
        best[better], best_alpha[better], best_score[better] = (
            label[better],
            np.where(label >= 0, alpha, 0.0)[better],
            score[better],
        )
    return best, best_alpha, best_score


def assign_pixels(
    image: UInt8Array,
    mask: npt.NDArray[np.bool_],
    colours: list[InkColour],
    background: UInt8Array,
    washes: dict[int, FloatArray] | None = None,
) -> tuple[IntArray, FloatArray]:
    """Label each masked pixel with a colour index (or -1) and its coverage.

    Parameters
    ----------
    image : ndarray of uint8, shape (rows, cols, 3)
    mask : ndarray of bool, shape (rows, cols)
        Pixels to consider (faint ink included, lines and text excluded).
    colours : list of InkColour
    background : ndarray of uint8, shape (3,)
    washes : dict of int to ndarray, optional
        Translucent confidence bands, by colour index: the band's colour over
        the background. A pen seen through another colour's band is that pen.

    Returns
    -------
    labels : ndarray of int, shape (rows, cols)
        Colour index, -1 for none.
    coverage : ndarray of float, shape (rows, cols)
        Blend fraction towards the pixel's colour, 0 where unlabelled.
    """
    labels = np.full(mask.shape, -1, dtype=np.int64)
    coverage = np.zeros(mask.shape)
    if not colours or not mask.any():
        return labels, coverage
    bg = background.astype(float)
    rows, cols = np.nonzero(mask)
    best, alpha, _ = _nearest(image[rows, cols].astype(float), colours, bg, washes)
    labels[rows, cols] = best
    coverage[rows, cols] = np.where(best >= 0, alpha, 0.0)
    _fix_fringes(labels, coverage, colours, bg)
    return labels, coverage


def _fix_fringes(
    labels: IntArray, coverage: FloatArray, colours: list[InkColour], bg: FloatArray
) -> None:
    """Give the light edge pixels of a dark curve back to it (in place).

    A pixel labelled with a lighter colour that lies on a darker colour's blend
    line, touches that colour's pixels and is not near the body of a stroke of
    its own colour (what is left after thinning by one pixel), is the darker
    curve's anti-aliased edge. The edge is taken up to ``_FRINGE_DEPTH``
    pixels deep, through blends only, round a thick pen: a figure drawn
    large (a 300-dpi export, an enlarged screenshot) blurs a black pen into
    two or three pixels of grey, which a grey curve's tracer would otherwise
    follow all along the black one. A thin pen's blur is a pixel deep (a
    small JPEG's darker core and lighter edge are one curve).
    """
    import cv2

    ring = np.ones((3, 3), dtype=np.uint8)
    solid = [((labels == k) & (coverage >= 0.85)).astype(np.uint8) for k in range(len(colours))]
    body = [
        cv2.dilate(cv2.erode(s, np.ones((2, 2), np.uint8)), np.ones((5, 5), np.uint8)).astype(bool)
        for s in solid
    ]
    pairs = [
        (light, dark)
        for light, lc in enumerate(colours)
        for dark, dc in enumerate(colours)
        if light != dark and is_blend_of(np.asarray(lc.rgb, float), np.asarray(dc.rgb, float), bg)
    ]
    pens = {k for k, c in enumerate(colours) if strength(c, bg) >= PALE_COLOUR}
    thick = {k for k in range(len(colours)) if _thick(solid[k])}
    for depth in range(_FRINGE_DEPTH):
        for light, dark in pairs:
            if depth and (light not in pens or dark not in thick):
                continue  # a wash (a band) is a wash, however narrow; a thin pen blurs a pixel
            # first the ring round the solid pen, then each pixel deeper out
            if depth == 0:
                reach, free = solid[dark], ~body[light]
            else:  # deeper: blends only, never the light pen's own solid pixels (a thin
                # dash run into the dark curve) nor an area of the light colour
                reach = (labels == dark) & (coverage >= _EDGE_COVERAGE)
                free = ~body[light] & ~_area(labels == light) & ~solid[light].astype(bool)
            near = cv2.dilate(reach.astype(np.uint8), ring).astype(bool)
            fringe = (labels == light) & near & free
            if fringe.any():
                lc, dc = (np.asarray(colours[k].rgb, dtype=float) - bg for k in (light, dark))
                labels[fringe] = dark
                coverage[fringe] *= lc @ dc / float(dc @ dc)


def strength(colour: InkColour, background: FloatArray | UInt8Array) -> float:
    """How far ``colour`` is from the background, 0-1 (largest channel difference)."""
    return float(np.max(np.abs(np.subtract(colour.rgb, background, dtype=float)))) / 255


def _thick(solid: npt.NDArray[np.uint8]) -> bool:
    """Whether a colour's solid pixels are mostly strokes over 3 px thick (a figure drawn large)."""
    import cv2

    total = int(solid.sum())
    inner = int(cv2.erode(solid, np.ones((3, 3), np.uint8)).sum())
    return total > 0 and inner >= _THICK_SHARE * total


def _area(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Pixels of ``mask`` in or beside a part more than ``_FRINGE_DEPTH`` pixels thick.

    A dark pen's blurred edge is a strip at most that thick; a shaded band or
    a thick pen of the light colour is wider, and keeps its pixels.
    """
    import cv2

    core = 2 * _FRINGE_DEPTH - 1
    opened = cv2.erode(mask.astype(np.uint8), np.ones((core, core), np.uint8))
    return cv2.dilate(opened, np.ones((core + 2, core + 2), np.uint8)).astype(bool)
