"""Read Kaplan-Meier figures: curves, censoring marks, legend and numbers at risk.

:func:`digitize` turns a raster figure into per-arm :class:`~kmipd.types.Curve`,
:class:`~kmipd.types.CensorMarks` and :class:`~kmipd.types.RiskTable`, with the
axis calibration and a confidence for everything it read;
:func:`draw_overlay` draws what was read on the figure for a person to check.

Heavy dependencies (OpenCV, RapidOCR) are imported only when a figure is read.
"""

from kmipd.digitize._calibrate import AxisCalibration, TickLabel
from kmipd.digitize._digitize import digitize
from kmipd.digitize._overlay import draw_overlay
from kmipd.digitize._result import ArmResult, DigitizationResult, RiskCell

__all__ = [
    "ArmResult",
    "AxisCalibration",
    "DigitizationResult",
    "RiskCell",
    "TickLabel",
    "digitize",
    "draw_overlay",
]
