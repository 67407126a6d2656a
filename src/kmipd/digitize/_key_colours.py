"""Curve colours settled with the legend keys' help.

``find_colours`` reads the panel alone. The keys say which colours are
arms' pens, which settles two cases it cannot:

* a key's grey lost among the found colours (``own_grey``): a grey pen close
  to the anti-aliased grey of a black arm's crowded censor marks;
* a pale tint of a keyed pen that lies only along that pen's curve
  (``tints_along``): censor marks drawn semi-transparent, which merge into
  blocks of a colour of their own round the curve.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kmipd.digitize._colours import (
    PALE_COLOUR,
    InkColour,
    blend_fraction,
    is_blend_of,
    is_dotted,
    is_grey,
    looks_like_edge,
    strength,
    to_lab,
)

__all__ = ["own_grey", "tints_along"]

UInt8Array = npt.NDArray[np.uint8]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_OWN_GREY = 8.0  # Lab units: a key's grey this far from every found colour may be its own
_OWN_NEAR = 20.0  # Lab units: ... and no further than this (the key matches that colour)
_OWN_REACH = 6.0  # Lab units: panel pixels this near a key's grey are of that grey
_TINT_REACH = 2.0  # pen widths (+ 3 px): a tint's pixels lie this near the pen's, above or below
_TINT_ALONG = 0.95  # share of a tint's pixels, at the least, that lie so near the pen


def own_grey(
    image: UInt8Array,
    mask: BoolArray,
    background: UInt8Array,
    rgb: tuple[int, int, int],
    colours: list[InkColour],
    min_pixels: int,
) -> int:
    """How many panel pixels a legend key's grey holds, if it is a curve colour of its own
    though near a found colour (0 if not).

    ``find_colours`` keeps colours at least 14 Lab units apart, so a grey
    curve (85) close to the anti-aliased grey of a black arm's crowded censor
    marks (61) is lost in it, and its arm would follow the black curve. The
    key shows the grey. It is a colour of its own when it lies more than
    ``_OWN_GREY`` but at most ``_OWN_NEAR`` from the nearest found colour (a
    grey key far from every colour is no curve's: text, a frame), at least
    ``min_pixels`` panel pixels lie within ``_OWN_REACH`` of it, nearer it
    than any found colour, and they are no mere edge of the colours they could
    blend from (or they are dotted, as ``find_colours`` asks of a grey).

    Parameters
    ----------
    image : ndarray of uint8, shape (rows, cols, 3)
    mask : ndarray of bool, shape (rows, cols)
        The panel's clearly inked pixels.
    background : ndarray of uint8, shape (3,)
    rgb : tuple of int
        The key's colour.
    colours : list of InkColour
        The colours found so far.
    min_pixels : int
        Fewest pixels of a colour worth keeping.

    Returns
    -------
    int
        The grey's pixels, or 0.
    """
    import cv2

    if not colours or not is_grey(rgb) or not mask.any():
        return 0
    lab = to_lab(np.asarray(rgb, dtype=np.uint8))
    found = [to_lab(np.asarray(c.rgb, dtype=np.uint8)) for c in colours]
    gap = min(float(np.linalg.norm(lab - f)) for f in found)
    if not _OWN_GREY < gap <= _OWN_NEAR:
        return 0
    rows, cols = np.nonzero(mask)
    pixels = to_lab(image[rows, cols])
    to_key = np.linalg.norm(pixels - lab, axis=1)
    nearest = np.min([np.linalg.norm(pixels - f, axis=1) for f in found], axis=0)
    near = (to_key <= _OWN_REACH) & (to_key < nearest)
    count = int(near.sum())
    if count < min_pixels:
        return 0
    core = np.zeros(mask.shape, dtype=bool)
    core[rows[near], cols[near]] = True
    bg = background.astype(float)
    grey = np.asarray(rgb, dtype=float)
    sources = [k for k, c in enumerate(colours) if is_blend_of(grey, np.asarray(c.rgb, float), bg)]
    if not sources:
        return count
    kernel = np.ones((3, 3), dtype=np.uint8)
    near_sources = []
    for k in sources:  # a source's pixels: near it, and nearer it than the key's grey
        theirs = np.linalg.norm(pixels - found[k], axis=1)
        keep = (theirs <= 2 * _OWN_REACH) & (theirs < to_key)
        source = np.zeros(mask.shape, dtype=np.uint8)
        source[rows[keep], cols[keep]] = 1
        near_sources.append(cv2.dilate(source, kernel).astype(bool))
    edge = looks_like_edge(core, near_sources) and not is_dotted(core, near_sources)
    return 0 if edge else count


def tints_along(
    labels: IntArray,
    coverage: FloatArray,
    colours: list[InkColour],
    keyed: dict[int, float],
    background: UInt8Array,
) -> tuple[IntArray, FloatArray]:
    """Pixels of an unkeyed tint of a keyed pen, lying only along that pen, given to it.

    Censor marks drawn semi-transparent over a crowded curve merge into
    blocks of a paler tint of the pen, which ``find_colours`` keeps as a
    colour of its own: the pen's curve then runs inside blocks of another
    colour, and its trace is lost there. A colour no key shows, on the blend
    line from the background to a keyed pen, whose pixels lie (all but
    ``1 - _TINT_ALONG`` of them) within ``_TINT_REACH`` pen widths and 3 px
    of that pen's pixels in their column, is that pen's ink at the tint's
    coverage. A
    pale arm of its own leaves the other's side somewhere; a keyed colour is
    never merged.

    Parameters
    ----------
    labels : ndarray of int, shape (rows, cols)
        Colour index per pixel, -1 for none.
    coverage : ndarray of float, shape (rows, cols)
    colours : list of InkColour
    keyed : dict of int to float
        The colours a legend key shows, by index, with their pen widths in pixels.
    background : ndarray of uint8, shape (3,)

    Returns
    -------
    labels, coverage : ndarray
        New arrays, with the tints' pixels given to their pens (the same
        arrays where no tint is).
    """
    import cv2

    given = False  # the arrays are copied before the first change
    bg = background.astype(float)
    pens = [k for k in keyed if 0 <= k < len(colours) and strength(colours[k], bg) >= PALE_COLOUR]
    for j, tint in enumerate(colours):
        mine = labels == j
        total = int(mine.sum())
        if j in keyed or not total:
            continue
        best, share = -1, 0.0
        for k in pens:
            if k == j or not is_blend_of(
                np.asarray(tint.rgb, float), np.asarray(colours[k].rgb, float), bg
            ):
                continue
            reach = round(_TINT_REACH * keyed[k]) + 3
            column = np.ones((2 * reach + 1, 1), dtype=np.uint8)
            beside = cv2.dilate((labels == k).astype(np.uint8), column).astype(bool)
            along = float((mine & beside).sum()) / total
            if along > share:
                best, share = k, along
        if best >= 0 and share >= _TINT_ALONG:
            if not given:
                labels, coverage, given = labels.copy(), coverage.copy(), True
            labels[mine] = best
            coverage[mine] *= blend_fraction(tint.rgb, colours[best].rgb, background)
    return labels, coverage
