"""Open a PDF page: render it, or list its drawing primitives (strokes, fills, text runs).

Coordinates of every primitive are pixels of the page rendered at ``dpi``
(``col`` to the right, ``row`` down), so what the vector reader finds lines up
with the rendered page that overlays are drawn on.
"""

from __future__ import annotations

import os
from typing import Any

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
