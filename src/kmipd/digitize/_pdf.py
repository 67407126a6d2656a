"""Open a PDF page: render it, or list its drawing primitives (strokes, fills, text runs).

Coordinates of every primitive are pixels of the page rendered at ``dpi``
(``col`` to the right, ``row`` down), so what the vector reader finds lines up
with the rendered page that overlays are drawn on.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from kmipd.digitize._pdf_layout import layout_page, page_primitives
from kmipd.digitize._pdf_types import Box, Fill, Stroke, TextRun, VectorPage
from kmipd.errors import InputError, OptionError

__all__ = [
    "PDF_DPI",
    "Fill",
    "Stroke",
    "TextRun",
    "VectorPage",
    "check_page",
    "figure_image_box",
    "is_pdf",
    "page_has_jpeg",
    "read_vector_page",
    "render_pdf_page",
]

PDF_DPI = 200


def is_pdf(source: Any) -> bool:
    """True if ``source`` is a path ending in .pdf or a file or bytes starting like a PDF."""
    if isinstance(source, bytes | bytearray):
        return bytes(source[:5]) == b"%PDF-"
    if not isinstance(source, str | os.PathLike):
        return False
    name = os.fspath(source)
    if str(name).lower().endswith(".pdf"):
        return True
    try:
        with open(name, "rb") as handle:
            return handle.read(5) == b"%PDF-"
    except OSError:
        return False


def _name(source: Any) -> str:
    return "PDF" if isinstance(source, bytes | bytearray) else os.fspath(source)


def check_page(source: Any, page: int) -> int:
    """Check that ``source`` is a readable PDF with page ``page`` (from 1); its page count.

    Raises
    ------
    InputError
        If the file is missing, not a PDF, or encrypted.
    OptionError
        If ``page`` is not a page of the file.
    """
    import pypdfium2 as pdfium

    name = _name(source)
    if not isinstance(source, bytes | bytearray) and not os.path.isfile(name):
        raise InputError(f"{name}: no such file; give the path of a PDF or image figure")
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise OptionError(f"page {page!r}: pages are numbered from 1")
    try:
        document = pdfium.PdfDocument(
            bytes(source) if not isinstance(source, str | os.PathLike) else name
        )
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text or "security" in text:
            raise InputError(
                f"{name}: the PDF is encrypted; save the figure page without a password "
                "or as an image"
            ) from None
        raise InputError(f"{name}: not a readable PDF ({exc})") from None
    try:
        count = len(document)
    finally:
        document.close()
    if page > count:
        raise OptionError(f"--page {page}: {name} has {count} page{'s' if count != 1 else ''}")
    return count


def render_pdf_page(source: Any, page: int = 1, *, dpi: float = PDF_DPI) -> Any:
    """Page ``page`` (from 1) of a PDF rendered to an RGB PIL image at ``dpi``.

    Parameters
    ----------
    source : path or bytes
        The PDF.
    page : int, optional
        Page number, from 1.
    dpi : float, optional
        Resolution (pixels per inch).

    Returns
    -------
    PIL.Image.Image

    Raises
    ------
    InputError
        If the file is not a readable PDF or is encrypted.
    OptionError
        If there is no such page.
    """
    import pypdfium2 as pdfium

    check_page(source, page)
    document = pdfium.PdfDocument(
        bytes(source) if isinstance(source, bytes | bytearray) else _name(source)
    )
    try:
        pdf_page = document[page - 1]
        try:
            return pdf_page.render(scale=dpi / 72.0).to_pil().convert("RGB")
        finally:
            pdf_page.close()
    finally:
        document.close()


def page_has_jpeg(source: Any, page: int = 1) -> bool:
    """Whether page ``page`` (from 1) holds an image stored as JPEG (DCTDecode).

    A figure pasted into a PDF as a JPEG carries JPEG's colour damage into the
    rendering, which the raster reader then repairs.
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(
        bytes(source) if isinstance(source, bytes | bytearray) else _name(source)
    )
    try:
        pdf_page = document[page - 1]
        try:
            images = pdf_page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4)
            return any("DCTDecode" in image.get_filters() for image in images)
        finally:
            pdf_page.close()
    finally:
        document.close()


