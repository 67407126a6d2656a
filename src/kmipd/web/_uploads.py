"""Check uploaded files by their bytes (not their names or headers) and prepare them.

Figures: PNG, JPEG, TIFF, WebP, BMP, a PDF page or an SVG (both rendered),
at most :data:`MAX_PIXELS` pixels, shown in the browser as PNG or JPEG; a
PDF's or SVG's own bytes are kept too, so that it is read from its drawing.
Tables: text files (CSV, TSV, TXT) without NUL bytes, in UTF-8 or Latin-1.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAX_PIXELS",
    "FigureImage",
    "UploadError",
    "check_table",
    "prepare_figure",
    "safe_name",
    "sniff",
]

MAX_PIXELS = 25_000_000
PDF_LONG_SIDE = 2000  # pixels of the longer side of a rendered PDF page

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"BM", "bmp"),
    (b"%PDF-", "pdf"),
)
_DECLARED = {
    "png": {"image/png"},
    "jpeg": {"image/jpeg", "image/jpg", "image/pjpeg"},
    "tiff": {"image/tiff"},
    "webp": {"image/webp"},
    "bmp": {"image/bmp", "image/x-bmp", "image/x-ms-bmp"},
    "pdf": {"application/pdf", "application/x-pdf"},
    "svg": {"image/svg+xml", "text/xml", "application/xml"},
    "text": {
        "text/csv",
        "text/plain",
        "text/tab-separated-values",
        "application/csv",
        "application/vnd.ms-excel",
        "text/x-csv",
    },
}
_ANY = {"", "application/octet-stream", "binary/octet-stream"}


class UploadError(Exception):
    """An upload that is refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class FigureImage:
    """A figure ready to show and to read: PNG or JPEG bytes and their size.

    For a PDF page or an SVG, ``drawing`` holds the uploaded file and
    ``kind`` (``"pdf"`` or ``"svg"``), ``page`` and ``dpi`` say how it was
    rendered into ``data``, so the reader can read the drawing itself in the
    same pixels.
    """

    data: bytes
    content_type: str
    width: int
    height: int
    note: str = ""
    drawing: bytes = b""
    kind: str = ""
    page: int = 1
    dpi: float = 0.0


def safe_name(name: str | None, default: str = "upload") -> str:
    """A display name for an uploaded file: its base name, printable, at most 80 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:80] or default


def sniff(data: bytes) -> str:
    """The kind of file: ``png``, ``jpeg``, ..., ``pdf``, ``svg``, ``text`` or ``unknown``."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    head = data[:65536]
    if head and b"\x00" not in head:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if start.startswith(b"<") and b"<svg" in start[:8192].lower():
            return "svg"
        return "text"
    return "unknown"


def _check_declared(kind: str, declared: str | None, name: str) -> None:
    declared = (declared or "").split(";")[0].strip().lower()
    if declared in _ANY or declared in _DECLARED.get(kind, set()):
        return
    raise UploadError(
        f"{name}: the file says it is {declared!r} but its content is {kind.upper()}; "
        "upload the file as exported, without renaming it",
        415,
    )


def check_table(data: bytes, declared: str | None, name: str) -> None:
    """Refuse anything but a text table (CSV, TSV or TXT)."""
    kind = sniff(data)
    if kind != "text":
        what = "empty" if not data else f"a {kind.upper()} file" if kind != "unknown" else "binary"
        raise UploadError(
            f"{name}: expected a text table (CSV), but the file is {what}; export the data as CSV",
            415,
        )
    _check_declared(kind, declared, name)


def prepare_figure(
    data: bytes, declared: str | None, name: str, *, page: int = 1, max_pixels: int = MAX_PIXELS
) -> FigureImage:
    """Check an uploaded figure and turn it into PNG or JPEG bytes a browser shows.

    Parameters
    ----------
    data : bytes
        The upload.
    declared : str or None
        Its declared content type (must agree with the bytes, or be generic).
    name : str
        Its name, for messages.
    page : int
        The page of a PDF to render (1-based).
    max_pixels : int
        Largest image accepted (width times height).

    Raises
    ------
    UploadError
        415 for a type that is not a figure, 413 for too many pixels, 422 for
        a file that cannot be decoded.
    """
    kind = sniff(data)
    if kind in ("text", "unknown"):
        raise UploadError(
            f"{name}: not a figure (PNG, JPEG, TIFF, WebP, BMP, SVG or PDF); "
            "for curve data use the CSV upload",
            415,
        )
    _check_declared(kind, declared, name)
    if kind == "pdf":
        return _render_pdf(data, name, page, max_pixels)
    if kind == "svg":
        return _render_svg(data, name, max_pixels)
    return _raster(data, kind, name, max_pixels)


def _raster(data: bytes, kind: str, name: str, max_pixels: int) -> FigureImage:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            _check_pixels(width, height, name, max_pixels)
            image.load()
            if kind in ("png", "jpeg"):
                return FigureImage(data, f"image/{kind}", width, height)
            out = io.BytesIO()
            _rgb(image).save(out, format="PNG")
    except UploadError:
        raise
    except Exception as exc:  # Pillow raises many types for broken files
        raise UploadError(
            f"{name}: the {kind.upper()} file is damaged or truncated ({type(exc).__name__}); "
            "export the figure again"
        ) from None
    return FigureImage(out.getvalue(), "image/png", width, height, f"converted from {kind.upper()}")


def _rgb(image: Any) -> Any:
    from PIL import Image

    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        return canvas.convert("RGB")
    return image.convert("RGB")


def _check_pixels(width: int, height: int, name: str, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise UploadError(
            f"{name}: the image is {width} x {height} pixels, more than the "
            f"{max_pixels / 1e6:g} million accepted; scale it down or crop it to the figure",
            413,
        )
    if min(width, height) < 50:
        raise UploadError(f"{name}: the image is only {width} x {height} pixels; too small to read")


def _render_pdf(data: bytes, name: str, page: int, max_pixels: int) -> FigureImage:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except Exception:
        raise UploadError(f"{name}: not a readable PDF (damaged or password-protected)") from None
    try:
        if not 1 <= page <= len(document):
            raise UploadError(f"{name}: page {page} does not exist; the PDF has {len(document)}")
        sheet = document[page - 1]
        width, height = sheet.get_size()
        scale = min(PDF_LONG_SIDE / max(width, height, 1.0), 8.0)
        _check_pixels(int(width * scale), int(height * scale), name, max_pixels)
        image = sheet.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return FigureImage(
        out.getvalue(),
        "image/png",
        image.width,
        image.height,
        f"page {page} of a PDF",
        data,
        "pdf",
        page,
        72.0 * scale,
    )


def _render_svg(data: bytes, name: str, max_pixels: int) -> FigureImage:
    from kmipd.digitize._svg_parse import parse_svg
    from kmipd.digitize._svg_render import render_drawing
    from kmipd.errors import KmipdError

    try:
        rows, cols = parse_svg(data, 96.0, None, name).page.shape
        dpi = 96.0 * min(PDF_LONG_SIDE / max(rows, cols, 1), 8.0)
        drawing = parse_svg(data, dpi, None, name)
        _check_pixels(drawing.page.shape[1], drawing.page.shape[0], name, max_pixels)
        image = render_drawing(drawing)
    except KmipdError as exc:
        raise UploadError(str(exc)) from None
    out = io.BytesIO()
    image.save(out, format="PNG")
    return FigureImage(
        out.getvalue(), "image/png", image.width, image.height, "an SVG", data, "svg", 1, dpi
    )
