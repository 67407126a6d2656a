"""What a study file says: its arms, comparisons and analysis options."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Study", "StudyArm", "StudyComparison", "endpoint_slug"]

_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


def endpoint_slug(endpoint: str) -> str:
    """The endpoint's name as used in file names (``km_<slug>.png``).

    Examples
    --------
    >>> endpoint_slug("Time to progression")
    'Time_to_progression'
    """
    return _SLUG.sub("_", endpoint.strip()).strip("_.") or "endpoint"


@dataclass(frozen=True)
class StudyArm:
    """One ``[[arm]]`` of a study file.

    Paths are absolute (resolved against the study file's folder); ``files``
    keeps them as written, for reports. A ``figure`` arm is a curve arm whose
    curve, numbers at risk and censor marks are read from a KM figure (page
    ``page`` of a PDF; plot panel ``panel`` of a figure of several), the arm named
    ``select`` there. ``time_factor`` converts the arm's
    times to the study's unit (1.0 when no conversion is needed).
    """

    id: str
    trial: str
    label: str
    endpoint: str
    ipd: Path | None = None
    curve: Path | None = None
    figure: Path | None = None
    page: int | None = None
    panel: int | None = None
    risk_table: Path | None = None
    censor_marks: Path | None = None
    select: str | None = None
    time_unit: str | None = None
    time_factor: float = 1.0
    events: int | None = None
    n: int | None = None
    percent: bool | None = None
    failure: bool = False
    precision: float | None = None
    files: dict[str, str] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """``"ipd"`` for patient-level data, ``"curve"`` for a digitized curve."""
        return "ipd" if self.ipd is not None else "curve"

    @property
    def display(self) -> str:
        """The arm's name in figures and tables: ``"Trial: label"``."""
        return f"{self.trial}: {self.label}" if self.trial else self.label

    def source_dict(self) -> dict[str, Any]:
        """JSON-safe description of where the arm's data came from."""
        out: dict[str, Any] = {"type": self.source, **self.files}
        if self.select is not None:
            out["select"] = self.select
        if self.page is not None:
            out["page"] = self.page
        if self.panel is not None:
            out["panel"] = self.panel
        out["time_unit"] = self.time_unit
        out["time_factor"] = self.time_factor
        if self.source == "curve":
            out.update(events=self.events, n=self.n, percent=self.percent, failure=self.failure)
            out["precision"] = self.precision
        return out


@dataclass(frozen=True)
class StudyComparison:
    """One ``[[comparison]]``: ``arm`` against ``reference`` (the first arm listed)."""

    reference: str
    arm: str
    label: str | None = None

    @property
    def name(self) -> str:
        """``"ARM vs REFERENCE"``."""
        return f"{self.arm} vs {self.reference}"


@dataclass(frozen=True)
class Study:
    """A validated study file.

    ``landmark_labels`` are the landmark times as written in the file; they
    key the landmarks in the results.
    """

    path: Path
    title: str
    time_unit: str | None
    landmarks: tuple[float, ...]
    landmark_labels: tuple[str, ...]
    tau: float | None
    cuts: tuple[float, ...]
    confidence_level: float
    show_pvalue: bool
    arms: tuple[StudyArm, ...]
    comparisons: tuple[StudyComparison, ...]

    def arm(self, arm_id: str) -> StudyArm:
        """The arm with this id."""
        for arm in self.arms:
            if arm.id == arm_id:
                return arm
        raise KeyError(arm_id)

    @property
    def endpoints(self) -> dict[str, tuple[StudyArm, ...]]:
        """Arms per endpoint, endpoints and arms in file order."""
        out: dict[str, list[StudyArm]] = {}
        for arm in self.arms:
            out.setdefault(arm.endpoint, []).append(arm)
        return {name: tuple(arms) for name, arms in out.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe options of the study."""
        return {
            "title": self.title,
            "file": self.path.name,
            "time_unit": self.time_unit,
            "landmarks": [_plain(value) for value in self.landmarks],
            "tau": None if self.tau is None else _plain(self.tau),
            "cuts": [_plain(value) for value in self.cuts],
            "confidence_level": self.confidence_level,
            "show_pvalue": self.show_pvalue,
        }


def _plain(value: float) -> float | int:
    """Whole numbers as int (``12`` rather than ``12.0`` in JSON)."""
    return int(value) if float(value).is_integer() else float(value)
