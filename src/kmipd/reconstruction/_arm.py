"""Reconstruction of one arm: checks, plan, placement, diagnostics."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kmipd.errors import OptionError, RiskTableError, located
from kmipd.reconstruction._diagnostics import diagnose
from kmipd.reconstruction._place import place
from kmipd.reconstruction._plan import plan_intervals
from kmipd.reconstruction._segments import split_segments
from kmipd.types import ArmReconstruction, CensorMarks, CleanedCurve, RiskTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_UNIT_MISMATCH = 5.0  # a risk time this many times the curve's end is a unit mismatch
_SNAP_SHARE = 0.02  # a drop to 0 this close (share of the time) before a risk time is at it


_MARK_SHARE = 0.5  # marks below this share of the censorings are a partial sample
_MIN_SHORTFALL = 5.0  # marks this close to the estimated censorings are never set aside


def reconstruct_arm(
    curve: CleanedCurve,
    *,
    risk_table: RiskTable | None = None,
    n: int | None = None,
    events: int | None = None,
    censor_marks: CensorMarks | None = None,
) -> ArmReconstruction:
    """Rebuild one arm's patient-level data from its cleaned curve.

    Parameters
    ----------
    curve : CleanedCurve
        The arm's curve after cleaning.
    risk_table : RiskTable, optional
        Numbers at risk; its row at time 0 gives the arm's size.
    n : int, optional
        Patients at time 0, needed when the risk table has no row at time 0.
    events : int, optional
        Reported total events within the curve's range; met exactly.
    censor_marks : CensorMarks, optional
        Times of censoring marks; censorings are put there.

    Returns
    -------
    ArmReconstruction

    Raises
    ------
    RiskTableError, OptionError, ReconstructionError
        When the inputs contradict each other.
    """
    notes: list[str] = [f"cleaning: {r}" for r in curve.repairs]
    cuts, counts = _risk_frame(curve, risk_table, n)
    time, surv, cuts, counts, read_end = _fit_to_curve(curve, cuts, counts, risk_table, notes)
    _check_events(curve.arm, events, int(counts[0]))
    if risk_table is None or cuts.size == 1:
        if events is None:
            notes.append("no risk table: censoring estimated (see below)")
        else:
            notes.append("no risk table: censoring estimated to match the event total")
    seg = split_segments(time, surv, cuts)
    marks = None if censor_marks is None else _usable_marks(censor_marks, float(time[-1]), notes)
    if marks is not None and not _marks_look_complete(marks, time, surv, cuts, counts, events):
        notes.append(
            f"only {marks.size} censor mark(s) for many more censorings: the marks are taken "
            "as a partial sample (overlapping marks merge) and not used to time censoring"
        )
        marks = None
    weight = None if marks is None else _marks_per_segment(seg.start, seg.stop, marks)
    plans = plan_intervals(
        seg,
        cuts,
        counts,
        end=float(time[-1]),
        read_end=read_end,
        events=events,
        mark_weight=weight,
        notes=notes,
    )
    event_times, censor_times = place(
        plans, seg, float(time[-1]), marks, read_end, precision=curve.precision
    )
    all_times = np.concatenate((event_times, censor_times))
    flags = np.concatenate((np.ones(event_times.size, int), np.zeros(censor_times.size, int)))
    order = np.lexsort((-flags, all_times))
    diagnostics = diagnose(
        all_times[order],
        flags[order],
        curve.time,
        curve.survival,
        cuts,
        counts,
        plans,
        events_given=events,
        notes=notes,
    )
    return ArmReconstruction(
        arm=curve.arm,
        time=all_times[order],
        event=flags[order],
        curve=curve,
        diagnostics=diagnostics,
        risk_table=risk_table,
        censor_marks=censor_marks,
    )


def _risk_frame(
    curve: CleanedCurve, risk_table: RiskTable | None, n: int | None
) -> tuple[FloatArray, IntArray]:
    if n is not None and (int(n) != n or n <= 0):
        raise OptionError(f"arm {curve.arm!r}: --n must be a positive whole number, got {n!r}")
    if risk_table is None or len(risk_table) == 0:
        if n is None:
            raise OptionError(
                f"arm {curve.arm!r}: the number of patients is unknown; give a risk table "
                "with a row at time 0 or --n ARM=N"
            )
        return np.array([0.0]), np.array([int(n)], dtype=np.int64)
    cuts = np.asarray(risk_table.time, dtype=float)
    counts = np.asarray(risk_table.n_at_risk, dtype=np.int64)
    _check_risk_table(risk_table)
    if cuts[0] > 0:
        if n is None:
            raise RiskTableError(
                located(
                    f"arm {curve.arm!r}: the risk table starts at time {cuts[0]:g}, not 0; add "
                    "the number randomised at time 0 or pass --n ARM=N",
                    source=risk_table.source,
                )
            )
        cuts, counts = np.concatenate(([0.0], cuts)), np.concatenate(([int(n)], counts))
    elif n is not None and int(n) != counts[0]:
        raise OptionError(
            f"arm {curve.arm!r}: --n {n} disagrees with the risk table's {counts[0]} at time 0; "
            "drop one of them"
        )
    return cuts, counts


def _check_risk_table(table: RiskTable) -> None:
    def where(i: int) -> int | None:
        return int(table.rows[i]) if table.rows is not None else None

    bad = np.flatnonzero(table.n_at_risk < 0)
    if bad.size:
        i = int(bad[0])
        raise RiskTableError(
            located(
                f"negative number at risk {table.n_at_risk[i]}",
                source=table.source,
                row=where(i),
                column="n_at_risk",
            )
        )
    if np.any(np.diff(table.time) <= 0) or table.time[0] < 0:
        i = (
            int(np.flatnonzero(np.diff(table.time) <= 0)[0] + 1)
            if np.any(np.diff(table.time) <= 0)
            else 0
        )
        raise RiskTableError(
            located(
                f"arm {table.arm!r}: risk-table times must start at 0 or later and "
                f"increase; time {table.time[i]:g} does not",
                source=table.source,
                row=where(i),
                column="time",
            )
        )
    rise = np.flatnonzero(np.diff(table.n_at_risk) > 0)
    if rise.size:
        i = int(rise[0] + 1)
        raise RiskTableError(
            located(
                f"arm {table.arm!r}: number at risk rises from {table.n_at_risk[i - 1]} to "
                f"{table.n_at_risk[i]} at time {table.time[i]:g}; numbers at risk can only fall — "
                "check for a typo or a row from another arm",
                source=table.source,
                row=where(i),
                column="n_at_risk",
            )
        )


def _fit_to_curve(
    curve: CleanedCurve,
    cuts: FloatArray,
    counts: IntArray,
    table: RiskTable | None,
    notes: list[str],
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray, float]:
    """Stop the risk table at its first zero; extend the curve flat to its last time.

    Hand-clicked curves often stop at the last visible drop while patients
    are still at risk; the curve is then flat up to the last risk time. A
    risk time many times beyond the curve is taken as a unit mismatch.
    """
    time, surv = np.asarray(curve.time), np.asarray(curve.survival)
    zero = np.flatnonzero(counts == 0)
    if zero.size:
        cuts, counts = cuts[: zero[0] + 1], counts[: zero[0] + 1]
    time = _final_drop_at_risk_time(time, surv, cuts, counts, notes)
    end = float(time[-1])
    read_end = max(float(curve.end), end)
    if cuts[-1] <= end:
        return time, surv, cuts, counts, read_end
    far = np.flatnonzero(cuts > _UNIT_MISMATCH * end)
    if far.size:
        i = int(far[0])
        row = None
        if table is not None and table.rows is not None:
            row = int(table.rows[int(np.searchsorted(table.time, cuts[i]))])
        raise RiskTableError(
            located(
                f"arm {curve.arm!r}: risk time {cuts[i]:g} lies far beyond the curve's end at "
                f"{end:g}; are the curve and the risk table in the same time unit?",
                source=table.source if table is not None else None,
                row=row,
                column="time",
            )
        )
    last = float(cuts[-1])
    notes.append(
        f"cleaning: curve extended flat from its last point at {end:g} to the last "
        f"risk-table time {last:g} (patients still at risk there)"
    )
    return np.append(time, last), np.append(surv, surv[-1]), cuts, counts, read_end


def _final_drop_at_risk_time(
    time: FloatArray, surv: FloatArray, cuts: FloatArray, counts: IntArray, notes: list[str]
) -> FloatArray:
    """Move a drop to 0 read just before a risk time with patients at risk onto that time.

    Patients counted at risk at a time are alive just before it, so a curve
    cannot reach 0 earlier. A figure's last drop to 0 at the axis end is read a
    pixel early; a clicked one a click's width early. Within that reach the
    drop is taken to be at the risk time, where those patients die.
    """
    alive = np.flatnonzero(surv > 0)
    if surv[-1] > 0 or not alive.size or alive[-1] + 1 >= time.size:
        return time
    drop = int(alive[-1]) + 1
    at_risk = cuts[counts > 0]
    late = float(at_risk[-1]) if at_risk.size else 0.0
    if time[drop] >= late or late - time[drop] > _SNAP_SHARE * late:
        return time
    notes.append(
        f"cleaning: the drop to 0 read at {time[drop]:g} moved to the risk-table time {late:g}, "
        f"where {int(counts[cuts == late][0])} patients are still at risk"
    )
    moved = time.copy()
    moved[(np.arange(time.size) >= drop - 1) & (time >= time[drop]) & (time < late)] = late
    return moved


def _check_events(arm: str, events: int | None, n: int) -> None:
    if events is None:
        return
    if int(events) != events or events < 0:
        raise OptionError(f"arm {arm!r}: --events must be a whole number ≥ 0, got {events!r}")
    if events > n:
        raise OptionError(
            f"arm {arm!r}: --events {events} exceeds the {n} patients at risk at time 0; "
            "check the value or the arm it is given for"
        )


def _usable_marks(marks: CensorMarks, end: float, notes: list[str]) -> FloatArray:
    times = np.sort(np.asarray(marks.time, dtype=float))
    outside = (times < 0) | (times > end)
    if outside.any():
        notes.append(f"{int(outside.sum())} censor mark(s) outside the curve's range ignored")
    return times[~outside]


def _marks_look_complete(
    marks: FloatArray,
    time: FloatArray,
    surv: FloatArray,
    cuts: FloatArray,
    counts: IntArray,
    events: int | None,
) -> bool:
    """Whether the marks can stand for the censorings (not a small sample of them).

    Censorings are estimated where the risk table gives them (patients leaving
    an interval minus the events its drop implies), else as everyone not
    dying. Marks within a few of that estimate always stand (it is rough).
    Marks read from a raster figure miss most censorings where marks
    overlap or sit on drops; used as the censoring times, such a sample moves
    all censoring to the few places marks were seen.
    """
    if cuts.size > 1:
        level = surv[np.clip(np.searchsorted(time, cuts, side="right") - 1, 0, None)]
        ratio = np.where(level[:-1] > 0, level[1:] / np.where(level[:-1] > 0, level[:-1], 1), 0)
        leaving = counts[:-1] - counts[1:]
        censored = float(np.maximum(leaving - counts[:-1] * (1.0 - ratio), 0.0).sum())
        seen = int(np.sum(marks <= cuts[-1]))
    elif events is not None:
        censored, seen = float(counts[0] - events), marks.size
    else:
        return True
    return censored - seen < _MIN_SHORTFALL or seen >= _MARK_SHARE * censored


def _marks_per_segment(start: FloatArray, stop: FloatArray, marks: FloatArray) -> FloatArray:
    """Number of marks in each segment (start, stop]; vertical segments get none."""
    upper = np.searchsorted(marks, stop, side="right")
    lower = np.searchsorted(marks, start, side="right")
    counts = (upper - lower).astype(float)
    counts[stop <= start] = 0.0
    if marks.size and marks[0] == 0.0 and counts.size:
        counts[0] += float(np.sum(marks == 0.0))
    return counts
