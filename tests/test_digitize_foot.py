"""Legends laid across the foot of a figure, under the plot, as SAS and survminer draw them.

Under the x axis a key in an arm's colour may also mark a row of numbers at
risk; these figures (drawn here from the arms of ``test_digitize``) put the
legend under the table or between the axis title and the table, with the
table's rows named or keyed in colour, and a black "Censored" entry.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.lines import Line2D

from kmipd.digitize import digitize
from test_digitize import ARMS, TICKS, X_END, step_points, true_survival

COLOURS = ("tab:blue", "tab:red")


def draw(path: Path, legend_first: bool, keyed_rows: bool, censored: bool) -> None:
    """A two-arm figure with a table under it and the legend across the figure."""
    fig = plt.figure(figsize=(8, 7.5), dpi=100)
    ax = fig.add_axes((0.12, 0.45, 0.82, 0.5))
    for (name, arm), colour in zip(ARMS.items(), COLOURS, strict=True):
        ax.plot(*step_points(name), color=colour, lw=1.5, label=name)
        ax.plot(arm["censor"], true_survival(name, arm["censor"]), "+", color=colour, ms=8)
    ax.set_xlim(0, X_END)
    ax.set_ylim(0, 1)
    ax.set_xticks(TICKS)
    ax.set_xlabel("Months")
    ax.set_ylabel("Survival")
    handles, labels = ax.get_legend_handles_labels()  # the curves (the marks have no label)
    if censored:
        handles.append(Line2D([], [], color="black", marker="+", ls="none", ms=8))
        labels.append("Censored")
    legend_y, table_y = (0.31, 0.23) if legend_first else (0.03, 0.3)
    fig.legend(handles, labels, loc="center", bbox_to_anchor=(0.53, legend_y), ncol=3)
    fig.text(0.02, table_y, "Number at risk", fontsize=10)
    for row, ((name, arm), colour) in enumerate(zip(ARMS.items(), COLOURS, strict=True)):
        y = table_y - 0.05 - 0.045 * row
        if keyed_rows:
            fig.add_artist(Line2D([0.03, 0.07], [y, y], color=colour, lw=3))
        else:
            fig.text(0.02, y, name, fontsize=9, va="center")
        for tick, count in zip(TICKS, arm["risk"], strict=True):
            x = ax.transData.transform((tick, 0))[0] / fig.bbox.width
            fig.text(x, y, str(count), fontsize=10, ha="center", va="center")
    fig.savefig(path)
    plt.close(fig)


@pytest.mark.parametrize(
    ("legend_first", "keyed_rows", "censored"),
    [(False, False, True), (False, True, False), (True, False, False), (True, True, True)],
)
def test_a_legend_across_the_foot_names_the_arms_and_the_table_is_read(
    tmp_path: Path, legend_first: bool, keyed_rows: bool, censored: bool
) -> None:
    path = tmp_path / "foot.png"
    draw(path, legend_first, keyed_rows, censored)
    result = digitize(path)
    assert [arm.name for arm in result.arms] == list(ARMS)
    grid = np.linspace(0, X_END - 0.5, 200)
    for arm in result.arms:
        assert arm.risk_table is not None
        assert list(arm.risk_table.n_at_risk) == ARMS[arm.name]["risk"]
        read = np.interp(grid, arm.curve.time, arm.curve.survival)
        assert np.mean(np.abs(read - true_survival(arm.name, grid))) < 0.01


def test_a_row_key_before_numbers_printed_into_one_word_is_not_a_legend() -> None:
    """A keyed table row whose numbers print over each other into one word, under tick
    labels that merged into two words too, is a table row; a key and a name are a legend."""
    from kmipd.digitize._legend import LegendEntry, Swatch
    from kmipd.digitize._reading import _legend_below
    from kmipd.digitize._text import Word

    panel = (70.0, 770.0)
    ticks = [250.0, 600.0]  # "0 1 2 ... 29" and "30 31 ... 59", each read as one word
    key = Word(559, 36, 566, 58)
    numbers = Word(557, 84, 573, 751)  # the whole row, 667 px wide
    row = LegendEntry(Swatch(key, 0, "solid"), (numbers,))
    assert _legend_below([row], [key, numbers], ticks, panel) == ([], set())
    name = Word(557, 66, 573, 160)
    entry = LegendEntry(Swatch(key, 0, "solid"), (name,))
    found, held = _legend_below([entry], [key, name], ticks, panel)
    assert found == [entry] and held == {id(key), id(name)}
