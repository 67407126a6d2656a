"""kmipd.digitize on figures with an inset plot: a magnified copy of the curves
drawn inside the panel, as NEJM draws cumulative incidence.

The figures are drawn here with matplotlib and lifelines from seeded data;
expected values come from the data each figure was drawn from.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kmipd.digitize import DigitizationResult, digitize
from kmipd.digitize._image import load_image
from kmipd.digitize._inset import find_insets
from kmipd.digitize._scene import look
from kmipd.digitize._trace import _fill_gaps

COLOURS = ("#1f4e9c", "#c0392b")


def _arms_data(scales: tuple[float, float]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Two arms of 200 patients with exponential event times (seeded)."""
    rng = np.random.default_rng(5)
    out = {}
    for name, scale in zip(("control", "treatment"), scales, strict=True):
        event_time = rng.exponential(scale, 200)
        censor = rng.uniform(10.0, 70.0, 200)
        out[name] = (np.minimum(event_time, censor), (event_time <= censor).astype(int))
    return out


def _km(time: np.ndarray, event: np.ndarray, at: list[float]) -> np.ndarray:
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter().fit(time, event)
    return np.array([float(fitter.predict(t)) for t in at])


def read_at(result: DigitizationResult, index: int, times: list[float]) -> np.ndarray:
    """Digitized survival of arm ``index`` at ``times`` (right-continuous step function)."""
    curve = result.arms[index].curve
    t, s = np.asarray(curve.time), np.asarray(curve.survival)
    return s[np.clip(np.searchsorted(t, times, side="right") - 1, 0, None)]


def _draw(path: Path, data: dict[str, Any], rising: bool, box: tuple[float, ...]) -> tuple:
    """A figure with an inset at axes fraction ``box``; the inset's pixel box
    ``(row0, col0, row1, col1)`` of its axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts

    fig, ax = plt.subplots(figsize=(7, 5.2), dpi=110)
    inset = ax.inset_axes(box)
    fitters = []
    for i, (name, (time, event)) in enumerate(data.items()):
        fitter = KaplanMeierFitter(label=name).fit(time, event)
        fitters.append(fitter)
        for axes, lw in ((ax, 1.6), (inset, 1.2)):
            draw = fitter.plot_cumulative_density if rising else fitter.plot_survival_function
            draw(ax=axes, ci_show=False, show_censors=axes is ax, color=COLOURS[i], lw=lw)
    inset.get_legend().remove()
    inset.set_xlim(0, 60)
    inset.set_ylim((0.0, 0.4) if rising else (0.6, 1.0))
    inset.set_xlabel("")
    inset.spines[["top", "right"]].set_visible(not rising)  # NEJM: an open inset
    ax.set_xlim(0, 60)
    ax.set_xticks(np.arange(0, 61, 12))
    ax.set_ylim(0, 1.0)
    ax.set_xlabel("Months")
    ax.legend(loc="upper right" if rising else "lower left")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        add_at_risk_counts(*fitters, ax=ax, rows_to_show=["At risk"])
    fig.tight_layout()
    fig.savefig(path)
    extent = inset.get_window_extent()
    height = fig.get_size_inches()[1] * fig.dpi
    plt.close(fig)
    return (height - extent.y1, extent.x0, height - extent.y0, extent.x1)


@pytest.fixture(scope="module")
def nejm(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, tuple]:
    """Cumulative incidence up to about 0.3, an open inset above the curves."""
    data = _arms_data((150.0, 260.0))
    path = tmp_path_factory.mktemp("inset") / "nejm.png"
    return path, data, _draw(path, data, rising=True, box=(0.1, 0.45, 0.5, 0.45))


@pytest.fixture(scope="module")
def covering(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, tuple]:
    """Survival whose curves pass under a closed inset in the upper right."""
    data = _arms_data((45.0, 80.0))
    path = tmp_path_factory.mktemp("inset") / "covering.png"
    return path, data, _draw(path, data, rising=False, box=(0.5, 0.5, 0.45, 0.4))


def test_an_inset_is_found_by_its_axes_and_tick_labels(nejm: tuple[Path, dict, tuple]) -> None:
    path, _, drawn = nejm
    insets = find_insets(look(load_image(path)))
    assert len(insets) == 1
    found = insets[0].axes
    assert np.allclose(found, drawn, atol=3.0), (found, drawn)
    assert len(insets[0].labels) >= 4  # its numbers under and beside it


def test_the_inset_curves_are_not_taken_for_the_arms(nejm: tuple[Path, dict, tuple]) -> None:
    path, data, _ = nejm
    result = digitize(path)
    assert [arm.name for arm in result.arms] == ["control", "treatment"]
    assert any("inset plot" in w for w in result.warnings)
    times = [3.0, 12.0, 24.0, 36.0, 48.0, 58.0]
    for i, (time, event) in enumerate(data.values()):
        assert np.max(np.abs(read_at(result, i, times) - _km(time, event, times))) <= 0.02


def test_curves_under_an_inset_are_bridged_straight(covering: tuple[Path, dict, tuple]) -> None:
    path, data, _ = covering
    result = digitize(path)
    assert [arm.name for arm in result.arms] == ["control", "treatment"]
    times = list(np.linspace(1.0, 59.0, 59))
    for i, (time, event) in enumerate(data.values()):
        error = np.abs(read_at(result, i, times) - _km(time, event, times))
        assert np.mean(error) <= 0.01 and np.max(error) <= 0.06
    # the treatment curve runs under the inset for a third of the axis, the control
    # curve only briefly: the confidence in each curve says how much was not seen
    control, treatment = (arm.confidence["curve"] for arm in result.arms)
    assert treatment <= 0.8 < control


def test_a_black_curve_dropping_to_a_long_plateau_is_no_inset(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
    ax.step([0, 10, 10, 25, 25, 60], [1.0, 1.0, 0.55, 0.55, 0.3, 0.3], "k-", where="post")
    ax.text(5, 0.4, "HR 0.71", fontsize=9)
    ax.text(5, 0.2, "p = 0.04", fontsize=9)
    ax.set_xlim(0, 60)
    ax.set_ylim(0, 1.05)
    path = tmp_path / "plain.png"
    fig.savefig(path)
    plt.close(fig)
    assert find_insets(look(load_image(path))) == []


def test_a_gap_under_a_box_is_bridged_straight_and_counted() -> None:
    level = np.array([10.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, 26.0])
    carried, none = _fill_gaps(level, None, 1.5)
    assert none == 0
    assert carried[1:4].tolist() == [10.0] * 3 and carried[5:8].tolist() == [26.0] * 3
    bridged, count = _fill_gaps(level, None, 1.5, covers=((0, 2, 20, 7),))
    assert count == 7
    assert np.allclose(bridged, np.linspace(10.0, 26.0, 9))
    # a box over other rows leaves the gap to be carried
    elsewhere, count = _fill_gaps(level, None, 1.5, covers=((40, 2, 60, 7),))
    assert count == 0 and np.array_equal(elsewhere, carried)
