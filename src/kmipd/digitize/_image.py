"""Load a raster figure into an RGB array, and pixel measures shared by the stages."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from kmipd.errors import InputError

__all__ = [
    "MAX_PIXELS",
    "LoadedImage",
    "Measures",
    "background_colour",
    "enlarge",
    "ink_grey",
    "ink_strength",
    "load_image",
    "measure",
    "whitened",
]

MAX_PIXELS = 25_000_000
_LIGHTER = 12  # levels (each channel) a pixel is lighter than a panel's fill, to be a grid line
UInt8Array = npt.NDArray[np.uint8]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """A figure as an RGB array, with where it came from.

    Attributes
    ----------
    image : ndarray of uint8, shape (rows, cols, 3)
        The pixels the digitizer works on (after crop and downscale).
    source : str or None
        File name, for messages.
    scale : float
        Working pixels per original pixel (below 1 if a large image was shrunk,
        2 if a small one was enlarged to be read).
    offset : tuple of int
        ``(row, col)`` of the working image's corner in the original image.
    compressed : bool
        Whether the file was JPEG (lossy colour), so colours need repair.
    """

    image: UInt8Array
    source: str | None = None
    scale: float = 1.0
    offset: tuple[int, int] = (0, 0)
    compressed: bool = False


def _open_pil(source: Any) -> tuple[Any, str | None]:
    """Open ``source`` (path, bytes or PIL image) with Pillow and decode it fully."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(source, Image.Image):
        return source, None
    name = None
    if isinstance(source, bytes | bytearray):
        stream: Any = io.BytesIO(source)
    else:
        name = os.fspath(source)
        if not os.path.isfile(name):
            raise InputError(f"{name}: no such file; give the path of a PNG, JPEG or TIFF figure")
        stream = name
    try:
        image = Image.open(stream)
        image.load()
    except UnidentifiedImageError as exc:
        raise InputError(
            f"{name or 'image bytes'}: not an image Pillow can read (PNG, JPEG, TIFF, BMP, WebP)"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(
            f"{name or 'image bytes'}: the image file is corrupt or truncated ({exc}); "
            "export the figure again"
        ) from exc
    return image, name


def _to_rgb(image: Any) -> UInt8Array:
    """RGB uint8 pixels of a PIL image; transparency is composed on white."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        image = canvas
    return np.ascontiguousarray(np.asarray(image.convert("RGB"), dtype=np.uint8))


def _array_to_rgb(array: npt.ArrayLike) -> UInt8Array:
    """RGB uint8 pixels of an array given directly (grey, RGB or RGBA)."""
    pixels = np.asarray(array)
    if pixels.dtype != np.uint8:
        scale = 255.0 if pixels.dtype.kind == "f" and pixels.size and pixels.max() <= 1.0 else 1.0
        pixels = np.clip(np.rint(pixels.astype(float) * scale), 0, 255).astype(np.uint8)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, None], 3, axis=2)
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise InputError(f"an image array must be (rows, cols[, 3 or 4]); got shape {pixels.shape}")
    if pixels.shape[2] == 4:
        alpha = pixels[:, :, 3:4].astype(float) / 255.0
        pixels = np.rint(pixels[:, :, :3] * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    return np.ascontiguousarray(pixels)


def _apply_crop(
    image: UInt8Array, crop: tuple[int, int, int, int] | None
) -> tuple[UInt8Array, tuple[int, int]]:
    """Cut ``crop = (row0, col0, row1, col1)`` out of ``image``; half-open, clipped."""
    if crop is None:
        return image, (0, 0)
    if len(crop) != 4:
        raise InputError(f"crop must be (row0, col0, row1, col1); got {crop!r}")
    rows, cols = image.shape[:2]
    row0, col0 = max(0, int(crop[0])), max(0, int(crop[1]))
    row1, col1 = min(rows, int(crop[2])), min(cols, int(crop[3]))
    if row1 - row0 < 16 or col1 - col0 < 16:
        raise InputError(
            f"crop {tuple(crop)!r} leaves less than 16x16 pixels of a {rows}x{cols} image"
        )
    return np.ascontiguousarray(image[row0:row1, col0:col1]), (row0, col0)


def _downscale(image: UInt8Array, max_pixels: int) -> tuple[UInt8Array, float]:
    """Shrink ``image`` (area interpolation) so that it has at most ``max_pixels``."""
    rows, cols = image.shape[:2]
    if rows * cols <= max_pixels:
        return image, 1.0
    import cv2

    scale = float(np.sqrt(max_pixels / (rows * cols)))
    size = (max(1, int(cols * scale)), max(1, int(rows * scale)))
    return np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA)), scale


def load_image(
    source: Any,
    *,
    crop: tuple[int, int, int, int] | None = None,
    max_pixels: int = MAX_PIXELS,
) -> LoadedImage:
    """Read a figure from a file, bytes, a PIL image or an array.

    Parameters
    ----------
    source : path, bytes, PIL.Image.Image or array_like
        The figure (PNG, JPEG, TIFF, BMP, WebP, ...).
    crop : tuple of int, optional
        ``(row0, col0, row1, col1)`` of the part to digitize, in original pixels.
    max_pixels : int, optional
        Larger images are shrunk to this many pixels.

    Returns
    -------
    LoadedImage
        The RGB pixels (transparency composed on white) with their origin.

    Raises
    ------
    InputError
        If the file is missing, not an image, corrupt or truncated.
    """
    compressed = False
    if isinstance(source, np.ndarray):
        pixels, name = _array_to_rgb(source), None
    else:
        pil, name = _open_pil(source)
        compressed = getattr(pil, "format", None) in ("JPEG", "MPO")
        pixels = _to_rgb(pil)
    if pixels.shape[0] < 16 or pixels.shape[1] < 16:
        raise InputError(f"{name or 'image'}: {pixels.shape[0]}x{pixels.shape[1]} px is too small")
    pixels, offset = _apply_crop(pixels, crop)
    pixels, scale = _downscale(pixels, max_pixels)
    if compressed:
        from kmipd.digitize._restore import restore_compressed

        pixels = restore_compressed(pixels, background_colour(pixels))
    return LoadedImage(image=pixels, source=name, scale=scale, offset=offset, compressed=compressed)


def enlarge(loaded: LoadedImage, factor: float) -> LoadedImage:
    """The same figure resized by ``factor`` (cubic interpolation), its scale updated.

    Parameters
    ----------
    loaded : LoadedImage
    factor : float
        Greater than 1 to enlarge.

    Returns
    -------
    LoadedImage
    """
    import cv2

    rows, cols = loaded.image.shape[:2]
    size = (max(1, round(cols * factor)), max(1, round(rows * factor)))
    pixels = cv2.resize(loaded.image, size, interpolation=cv2.INTER_CUBIC)
    return replace(loaded, image=np.ascontiguousarray(pixels), scale=loaded.scale * factor)


def background_colour(image: UInt8Array) -> UInt8Array:
    """The most common colour of the image border (the figure's background).

    Parameters
    ----------
    image : ndarray of uint8, shape (rows, cols, 3)

    Returns
    -------
    ndarray of uint8, shape (3,)
    """
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]], axis=0).astype(
        np.int64
    )
    keys = (border[:, 0] << 16) | (border[:, 1] << 8) | border[:, 2]
    values, counts = np.unique(keys, return_counts=True)
    key = int(values[np.argmax(counts)])
    return np.array([(key >> 16) & 255, (key >> 8) & 255, key & 255], dtype=np.uint8)


@dataclass(frozen=True)
class Measures:
    """A figure's background colour, and per pixel its ink and chroma (see :func:`measure`).

    Attributes
    ----------
    background : ndarray of uint8, shape (3,)
    ink, chroma : ndarray of float, shape (rows, cols)
        Difference from the background and colourfulness, both in [0, 1].
    """

    background: UInt8Array
    ink: FloatArray
    chroma: FloatArray


def measure(image: UInt8Array) -> Measures:
    """Background colour, ink and chroma of an RGB figure (measured once, shared by the
    panel search and the scene)."""
    background = background_colour(image)
    chroma = (channel_max(image).astype(float) - channel_min(image)) / 255.0
    return Measures(background, ink_strength(image, background), chroma)


def ink_strength(image: UInt8Array, background: UInt8Array) -> FloatArray:
    """Per pixel, the largest channel difference from the background, in [0, 1].

    Parameters
    ----------
    image : ndarray of uint8, shape (rows, cols, 3)
    background : ndarray of uint8, shape (3,)

    Returns
    -------
    ndarray of float, shape (rows, cols)
    """
    import cv2

    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        diff = np.abs(image.astype(np.int16) - background.astype(np.int16)[None, None, :])
    else:  # OpenCV's absolute difference from one colour: the same, several times faster
        colour = (int(background[0]), int(background[1]), int(background[2]), 0)
        diff = cv2.absdiff(image, colour)  # type: ignore[call-overload]  # a scalar is allowed
    out = channel_max(diff).astype(np.float64)
    out /= 255.0
    return out


def ink_grey(ink: FloatArray) -> UInt8Array:
    """Ink as a grey image, dark text on white (the recogniser's input)."""
    grey = ink * -255.0  # 255 - 255 * ink, computed in place
    grey += 255.0
    np.clip(grey, 0, 255, out=grey)
    return grey.astype(np.uint8)


def whitened(image: UInt8Array, colour: UInt8Array, box: tuple[slice, slice]) -> UInt8Array:
    """``image`` with ``colour`` made white inside ``box`` (rows, columns).

    Each channel there is scaled by 255 over its value: black stays black and
    what is lighter than ``colour`` turns white, so a panel's light fill
    becomes background, and a pale wash over the fill the same wash over white.
    Text outside the box is left as drawn (its light anti-aliased edges would
    turn white too). Thin lines lighter than ``colour`` (white grid lines) are
    first filled in from their sides (`_thin_light_lines_mended`).
    """
    scale = 255.0 / np.maximum(colour.astype(float), 1.0)
    out = image.copy()
    part = _thin_light_lines_mended(image[box], colour)
    out[box] = np.clip(part * scale[None, None, :], 0, 255).round().astype(np.uint8)
    return out


def _thin_light_lines_mended(part: UInt8Array, colour: UInt8Array) -> UInt8Array:
    """``part`` with lines one or two pixels wide that are lighter than the fill ``colour``
    (white grid lines on a grey panel) filled in from the pixels either side.

    A grid line drawn over a legend cuts its letters in two (the OCR then
    reads "plac:ebo"); filled from its sides, a letter is whole again, and
    on the bare fill the line becomes fill.
    """
    out = part.copy()
    for along in (out, out.swapaxes(0, 1)):  # vertical lines, then horizontal ones
        for width in (1, 2):
            lighter = along.astype(np.int16) > colour.astype(np.int16) + _LIGHTER
            light: npt.NDArray[np.bool_] = np.all(lighter, axis=2)
            cols = light.shape[1]
            if cols < width + 2:
                continue
            run = ~light[:, : cols - width - 1] & ~light[:, width + 1 :]
            for k in range(width):
                run &= light[:, 1 + k : cols - width + k]
            rows, start = np.nonzero(run)
            start += 1
            sides = along[rows, start - 1].astype(np.int16) + along[rows, start + width]
            for k in range(width):
                along[rows, start + k] = (sides // 2).astype(np.uint8)
    return out


def channel_max(image: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Per pixel, the largest of the three channels (as ``image.max(axis=2)``, several
    times faster: numpy reduces a short last axis slowly)."""
    return np.maximum(np.maximum(image[..., 0], image[..., 1]), image[..., 2])


def channel_min(image: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Per pixel, the smallest of the three channels (see :func:`channel_max`)."""
    return np.minimum(np.minimum(image[..., 0], image[..., 1]), image[..., 2])
