"""The orchestrator: runs inputs through the stages (clean -> reconstruct -> analyse -> report).

- :func:`reconstruct` — digitized curves to patient-level data with diagnostics;
- :func:`run_study` — a study file (TOML) to results, figures, IPD and an HTML
  report in one folder (implemented in :mod:`kmipd._study_run`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kmipd.clean import clean_curve
from kmipd.errors import (
    ApproximationWarning,
    DataQualityWarning,
    OptionError,
    ReconstructionError,
)
from kmipd.reconstruction import reconstruct_arm
from kmipd.types import CensorMarks, Curve, ReconstructionResult, RiskTable

if TYPE_CHECKING:
    from kmipd._study_run import StudyRun, run_study

__all__ = ["StudyRun", "reconstruct", "reconstruct_with_read_events", "run_study"]


def __getattr__(name: str) -> Any:
    """Import the study runner only when asked for (it pulls in the study and report code)."""
    if name in ("StudyRun", "run_study"):
        from kmipd import _study_run

        return getattr(_study_run, name)
    raise AttributeError(f"module 'kmipd.pipeline' has no attribute {name!r}")


def reconstruct(
    curves: Curve | Mapping[str, Curve],
    *,
    risk_table: RiskTable | Mapping[str, RiskTable] | None = None,
    n: int | Mapping[str, int] | None = None,
    events: int | Mapping[str, int] | None = None,
    censor_marks: CensorMarks | Mapping[str, CensorMarks] | None = None,
    warn: bool = True,
) -> ReconstructionResult:
    """Rebuild patient-level data from digitized Kaplan-Meier curves.

    Each arm's points are cleaned into a valid step curve, then events and
    censorings are decided interval by interval so that the numbers at risk,
    the reported event total (when given) and the curve's drops all hold.

    Parameters
    ----------
    curves : Curve or mapping of arm name to Curve
        Digitized points, survival as a probability.
    risk_table : RiskTable or mapping, optional
        Numbers at risk per arm.
    n : int or mapping, optional
        Patients at time 0 per arm (when there is no risk table row at 0).
    events : int or mapping, optional
        Total events per arm within the curve's range; matched exactly.
    censor_marks : CensorMarks or mapping, optional
        Censoring tick marks per arm.
    warn : bool, default True
        Emit repairs and approximations as ``DataQualityWarning`` /
        ``ApproximationWarning`` (they are always in the diagnostics).

    Returns
    -------
    ReconstructionResult
        ``.ipd`` (DataFrame ``arm, time, event``) and per-arm diagnostics.

    Raises
    ------
    InputError
        If an input is invalid or names an arm that has no curve.
    ReconstructionError
        If the counts cannot all hold.

    Examples
    --------
    >>> from kmipd.types import Curve, RiskTable
    >>> curve = Curve(time=[0, 2, 2, 5, 5, 8], survival=[1, 1, .8, .8, .6, .6])
    >>> table = RiskTable(time=[0, 4], n_at_risk=[10, 8])
    >>> result = reconstruct(curve, risk_table=table, warn=False)
    >>> int(result.ipd.event.sum())
    4
    """
    curve_map = _by_arm(curves, "curves")
    tables = _by_arm(risk_table, "risk_table", curve_map)
    sizes = _by_arm(n, "n", curve_map)
    totals = _by_arm(events, "events", curve_map)
    marks = _by_arm(censor_marks, "censor_marks", curve_map)
    arms = {}
    for name, curve in curve_map.items():
        cleaned = clean_curve(curve)
        arm = reconstruct_arm(
            cleaned,
            risk_table=tables.get(name),
            n=sizes.get(name),
            events=totals.get(name),
            censor_marks=marks.get(name),
        )
        if warn:
            _emit(name, arm.diagnostics.warnings)
        arms[name] = arm
    return ReconstructionResult(arms=arms)


def reconstruct_with_read_events(
    curves: Mapping[str, Curve],
    read_events: Mapping[str, int],
    **kwargs: Any,
) -> tuple[ReconstructionResult, str | None]:
    """:func:`reconstruct` with event totals read from a figure, dropped if they cannot be met.

    An event total read from a figure (a table's row of events, the legend's
    "No. of Events") can be misread or count events past the x axis; an
    arm whose curve and numbers at risk cannot hold its total read is
    rebuilt without it (the other arms keep theirs, and totals given in
    ``kwargs["events"]`` are kept).

    Parameters
    ----------
    curves : mapping of str to Curve
    read_events : mapping of str to int
        Event totals read from the figure, by arm (given ones win).
    **kwargs
        As for :func:`reconstruct` (``events``: totals a person gave).

    Returns
    -------
    ReconstructionResult
    str or None
        A note saying the totals read were dropped, and why; None if used.
    """
    given = dict(kwargs.pop("events", None) or {})
    read = {k: v for k, v in read_events.items() if k not in given}
    try:
        return reconstruct(curves, events={**read, **given} or None, **kwargs), None
    except (ReconstructionError, OptionError) as exc:  # OptionError: more events than patients
        if not read:
            raise
        # each arm alone meets its total but not all together (an option error): drop all
        failed = _unmet(curves, read, kwargs) or {name: str(exc) for name in read}
    kept = {k: v for k, v in read.items() if k not in failed}
    totals = ", ".join(f"{k}={read[k]}" for k in failed)
    reasons = "; ".join(dict.fromkeys(failed.values()))
    note = (
        f"the event totals read from the figure ({totals}) could not be met ({reasons}); "
        "reconstructed without them"
    )
    return reconstruct(curves, events={**kept, **given} or None, **kwargs), note


def _unmet(
    curves: Mapping[str, Curve], read: Mapping[str, int], kwargs: Mapping[str, Any]
) -> dict[str, str]:
    """The arms whose read event total cannot be met on its own, with the reason."""
    per_arm = {
        key: _by_arm(value, key, dict(curves))
        for key, value in kwargs.items()
        if key in ("risk_table", "n", "censor_marks")
    }
    out = {}
    for name, total in read.items():
        options = {key: {name: v[name]} for key, v in per_arm.items() if name in v}
        try:
            reconstruct({name: curves[name]}, events={name: total}, warn=False, **options)
        except (ReconstructionError, OptionError) as exc:
            out[name] = str(exc)
    return out


def _by_arm(
    value: Any,
    option: str,
    curves: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    if value is None:
        return {}
    if curves is None:
        if isinstance(value, Curve):
            return {value.arm: value}  # type: ignore[dict-item]
        return dict(value)  # type: ignore[arg-type]
    if not isinstance(value, Mapping):
        if len(curves) == 1:
            return {next(iter(curves)): value}
        arm = getattr(value, "arm", None)
        if arm in curves:
            return {str(arm): value}
        raise OptionError(
            f"{option}: one value given for {len(curves)} arms ({', '.join(curves)}); "
            "give it per arm, e.g. ARM=VALUE"
        )
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key is None and len(curves) == 1:
            key = next(iter(curves))
        if key not in curves:
            raise OptionError(
                f"{option}: arm {key!r} has no curve; arms in the curve input: {', '.join(curves)}"
            )
        out[str(key)] = item
    return out


def _emit(arm: str, notes: tuple[str, ...]) -> None:
    for note in notes:
        category = DataQualityWarning if note.startswith("cleaning") else ApproximationWarning
        warnings.warn(f"arm {arm!r}: {note}", category, stacklevel=3)
