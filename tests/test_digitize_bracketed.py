"""Counts in parentheses beside the numbers at risk: "Number at risk (number censored)".

The Lancet prints the patients censored so far after each number at risk,
``134 (5)``; other tables print the events so far the same way. The figures
are drawn here (matplotlib, seeded arms) both ways, as PNG (OCR) and as
vector PDF (the file's own text, where ``(5)`` is a text run of its own).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.transforms import blended_transform_factory

from kmipd.digitize import digitize
from kmipd.digitize._bracketed import events_in_parentheses, interval_counts
from kmipd.digitize._result import ArmResult, RiskCell
from kmipd.types import CensorMarks, Curve, RiskTable

TICKS = np.arange(0, 61, 6)
COLOURS = ("#1f4e9c", "#c0392b")


def _arms() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Two arms (seeded), all follow-up within 58 months."""
    rng = np.random.default_rng(5)
    out = {}
    for name, scale, size in (("Chemotherapy", 20.0, 176), ("Antibody", 40.0, 181)):
        event_time, censor_time = rng.exponential(scale, size), rng.uniform(4, 58, size)
        out[name] = (np.minimum(event_time, censor_time), event_time <= censor_time)
    return out


def _draw(path: Path, kind: str) -> None:
    from lifelines import KaplanMeierFitter

    fig, ax = plt.subplots(figsize=(6.4, 5.0), dpi=120)
    fig.subplots_adjust(left=0.26, bottom=0.3, right=0.96, top=0.97)
    below = blended_transform_factory(ax.transData, ax.transAxes)
    for i, (name, (time, event)) in enumerate(_arms().items()):
        frame = KaplanMeierFitter().fit(time, event).survival_function_
        ax.step(frame.index, 100 * frame.iloc[:, 0], where="post", color=COLOURS[i], label=name)
        y = -0.27 - 0.07 * i
        ax.text(-0.33, y, name, transform=ax.transAxes, color=COLOURS[i])
        for tick in TICKS:
            left = time < tick
            extra = int(np.sum(left & ~event)) if kind == "censored" else int(np.sum(left & event))
            text = f"{int(np.sum(time >= tick))} ({extra})"
            ax.text(float(tick), y, text, transform=below, ha="center", fontsize=7)
    heading = "Number at risk (number censored)" if kind == "censored" else "At risk (events)"
    ax.text(-0.33, -0.2, heading, transform=ax.transAxes)
    ax.set_xlim(0, 60)
    ax.set_xticks(TICKS)
    ax.set_ylim(0, 100)
    ax.legend(frameon=False)
    ax.set_xlabel("Months")
    ax.set_ylabel("Overall survival (%)")
    fig.savefig(path)
    plt.close(fig)


@pytest.mark.parametrize("suffix", ["png", "pdf"])
@pytest.mark.parametrize("kind", ["censored", "events"])
def test_the_counts_in_parentheses_give_each_arms_event_total(
    tmp_path: Path, kind: str, suffix: str
) -> None:
    path = tmp_path / f"bracketed.{suffix}"
    _draw(path, kind)
    result = digitize(path)
    truth = _arms()
    assert [a.name for a in result.arms] == list(truth)
    for arm in result.arms:
        time, event = truth[arm.name]
        assert arm.risk_table is not None
        assert int(arm.risk_table.n_at_risk[0]) == len(time)  # "(0)" is no number at risk
        assert arm.events == int(event.sum())
    said = "censored" if kind == "censored" else "with an event"
    assert sum(f"are the patients {said} so far" in w for w in result.warnings) == 2


def test_interval_counts_read_each_way_and_refuse_what_cannot_be() -> None:
    at_risk, bracketed = np.array([100, 80, 50]), np.array([0, 5, 12])
    events, censored = interval_counts(at_risk, bracketed, "censored")  # type: ignore[misc]
    assert events.tolist() == [15, 23] and censored.tolist() == [5, 7]
    events, censored = interval_counts(at_risk, bracketed, "events")  # type: ignore[misc]
    assert events.tolist() == [5, 7] and censored.tolist() == [15, 23]
    assert interval_counts(at_risk, np.array([0, 25, 30]), "censored") is None  # 25 > 20 left


def test_counts_that_fit_the_curve_neither_way_are_not_used() -> None:
    curve = Curve(time=[0, 10, 20, 30], survival=[1.0, 0.8, 0.6, 0.6], arm="a")
    table = RiskTable(time=[0, 10, 20, 30], n_at_risk=[100, 78, 55, 40], arm="a")
    arm = ArmResult("a", curve, CensorMarks(np.zeros(0), arm="a"), table, (0, 0, 0))
    # 1, 2, 3 censored would mean drops to 0.79, 0.57, 0.41 (events: 0.99, 0.97, 0.96)
    cells = [
        RiskCell(0, 0, f"{n} ({c})", n, float(t), 1.0)
        for t, n, c in zip((0, 10, 20, 30), (100, 78, 55, 40), (0, 1, 2, 3), strict=True)
    ]
    notes: list[str] = []
    assert events_in_parentheses(cells, arm, notes) is None
    assert "neither as patients censored nor as events" in notes[-1]
