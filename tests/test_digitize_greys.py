"""A grey arm beside a black one whose crowded censor marks come out a grey of their own.

Black '+' marks a pixel wide, two pixels apart, are drawn in an anti-aliased
dark grey (about 60). A dotted arm in a slightly lighter grey (#555555, 85)
lies within the 14 Lab units that ``find_colours`` keeps its colours apart,
and was lost in the marks' grey: its arm then followed the black curve. The
legend key shows the arm's grey, and ``own_grey`` finds it is a curve colour
of its own. The figure is drawn here with lifelines, from seeded data.

Also here: a pen's paler tint (semi-transparent marks merged into blocks
round its curve) given to the pen (``tints_along``), or, with no legend,
dropped as an arm (``choose_arms``).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from kmipd.digitize import digitize
from kmipd.digitize._colours import InkColour
from kmipd.digitize._key_colours import own_grey, tints_along

GRID = 0.1  # months: censoring times on a grid, so the black arm's marks stand 2-3 px apart


def _data() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Two arms of 1,400 patients, few events, censoring times on ``GRID`` (seeded)."""
    rng = np.random.default_rng(5)
    out = {}
    for name, scale in (("drug", 450.0), ("placebo", 220.0)):
        death = rng.exponential(scale, 1400)
        censor = np.round(rng.uniform(0.5, 40.0, 1400) / GRID) * GRID + 0.001
        out[name] = (np.minimum(death, censor), (death <= censor).astype(int))
    return out


