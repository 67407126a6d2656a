"""Risk-table rows given to arms by how their numbers fit the curves.

A table whose rows carry neither a colour key nor a label matching a legend
name is dealt to the arms by position, which is a guess: tables list arms in
their own order (control first, say), not in the curves' order from the
top. The numbers at risk say which curve they belong to: between two times
of the table the curve can fall only by the events of the patients who
left the table, so numbers that leave too few patients for the curve's
drops belong to another curve. Where every order leaves enough, the order
whose arms lose patients to censoring at the most alike pace is taken, if
clearly so (randomised arms are followed alike). Rows matched by a label
only loosely like the arm's name (small type misread) are dealt so too.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kmipd.digitize._risk import RiskRow
from kmipd.digitize._tables import to_table
from kmipd.types import Curve, RiskTable

FloatArray = npt.NDArray[np.float64]

__all__ = ["balanced_order", "best_order", "deal_by_fit", "misfit"]

_CLEAR = 0.3  # the best order must need at most this share of the next one's misfit
_MARGIN = 3.0  # ... and at least this many patients fewer
_POSITION = "risk-table rows given to arms by position"  # assign_rows' warning
_READ = 0.01  # survival the curve may be misread by (and a cell off by one patient)
_FEW = 10  # numbers at risk below this say little of the censoring (a patient is 10 %)
_BALANCED = 0.2  # the most balanced order must leave at most this share of the next one's gap
_GAP = 0.01  # ... and the next one a mean squared log gap of at least this (10 % apart)


def _at_table_times(curve: Curve, table: RiskTable) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The table's times and numbers at risk, and the curve's survival at those times."""
    times = np.asarray(table.time, dtype=float)
    at_risk = np.asarray(table.n_at_risk, dtype=float)
    order = np.argsort(curve.time, kind="stable")
    steps, levels = np.asarray(curve.time)[order], np.asarray(curve.survival)[order]
    index = np.searchsorted(steps, times, side="right") - 1
    survival = np.where(index >= 0, levels[np.clip(index, 0, None)], 1.0)
    return times, at_risk, survival


def misfit(curve: Curve, table: RiskTable) -> float:
    """Patients the curve's drops need beyond those the table lets leave.

    Between table times ``t`` and ``u`` the curve falls from ``S(t)`` to
    ``S(u)`` through events among at most ``n(t)`` and at least ``n(u)``
    patients at risk, so it needs at least ``log(S(u)/S(t)) / log(1 - 1/n(u))``
    events; at most ``n(t) - n(u)`` patients left. The excess, less what a
    misread of ``_READ`` in survival and one patient explain, is summed.

    Parameters
    ----------
    curve : Curve
    table : RiskTable

    Returns
    -------
    float
        0 for numbers that fit the curve.
    """
    times, at_risk, survival = _at_table_times(curve, table)
    total = 0.0
    for k in range(len(times) - 1):
        before, after = survival[k], survival[k + 1]
        if at_risk[k + 1] < 2 or before <= 0 or after >= before:
            continue
        ratio = max(after + _READ, 1e-9) / before
        if ratio >= 1.0:
            continue
        needed = math.log(ratio) / math.log(1.0 - 1.0 / at_risk[k + 1])
        total += max(0.0, needed - (at_risk[k] - at_risk[k + 1]) - 1.0)
    return total


def best_order(curves: Sequence[Curve], tables: Sequence[RiskTable]) -> tuple[int, ...] | None:
    """The order of ``tables`` that fits ``curves`` clearly best, or None.

    Parameters
    ----------
    curves : sequence of Curve
    tables : sequence of RiskTable
        As many as curves (at most four: every order is tried).

    Returns
    -------
    tuple of int or None
        ``order[i]`` is the table of curve ``i``; None when no order fits
        clearly better than every other (arms alike, or numbers misread).
    """
    if len(curves) != len(tables) or not 2 <= len(curves) <= 4:
        return None
    cost = [[misfit(c, t) for t in tables] for c in curves]
    scored = sorted(
        (sum(cost[i][j] for i, j in enumerate(order)), order)
        for order in itertools.permutations(range(len(tables)))
    )
    (best, order), (second, _) = scored[0], scored[1]
    if best <= _CLEAR * second and second - best >= _MARGIN:
        return order
    return None


