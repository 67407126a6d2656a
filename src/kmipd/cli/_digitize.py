"""``kmipd digitize``: read the curves, marks and numbers at risk of a Kaplan-Meier figure.

Also the figure-reading options and helpers shared with ``kmipd extract``:
:func:`add_reading_options`, :func:`reading_options`, :func:`load_figure` and
:func:`overlay_png`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kmipd import __version__
from kmipd.cli._common import EXIT_OK, Formatter, print_table, writing
from kmipd.errors import InputError, OptionError

if TYPE_CHECKING:
    from kmipd.digitize import DigitizationResult

__all__ = [
    "ALL_PANELS",
    "IMAGE_SUFFIXES",
    "add_arguments",
    "add_reading_options",
    "digitize_figure",
    "load_figure",
    "overlay_png",
    "reading_options",
    "run",
]

IMAGE_SUFFIXES = (
    ".png",
    ".jpg",
    ".jpeg",
    ".tif",
    ".tiff",
    ".bmp",
    ".webp",
    ".gif",
    ".pdf",
    ".svg",
    ".svgz",
)
PDF_DPI = 200

_EPILOG = """\
axis ranges:
  --x-range A,B and --y-range A,B are the data values at the edges of the plot
  panel (the box the curves are drawn in): A at the left (bottom) edge, B at the
  right (top) edge, e.g. --x-range 0,24 --y-range 0,1 for a panel from 0 to 24
  months and survival 0 to 1. Give them when the tick labels cannot be read;
  otherwise they are read from the tick labels.

outputs (in --out-dir, created if missing; every file written atomically):
  curve.csv           arm,time,survival (survival 0-1; a raster curve at every pixel column)
  risk.csv            arm,time,n_at_risk (only when a risk table was read)
  censor_marks.csv    arm,time
  digitization.json   everything read, with confidences and warnings
  overlay.png         what was read, drawn on the figure: check it

exit status: 0 success; 2 bad input or option (an 'error:' line says what; nothing
written); 1 internal error (please report it).

examples:
  kmipd digitize km.png --out-dir km_read
  kmipd digitize km.svg --out-dir km_read
  kmipd digitize paper.pdf --page 3 --crop 100,200,1500,1300 --out-dir fig2
  kmipd digitize figure2.png --panel 2 --out-dir fig2b
  kmipd digitize figure2.png --panel all --out-dir fig2     (fig2/panel-1, fig2/panel-2, ...)
  kmipd digitize km.png --x-range 0,36 --y-range 0,100 --percent --arms "Drug,Placebo" \\
      --out-dir km_read
