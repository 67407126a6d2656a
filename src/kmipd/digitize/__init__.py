"""Read Kaplan-Meier figures: curves, censoring marks, legend and numbers at risk.

:func:`digitize` turns a raster figure into per-arm :class:`~kmipd.types.Curve`,
:class:`~kmipd.types.CensorMarks` and :class:`~kmipd.types.RiskTable`, with the
axis calibration and a confidence for everything it read;
:func:`draw_overlay` draws what was read on the figure for a person to check.
:func:`digitize_pdf` reads a figure on a PDF page from its drawing (vector
paths and the PDF's own text), falling back to rendering it for
:func:`digitize`; :func:`render_pdf_page` renders a page for overlays.
:func:`digitize_svg` and :func:`render_svg` do the same for SVG files.

Heavy dependencies (OpenCV, RapidOCR) are imported only when a figure is read.
"""

from kmipd.digitize._calibrate import AxisCalibration, TickLabel
from kmipd.digitize._digitize import digitize
from kmipd.digitize._overlay import draw_overlay
from kmipd.digitize._pdf import render_pdf_page
from kmipd.digitize._result import ArmResult, DigitizationResult, RiskCell
from kmipd.digitize._svg import digitize_svg, render_svg
from kmipd.digitize._vector import digitize_pdf

__all__ = [
    "ArmResult",
    "AxisCalibration",
    "DigitizationResult",
    "RiskCell",
    "TickLabel",
    "digitize",
    "digitize_pdf",
    "digitize_svg",
    "draw_overlay",
    "render_pdf_page",
    "render_svg",
]
