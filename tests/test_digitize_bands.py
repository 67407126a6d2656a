"""Curves drawn with lifelines' translucent confidence bands and crowded censor marks.

lifelines draws each arm's '+' marks under the translucent bands. With many
marks, a pen's commonest shade is its marks seen through its own band,
paler than the pen: the pen's pure pixels then lay off that colour's blend
line and were left unlabelled (RADIANT4_2A's everolimus arm was read 0.02
off for months). Marks seen through the other arm's band make a colour of
their own, read as a third, unnamed arm (NCT00938652_2C). And the marks'
bars, commoner than the curve's flat runs, were taken for the pen's width.
The two figures are kmdata sets drawn by ``benchmarks/styles_dev.py``
(tests/data/figures/ATTRIBUTION.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmipd.digitize import digitize
from kmipd.digitize._colours import InkColour, assign_pixels
from kmipd.digitize._scene import _pen
from kmipd.digitize._washes import find_washes, seen_through

FIGURES = Path(__file__).parent / "data" / "figures"
WHITE = np.array([255, 255, 255], dtype=np.uint8)
BLUE, ORANGE = (31, 119, 180), (255, 127, 14)


def _km(time: np.ndarray, event: np.ndarray, grid: np.ndarray) -> np.ndarray:
    from lifelines import KaplanMeierFitter

    return np.asarray(KaplanMeierFitter().fit(time, event).predict(grid), dtype=float)


def test_a_pen_found_as_a_paler_shade_keeps_its_pure_pixels() -> None:
    paler = InkColour((70, 142, 193), 500)  # blue marks seen through blue's own band
    image = np.array([[BLUE, (0, 0, 0), (165, 200, 225)]], dtype=np.uint8)
    labels, coverage = assign_pixels(image, np.ones((1, 3), bool), [paler], WHITE)
    assert labels[0, 0] == 0 and coverage[0, 0] == pytest.approx(1.0)
    assert labels[0, 1] == -1  # black is far past the blue's line: no blue pixel
    assert labels[0, 2] == 0 and coverage[0, 2] < 0.5  # a pale shade stays pale


def test_a_grey_does_not_reach_past_itself_towards_black() -> None:
    # a black pen's anti-aliased edge (60) lies past a dark grey arm (87) on its
    # blend line: it stays black's, as the grey arm would follow black's marks
    colours = [InkColour((3, 3, 3), 900), InkColour((87, 87, 87), 700)]
    image = np.full((1, 9, 3), 255, dtype=np.uint8)
    image[0, 0], image[0, 4], image[0, 8] = (60, 60, 60), (87, 87, 87), (3, 3, 3)
    labels, _ = assign_pixels(image, np.ones((1, 9), bool), colours, WHITE)
    assert labels[0, [0, 4, 8]].tolist() == [0, 1, 0]


def test_a_pen_seen_through_another_arms_band_is_that_pen() -> None:
    image = np.full((60, 80, 3), 255, dtype=np.uint8)
    image[10:50, :] = (255, 222, 194)  # the orange arm's band, a quarter opaque
    image[29:31, :] = (199, 125, 55)  # the orange line seen through the blue band...
    image[39:41, :] = (198, 124, 55)
    image[20:22, :] = (31, 119, 180)  # the blue line over the orange band
    image[5:7, :] = ORANGE
    image[54:59, :] = (198, 220, 236)  # a strip of blue band, too thin to be a band
    colours = [InkColour(ORANGE, 300), InkColour(BLUE, 300), InkColour((199, 125, 55), 200)]
    washes = find_washes(image, np.ones(image.shape[:2], bool), colours, WHITE, 20)
    assert set(washes) == {0}
    assert np.allclose(washes[0], (255, 222, 194), atol=2)
    assert seen_through(colours, washes, set(), WHITE) == []  # no pen seen through blue's band
    blue_band = {1: np.array([198.0, 220.0, 236.0])}
    assert seen_through(colours, blue_band, set(), WHITE) == [2]
    assert seen_through(colours, blue_band, {2}, WHITE) == []  # a legend key shows it
    green = [*colours[:2], InkColour((44, 160, 44), 200)]
    assert seen_through(green, blue_band, set(), WHITE) == []
    labels, coverage = assign_pixels(
        image, np.ones(image.shape[:2], bool), colours[:2], WHITE, blue_band
    )
    assert labels[30, 5] == 0 and coverage[30, 5] > 0.7
    # the orange band's edge seen through the blue band is too faint to be orange's pen
    edge = np.array([[(198, 220 - 30, 236 - 56)]], dtype=np.uint8)
    faint, _ = assign_pixels(edge, np.ones((1, 1), bool), colours[:2], WHITE, blue_band)
    assert faint[0, 0] != 0


def test_the_pen_width_is_measured_on_flat_stretches_not_on_crowded_marks() -> None:
    mask = np.zeros((60, 300), dtype=bool)
    mask[30:32, :] = True  # a flat curve two pixels thick
    for col in range(0, 300, 3):
        mask[21:40, col] = True  # a '+' mark's bar every 3 px: more columns than the curve
    assert _pen(mask) == 2
    steps = np.zeros((60, 60), dtype=bool)
    for k in range(20):  # a curve of short steps only: all its ink counts
        steps[2 * k : 2 * k + 2, 3 * k : 3 * k + 3] = True
    assert _pen(steps) == 2


@pytest.mark.filterwarnings("ignore")
def test_a_lifelines_figure_with_crowded_marks_is_read_along_the_pens() -> None:
    result = digitize(FIGURES / "radiant4_2a-lifelines.png")
    truth = pd.read_csv(FIGURES / "radiant4_2a-truth.csv")
    assert [arm.name for arm in result.arms] == ["everolimus", "placebo"]
    grid = np.linspace(0.0, 20.5, 400)
    for arm in result.arms:
        mine = truth[truth.arm == arm.name]
        t, s = np.asarray(arm.curve.time), np.asarray(arm.curve.survival)
        read = s[np.clip(np.searchsorted(t, grid, side="right") - 1, 0, None)]
        error = np.abs(read - _km(mine.time.to_numpy(), mine.event.to_numpy(), grid))
        assert error.mean() < 0.006, arm.name  # session 25: everolimus 0.016


@pytest.mark.filterwarnings("ignore")
def test_marks_seen_through_the_other_arms_band_are_no_arm() -> None:
    result = digitize(FIGURES / "nct00938652_2c-lifelines.png")
    assert [arm.name for arm in result.arms] == ["gc", "gci"]
    assert not any("no legend entry" in w for w in result.warnings)


def _ribbons_figure(path: Path, seed: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Two arms in ggplot2's hues, each band drawn translucent over the curves (seeded)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(seed)
    fig, ax = plt.subplots(figsize=(6.5, 5), dpi=100)
    data = {}
    for name, scale, n, hue in (("Control", 24, 150, "#F8766D"), ("Treatment", 27, 140, "#00BFC4")):
        death, censor = rng.exponential(scale, n), rng.uniform(1.0, 36.0, n)
        time, event = np.minimum(death, censor), (death <= censor).astype(int)
        data[name] = (time, event)
        fitter = KaplanMeierFitter(label=name).fit(time, event)
        fitter.plot_survival_function(ax=ax, ci_show=False, show_censors=True, color=hue, lw=1.2)
        band = fitter.confidence_interval_survival_function_
        ax.fill_between(
            band.index, band.iloc[:, 0], band.iloc[:, 1], step="post", color=hue, alpha=0.3,
            lw=0, zorder=3,
        )  # fmt: skip
    ax.set_xlim(0, 36)
    ax.set_xticks(np.arange(0, 37, 6))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Time (months)")
    ax.set_ylabel("Survival probability")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return data


@pytest.mark.filterwarnings("ignore")
def test_a_curve_under_the_other_arms_translucent_band_is_read_through_it(
    tmp_path: Path,
) -> None:
    # session 25's code read Control 0.15 off from month 6 on, and the red line seen
    # through the blue band as a third, unnamed arm
    data = _ribbons_figure(tmp_path / "ribbons.png", seed=4)
    result = digitize(tmp_path / "ribbons.png")
    assert [arm.name for arm in result.arms] == ["Control", "Treatment"]
    grid = np.linspace(0.0, 35.5, 300)
    for arm in result.arms:
        t, s = np.asarray(arm.curve.time), np.asarray(arm.curve.survival)
        read = s[np.clip(np.searchsorted(t, grid, side="right") - 1, 0, None)]
        error = np.abs(read - _km(*data[arm.name], grid))
        assert error.mean() < 0.005, arm.name
        assert t[-1] > 34.0, arm.name
