"""Read the data every arm of a study names, converted to the study's time unit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from kmipd.errors import DigitizationError, InputError
from kmipd.io import read_ipd
from kmipd.study._errors import StudyFileError
from kmipd.study._spec import Study, StudyArm
from kmipd.types import CensorMarks, Curve, RiskTable

__all__ = ["ArmInput", "read_arm_inputs"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class ArmInput:
    """The data of one study arm, times in the study's unit.

    An IPD arm has ``time`` and ``event``; a curve arm has ``curve`` and, when
    given, ``risk_table`` and ``censor_marks`` (all named by the arm's id),
    and ``events`` when its figure's table has a row of events.
    """

    arm: StudyArm
    time: FloatArray | None = None
    event: IntArray | None = None
    curve: Curve | None = None
    risk_table: RiskTable | None = None
    censor_marks: CensorMarks | None = None
    events: int | None = None  # read from the figure's table row of events
    n: int | None = None  # stated in the figure's legend ("(N=410)") where its table has no 0


def read_arm_inputs(study: Study) -> dict[str, ArmInput]:
    """Read every arm's files; errors name the study file, the arm and the key.

    Parameters
    ----------
    study : Study
        From :func:`read_study`.

    Returns
    -------
    dict of str to ArmInput
        Per arm id, in the study's order.

    Raises
    ------
    StudyFileError
        A file that cannot be read or is invalid (the message includes the
        reader's: file, row, column), or a ``select`` that matches no arm of
        the file (the message lists the arms there).
    """
    figures: dict[tuple[Path, int, int | None], Any] = {}  # each figure is read once
    return {arm.id: _read_arm(study, arm, figures) for arm in study.arms}


def _read_arm(
    study: Study, arm: StudyArm, figures: dict[tuple[Path, int, int | None], Any]
) -> ArmInput:
    if arm.ipd is not None:
        path = arm.ipd
        time, event = _guard(study, arm, "ipd", lambda: _read_ipd(arm, path))
        return ArmInput(arm=arm, time=time * arm.time_factor, event=event)
    from kmipd import io

    factor = arm.time_factor
    read_table = _pick(study, arm, "risk_table", arm.risk_table, io.read_risk_table)
    read_marks = _pick(study, arm, "censor_marks", arm.censor_marks, io.read_censor_marks)
    events = size = None
    if arm.figure is not None:
        found = _guard(study, arm, "figure", lambda: _from_figure(arm, figures))
        curve, table, marks, events, size = found
        events = events if read_table is None else None  # read against the figure's table
        size = size if read_table is None else None
        table = table if read_table is None else read_table
        marks = marks if read_marks is None else read_marks
    else:
        curve = _pick(
            study,
            arm,
            "curve",
            arm.curve,
            lambda path: io.read_curve(path, percent=arm.percent, failure=arm.failure),
        )
        table, marks = read_table, read_marks
    return ArmInput(
        arm=arm,
        curve=Curve(
            curve.time * factor,
            curve.survival,
            arm=arm.id,
            source=curve.source,
            rows=curve.rows,
            precision=arm.precision if arm.precision is not None else curve.precision,
        ),
        risk_table=None
        if table is None
        else RiskTable(
            table.time * factor, table.n_at_risk, arm=arm.id, source=table.source, rows=table.rows
        ),
        censor_marks=None
        if marks is None
        else CensorMarks(marks.time * factor, arm=arm.id, source=marks.source),
        events=events,
        n=size,
    )


def _from_figure(
    arm: StudyArm, figures: dict[tuple[Path, int, int | None], Any]
) -> tuple[Curve, RiskTable | None, CensorMarks | None, int | None, int | None]:
    """Curve, numbers at risk, censor marks, events (if its table has them) and the size its
    legend states (if its table has no count at time 0) of the arm."""
    from kmipd.digitize import digitize, digitize_pdf
    from kmipd.digitize._pdf import is_pdf as pdf_file

    assert arm.figure is not None
    key = (arm.figure, arm.page or 1, arm.panel)
    if key not in figures:
        is_pdf = pdf_file(arm.figure)
        if arm.page not in (None, 1) and not is_pdf:
            raise InputError(f"{arm.figure}: page = {arm.page} is for PDF files; remove it")
        try:
            figures[key] = (
                digitize_pdf(arm.figure, key[1], percent=arm.percent, panel=arm.panel)
                if is_pdf
                else digitize(arm.figure, percent=arm.percent, panel=arm.panel)
            )
        except DigitizationError as exc:
            raise InputError(
                f"{arm.figure}: the figure could not be read ({exc}); digitize it with "
                "`kmipd digitize` and give curve = ... and risk_table = ... instead"
            ) from None
    result = figures[key]
    read = {item.name: item for item in result.arms}
    try:
        found = _choose(read, arm, arm.figure)
    except InputError as exc:
        raise InputError(f"{exc} (as read from the figure's legend)") from None
    size = result.sizes.get(found.name)
    return found.curve, found.risk_table, found.censor_marks, found.events, size


def _pick(
    study: Study,
    arm: StudyArm,
    key: str,
    path: Path | None,
    read: Callable[[Path], Mapping[str, Any]],
) -> Any:
    """The arm's entry of the file under ``key`` (None when the key is not given)."""
    if path is None:
        return None
    return _guard(study, arm, key, lambda: _choose(read(path), arm, path))


def _guard(study: Study, arm: StudyArm, key: str, read: Callable[[], T]) -> T:
    """Run ``read``; an input error becomes a StudyFileError naming study, arm and key."""
    try:
        return read()
    except StudyFileError:
        raise
    except InputError as exc:
        raise StudyFileError(f"{study.path}, arm {arm.id!r}, key {key!r}: {exc}") from None


def _read_ipd(arm: StudyArm, path: Path) -> tuple[FloatArray, IntArray]:
    if arm.select is not None:
        return read_ipd(path, select=arm.select)[arm.select]
    ipd = read_ipd(path, require_arm=False)
    if len(ipd) > 1:
        found = ", ".join(f"{name!r} ({values[0].size} rows)" for name, values in ipd.items())
        raise InputError(
            f'{path}: the file holds {len(ipd)} arms ({found}); choose one with select = "NAME"'
        )
    return next(iter(ipd.values()))


def _choose(items: Mapping[str, Any], arm: StudyArm, path: Path | None) -> Any:
    """The arm's entry of a file: the one named by ``select``, or the only one."""
    names = ", ".join(repr(name) for name in items)
    if arm.select is not None:
        if arm.select in items:
            return items[arm.select]
        if len(items) == 1 and next(iter(items)) == "arm":  # the file names no arms
            return next(iter(items.values()))
        raise InputError(f"{path}: no arm {arm.select!r}; arms in the file: {names}")
    if len(items) > 1:
        raise InputError(
            f'{path}: the file holds {len(items)} arms ({names}); choose one with select = "NAME"'
        )
    return next(iter(items.values()))
