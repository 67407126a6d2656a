"""Request bodies of the JSON API, validated strictly (unknown keys, NaN and infinity refused)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "ArmEdit",
    "AxisHandles",
    "CalibrationEdit",
    "DigitizeOptions",
    "FigureEdit",
    "MergeRequest",
    "RiskEntry",
    "StudyArmRef",
    "StudyEdit",
]

MAX_ARMS = 12
MAX_PANELS = 24  # plot panels a figure may be asked for by number
MAX_POINTS = 20_000
ARM_KEY = r"^[a-z0-9]{1,12}$"
COLOUR = r"^#[0-9a-fA-F]{6}$"
Name = Annotated[str, Field(min_length=1, max_length=80)]
Count = Annotated[int, Field(ge=0, le=10_000_000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)


class RiskEntry(_Strict):
    """One number at risk: ``n`` patients at risk at ``time`` (``n`` null: not read yet)."""

    time: float = Field(ge=0)
    n: Count | None = None


class ArmEdit(_Strict):
    """One arm as the user corrected it; ``key`` is the arm's id within its figure."""

    key: str = Field(pattern=ARM_KEY)
    name: Name
    colour: str | None = Field(default=None, pattern=COLOUR)
    points: list[tuple[float, float]] = Field(default_factory=list, max_length=MAX_POINTS)
    censor: list[Annotated[float, Field(ge=0)]] = Field(default_factory=list, max_length=5000)
    risk: list[RiskEntry] = Field(default_factory=list, max_length=200)
    n: Count | None = Field(default=None, ge=1)
    events: Count | None = None

    @field_validator("points")
    @classmethod
    def _points_in_range(cls, points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for time, survival in points:
            if time < -1e6 or time > 1e7 or not -0.5 <= survival <= 1.5:
                raise ValueError(
                    f"point ({time:g}, {survival:g}) is far outside the plot; "
                    "times must be >= 0 and survival between 0 and 1"
                )
        return points

    @field_validator("risk")
    @classmethod
    def _distinct_times(cls, risk: list[RiskEntry]) -> list[RiskEntry]:
        times = [entry.time for entry in risk]
        if len(set(times)) != len(times):
            raise ValueError("the risk table lists a time twice; give each time once")
        return risk


class FigureEdit(_Strict):
    """Everything about a figure the user can correct, except its axis calibration."""

    name: Name | None = None
    trial: str = Field(default="", max_length=80)
    endpoint: Name = "OS"
    time_unit: str | None = Field(default=None, max_length=20)
    arms: list[ArmEdit] = Field(min_length=1, max_length=MAX_ARMS)

    @model_validator(mode="after")
    def _distinct(self) -> FigureEdit:
        keys = [arm.key for arm in self.arms]
        names = [arm.name for arm in self.arms]
        if len(set(keys)) != len(keys):
            raise ValueError("two arms share a key; every arm needs its own key")
        if len(set(names)) != len(names):
            raise ValueError("two arms have the same name; rename one (or merge them)")
        return self


class AxisHandles(_Strict):
    """Two calibration points of one axis: value ``v0`` at pixel ``p0``, ``v1`` at ``p1``."""

    p0: float
    v0: float
    p1: float
    v1: float

    @model_validator(mode="after")
    def _distinct(self) -> AxisHandles:
        if abs(self.p1 - self.p0) < 1 or self.v0 == self.v1:
            raise ValueError(
                "the two calibration points need different pixels (at least 1 apart) and "
                "different values"
            )
        return self


class CalibrationEdit(_Strict):
    """The axis calibration as the user set it (values in the axis's own units)."""

    x: AxisHandles
    y: AxisHandles
    percent: bool | None = None


class MergeRequest(_Strict):
    """Arms to merge into the first one listed (e.g. one curve read as two)."""

    keys: list[Annotated[str, Field(pattern=ARM_KEY)]] = Field(min_length=2, max_length=MAX_ARMS)
    name: Name | None = None


class DigitizeOptions(_Strict):
    """Options for reading a figure again (all optional)."""

    x_range: tuple[float, float] | None = None
    y_range: tuple[float, float] | None = None
    percent: bool | None = None
    arms: int | None = Field(default=None, ge=1, le=MAX_ARMS)
    crop: tuple[int, int, int, int] | None = None
    panel: int | None = Field(default=None, ge=1, le=MAX_PANELS)  # of a figure of several

    @model_validator(mode="after")
    def _valid(self) -> DigitizeOptions:
        for name in ("x_range", "y_range"):
            pair = getattr(self, name)
            if pair is not None and pair[0] == pair[1]:
                raise ValueError(f"{name}: give two different values (low, high)")
        if self.crop is not None:
            top, left, bottom, right = self.crop
            if min(self.crop) < 0 or bottom - top < 50 or right - left < 50:
                raise ValueError("crop: (top, left, bottom, right) in pixels, at least 50 x 50")
        return self


class StudyArmRef(_Strict):
    """An arm of a figure, included in the study's comparison."""

    figure: str = Field(pattern=r"^[A-Za-z0-9_-]{12}$")
    key: str = Field(pattern=ARM_KEY)
    label: str | None = Field(default=None, max_length=80)


class StudyEdit(_Strict):
    """The study's title, analysis options and the arms it compares (in order)."""

    title: str | None = Field(default=None, max_length=120)
    time_unit: str | None = Field(default=None, max_length=20)
    landmarks: list[Annotated[float, Field(gt=0)]] | None = Field(default=None, max_length=10)
    tau: float | None = Field(default=None, gt=0)
    show_pvalue: bool | None = None
    arms: list[StudyArmRef] | None = Field(default=None, max_length=40)

    @field_validator("landmarks")
    @classmethod
    def _distinct_landmarks(cls, values: list[float] | None) -> list[float] | None:
        if values is not None and len(set(values)) != len(values):
            raise ValueError("a landmark is listed twice; list each time once")
        return None if values is None else sorted(values)


def finite(value: Any) -> bool:
    """Whether ``value`` is a finite real number (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
