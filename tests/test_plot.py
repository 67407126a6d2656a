"""Tests of kmipd.plot: the overlay figure and atomic saving."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from kmipd import reconstruct
from kmipd.errors import OptionError
from kmipd.plot import figure_format, plot_reconstruction, save_figure
from kmipd.plot._overlay import HIGHLIGHT, _km_steps
from kmipd.types import (
    ArmDiagnostics,
    ArmReconstruction,
    CleanedCurve,
    Curve,
    ReconstructionResult,
    RiskTable,
)


def curve(arm: str, rate: float) -> Curve:
    t = np.arange(13.0)
    return Curve(time=t, survival=np.exp(-rate * t), arm=arm)


@pytest.fixture
def result() -> ReconstructionResult:
    curves = {"A": curve("A", 0.08), "B": curve("B", 0.05)}
    tables = {
        "A": RiskTable(time=[0, 6], n_at_risk=[100, 55], arm="A"),
        "B": RiskTable(time=[0, 6], n_at_risk=[120, 80], arm="B"),
    }
    return reconstruct(curves, risk_table=tables, warn=False)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def mismatched_arm() -> ArmReconstruction:
    """An arm whose rebuilt numbers at risk (4 at 0, 2 at 2) differ at time 2 (given 3)."""
    cleaned = CleanedCurve(time=[0, 1, 3], survival=[1.0, 0.75, 0.75], arm="X")
    diagnostics = ArmDiagnostics(
        n=4,
        n_events=1,
        n_censored=3,
        events_given=None,
        max_abs_error=0.0,
        rmse=0.0,
        mean_abs_error=0.0,
    )
    return ArmReconstruction(
        arm="X",
        time=[1.0, 1.5, 3.0, 3.0],
        event=[1, 0, 0, 0],
        curve=cleaned,
        diagnostics=diagnostics,
        risk_table=RiskTable(time=[0, 2], n_at_risk=[4, 3], arm="X"),
    )


def test_figure_has_curve_and_risk_panels(result):
    fig = plot_reconstruction(result)
    assert len(fig.axes) == 2
    top, panel = fig.axes
    assert len(top.lines) == 4  # per arm: digitized points and the rebuilt step curve
    assert [text.get_text() for text in top.get_legend().get_texts()] == ["A", "B"]
    assert top.get_xlabel() == "Time" and top.get_ylabel() == "Survival probability"
    assert top.get_ylim() == pytest.approx((0.0, 1.02))
    rows = sorted(
        zip(panel.get_yticks(), [t.get_text() for t in panel.get_yticklabels()], strict=True),
        reverse=True,
    )
    assert [label for _, label in rows] == ["A given", "A rebuilt", "B given", "B rebuilt"]
    numbers = sorted(text.get_text() for text in panel.texts)
    assert numbers.count("100") == 2 and numbers.count("120") == 2  # given and rebuilt at 0


def test_arms_share_colour_and_differ_in_style(result):
    top = plot_reconstruction(result).axes[0]
    points_a, step_a, _, step_b = top.lines
    assert points_a.get_color() == step_a.get_color()
    assert step_a.get_color() != step_b.get_color()
    assert step_a.get_linestyle() != step_b.get_linestyle()
    assert points_a.get_linestyle() == "None" and points_a.get_marker() != "None"


def test_step_curve_is_the_km_of_the_rebuilt_data(result):
    step = plot_reconstruction(result, arms=["A"]).axes[0].lines[1]
    arm = result.arms["A"]
    x, y = _km_steps(arm.time, arm.event)
    assert np.allclose(step.get_xdata(), x) and np.allclose(step.get_ydata(), y)
    assert y[0] == 1.0 and np.all(np.diff(y) <= 0)


def test_km_steps_by_hand():
    x, y = _km_steps([1.0, 2.0, 2.0, 3.0], [1, 1, 0, 1])
    assert np.allclose(x, [0, 1, 2, 3])
    assert np.allclose(y, [1, 0.75, 0.75 * 2 / 3, 0.0])


def test_mismatch_is_highlighted():
    fig = plot_reconstruction(ReconstructionResult(arms={"X": mismatched_arm()}))
    panel = fig.axes[1]
    boxed = [t for t in panel.texts if t.get_bbox_patch() is not None]
    assert [t.get_text() for t in boxed] == ["2"]
    assert matplotlib.colors.to_hex(boxed[0].get_bbox_patch().get_facecolor()) == HIGHLIGHT.lower()
    assert boxed[0].get_fontweight() == "bold"


def test_given_axes_and_arm_subset(result):
    fig, ax = plt.subplots()
    returned = plot_reconstruction(result, ax=ax, arms=["B"])
    assert returned is fig
    assert len(ax.lines) == 2
    assert len(fig.axes) == 2  # the risk panel is added under the given axes


def test_no_risk_panel_without_risk_tables():
    single = reconstruct(curve("C", 0.1), n=30, warn=False)
    fig = plot_reconstruction(single)
    assert len(fig.axes) == 1
    assert len(fig.axes[0].lines) == 2


def test_unknown_arm_is_an_option_error(result):
    with pytest.raises(OptionError, match="'Z'"):
        plot_reconstruction(result, arms=["Z"])


def test_save_figure_writes_png(result, tmp_path):
    target = tmp_path / "overlay.png"
    save_figure(plot_reconstruction(result), target)
    data = target.read_bytes()
    assert len(data) > 1000 and data[:4] == b"\x89PNG"
    assert [p.name for p in tmp_path.iterdir()] == ["overlay.png"]


def test_save_figure_format_from_suffix(result, tmp_path):
    target = tmp_path / "overlay.PDF"
    save_figure(plot_reconstruction(result), target)
    assert target.read_bytes()[:5] == b"%PDF-"


def test_unknown_suffix_writes_nothing(result, tmp_path):
    with pytest.raises(ValueError, match=r"\.xyz"):
        save_figure(plot_reconstruction(result), tmp_path / "overlay.xyz")
    assert list(tmp_path.iterdir()) == []
    assert figure_format("a.svg") == "svg"


def test_failed_save_leaves_no_file(result, tmp_path):
    fig = plot_reconstruction(result)

    def broken(handle, **kwargs):
        handle.write(b"partial")
        raise RuntimeError("disk full")

    fig.savefig = broken
    target = tmp_path / "overlay.png"
    with pytest.raises(RuntimeError, match="disk full"):
        save_figure(fig, target)
    assert list(tmp_path.iterdir()) == []


def test_failed_save_keeps_old_file(result, tmp_path):
    target = tmp_path / "overlay.png"
    target.write_bytes(b"old")
    fig = plot_reconstruction(result)
    fig.savefig = lambda handle, **kwargs: (_ for _ in ()).throw(RuntimeError("no"))
    with pytest.raises(RuntimeError):
        save_figure(fig, target)
    assert target.read_bytes() == b"old"
