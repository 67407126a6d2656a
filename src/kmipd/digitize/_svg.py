"""``digitize_svg()``: read a Kaplan-Meier figure saved as SVG from its drawing.

The SVG's paths, shapes and ``<text>`` become the same page primitives as a
vector PDF page's, read by the same vector reader: exact curve coordinates,
tick labels and numbers at risk as the SVG spells them. An SVG that holds
a raster image instead of a plot is rendered (image included) and read by
the raster reader, with a warning. Text drawn as glyph outlines (matplotlib's
default ``svg.fonttype='path'``, R's ``svg()``) cannot be read as text; the
axis ranges must then be given.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from typing import Any

from kmipd.digitize._panels import check_panel, panel_crop
from kmipd.digitize._pdf import PDF_DPI
from kmipd.digitize._result import DigitizationResult
from kmipd.digitize._svg_axes import panel_axes, without_keys
from kmipd.digitize._svg_parse import SvgDrawing, parse_svg
from kmipd.digitize._svg_render import render_drawing
from kmipd.digitize._vector import read_vector
from kmipd.digitize._vector_axes import find_axes
from kmipd.errors import DigitizationError, InputError

__all__ = ["digitize_svg", "is_svg", "read_svg_drawing", "render_svg"]

_RANGES = "give the axis ranges with --x-range and --y-range (x_range=, y_range= in Python)"


def _looks_svg(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return text.startswith(b"<") and b"<svg" in text[:8192]


def is_svg(source: Any) -> bool:
    """True if ``source`` is a path ending in .svg/.svgz or a file or bytes holding an SVG."""
    if isinstance(source, bytes | bytearray):
        return bytes(source[:2]) != b"\x1f\x8b" and _looks_svg(bytes(source[:8192]))
    if not isinstance(source, str | os.PathLike):
        return False
    name = os.fspath(source)
    if str(name).lower().endswith((".svg", ".svgz")):
        return True
    try:
        with open(name, "rb") as handle:
            return _looks_svg(handle.read(8192))
    except OSError:
        return False


def _load(source: Any) -> tuple[bytes, str]:
    if isinstance(source, bytes | bytearray):
        return bytes(source), "SVG"
    name = os.fspath(source)
    if not os.path.isfile(name):
        raise InputError(f"{name}: no such file; give the path of an SVG, PDF or image figure")
    with open(name, "rb") as handle:
        return handle.read(), str(name)


def read_svg_drawing(
    source: Any, *, dpi: float = PDF_DPI, crop: tuple[int, int, int, int] | None = None
) -> SvgDrawing:
    """What an SVG draws, in pixels of the drawing rendered at ``dpi``.

    Parameters
    ----------
    source : path or bytes
        The SVG (or SVGZ) file.
    dpi : float, optional
        Resolution: an SVG ``px`` is 1/96 inch.
    crop : tuple of int, optional
        ``(row0, col0, row1, col1)`` in those pixels: keep only what touches it.

    Returns
    -------
    SvgDrawing

    Raises
    ------
    InputError
        If the file is missing or not a well-formed SVG.
    """
    if not dpi > 0:
        raise InputError(f"dpi must be positive; got {dpi!r}")
    data, name = _load(source)
    clip = None
    if crop is not None:
        r0, c0, r1, c1 = crop
        clip = (float(c0), float(r0), float(c1), float(r1))
    return parse_svg(data, float(dpi), clip, name)


def render_svg(source: Any, *, dpi: float = PDF_DPI) -> Any:
    """An SVG rendered to an RGB PIL image at ``dpi`` (for overlays; a plain rendering).

    Raises
    ------
    InputError
        If the file is missing or not a well-formed SVG.
    """
    return render_drawing(read_svg_drawing(source, dpi=dpi))


def _no_labels(drawing: SvgDrawing) -> tuple[str, str]:
    """Why the tick labels could not be read from the SVG's text, and what to do."""
    if not drawing.page.texts:
        if drawing.glyphs or len(drawing.page.fills) > 20:
            return (
                "the SVG draws its text as glyph outlines, not as text (matplotlib's default "
                "svg.fonttype='path', R's svg()), so its tick labels cannot be read",
                f"{_RANGES}, or export the SVG with text as text (matplotlib: "
                "rcParams['svg.fonttype'] = 'none'; R: svglite)",
            )
        return "the SVG has no text, so no tick labels can be read", _RANGES
    return "no numeric tick labels found among the SVG's text", _RANGES


def _vector(
    drawing: SvgDrawing, options: dict[str, Any], x_range: Any, y_range: Any
) -> DigitizationResult:
    page, axes = drawing.page, None
    if find_axes(page) is None:
        if x_range is None or y_range is None:
            reason, advice = _no_labels(drawing)
            raise _NoLabels(reason, advice)
        axes = panel_axes(page, x_range, y_range)
        if axes is None:
            raise DigitizationError("no plot panel (axis lines or frame) found in the drawing")
        page = without_keys(page, axes.panel)
    return read_vector(page, x_range=x_range, y_range=y_range, axes=axes, **options)


