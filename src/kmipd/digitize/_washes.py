"""Translucent confidence bands: the colour each arm's band has over the background.

A band drawn translucent over another arm's curve tints that curve's pixels
(ggsurvfit adds its bands as a layer over the curves; lifelines draws its
censor marks under its bands). Knowing the band's colour, such a
pixel is the band's colour plus the curve's pen, weakened by the band's
opacity; ``assign_pixels`` matches it so instead of leaving it unlabelled or
taking it for a colour of its own.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kmipd.digitize._colours import PALE_COLOUR, InkColour, strength

__all__ = ["find_washes", "seen_through"]

FloatArray = npt.NDArray[np.float64]
UInt8Array = npt.NDArray[np.uint8]

_OPACITY = (0.08, 0.4)  # a band's blend fraction towards its pen lies in this range
_FLAT = 16.0  # RGB units from a pen's blend line (found as a shade) to its band's pixels
_BIN = 4  # RGB units per bin when looking for a band's commonest colour
_SQUARE = 7  # px: a band is mostly solid squares this wide
_AREA = 5  # a band covers at least this many times a curve colour's fewest pixels
_OWN = 12.0  # RGB units: a band this near a found colour is that colour (a grey arm), no band
_THROUGH = (0.5, 1.35)  # a pen seen through a band lies this far along its line from the band
_SEEN = 20.0  # RGB units: a colour this close to that line is the pen seen through the band


def find_washes(
    image: UInt8Array,
    mask: npt.NDArray[np.bool_],
    colours: list[InkColour],
    background: UInt8Array,
    min_pixels: int,
) -> dict[int, FloatArray]:
    """The colour of each pen's translucent band over the background, where it has one.

    Parameters
    ----------
    image : ndarray of uint8, shape (rows, cols, 3)
    mask : ndarray of bool, shape (rows, cols)
        The panel's inked pixels, faint ones included.
    colours : list of InkColour
    background : ndarray of uint8, shape (3,)
    min_pixels : int
        Fewest pixels of a curve colour; a band covers ``_AREA`` times as many,
        in solid squares ``_SQUARE`` pixels wide.

    Returns
    -------
    dict of int to ndarray
        Per pen index, the band's commonest colour (RGB, float).
    """
    bg = background.astype(float)
    rows, cols = np.nonzero(mask)
    pixels = image[rows, cols].astype(float)
    found: dict[int, tuple[FloatArray, float]] = {}
    for k, colour in enumerate(colours):
        if strength(colour, bg) < PALE_COLOUR:
            continue
        direction = np.asarray(colour.rgb, dtype=float) - bg
        band = _band_of(direction, pixels, (rows, cols), mask.shape, bg, _AREA * min_pixels)
        if band is None or any(np.linalg.norm(band[0] - c.rgb) <= _OWN for c in colours):
            continue  # none, or a paler pen of the same hue (a grey arm beside a black one)
        found[k] = band
    return _own_pens(found)


def _band_of(
    direction: FloatArray,
    pixels: FloatArray,
    where: tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]],
    shape: tuple[int, ...],
    bg: FloatArray,
    least: int,
) -> tuple[FloatArray, float] | None:
    """The commonest colour on a pen's blend line at a band's opacity, and its distance
    from the line, if at least ``least`` of its pixels lie in solid squares (a band)."""
    import cv2

    alpha = (pixels - bg) @ direction / float(direction @ direction)
    residual = np.linalg.norm(pixels - (bg + alpha[:, None] * direction), axis=1)
    near = np.flatnonzero((alpha >= _OPACITY[0]) & (alpha <= _OPACITY[1]) & (residual <= _FLAT))
    if len(near) < least:
        return None
    bins = np.floor(pixels[near] / _BIN).astype(np.int64)
    keys = (bins[:, 0] * 64 + bins[:, 1]) * 64 + bins[:, 2]
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    top = pixels[near][inverse == int(np.argmax(counts))].mean(axis=0)
    chosen = near[np.linalg.norm(pixels[near] - top, axis=1) <= 1.5 * _BIN]  # a bin's neighbours
    area = np.zeros(shape[:2], dtype=np.uint8)
    area[where[0][chosen], where[1][chosen]] = 1
    square = np.ones((_SQUARE, _SQUARE), dtype=np.uint8)
    if int(cv2.morphologyEx(area, cv2.MORPH_OPEN, square).sum()) < least:
        return None
    wash = pixels[chosen].mean(axis=0)
    t = float((wash - bg) @ direction / float(direction @ direction))
    return wash, float(np.linalg.norm(wash - (bg + t * direction)))


def _own_pens(found: dict[int, tuple[FloatArray, float]]) -> dict[int, FloatArray]:
    """Each band given only to the pen whose blend line passes nearest it.

    A band's colour can lie near two colours' lines (a pen, and that pen
    seen through the other arm's band); it is the band of the nearer.
    """
    out = {}
    for k, (wash, gap) in found.items():
        rivals = [
            other
            for other, (theirs, their_gap) in found.items()
            if other != k and np.linalg.norm(theirs - wash) <= _BIN * 2 and their_gap < gap
        ]
        if not rivals:
            out[k] = wash
    return out


def seen_through(
    colours: list[InkColour],
    washes: dict[int, FloatArray],
    keyed: set[int],
    background: UInt8Array,
) -> list[int]:
    """Colours no key shows that are another pen seen through a band: no curve of their own.

    Such a colour is the band's colour plus the pen's direction from the
    background, ``_THROUGH`` of the way or a little past (the pen found as a
    paler shade), within ``_SEEN`` RGB units.

    Parameters
    ----------
    colours : list of InkColour
    washes : dict of int to ndarray
        The bands' colours by pen index (``find_washes``).
    keyed : set of int
        The colours a legend key shows; they are never dropped.
    background : ndarray of uint8, shape (3,)

    Returns
    -------
    list of int
        Indices of the colours to drop, ascending.
    """
    bg = background.astype(float)
    pens = [
        (k, np.asarray(pen.rgb, dtype=float) - bg)
        for k, pen in enumerate(colours)
        if strength(pen, bg) >= PALE_COLOUR
    ]
    return [
        j
        for j, colour in enumerate(colours)
        if j not in keyed
        and j not in washes
        and any(
            _through(np.asarray(colour.rgb, dtype=float), wash, direction)
            for k, direction in pens
            if k != j
            for other, wash in washes.items()
            if other != k
        )
    ]


def _through(rgb: FloatArray, wash: FloatArray, direction: FloatArray) -> bool:
    """Whether ``rgb`` is the band ``wash`` plus a pen's ``direction``, ``_THROUGH`` of it."""
    t = float((rgb - wash) @ direction / float(direction @ direction))
    return (
        _THROUGH[0] <= t <= _THROUGH[1]
        and float(np.linalg.norm(rgb - (wash + t * direction))) <= _SEEN
    )