@pytest.fixture(scope="module")
def greys_figure(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, float]]:
    """A black dashed and a #555555 dotted arm with '+' marks, and each arm's S(20)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts

    fig, ax = plt.subplots(figsize=(7, 5.2), dpi=110)
    fitters, truth = [], {}
    for i, (name, (time, event)) in enumerate(_data().items()):
        fitter = KaplanMeierFitter(label=name).fit(time, event)
        fitter.plot_survival_function(
            ax=ax,
            ci_show=False,
            show_censors=True,
            censor_styles={"marker": "+", "ms": 5},
            color=("black", "#555555")[i],
            ls=("--", ":")[i],
            lw=1.6,
        )
        fitters.append(fitter)
        truth[name] = float(fitter.predict(20.0))
    ax.set_xlim(0, 24)
    ax.set_xticks(np.arange(0, 25, 3))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Time (months)")
    ax.set_ylabel("Survival probability")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        add_at_risk_counts(*fitters, ax=ax, rows_to_show=["At risk"])
    fig.tight_layout()
    path = tmp_path_factory.mktemp("greys") / "greys.png"
    fig.savefig(path)
    plt.close(fig)
    return path, truth


def test_the_grey_arm_follows_its_own_curve(greys_figure: tuple[Path, dict[str, float]]) -> None:
    path, truth = greys_figure
    result = digitize(path)
    assert [arm.name for arm in result.arms] == ["drug", "placebo"]
    for arm in result.arms:
        time, survival = np.asarray(arm.curve.time), np.asarray(arm.curve.survival)
        read = survival[np.searchsorted(time, 20.0, side="right") - 1]
        assert read == pytest.approx(truth[arm.name], abs=0.006), arm.name
    assert max(result.arms[1].colour) - min(result.arms[1].colour) <= 4
    assert 75 <= result.arms[1].colour[0] <= 95  # the key's grey, not the marks' (about 60)


def _black_line_with_edges() -> tuple[np.ndarray, np.ndarray]:
    """A white image with a black line 2 px thick, its edge rows anti-aliased to grey 140."""
    image = np.full((60, 200, 3), 255, dtype=np.uint8)
    image[29:31, 10:190] = 0
    image[28, 10:190] = 140
    image[31, 10:190] = 140
    return image, image.min(axis=2) < 200


WHITE = np.array([255, 255, 255], dtype=np.uint8)
FOUND = [InkColour((0, 0, 0), 360), InkColour((110, 110, 110), 400)]  # 140 is 11.5 Lab from 110


def test_a_black_pens_edge_grey_is_no_colour_of_its_own() -> None:
    image, mask = _black_line_with_edges()
    assert own_grey(image, mask, WHITE, (140, 140, 140), FOUND, 50) == 0


def test_a_grey_line_of_its_own_is_counted() -> None:
    image, _ = _black_line_with_edges()
    image[45:47, 10:190] = 140  # a grey line apart from the black one
    mask = image.min(axis=2) < 200
    assert own_grey(image, mask, WHITE, (140, 140, 140), FOUND, 50) >= 360


def test_a_key_grey_at_or_far_from_the_found_colours_adds_nothing() -> None:
    image, _ = _black_line_with_edges()
    image[45:47, 10:190] = 140
    mask = image.min(axis=2) < 200
    at = [*FOUND, InkColour((138, 138, 138), 360)]
    assert own_grey(image, mask, WHITE, (140, 140, 140), at, 50) == 0
    far = [InkColour((0, 0, 0), 360)]  # 140 is 58 Lab from black: a key matching no colour
    assert own_grey(image, mask, WHITE, (140, 140, 140), far, 50) == 0


def _red_with_tint_blocks() -> tuple[np.ndarray, np.ndarray, list[InkColour]]:
    """Labels of a red pen (0) at row 20 with blocks of its tint (1) round it, and a blue
    pen (2) at row 40."""
    labels = np.full((60, 200), -1)
    coverage = np.zeros((60, 200))
    labels[19:21, 10:190], coverage[19:21, 10:190] = 0, 1.0
    for start in range(100, 190, 6):  # crowded marks drawn paler, merged into blocks
        for rows in (slice(15, 19), slice(21, 25)):
            labels[rows, start : start + 4], coverage[rows, start : start + 4] = 1, 1.0
    labels[39:41, 10:190], coverage[39:41, 10:190] = 2, 1.0
    colours = [
        InkColour((192, 57, 43), 360),
        InkColour((206, 103, 92), 240),  # on the blend line from white to the red
        InkColour((31, 78, 156), 360),
    ]
    return labels, coverage, colours


def test_an_unkeyed_tint_along_its_pen_is_the_pens_ink() -> None:
    labels, coverage, colours = _red_with_tint_blocks()
    merged, cover = tints_along(labels, coverage, colours, {0: 2.0, 2: 2.0}, WHITE)
    assert not (merged == 1).any()
    assert (merged[15:19, 100:104] == 0).all()
    assert 0.6 < cover[16, 101] < 0.9  # the tint's coverage of the red pen
    assert (merged[39:41, 10:190] == 2).all()


def test_a_tint_with_a_key_or_off_its_pen_stays_a_colour() -> None:
    labels, coverage, colours = _red_with_tint_blocks()
    keyed, _ = tints_along(labels, coverage, colours, {0: 2.0, 1: 2.0, 2: 2.0}, WHITE)
    assert (keyed == 1).sum() == (labels == 1).sum()
    labels[50:52, 10:190] = 1  # a pale arm of its own, far from the red one
    apart, _ = tints_along(labels, coverage, colours, {0: 2.0, 2: 2.0}, WHITE)
    assert (apart == 1).sum() == (labels == 1).sum()


def test_with_no_legend_a_tint_running_along_a_curve_is_no_arm() -> None:
    """With no legend, the pale blocks of a red arm's crowded marks (its tint) traced along
    its curve are dropped; a blue arm, and a tint curve of its own elsewhere, are kept."""
    from kmipd.digitize._arms import choose_arms
    from kmipd.digitize._trace import Trace

    def flat(row: float) -> Trace:
        cols = np.arange(0, 300, dtype=float)
        rows = np.full(cols.size, row)
        return Trace(cols, rows, 2.0, 0, 299, 0.0, rows)

    colours = [
        InkColour((192, 57, 43), 900),
        InkColour((206, 103, 92), 1200),  # the red's tint
        InkColour((31, 78, 156), 900),
    ]
    traces = {0: flat(40.0), 1: flat(40.5), 2: flat(80.0)}
    arms = choose_arms(traces, [], colours, 300.0, [])
    assert sorted(a.colour for a in arms) == [0, 2]
    traces[1] = flat(120.0)  # a pale arm of its own, apart from the red one
    arms = choose_arms(traces, [], colours, 300.0, [])
    assert sorted(a.colour for a in arms) == [0, 1, 2]
