"""What the digitizer returns: per-arm curves, marks, risk tables, and how they were read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import AxisCalibration
from kmipd.types import CensorMarks, Curve, RiskTable

__all__ = ["ArmResult", "DigitizationResult", "RiskCell"]

FloatArray = npt.NDArray[np.float64]


def _round(values: Any, digits: int = 6) -> list[float]:
    """A float array as a JSON-safe list."""
    return [round(float(v), digits) for v in np.asarray(values, dtype=float)]


@dataclass(frozen=True)
class RiskCell:
    """One number of the risk table as read: where, what, how sure."""

    row: float
    col: float
    text: str
    value: int | None
    time: float | None
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        return {
            "row": round(self.row, 1),
            "col": round(self.col, 1),
            "text": self.text,
            "value": self.value,
            "time": self.time,
            "confidence": round(self.confidence, 3),
        }


@dataclass(frozen=True, eq=False)
class ArmResult:
    """Everything read for one arm.

    Attributes
    ----------
    name : str
        Legend label if read; else the label of the arm's risk-table row, or
        a label written beside its curve; else ``"arm 1"``, ``"arm 2"``, ...
    curve : Curve
        The curve (time, survival in [0, 1]): its step corners, and from a raster
        figure also every pixel column along its flat stretches.
    censor_marks : CensorMarks
        Times of censoring marks found on the curve.
    risk_table : RiskTable or None
        Numbers at risk read for this arm.
    colour : tuple of int
        RGB of the curve.
    line_style : str
        ``"solid"``, ``"dashed"`` or ``"dotted"``.
    label : str or None
        Legend text as read (None if no legend entry was matched).
    confidence : dict of str to float
        Per item (``curve``, ``label``, ``risk_table``, ``censor_marks``), in [0, 1].
    pixels : tuple of ndarray
        ``(cols, rows)`` of the traced centre line in image pixels, for overlays.
    mark_pixels : tuple of ndarray
        ``(cols, rows)`` of the censoring marks in image pixels.
    risk_cells : tuple of RiskCell
        The numbers read in this arm's risk-table row.
    events : int or None
        Events up to the curve's end, from a table row of cumulative events
        (lifelines' "Events"), or the legend's count of events where the
        follow-up ends inside the figure.
    stated_n, stated_events : int or None
        Patients and events as a column of the legend's table states them
        ("No. of Patients", "No. of Events"), where it has such columns.
    """

    name: str
    curve: Curve
    censor_marks: CensorMarks
    risk_table: RiskTable | None
    colour: tuple[int, int, int]
    line_style: str = "solid"
    label: str | None = None
    confidence: dict[str, float] = field(default_factory=dict)
    pixels: tuple[FloatArray, FloatArray] = (np.zeros(0), np.zeros(0))
    mark_pixels: tuple[FloatArray, FloatArray] = (np.zeros(0), np.zeros(0))
    risk_cells: tuple[RiskCell, ...] = ()
    events: int | None = None
    stated_n: int | None = None
    stated_events: int | None = None

    @property
    def n(self) -> int | None:
        """Patients in the arm as its legend states them ("Drug (N=410)", or a column
        "No. of Patients" beside the label), if it does."""
        from kmipd.digitize._legend import stated_size

        size = stated_size(self.label)
        return size if size is not None else self.stated_n

    @property
    def n_from_legend(self) -> int | None:
        """:attr:`n` where the arm's risk table gives no count at time 0: the ``n`` to
        reconstruct the arm with (None otherwise)."""
        table = self.risk_table
        return self.n if table is None or table.time[0] > 0 else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary."""
        table = self.risk_table
        return {
            "name": self.name,
            "label": self.label,
            "colour": "#{:02x}{:02x}{:02x}".format(*self.colour),
            "line_style": self.line_style,
            "confidence": {k: round(float(v), 3) for k, v in self.confidence.items()},
            "curve": {
                "time": _round(self.curve.time),
                "survival": _round(self.curve.survival),
                "precision": None if self.curve.precision is None else float(self.curve.precision),
            },
            "censor_marks": _round(self.censor_marks.time),
            "risk_table": None
            if table is None
            else {
                "time": _round(table.time),
                "n_at_risk": [int(v) for v in table.n_at_risk],
            },
            "risk_cells": [cell.to_dict() for cell in self.risk_cells],
            "events": self.events,
            "n": self.n,
            "stated_events": self.stated_events,
        }


@dataclass(frozen=True, eq=False)
class DigitizationResult:
    """The figure as read.

    Attributes
    ----------
    arms : tuple of ArmResult
        In legend order (or top to bottom at the start of the curves).
    x_axis, y_axis : AxisCalibration
        Pixel to data maps (column to time, row to survival).
    plot_area : tuple of float
        ``(top, left, bottom, right)`` of the panel in image pixels.
    warnings : tuple of str
        Everything that could not be read or looked doubtful.
    source : str or None
        File name.
    image_shape : tuple of int
        ``(rows, cols)`` of the image the pixels refer to.
    scale : float
        Image pixels per original pixel (below 1 if a large image was shrunk, 2 if
        a small one was read at twice its size).
    offset : tuple of int
        ``(row, col)`` of the image corner in the original (after ``crop``).
    failure : bool
        True if the curves rise from 0 (cumulative incidence, converted to survival).
    seconds : float
        Time taken.
    panel, panels : int
        The plot panel read (from 1, in reading order) and how many the figure
        has (1 for a figure of one panel).
    """

    arms: tuple[ArmResult, ...]
    x_axis: AxisCalibration
    y_axis: AxisCalibration
    plot_area: tuple[float, float, float, float]
    warnings: tuple[str, ...] = ()
    source: str | None = None
    image_shape: tuple[int, int] = (0, 0)
    scale: float = 1.0
    offset: tuple[int, int] = (0, 0)
    failure: bool = False
    seconds: float = 0.0
    panel: int = 1
    panels: int = 1

    @property
    def curves(self) -> dict[str, Curve]:
        """Curve of each arm, by arm name."""
        return {arm.name: arm.curve for arm in self.arms}

    @property
    def risk_tables(self) -> dict[str, RiskTable]:
        """Risk table of each arm that has one, by arm name."""
        return {arm.name: arm.risk_table for arm in self.arms if arm.risk_table is not None}

    @property
    def events(self) -> dict[str, int]:
        """Events up to the curve's end, by arm name, where the table gives them."""
        return {arm.name: arm.events for arm in self.arms if arm.events is not None}

    @property
    def sizes(self) -> dict[str, int]:
        """:attr:`ArmResult.n_from_legend` by arm name, for the arms that have it."""
        return {arm.name: arm.n_from_legend for arm in self.arms if arm.n_from_legend}

    @property
    def censor_marks(self) -> dict[str, CensorMarks]:
        """Censoring marks of each arm, by arm name."""
        return {arm.name: arm.censor_marks for arm in self.arms}

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dictionary (the content of ``digitization.json``)."""
        top, left, bottom, right = self.plot_area
        return {
            "source": self.source,
            "image": {
                "rows": self.image_shape[0],
                "cols": self.image_shape[1],
                "scale": self.scale,
                "offset": list(self.offset),
            },
            "plot_area": {"top": top, "left": left, "bottom": bottom, "right": right},
            "x_axis": self.x_axis.to_dict(),
            "y_axis": self.y_axis.to_dict(),
            "failure_curve": self.failure,
            "panel": {"read": self.panel, "of": self.panels},
            "arms": [arm.to_dict() for arm in self.arms],
            "warnings": list(self.warnings),
            "seconds": round(self.seconds, 3),
        }

    def __repr__(self) -> str:
        return (
            f"DigitizationResult(arms={[a.name for a in self.arms]}, warnings={len(self.warnings)})"
        )
