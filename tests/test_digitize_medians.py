"""kmipd.digitize on figures that mark the medians with lines (survminer's
``surv.median.line = "hv"``): across at 0.5 from time 0, then down to 0.

The figures are drawn here with matplotlib and lifelines from seeded data;
expected values come from the data each figure was drawn from.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from kmipd.digitize import digitize
from kmipd.digitize._digitize import _calibrate
from kmipd.digitize._image import load_image
from kmipd.digitize._median_lines import median_lines
from kmipd.digitize._reading import read_figure_text
from kmipd.digitize._scene import look

COLOURS = ("#1f4e9c", "#c0392b")


def _data() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Two arms of 150 patients, medians about 14 and 24 months (seeded)."""
    rng = np.random.default_rng(3)
    out = {}
    for name, scale in (("control", 20.0), ("treatment", 34.0)):
        event_time = rng.exponential(scale, 150)
        censor = rng.uniform(10.0, 70.0, 150)
        out[name] = (np.minimum(event_time, censor), (event_time <= censor).astype(int))
    return out


def _draw(path: Path, medians: bool, grid: bool) -> dict[str, float]:
    """A two-arm figure with a risk table; returns each arm's median."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts

    fig, ax = plt.subplots(figsize=(7, 5.2), dpi=110)
    fitters, found = [], {}
    for i, (name, (time, event)) in enumerate(_data().items()):
        fitter = KaplanMeierFitter(label=name).fit(time, event)
        fitter.plot_survival_function(
            ax=ax, ci_show=False, show_censors=True, color=COLOURS[i], lw=1.6
        )
        fitters.append(fitter)
        found[name] = median = float(fitter.median_survival_time_)
        if medians:
            ax.plot([0, median, median], [0.5, 0.5, 0], ls="--", lw=1, color=COLOURS[i])
    if grid:
        ax.grid(color="#888888", lw=0.8)
    ax.set_xlim(0, 60)
    ax.set_xticks(np.arange(0, 61, 12))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Months")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        add_at_risk_counts(*fitters, ax=ax, rows_to_show=["At risk"])
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return found


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    path = tmp_path_factory.mktemp("medians") / "marked.png"
    return path, _draw(path, medians=True, grid=False)


def _lines(path: Path) -> tuple[list, tuple]:
    scene = look(load_image(path))
    axes = _calibrate(scene, read_figure_text(scene), {"x": None, "y": None}, None)
    return median_lines(scene, *axes), axes


def test_median_lines_are_found_at_half_and_at_each_median(
    marked: tuple[Path, dict[str, float]],
) -> None:
    path, medians = marked
    lines, (x, y) = _lines(path)
    across = [line for line in lines if line.horizontal]
    down = sorted(line.position for line in lines if not line.horizontal)
    assert len(across) == 1
    assert abs(across[0].position - float(y.pixel(0.5))) <= 1.5
    assert np.allclose(down, sorted(x.pixel(list(medians.values()))), atol=2.0)


def test_median_lines_in_the_arms_colours_are_no_arm(
    marked: tuple[Path, dict[str, float]],
) -> None:
    from lifelines import KaplanMeierFitter

    path, _ = marked
    result = digitize(path)
    assert [arm.name for arm in result.arms] == ["control", "treatment"]
    assert any("marking the medians" in w for w in result.warnings)
    times = list(np.linspace(1.0, 59.0, 59))
    for arm, (time, event) in zip(result.arms, _data().values(), strict=True):
        truth = KaplanMeierFitter().fit(time, event).predict(times).to_numpy()
        t, s = np.asarray(arm.curve.time), np.asarray(arm.curve.survival)
        read = s[np.clip(np.searchsorted(t, times, side="right") - 1, 0, None)]
        assert np.mean(np.abs(read - truth)) <= 0.01


def test_grid_lines_are_no_median_lines(tmp_path: Path) -> None:
    path = tmp_path / "grid.png"
    _draw(path, medians=False, grid=True)
    lines, _ = _lines(path)
    assert lines == []