_FIGURE_SHARE = 0.04  # an image over this share of the page may be a figure (not a logo)
_WITH_LARGEST = 0.25  # images this share of the largest one's area are parts of it
_IMAGE_MARGIN = 6.0  # points added round the images (labels set just outside them)


def figure_image_box(
    source: Any, page: int = 1, *, dpi: float = PDF_DPI
) -> tuple[int, int, int, int] | None:
    """Where page ``page``'s figure image lies, in pixels of the page rendered at ``dpi``.

    A paper's page holds its figure as an embedded image among paragraphs of
    text, which the raster reader would take for tables and labels. The box
    is the largest image on the page (with any image at least a quarter its
    size: panels pasted one by one) and a few points round it, as
    ``(row0, col0, row1, col1)``; None when the page has no image that large
    or one that fills the page (a scan).
    """
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    document = pdfium.PdfDocument(
        bytes(source) if isinstance(source, bytes | bytearray) else _name(source)
    )
    try:
        pdf_page = document[page - 1]
        try:
            width, height = pdf_page.get_size()
            objects = pdf_page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4)
            bounds = [image.get_bounds() for image in objects]
        finally:
            pdf_page.close()
    finally:
        document.close()
    return _image_box(bounds, width, height, dpi)


def _image_box(
    bounds: list[tuple[float, float, float, float]], width: float, height: float, dpi: float
) -> tuple[int, int, int, int] | None:
    """The box of :func:`figure_image_box` from image bounds (left, bottom, right, top; points)."""
    area = [max(0.0, r - left) * max(0.0, t - b) for left, b, r, t in bounds]
    page = width * height
    if not area or max(area) < _FIGURE_SHARE * page or max(area) >= 0.9 * page:
        return None
    parts = [box for box, a in zip(bounds, area, strict=True) if a >= _WITH_LARGEST * max(area)]
    left = max(0.0, min(b[0] for b in parts) - _IMAGE_MARGIN)
    right = min(width, max(b[2] for b in parts) + _IMAGE_MARGIN)
    bottom = max(0.0, min(b[1] for b in parts) - _IMAGE_MARGIN)
    top = min(height, max(b[3] for b in parts) + _IMAGE_MARGIN)
    k = dpi / 72.0
    return (
        int((height - top) * k),
        int(left * k),
        int(np.ceil((height - bottom) * k)),
        int(np.ceil(right * k)),
    )


def read_vector_page(
    source: Any, page: int = 1, *, dpi: float = PDF_DPI, clip: Box | None = None
) -> VectorPage:
    """The strokes, fills, text runs and images of one PDF page.

    Parameters
    ----------
    source : path or bytes
        The PDF.
    page : int, optional
        Page number, from 1.
    dpi : float, optional
        Coordinates are pixels of the page rendered at this resolution.
    clip : tuple of float, optional
        ``(left, top, right, bottom)`` in those pixels: keep only what touches it.

    Returns
    -------
    VectorPage
    """
    import io

    check_page(source, page)
    scale = dpi / 72.0
    try:
        if isinstance(source, bytes | bytearray):
            layout = layout_page(io.BytesIO(bytes(source)), page)
        else:
            with open(_name(source), "rb") as handle:
                layout = layout_page(handle, page)
    except (InputError, OptionError):
        raise
    except Exception as exc:  # pdfminer raises many unrelated types on broken files
        raise InputError(f"{_name(source)}: could not read the PDF's drawing ({exc})") from None
    name = None if isinstance(source, bytes | bytearray) else _name(source)
    return page_primitives(layout, scale, clip, name)