"""


def add_reading_options(sub: argparse.ArgumentParser) -> None:
    """The options that steer how a figure is read (shared with ``kmipd extract``)."""
    reading = sub.add_argument_group("reading the figure")
    reading.add_argument(
        "--page",
        type=int,
        metavar="N",
        help="page of a PDF figure to read (from 1; default 1); a vector figure is read from "
        f"its drawing and text, otherwise the page is rendered at {PDF_DPI} dpi and read as an "
        "image",
    )
    reading.add_argument(
        "--x-range",
        metavar="A,B",
        help="time values at the LEFT and RIGHT edges of the plot panel (default: read "
        "from the tick labels)",
    )
    reading.add_argument(
        "--y-range",
        metavar="A,B",
        help="survival values at the BOTTOM and TOP edges of the plot panel (default: "
        "read from the tick labels)",
    )
    reading.add_argument(
        "--percent",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the y axis is in percent (0-100) / in probability (0-1); default: detected",
    )
    reading.add_argument(
        "--arms",
        metavar='"A,B"',
        help="arm names in legend order (overriding the legend), or the number of arms",
    )
    reading.add_argument(
        "--panel",
        metavar="N|all",
        help="of a figure with several plot panels side by side or stacked (A, B, ...), read "
        "panel N (from 1, left to right, then top to bottom; default 1, with a warning "
        "saying how many there are); 'all': every panel, each into its own outputs "
        "(digitize: OUT_DIR/panel-N; extract: ipd-panel-N.csv, ...)",
    )
    reading.add_argument(
        "--crop",
        metavar="L,T,R,B",
        help="read only this box of the image: left, top, right, bottom in pixels "
        f"(of the page rendered at {PDF_DPI} dpi for a PDF or SVG: only the drawing inside it "
        "is read)",
    )


def add_arguments(commands: Any, name: str) -> None:
    """Register ``kmipd digitize``."""
    sub = commands.add_parser(
        name,
        help="read the curves, censor marks and numbers at risk of a Kaplan-Meier figure",
        description=(
            "Read a Kaplan-Meier figure (PNG, JPEG, TIFF, BMP, WebP, SVG or a PDF page): the\n"
            "curve of each arm, its censoring marks, the numbers at risk under the plot\n"
            "and the arm names from the legend, with a confidence for each."
        ),
        epilog=_EPILOG,
        formatter_class=Formatter,
    )
    sub.add_argument("figure", metavar="FIGURE", help="the figure: an image file, an SVG or a PDF")
    sub.add_argument(
        "--out-dir", required=True, metavar="DIR", help="write the outputs here (created)"
    )
    add_reading_options(sub)
    sub.add_argument(
        "-q", "--quiet", action="store_true", help="print no summary (warnings still go to stderr)"
    )


def _pair(text: str | None, option: str) -> tuple[float, float] | None:
    """``"A,B"`` as two floats."""
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",")]
    try:
        if len(parts) != 2:
            raise ValueError
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise OptionError(f"{option} {text!r}: give two numbers A,B, e.g. {option} 0,24") from None
    if not low < high:
        raise OptionError(f"{option} {text!r}: the first value must be below the second")
    return low, high


def _crop(text: str | None) -> tuple[int, int, int, int] | None:
    """``"L,T,R,B"`` as digitize's ``(row0, col0, row1, col1)``."""
    if text is None:
        return None
    try:
        left, top, right, bottom = (int(part.strip()) for part in text.split(","))
    except ValueError:
        raise OptionError(
            f"--crop {text!r}: give four whole pixel numbers L,T,R,B, e.g. --crop 0,0,800,600"
        ) from None
    if min(left, top) < 0 or right <= left or bottom <= top:
        raise OptionError(f"--crop {text!r}: need 0 <= L < R and 0 <= T < B")
    return top, left, bottom, right


ALL_PANELS = "all"


def _panel(text: str | None) -> int | str | None:
    """``--panel``: a panel number (from 1), or ``ALL_PANELS``."""
    if text is None or text.strip().lower() == ALL_PANELS:
        return None if text is None else ALL_PANELS
    if not text.strip().isdigit() or int(text) < 1:
        raise OptionError(
            f"--panel {text}: give a panel number counted from 1 (left to right, then top "
            "to bottom), or 'all'"
        )
    return int(text)


def _arms(text: str | None) -> int | list[str] | None:
    if text is None:
        return None
    if text.strip().isdigit():
        return int(text.strip())
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise OptionError(f"--arms {text!r}: give the arm names separated by commas")
    if len(set(names)) != len(names):
        raise OptionError(f"--arms {text!r}: arm names must differ")
    return names


