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

Module map (all private; the stages talk through the frozen types of ``_result``):

- raster entry ``_digitize``: ``_image`` (load, cap pixels), ``_panels`` (a figure of
  several plot panels cut to one; also for PDF pages and SVGs) → ``_scene`` (``_frame``,
  ``_lines``: panel and axes; ``_colours``, ``_styles``: curve inks) → ``_reading``
  (``_text``, ``_ocr``: words and OCR; ``_legend``; ``_calibrate``, ``_ticktext``,
  ``_tickgrid``: axis calibration) → ``_curves``, ``_trace`` (one centre line per
  arm) → ``_arms``, ``_inline`` (which curves are arms, their names) → ``_censor``
  (marks) → ``_risk``, ``_tables`` (numbers at risk; ``_row_fit`` deals rows no key
  or label ties to an arm by how they fit the curves), with numbers printed over
  each other rebuilt by ``_crowded``, ``_overlap``, ``_glyphs``, ``_samples``,
  ``_refine``, ``_retry`` and judged by ``_judge``, or, printed deeply over
  each other, redrawn in DejaVu Sans by ``_overprint`` (``_redraw``,
  ``_dejavu``; ``_ahead``, ``_exact`` where the light-hinted face redraws the
  ink exactly);
- vector entry ``_vector`` (PDF: ``_pdf``, ``_pdf_layout``, ``_pdf_types``; SVG:
  ``_svg`` and ``_svg_*``), read by ``_vector_axes``, ``_vector_curves``,
  ``_vector_text``;
- ``_overlay`` draws a result on its image.
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
