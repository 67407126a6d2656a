"""Draw what the digitizer read on top of the figure, for a person to check at a glance."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from kmipd.digitize._result import ArmResult, DigitizationResult

__all__ = ["draw_overlay"]

UInt8Array = npt.NDArray[np.uint8]
_TICK = (0, 160, 0)  # calibration ticks and their numbers
_BOX = (120, 120, 120)  # plot area
_BAD = (220, 0, 0)  # labels the fit did not use


_PALETTE = ((230, 0, 200), (0, 170, 0), (255, 120, 0), (0, 190, 230), (120, 60, 255))


def _contrast(rgb: tuple[int, int, int], index: int) -> tuple[int, int, int]:
    """A drawing colour for arm ``index`` that stands out against the arm's own colour."""
    for shift in range(len(_PALETTE)):
        colour = _PALETTE[(index + shift) % len(_PALETTE)]
        if max(abs(c - v) for c, v in zip(colour, rgb, strict=True)) > 90:
            return colour
    return _PALETTE[index % len(_PALETTE)]


def _as_image(result: DigitizationResult, image: Any) -> UInt8Array:
    """The figure as an RGB uint8 array the size the result's pixels refer to."""
    import cv2

    from kmipd.digitize._image import load_image

    pixels = image if isinstance(image, np.ndarray) and image.ndim == 3 else None
    if pixels is None or pixels.dtype != np.uint8 or pixels.shape[2] != 3:
        pixels = load_image(image).image
    rows, cols = result.image_shape
    if pixels.shape[:2] != (rows, cols) and rows and cols:
        r0, c0 = result.offset
        if result.offset != (0, 0) and pixels.shape[0] >= r0 + rows / result.scale:
            pixels = pixels[r0:, c0:]
            pixels = pixels[: round(rows / result.scale), : round(cols / result.scale)]
        pixels = cv2.resize(pixels, (cols, rows), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(pixels.copy())


def _text(canvas: UInt8Array, text: str, col: float, row: float, colour: Any, size: float) -> None:
    """Small label with a white halo."""
    import cv2

    origin = (round(col), round(row))
    for thickness, ink in ((3, (255, 255, 255)), (1, colour)):
        cv2.putText(
            canvas, text, origin, cv2.FONT_HERSHEY_SIMPLEX, size, ink, thickness, cv2.LINE_AA
        )


def _draw_axes(canvas: UInt8Array, result: DigitizationResult, size: float) -> None:
    """Plot area box and, per tick label, a tick at its fitted pixel with the value read."""
    import cv2

    top, left, bottom, right = (round(v) for v in result.plot_area)
    cv2.rectangle(canvas, (left, top), (right, bottom), _BOX, 1)
    for label in result.x_axis.labels:
        col = round(label.pixel)
        colour = _TICK if label.used else _BAD
        cv2.line(canvas, (col, bottom - 6), (col, bottom + 6), colour, 1)
        _text(canvas, f"{label.value:g}", col - 6, bottom - 9, colour, size)
    for label in result.y_axis.labels:
        row = round(label.pixel)
        colour = _TICK if label.used else _BAD
        cv2.line(canvas, (left - 6, row), (left + 6, row), colour, 1)
        _text(canvas, f"{label.value:g}", left + 9, row + 4, colour, size)


def _draw_arm(canvas: UInt8Array, arm: ArmResult, index: int, size: float) -> None:
    """Traced centre line, censoring marks, legend name and risk numbers of one arm."""
    import cv2

    colour = _contrast(arm.colour, index)
    cols, rows = arm.pixels
    if len(cols) >= 2:
        points = np.column_stack([cols, rows]) * 4.0
        cv2.polylines(
            canvas, [np.round(points).astype(np.int32)], False, colour, 1, cv2.LINE_AA, shift=2
        )
        _text(canvas, arm.name, cols[0] + 4, rows[0] - 6, colour, size)
    for col, row in zip(*arm.mark_pixels, strict=True):
        cv2.circle(canvas, (round(col), round(row)), 5, colour, 1, cv2.LINE_AA)
    for cell in arm.risk_cells:
        text = "?" if cell.value is None else str(cell.value)
        _text(canvas, text, cell.col - 6, cell.row - 12, colour, size)


def draw_overlay(result: DigitizationResult, image: Any) -> UInt8Array:
    """The figure with the extracted curves, marks, calibration and read numbers drawn on it.

    Parameters
    ----------
    result : DigitizationResult
        Output of :func:`digitize`.
    image : path, bytes, PIL image or array
        The same figure (original or as digitized; it is brought to the size
        the result's pixels refer to).

    Returns
    -------
    ndarray of uint8, shape (rows, cols, 3)
        RGB image: each arm's traced curve in a contrasting colour with its
        name, censoring marks circled, calibration ticks with the values read
        (green used by the fit, red rejected), the plot area box, and the
        numbers at risk as read above each number.
    """
    canvas = _as_image(result, image)
    size = max(0.3, min(canvas.shape[:2]) / 1500.0)
    _draw_axes(canvas, result, size)
    for index, arm in enumerate(result.arms):
        _draw_arm(canvas, arm, index, size)
    return canvas