def reading_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ``digitize`` keyword arguments from the parsed options (checked)."""
    if args.page is not None and args.page < 1:
        raise OptionError(f"--page {args.page}: pages are numbered from 1")
    return {
        "x_range": _pair(args.x_range, "--x-range"),
        "y_range": _pair(args.y_range, "--y-range"),
        "percent": args.percent,
        "arms": _arms(args.arms),
        "crop": _crop(args.crop),
        "panel": _panel(args.panel),
    }


def is_pdf(path: Path) -> bool:
    """True if ``path`` ends in .pdf or starts like a PDF."""
    if path.suffix.lower() == ".pdf":
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"%PDF-"
    except OSError:
        return False


def is_svg(path: Path) -> bool:
    """True if ``path`` ends in .svg/.svgz or holds an SVG document."""
    from kmipd.digitize._svg import is_svg as svg_file

    return svg_file(path)


def load_figure(figure: str, page: int | None) -> Any:
    """The figure as ``digitize`` takes it: the path, or a PDF page or SVG rendered to an image."""
    from kmipd.digitize import render_pdf_page, render_svg

    path = _checked(figure, page)
    if is_svg(path):
        return render_svg(str(path), dpi=PDF_DPI)
    if not is_pdf(path):
        return str(path)
    return render_pdf_page(str(path), page or 1, dpi=PDF_DPI)


def _checked(figure: str, page: int | None) -> Path:
    """The figure's path, checked to exist (and to be a PDF if a page other than 1 is asked)."""
    path = Path(figure)
    if path.is_dir():
        raise InputError(f"{figure}: is a folder; give an image or PDF file")
    if not path.is_file():
        raise InputError(
            f"{figure}: no such file; give the path of a PNG, JPEG, TIFF, SVG or PDF figure"
        )
    if not is_pdf(path) and page not in (None, 1):
        what = "an SVG" if is_svg(path) else "an image"
        raise OptionError(f"--page {page}: {figure} is {what}, not a PDF")
    return path


def _read(figure: str, page: int | None, options: dict[str, Any]) -> tuple[Any, Any]:
    """Read the figure: a PDF page or SVG from its drawing (or rendered), an image as it is."""
    from kmipd.digitize import digitize, digitize_pdf, digitize_svg, render_pdf_page, render_svg

    path = _checked(figure, page)
    if is_svg(path):
        result = digitize_svg(str(path), dpi=PDF_DPI, **options)
        return result, render_svg(str(path), dpi=PDF_DPI)
    if is_pdf(path):
        result = digitize_pdf(str(path), page or 1, dpi=PDF_DPI, **options)
        return result, render_pdf_page(str(path), page or 1, dpi=PDF_DPI)
    return digitize(str(path), **options), str(path)


def digitize_figure(figure: str, page: int | None, options: dict[str, Any]) -> tuple[Any, Any]:
    """Load and read ``figure``: ``(DigitizationResult, the image read)``.

    A PDF page is read from its drawing when it holds a vector plot, else
    rendered at ``PDF_DPI`` and read as an image; the image returned is the
    rendered page either way (the result's pixels refer to it).
    """
    try:
        result, image = _read(figure, page, options)
    except InputError as exc:
        message = str(exc)
        if figure not in message:
            raise InputError(f"{figure}: {message}") from None
        raise
    except Exception as exc:
        from kmipd.errors import KmipdError

        if isinstance(exc, KmipdError) and figure not in str(exc):
            raise type(exc)(f"{figure}: {exc}") from None
        raise
    return result, image


def overlay_png(result: DigitizationResult, image: Any) -> bytes:
    """The overlay of what was read, as PNG bytes."""
    import io as _io

    from PIL import Image

    from kmipd.digitize import draw_overlay

    canvas = draw_overlay(result, image)
    buffer = _io.BytesIO()
    Image.fromarray(canvas).save(buffer, format="PNG")
    return buffer.getvalue()


