"""Undo the colour damage of JPEG compression before a figure is read.

JPEG keeps brightness at full resolution but stores colour at half
resolution and quantises both in 8x8 blocks. A thin coloured curve comes out
as a smear of washed-out shades of its hue, black text gets coloured fringes,
and the background gets faint ringing. The digitizer finds curve colours as
sharp peaks of exact colours, which such a smear does not have.

The repair keeps each pixel's brightness and fixes its colour:

* pixels very close to the background, and faint pixels a few pixels away
  from solid strokes (ringing), become the background;
* long straight dark lines (axes, frame) are left as they are;
* nearly grey pixels become exactly grey (black and grey curves, text);
* coloured pixels go to the nearest main hue (one group per curve colour); each
  is put back on its group's blend line from the background to the group's
  strongest colour, at its blend fraction stretched so that faint ringing
  goes and nearly solid cores become solid; one clearly darker than that
  colour is the colour mixed with black (a curve over an axis line) and is
  left as it is.

Only files Pillow reads as JPEG are repaired (``load_image``); PNG, TIFF and
arrays are read as they are.

Two curves of one hue but different strength (dark and light blue) become
one colour here; in a JPEG they are not reliably told apart anyway.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kmipd.digitize._colours import to_lab
from kmipd.digitize._image import channel_max, channel_min, ink_strength

__all__ = ["restore_compressed"]

UInt8Array = npt.NDArray[np.uint8]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_FAINT = 6.0 / 255.0  # largest ink strength (channel difference) treated as ringing
_PAPER = 8.0  # grey levels from the background's within which a grey pixel is paper
_TINT = 24.0  # largest channel difference of a stray light tint treated as ringing
_GREY_CHROMA = 8.0  # Lab chroma below which a pixel is taken to be grey
_HUE_CHROMA = 15.0  # Lab chroma from which a pixel votes for its hue
_BIN = 5.0  # degrees per hue bin
_MIN_SEPARATION = 30.0  # degrees between two hue groups
_WIDTH = 45.0  # degrees from a group's hue within which a pixel can belong to it
_SOLID = 0.5  # ink strength of strokes and text whose surroundings ring
_RING = 0.2  # ink strength below which a pixel near such a stroke is ringing
_LINE = 15  # pixels of a straight faint run that is a grid line, not ringing
_LOW, _HIGH = 0.15, 0.85  # blend fractions stretched to 0 and 1 (ringing out, cores full)
_DARKER = 1.1  # blend fraction past the colour from which a pixel may hold black too
_DULLER = 0.8  # ... and does when its chroma is below this share of the colour's: kept


def _hue_groups(hue: FloatArray, chroma: FloatArray, min_weight: float) -> list[float]:
    """Hue angles (degrees) of the main colour groups, strongest first.

    A group is a peak of the chroma-weighted hue histogram that is separated
    from every stronger peak by a valley below half its height (JPEG spreads
    one colour's hue into shoulders, which are not groups of their own).
    """
    votes = chroma >= _HUE_CHROMA
    bins = round(360 / _BIN)
    histogram = np.bincount(
        (hue[votes] // _BIN).astype(np.int64) % bins, weights=chroma[votes], minlength=bins
    )
    smooth: FloatArray = np.sum([np.roll(histogram, k) for k in (-2, -1, 0, 1, 2)], axis=0)
    kept: list[int] = []
    for index in np.argsort(-smooth, kind="stable"):
        if smooth[index] < min_weight:
            break
        if all(
            _angle((index + 0.5) * _BIN, (k + 0.5) * _BIN) >= _MIN_SEPARATION
            and _valley(smooth, int(index), k) < 0.5 * smooth[index]
            for k in kept
        ):
            kept.append(int(index))
    return [float((k + 0.5) * _BIN) for k in kept]


def _valley(smooth: FloatArray, a: int, b: int) -> float:
    """Lowest histogram value on the shorter way round between bins ``a`` and ``b``."""
    n = smooth.size
    forward = (b - a) % n
    path = (
        [(a + i) % n for i in range(forward + 1)]
        if forward <= n - forward
        else [(a - i) % n for i in range(n - forward + 1)]
    )
    return float(smooth[path].min())


def _angle(a: float | FloatArray, b: float) -> FloatArray:
    """Absolute difference of hue angles in degrees (0-180)."""
    d = np.abs((np.asarray(a, dtype=float) - b + 180.0) % 360.0 - 180.0)
    return np.asarray(d, dtype=float)


def _ringing(ink: FloatArray) -> BoolArray:
    """Faint pixels two to four pixels from solid ink: JPEG ringing around strokes and text.

    ``ink`` is each pixel's ink strength (``ink_strength``, 0 to 1).
    The pixel right next to a stroke is kept (it carries the stroke's
    anti-aliased edge), and so are straight faint runs (grid lines running up
    to a tick mark or a curve).
    """
    import cv2

    solid = (ink >= _SOLID).astype(np.uint8)
    near = cv2.dilate(solid, np.ones((3, 3), np.uint8)).astype(bool)
    zone = cv2.dilate(solid, np.ones((9, 9), np.uint8)).astype(bool) & ~near
    weak = ink < _RING
    faint = ((ink > 0.02) & weak).astype(np.uint8)
    lines = np.zeros(ink.shape, dtype=bool)
    for kernel in (np.ones((1, _LINE), np.uint8), np.ones((_LINE, 1), np.uint8)):
        lines |= cv2.morphologyEx(faint, cv2.MORPH_OPEN, kernel).astype(bool)
    return np.asarray(zone & weak & ~lines, dtype=bool)


def _axis_lines(ink: FloatArray, spread: npt.NDArray[np.int16]) -> BoolArray:
    """Pixels of long straight dark lines (axes, frame), left as they are.

    ``ink`` as in ``_ringing``; ``spread`` is each pixel's largest minus
    smallest channel. Where a curve runs along an axis their colours mix;
    recoloured as the curve, the axis would break where the frame is looked for.
    """
    import cv2

    dark = ((ink >= 0.3) & (spread < 0.25 * 255)).astype(np.uint8)
    rows, cols = dark.shape
    lines = np.zeros(dark.shape, dtype=bool)
    for kernel in (
        np.ones((1, max(3, cols // 4)), np.uint8),
        np.ones((max(3, rows // 5), 1), np.uint8),
    ):
        lines |= cv2.morphologyEx(dark, cv2.MORPH_OPEN, kernel).astype(bool)
    return lines


def _stretch(alpha: FloatArray) -> FloatArray:
    """Blend fractions with faint ringing set to 0 and nearly solid ink to 1."""
    return np.asarray(np.clip((alpha - _LOW) / (_HIGH - _LOW), 0.0, 1.0), dtype=float)


def restore_compressed(image: UInt8Array, background: UInt8Array) -> UInt8Array:
    """A JPEG-damaged figure with clean background, greys and curve colours.

    Parameters
    ----------
    image : ndarray of uint8, shape (rows, cols, 3)
    background : ndarray of uint8, shape (3,)

    Returns
    -------
    ndarray of uint8, shape (rows, cols, 3)
        The repaired image (a new array).
    """
    ink = ink_strength(image, background)
    spread = channel_max(image).astype(np.int16) - channel_min(image)
    faint = (ink <= _FAINT) | _ringing(ink)
    out = image.copy()
    out[faint] = background
    todo = np.flatnonzero(~faint & ~_axis_lines(ink, spread))
    flat = out.reshape(-1, 3)
    if todo.size:
        pixels = image.reshape(-1, 3)[todo].astype(float)
        flat[todo] = np.clip(
            np.round(_recoloured(pixels, background.astype(float), image.shape)), 0, 255
        )
    return out


def _recoloured(pixels: FloatArray, bg: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """New colours of the inked pixels: greys made grey, colours put on their blend lines."""
    out = pixels.copy()
    lab = to_lab(pixels.astype(np.uint8))
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1])) % 360.0
    grey = chroma < _GREY_CHROMA
    level = pixels[grey].mean(axis=1)
    greys = np.repeat(level[:, None], 3, axis=1)
    greys[np.abs(level - bg.mean()) <= _PAPER] = bg  # a faint tint of the paper is paper
    out[grey] = greys
    min_weight = max(200.0, 0.002 * shape[0] * shape[1]) * _HUE_CHROMA
    groups = _hue_groups(hue, chroma, min_weight)
    if not groups:
        return out
    distance = np.stack([_angle(hue, angle) for angle in groups])
    nearest = distance.argmin(axis=0)
    stray = ~grey & (distance.min(axis=0) > _WIDTH)
    light = np.abs(pixels - bg).max(axis=1) <= _TINT
    out[stray & light] = bg  # a light tint of no curve's hue: ringing
    for k in range(len(groups)):
        member = np.flatnonzero(~grey & (nearest == k) & (distance[k] <= _WIDTH))
        if member.size >= 10:
            _onto_blend_line(out, pixels, chroma, member, bg)
    return out


def _onto_blend_line(
    out: FloatArray, pixels: FloatArray, chroma: FloatArray, member: IntArray, bg: FloatArray
) -> None:
    """Put one hue group's pixels on the blend line to its strongest colour (in place)."""
    strong = chroma[member] >= np.percentile(chroma[member], 95)
    pure = np.median(pixels[member][strong], axis=0)
    direction = pure - bg
    norm = float(direction @ direction)
    if norm < 1.0:
        return
    alpha = (pixels[member] - bg) @ direction / norm
    pure_lab = to_lab(np.round(pure).astype(np.uint8)[None])[0]
    # darker than the colour yet duller: mixed with black (a curve over an axis line)
    duller = chroma[member] < _DULLER * float(np.hypot(pure_lab[1], pure_lab[2]))
    blend = (alpha <= _DARKER) | ~duller
    out[member[blend]] = bg + _stretch(alpha[blend])[:, None] * direction
