"""Stata's layout: y tick labels turned to read upwards, a legend framed under the plot.

The figure is drawn here (matplotlib) as Stata's ``sts graph`` draws it with
its s2color scheme: a blue-grey figure round a white plot region, horizontal
grid lines, numbers at risk in rows labelled "arm = name".
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.transforms import blended_transform_factory

from kmipd.digitize import digitize
from kmipd.digitize._image import load_image
from kmipd.digitize._scene import look
from kmipd.digitize._turned import turned_y_axis

TICKS = list(range(0, 37, 6))


def _arms() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Two arms of 120 patients (seeded)."""
    rng = np.random.default_rng(5)
    out = {}
    for name, scale in (("arm = control", 16.0), ("arm = drug", 34.0)):
        event_time, censor_time = rng.exponential(scale, 120), rng.uniform(4, 48, 120)
        out[name] = (np.minimum(event_time, censor_time), event_time <= censor_time)
    return out


def _km(time: np.ndarray, event: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Kaplan-Meier survival just after each time of ``at``."""
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter().fit(time, event).survival_function_at_times(at).to_numpy()


def _draw(path: Path) -> None:
    fig = plt.figure(figsize=(7.5, 5), dpi=110, facecolor="#EAF2F3")
    ax = fig.add_axes((0.3, 0.36, 0.66, 0.56), facecolor="white")
    below = blended_transform_factory(ax.transData, ax.transAxes)
    beside = blended_transform_factory(ax.transAxes, ax.transAxes)
    ax.text(0.0, -0.22, "Number at risk", transform=beside, ha="right")
    for i, ((name, (time, event)), colour) in enumerate(
        zip(_arms().items(), ("#1a476f", "#90353b"), strict=True)
    ):
        grid = np.unique(np.concatenate(([0.0], time[time <= 36.0], [36.0])))
        ax.step(grid, _km(time, event, grid), where="post", color=colour, lw=1.3, label=name)
        row = -0.29 - 0.07 * i
        ax.text(-0.07, row, name, transform=beside, ha="right")
        for t in TICKS:
            ax.text(t, row, str(int(np.sum(time >= t))), transform=below, ha="center")
    ax.set_xlim(0, 36)
    ax.set_ylim(0, 1)
    ax.set_xticks(TICKS)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    plt.setp(ax.get_yticklabels(), rotation=90, ha="center", va="bottom", rotation_mode="anchor")
    ax.yaxis.grid(True, color="#eaf2f3")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlabel("analysis time")
    fig.legend(loc="lower center", ncol=2, frameon=True, facecolor="white", edgecolor="black")
    fig.savefig(path, facecolor=fig.get_facecolor())
    plt.close(fig)


def test_turned_y_labels_calibrate_the_y_axis(tmp_path: Path) -> None:
    path = tmp_path / "stata.png"
    _draw(path)
    axis = turned_y_axis(look(load_image(path)))
    assert axis is not None
    assert [label.text for label in axis.labels] == ["0.00", "0.25", "0.50", "0.75", "1.00"]
    assert axis.confidence > 0.9 and axis.residual_px < 1.0


def test_a_stata_figure_is_read_with_names_from_its_framed_legend(tmp_path: Path) -> None:
    path = tmp_path / "stata.png"
    _draw(path)
    result = digitize(path)
    arms = _arms()
    assert [arm.name for arm in result.arms] == list(arms)
    at = np.linspace(0.5, 34.0, 200)
    for arm in result.arms:
        time, event = arms[arm.name]
        t, s = np.asarray(arm.curve.time), np.asarray(arm.curve.survival)
        read = s[np.searchsorted(t, at, side="right") - 1]
        assert np.mean(np.abs(read - _km(time, event, at))) <= 0.01, arm.name
        table = result.risk_tables[arm.name]
        assert list(table.time) == TICKS
        assert list(table.n_at_risk) == [int(np.sum(time >= t)) for t in TICKS]