def figure_input(args: argparse.Namespace, figure: str) -> dict[str, Any]:
    """The input file and reading options, for JSON reports."""
    return {
        "figure": figure,
        "page": args.page,
        "x_range": args.x_range,
        "y_range": args.y_range,
        "percent": args.percent,
        "arms": args.arms,
        "crop": args.crop,
        "panel": _panel(args.panel),
    }


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``kmipd digitize``: read the figure, then write every output."""
    options = reading_options(args)
    directory = Path(args.out_dir)
    if directory.exists() and not directory.is_dir():
        raise OptionError(f"--out-dir {args.out_dir!r} is a file; give a folder")
    if options["panel"] == ALL_PANELS:
        return _run_all_panels(args, options, out)
    result, image = digitize_figure(args.figure, args.page, options)
    overlay = overlay_png(result, image)
    report = {"kmipd_version": __version__, "input": figure_input(args, args.figure)}
    report.update(result.to_dict())
    with writing(args.out_dir):
        directory.mkdir(parents=True, exist_ok=True)
    written = _write(directory, result, report, overlay)
    if not args.quiet:
        print_summary(result, out)
        out.write(f"wrote {', '.join(written)} in {args.out_dir}\n")
        if not result.risk_tables:
            out.write("no risk table was read: risk.csv not written\n")
    return EXIT_OK


def _run_all_panels(args: argparse.Namespace, options: dict[str, Any], out: TextIO) -> int:
    """``--panel all``: every plot panel read, then each written to OUT_DIR/panel-N.

    Every panel is read before anything is written, so a panel that cannot
    be read leaves no folder behind.
    """
    first, image = digitize_figure(args.figure, args.page, {**options, "panel": 1})
    read = [(first, image)]
    for number in range(2, first.panels + 1):
        read.append(digitize_figure(args.figure, args.page, {**options, "panel": number}))
    for result, image in read:
        directory = Path(args.out_dir) / f"panel-{result.panel}"
        given = {**figure_input(args, args.figure), "panel": result.panel}
        report: dict[str, Any] = {"kmipd_version": __version__, "input": given}
        report.update(result.to_dict())
        with writing(str(directory)):
            directory.mkdir(parents=True, exist_ok=True)
        written = _write(directory, result, report, overlay_png(result, image))
        if not args.quiet:
            out.write(f"panel {result.panel} of {result.panels}:\n")
            print_summary(result, out)
            out.write(f"wrote {', '.join(written)} in {directory}\n")
    return EXIT_OK


def _write(
    directory: Path, result: DigitizationResult, report: dict[str, Any], overlay: bytes
) -> list[str]:
    import csv

    from kmipd import io

    written = []
    path = directory / "curve.csv"
    with writing(str(path)):
        io.write_curve_csv(path, result.curves)
    written.append(path.name)
    if result.risk_tables:
        path = directory / "risk.csv"
        with writing(str(path)):
            io.write_risk_csv(path, result.risk_tables)
        written.append(path.name)
    path = directory / "censor_marks.csv"
    with writing(str(path)), io.atomic_write(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("arm", "time"))
        for name, marks in result.censor_marks.items():
            writer.writerows((name, repr(round(float(t), 6))) for t in marks.time)
    written.append(path.name)
    path = directory / "digitization.json"
    with writing(str(path)):
        io.write_json(path, report)
    written.append(path.name)
    path = directory / "overlay.png"
    with writing(str(path)), io.atomic_write(path, "wb") as binary:
        binary.write(overlay)
    written.append(path.name)
    return written


def print_summary(result: DigitizationResult, out: TextIO) -> None:
    """Per arm: points, marks, risk rows and confidences; then the warnings."""
    header = ("arm", "points", "marks", "risk rows", "conf curve", "label", "risk")
    rows: list[tuple[str, ...]] = [header]
    for arm in result.arms:
        conf = arm.confidence
        risk_rows = 0 if arm.risk_table is None else len(arm.risk_table.time)
        rows.append(
            (
                arm.name,
                str(len(arm.curve.time)),
                str(len(arm.censor_marks)),
                str(risk_rows),
                *(
                    f"{conf[key]:.2f}" if key in conf else "-"
                    for key in ("curve", "label", "risk_table")
                ),
            )
        )
    print_table(rows, out)
    for text in result.warnings:
        out.write(f"note: {' '.join(text.split())}\n")