def followed(curve: Curve, table: RiskTable) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Table times after the first, the share of the arm still followed there
    (``n(t) / (n(0) S(t))``) and the numbers at risk.

    Numbers at risk are the first number less those who had an event (the
    curve's fall) and those censored; what the curve does not explain is
    the censoring. Only times with ``_FEW`` or more at risk and the curve
    above 0 are given.
    """
    times, at_risk, survival = _at_table_times(curve, table)
    keep = (at_risk >= _FEW) & (survival > 0.0)
    keep[:1] = False  # followed in full at the first time, by definition
    if not keep.any() or at_risk[0] <= 0:
        return times[:0], times[:0], times[:0]
    return times[keep], at_risk[keep] / (at_risk[0] * survival[keep]), at_risk[keep]


def balanced_order(curves: Sequence[Curve], tables: Sequence[RiskTable]) -> tuple[int, ...] | None:
    """The order of ``tables`` whose arms are censored most alike, if clearly so, else None.

    In a randomised trial patients leave follow-up at about the same pace
    in every arm (censoring is mostly by the date of analysis). Dealt to
    the wrong curves, two rows imply censoring shares that drift apart: the
    lower curve given the higher numbers seems followed better than all.
    Used only where the fit (:func:`best_order`) cannot tell. The gap is
    the squared difference in log share followed, averaged over pairs of
    arms and over the table's times weighted by the fewest at risk there
    (a share of few patients is a rough one); the most balanced order must
    leave at most ``_BALANCED`` of the next one's gap, and that one a gap
    of ``_GAP`` at least.
    """
    if len(curves) != len(tables) or not 2 <= len(curves) <= 4:
        return None
    share = [[followed(c, t) for t in tables] for c in curves]

    def gap(order: tuple[int, ...]) -> float:
        pairs = [share[i][j] for i, j in enumerate(order)]
        common = set(pairs[0][0].tolist()).intersection(*(set(p[0].tolist()) for p in pairs[1:]))
        if not common:
            return float("nan")
        times = np.array(sorted(common))
        at = [np.searchsorted(p[0], times) for p in pairs]
        logs = np.array([np.log(p[1][k]) for p, k in zip(pairs, at, strict=True)])
        weight = np.min([p[2][k] for p, k in zip(pairs, at, strict=True)], axis=0)
        arms = len(pairs)  # mean over pairs of arms of the squared gap, from the variance
        per_time = np.var(logs, axis=0) * 2.0 * arms / (arms - 1)
        return float(np.sum(weight * per_time) / np.sum(weight))

    scored = sorted((gap(order), order) for order in itertools.permutations(range(len(tables))))
    if any(math.isnan(g) for g, _ in scored):
        return None
    (best, order), (second, _) = scored[0], scored[1]
    if best <= _BALANCED * second and second >= _GAP:
        return order
    return None


def deal_by_fit(
    assigned: dict[int, RiskRow],
    guessed: set[int],
    curves: Sequence[Curve],
    warnings: list[str],
    loosely: set[int] | None = None,
) -> dict[int, RiskRow]:
    """``assigned`` with the rows given by position re-dealt by how they fit the curves.

    Parameters
    ----------
    assigned : dict of int to RiskRow
        Arm index to its row (``assign_rows``).
    guessed : set of int
        Arms given their row by position; emptied (in place) when the fit
        settles them, whether it keeps the order or changes it.
    curves : sequence of Curve
        Every arm's curve, by arm index.
    warnings : list of str
        The position warning is replaced by one saying how the rows were dealt.
    loosely : set of int, optional
        Arms given their row by a label only loosely like their name (OCR of
        small type: "Rax_" for "ltax_l"): dealt again with the guessed ones,
        where the fit is clear.

    Returns
    -------
    dict of int to RiskRow
    """
    arms = sorted(guessed | (loosely or set()))
    scratch: list[str] = []
    tables = [to_table(assigned[i], "", scratch)[0] for i in arms if i in assigned]
    if len(arms) < 2 or len(tables) != len(arms) or any(t is None for t in tables):
        return assigned
    given = [t for t in tables if t is not None]
    order = best_order([curves[i] for i in arms], given)
    how = "fit the curves"
    if order is None:
        order, how = balanced_order([curves[i] for i in arms], given), "leave censoring alike"
    if order is None:
        return assigned
    out = dict(assigned)
    for i, j in zip(arms, order, strict=True):
        out[i] = assigned[arms[j]]
    kept = list(order) == sorted(order)
    if not guessed and kept:  # the fit agrees with the labels
        return out
    by = "positions" if not loosely else "labels" if not guessed else "labels and positions"
    guessed.clear()
    warnings[:] = [w for w in warnings if not w.startswith(_POSITION)]
    warnings.append(
        f"risk-table rows given to arms by how their numbers {how} ({len(arms)} rows, "
        f"{'as' if kept else 'against'} their {by}): no colour key or clear label tied them; "
        "check the arm order"
    )
    return out
