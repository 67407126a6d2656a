"""Risk-table rows dealt to arms by how their numbers fit the curves.

With no legend and no colour keys, a table's rows used to go to the curves
in position order (the upper curve first), a guess that fails whenever the
table lists the lower curve first. The figures are drawn here from the arms
of ``test_digitize``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from kmipd.digitize import DigitizationResult, digitize
from kmipd.digitize._row_fit import balanced_order, best_order, misfit
from kmipd.types import Curve, RiskTable
from test_digitize import ARMS, TICKS, X_END, step_points, true_survival


def _curve(name: str) -> Curve:
    time, survival = step_points(name)
    return Curve(time, survival, arm=name)


def _table(name: str) -> RiskTable:
    return RiskTable(np.array(TICKS, float), np.array(ARMS[name]["risk"]), arm=name)


def test_numbers_that_leave_too_few_patients_for_the_drops_do_not_fit() -> None:
    assert misfit(_curve("Control"), _table("Control")) < 1.0
    assert misfit(_curve("Treatment"), _table("Treatment")) < 1.0
    # Control's curve halves while Treatment's table loses only 16 of 60
    assert misfit(_curve("Control"), _table("Treatment")) > 5.0


def test_the_order_is_chosen_only_when_it_fits_clearly_better() -> None:
    curves = [_curve("Treatment"), _curve("Control")]
    assert best_order(curves, [_table("Control"), _table("Treatment")]) == (1, 0)
    assert best_order(curves, [_table("Treatment"), _table("Control")]) == (0, 1)
    alike = [_curve("Control"), _curve("Control")]  # two arms alike: no order is better
    assert best_order(alike, [_table("Control"), _table("Control")]) is None


_TIMES = np.arange(0.0, 42.0, 6.0)
_SHARE = np.array([1.0, 0.98, 0.85, 0.65, 0.45, 0.28, 0.10])  # still followed, both arms


def _arm(survival: list[float]) -> tuple[Curve, RiskTable]:
    """A curve and its numbers at risk, 326 patients censored at the pace ``_SHARE``."""
    level = np.array(survival)
    at_risk = np.round(326 * level * _SHARE).astype(int)
    return Curve(_TIMES, level), RiskTable(_TIMES, at_risk)


def test_rows_the_fit_cannot_tell_apart_go_where_censoring_is_alike() -> None:
    low, low_table = _arm([1.0, 0.93, 0.80, 0.70, 0.62, 0.55, 0.50])
    high, high_table = _arm([1.0, 0.96, 0.88, 0.80, 0.74, 0.69, 0.65])
    # both orders leave enough patients for the drops: the fit cannot choose
    assert best_order([low, high], [high_table, low_table]) is None
    assert balanced_order([low, high], [high_table, low_table]) == (1, 0)
    assert balanced_order([low, high], [low_table, high_table]) == (0, 1)
    assert balanced_order([low, low], [low_table, low_table]) is None  # alike: no choice


def _draw(path: Path, order: list[str]) -> None:
    """No legend; the table's rows labelled with the arms' names, in ``order``."""
    fig = plt.figure(figsize=(8, 6), dpi=100)
    ax = fig.add_axes((0.14, 0.34, 0.8, 0.58))
    for name, colour in zip(ARMS, ("tab:blue", "tab:red"), strict=True):
        ax.plot(*step_points(name), color=colour, lw=2)
    ax.set_xlim(0, X_END)
    ax.set_ylim(0, 1)
    ax.set_xticks(TICKS)
    ax.set_xlabel("Months")
    ax.set_ylabel("Survival")
    fig.text(0.02, 0.17, "No. at Risk", fontsize=10)
    for row, name in enumerate(order):
        y = 0.12 - 0.05 * row
        fig.text(0.02, y, name, fontsize=9, va="center")
        for tick, count in zip(TICKS, ARMS[name]["risk"], strict=True):
            x = ax.transData.transform((tick, 0))[0] / fig.bbox.width
            fig.text(x, y, str(count), fontsize=10, ha="center", va="center")
    fig.savefig(path)
    plt.close(fig)


@pytest.mark.parametrize("order", [["Control", "Treatment"], ["Treatment", "Control"]])
def test_rows_go_to_the_curves_they_fit_and_name_them(tmp_path: Path, order: list[str]) -> None:
    path = tmp_path / "no_legend.png"
    _draw(path, order)
    result = digitize(path)
    _check(result, 0.02)
    notes = [w for w in result.warnings if "fit the curves" in w]
    assert len(notes) == 1 and "by position" not in " ".join(result.warnings)


def test_a_vector_pdfs_rows_go_to_the_curves_they_fit(tmp_path: Path) -> None:
    path = tmp_path / "no_legend.pdf"
    _draw(path, ["Control", "Treatment"])  # "Treatment" is kerned: "T" and "reatment"
    _check(digitize(path), 0.005)


def _check(result: DigitizationResult, tolerance: float) -> None:
    """Each arm named, with its own numbers at risk and a curve that is the name's."""
    assert sorted(arm.name for arm in result.arms) == sorted(ARMS)
    for arm in result.arms:
        assert arm.risk_table is not None
        assert list(arm.risk_table.n_at_risk) == ARMS[arm.name]["risk"]
        level = np.interp(21.0, arm.curve.time, arm.curve.survival)
        assert abs(level - true_survival(arm.name, 21.0)[0]) < tolerance