def _native(drawing: SvgDrawing) -> float:
    """Rendering scale (relative to the drawing's dpi) for reading its largest embedded image.

    The image is shown at its own resolution, enlarged (at most twice) to at
    least 1000 pixels on its longer side, as the raster reader is tuned to
    figures of about that size; within 25 million pixels. 1 without images.
    """
    if not drawing.images:
        return 1.0
    big = max(drawing.images, key=lambda i: (i.box[2] - i.box[0]) * (i.box[3] - i.box[1]))
    width = big.box[2] - big.box[0]
    if big.size[0] < 1 or width < 1:
        return 1.0
    enlarge = min(max(1000.0 / max(big.size), 1.0), 2.0)
    ratio = big.size[0] / width * enlarge
    rows, cols = drawing.page.shape
    limit = (25_000_000 / max(rows * cols, 1)) ** 0.5
    return float(min(max(ratio, 0.1), limit))


class _NoLabels(DigitizationError):
    """No tick labels as text: ``str()`` is the reason and the advice."""

    def __init__(self, reason: str, advice: str) -> None:
        super().__init__(f"{reason}; {advice}")
        self.reason = reason


def digitize_svg(
    source: Any,
    *,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    percent: bool | None = None,
    arms: int | list[str] | None = None,
    crop: tuple[int, int, int, int] | None = None,
    panel: int | None = None,
    vector: bool | None = None,
    dpi: float = PDF_DPI,
) -> DigitizationResult:
    """Read the Kaplan-Meier figure of an SVG file.

    The drawing is read first (curves from the paths, tick labels and numbers
    at risk from ``<text>``). An SVG without a vector plot that embeds a
    raster image is rendered at ``dpi`` and read by :func:`digitize`; a
    warning says which way was taken.

    Parameters
    ----------
    source : path or bytes
        The SVG (or SVGZ) file.
    x_range, y_range, percent, arms
        As for :func:`digitize`. With both ranges given, an SVG whose text is
        drawn as outlines is read from its axis lines or frame.
    crop : tuple of int, optional
        ``(row0, col0, row1, col1)`` in pixels of the SVG rendered at ``dpi``:
        only the drawing inside this box is read.
    panel : int, optional
        As for :func:`digitize`: the plot panel to read when the SVG (or
        ``crop``) holds several; they are found on the rendered SVG.
    vector : bool, optional
        True: read the drawing only; False: always render and read the
        image; None (default): drawing first.
    dpi : float, optional
        All pixel coordinates in the result refer to the SVG rendered at this
        resolution, so :func:`draw_overlay` takes ``render_svg(source, dpi=dpi)``.

    Returns
    -------
    DigitizationResult

    Raises
    ------
    InputError
        If the file is not a readable SVG or an option is invalid.
    DigitizationError
        If no plot is read: no tick labels as text (give the axis ranges),
        no curve, and no embedded image to fall back on.

    Examples
    --------
    >>> result = digitize_svg("figure2.svg")  # doctest: +SKIP
    >>> result.curves, result.risk_tables  # doctest: +SKIP
    """
    from kmipd.digitize._digitize import _check_arms, _check_range, digitize

    start = time.perf_counter()
    x_range, y_range = _check_range("x_range", x_range), _check_range("y_range", y_range)
    arms = _check_arms(arms)
    panel = check_panel(panel)
    whole = read_svg_drawing(source, dpi=dpi)
    choice = panel_crop(render_drawing(whole), crop, panel, whole.page.source or "the SVG")
    crop, notes = choice.box, choice.notes
    drawing = read_svg_drawing(source, dpi=dpi, crop=crop)
    name = drawing.page.source
    file_name = None if isinstance(source, bytes | bytearray) else name
    reason = "reading the drawing was not asked for"
    if vector is not False:
        try:
            result = _vector(drawing, {"percent": percent, "arms": arms}, x_range, y_range)
            note = "read from the SVG's drawing (vector)"
            x_axis, y_axis = (
                replace(a, source="svg text") if a.source == "pdf text" else a
                for a in (result.x_axis, result.y_axis)
            )
            return replace(
                result,
                x_axis=x_axis,
                y_axis=y_axis,
                source=file_name,
                warnings=(note, *notes, *result.warnings),
                seconds=time.perf_counter() - start,
                panel=choice.panel,
                panels=choice.panels,
            )
        except DigitizationError as exc:
            if vector or not drawing.images:
                raise DigitizationError(f"{name}: no plot read from the SVG: {exc}") from None
            reason = exc.reason if isinstance(exc, _NoLabels) else str(exc)
    ratio = _native(drawing)
    image = render_drawing(read_svg_drawing(source, dpi=dpi * ratio))
    native_crop = None
    if crop is not None:
        r0, c0, r1, c1 = (round(v * ratio) for v in crop)
        native_crop = (r0, c0, r1, c1)
    result = digitize(
        image, x_range=x_range, y_range=y_range, percent=percent, arms=arms, crop=native_crop
    )
    if ratio != 1.0:  # back to the pixels of the SVG rendered at dpi
        r0, c0 = result.offset
        result = replace(
            result, scale=result.scale * ratio, offset=(round(r0 / ratio), round(c0 / ratio))
        )
    what = "its embedded raster image" if drawing.images else "its drawing"
    note = (
        f"no vector plot in the SVG ({reason}); the SVG with {what} was rendered at "
        f"{dpi * ratio:.0f} dpi and read as an image"
    )
    return replace(
        result,
        warnings=(note, *notes, *result.warnings),
        source=file_name,
        seconds=time.perf_counter() - start,
        panel=choice.panel,
        panels=choice.panels,
    )
