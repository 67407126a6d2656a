"""End-to-end tests of kmipd.digitize on Kaplan-Meier figures drawn here with matplotlib.

Every figure is made in the test from known step data, so the true curves,
censoring times, legend names, numbers at risk and the pixel position of
every data value are known exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from conftest import as_jpeg
from kmipd.digitize import DigitizationResult, digitize, draw_overlay
from kmipd.errors import DigitizationError, InputError

X_END = 24.0
TICKS = list(range(0, 25, 4))
ARMS: dict[str, dict[str, list[Any]]] = {
    "Control": {
        "drops": [
            (1.5, 0.95),
            (3.0, 0.88),
            (4.2, 0.80),
            (6.5, 0.71),
            (8.0, 0.62),
            (10.5, 0.55),
            (13.0, 0.47),
            (15.5, 0.40),
            (19.0, 0.33),
        ],
        "censor": [2.2, 7.3, 12.0, 17.2, 21.5],
        "risk": [60, 48, 37, 29, 22, 15, 9],
    },
    "Treatment": {
        "drops": [
            (2.5, 0.96),
            (5.0, 0.91),
            (7.0, 0.85),
            (9.5, 0.79),
            (12.5, 0.72),
            (16.0, 0.66),
            (20.0, 0.60),
        ],
        "censor": [3.6, 11.0, 14.4, 18.2, 22.6],
        "risk": [60, 55, 49, 44, 39, 33, 27],
    },
}
PixelMap = Callable[[Any, Any], tuple[np.ndarray, np.ndarray]]


def true_survival(name: str, times: Any) -> np.ndarray:
    """The true right-continuous step function of an arm."""
    times = np.atleast_1d(np.asarray(times, dtype=float))
    out = np.ones_like(times)
    for drop, value in ARMS[name]["drops"]:
        out[times >= drop] = value
    return out


def step_points(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Corners of the true step curve, for plotting."""
    t, s = [0.0], [1.0]
    for drop, value in ARMS[name]["drops"]:
        t += [drop, drop]
        s += [s[-1], value]
    return np.array([*t, X_END]), np.array([*s, s[-1]])


def draw_figure(
    path: Path, styles: tuple[tuple[str, str], ...], *, risk: bool = True, legend: bool = True
) -> PixelMap:
    """Draw a two-arm KM figure with marks, legend and risk table; return data -> pixel map."""
    fig = plt.figure(figsize=(8, 6), dpi=100)
    ax = fig.add_axes((0.14, 0.34, 0.8, 0.58))
    for (name, arm), (colour, linestyle) in zip(ARMS.items(), styles, strict=True):
        ax.plot(*step_points(name), color=colour, ls=linestyle, lw=2, label=name)
        ax.plot(
            arm["censor"],
            true_survival(name, arm["censor"]),
            ls="none",
            marker="+",
            ms=9,
            mew=1.5,
            color=colour,
        )
    ax.set_xlim(0, X_END)
    ax.set_ylim(0, 1)
    ax.set_xticks(TICKS)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_xlabel("Months")
    ax.set_ylabel("Survival")
    if legend:
        ax.legend(loc="upper right", frameon=False)
    if risk:
        fig.text(0.02, 0.17, "Number at risk", fontsize=10)
        for row, (name, arm) in enumerate(ARMS.items()):
            y = 0.12 - 0.05 * row
            fig.text(0.02, y, name, fontsize=9, va="center")
            for tick, count in zip(TICKS, arm["risk"], strict=True):
                x = ax.transData.transform((tick, 0))[0] / fig.bbox.width
                fig.text(x, y, str(count), fontsize=10, ha="center", va="center")
    fig.savefig(path, dpi=100)
    height = fig.bbox.height
    transform = ax.transData

    def to_pixels(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        xy = transform.transform(np.column_stack([np.atleast_1d(x), np.atleast_1d(y)]))
        return xy[:, 0] - 0.5, height - xy[:, 1] - 0.5

    plt.close(fig)
    return to_pixels


@pytest.fixture(scope="module")
def colour_figure(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, PixelMap, DigitizationResult]:
    path = tmp_path_factory.mktemp("digitize") / "colour.png"
    to_pixels = draw_figure(path, (("tab:blue", "-"), ("tab:red", "-")))
    return path, to_pixels, digitize(path)


@pytest.fixture(scope="module")
def grey_figure(tmp_path_factory: pytest.TempPathFactory) -> DigitizationResult:
    path = tmp_path_factory.mktemp("digitize") / "grey.png"
    draw_figure(path, (("black", "-"), ("black", "--")))
    return digitize(path)


def by_name(result: DigitizationResult) -> dict[str, Any]:
    return {arm.name: arm for arm in result.arms}


def worst_error_away_from_drops(name: str, arm: Any, margin: float) -> float:
    """Largest |read - true survival| on a grid, more than ``margin`` from any true drop."""
    grid = np.linspace(0.0, X_END - 0.3, 400)
    drops = np.array([d for d, _ in ARMS[name]["drops"]])
    away = np.min(np.abs(grid[:, None] - drops[None, :]), axis=1) > margin
    times, survival = np.asarray(arm.curve.time), np.asarray(arm.curve.survival)
    read = survival[np.clip(np.searchsorted(times, grid, side="right") - 1, 0, None)]
    return float(np.max(np.abs(read - true_survival(name, grid))[away]))


def test_calibration_within_half_a_percent(colour_figure: Any) -> None:
    _, to_pixels, result = colour_figure
    cols, rows = to_pixels([0.0, 12.0, 24.0], [0.0, 0.5, 1.0])
    assert np.allclose(result.x_axis.value(cols), [0, 12, 24], atol=0.005 * X_END)
    assert np.allclose(result.y_axis.value(rows), [0, 0.5, 1], atol=0.005)
    assert not result.y_axis.percent
    assert result.x_axis.confidence > 0.8 and result.y_axis.confidence > 0.8


def test_legend_names_and_colours(colour_figure: Any) -> None:
    _, _, result = colour_figure
    assert [arm.name for arm in result.arms] == ["Control", "Treatment"]
    arms = by_name(result)
    assert arms["Control"].colour[2] > arms["Control"].colour[0]  # blue
    assert arms["Treatment"].colour[0] > arms["Treatment"].colour[2]  # red
    assert all(arm.line_style == "solid" for arm in result.arms)


def test_curves_follow_the_true_steps(colour_figure: Any) -> None:
    _, _, result = colour_figure
    for name, arm in by_name(result).items():
        assert worst_error_away_from_drops(name, arm, 0.3) <= 0.01, name
        survival = np.asarray(arm.curve.survival)
        assert np.all(np.diff(survival) <= 1e-12)
        assert arm.curve.time[0] == 0.0


def test_censor_marks_within_one_percent(colour_figure: Any) -> None:
    _, _, result = colour_figure
    for name, arm in by_name(result).items():
        found = np.asarray(arm.censor_marks.time)
        true = np.asarray(ARMS[name]["censor"])
        assert found.size == true.size, (name, found)
        assert np.max(np.abs(np.sort(found) - true)) <= 0.01 * X_END


def test_numbers_at_risk_read_exactly(colour_figure: Any) -> None:
    _, _, result = colour_figure
    for name, arm in by_name(result).items():
        assert arm.risk_table is not None
        assert list(arm.risk_table.time) == TICKS
        assert list(arm.risk_table.n_at_risk) == ARMS[name]["risk"]
        assert arm.confidence["risk_table"] > 0.8
    assert not result.warnings


def test_same_colour_solid_and_dashed_are_separated(grey_figure: DigitizationResult) -> None:
    arms = by_name(grey_figure)
    assert sorted(arms) == ["Control", "Treatment"]
    assert arms["Control"].line_style == "solid"
    assert arms["Treatment"].line_style == "dashed"
    grid = np.array([1.0, 4.0, 6.0, 9.0, 11.5, 14.0, 17.5, 21.0])
    for name, arm in arms.items():
        times, survival = np.asarray(arm.curve.time), np.asarray(arm.curve.survival)
        read = survival[np.searchsorted(times, grid, side="right") - 1]
        assert np.max(np.abs(read - true_survival(name, grid))) <= 0.01, name


def test_to_dict_is_json_and_overlay_has_the_image_shape(colour_figure: Any) -> None:
    path, _, result = colour_figure
    data = json.loads(json.dumps(result.to_dict()))
    assert [arm["name"] for arm in data["arms"]] == ["Control", "Treatment"]
    assert data["x_axis"]["labels"][0]["value"] == 0
    pixel = abs(result.y_axis.slope) / (100.0 if result.y_axis.percent else 1.0)
    assert data["arms"][0]["curve"]["precision"] == pytest.approx(pixel)  # one pixel
    overlay = draw_overlay(result, path)
    assert overlay.shape == (*result.image_shape, 3) and overlay.dtype == np.uint8
    assert set(result.curves) == {"Control", "Treatment"}
    assert set(result.risk_tables) == {"Control", "Treatment"}


def test_given_ranges_and_arm_names_win(tmp_path: Path) -> None:
    path = tmp_path / "plain.png"
    draw_figure(path, (("tab:blue", "-"), ("tab:red", "-")), risk=False, legend=False)
    result = digitize(path, arms=["A", "B"], x_range=(0, 24), y_range=(0, 1))
    assert [arm.name for arm in result.arms] == ["A", "B"]
    assert result.x_axis.source == "user"
    assert any("risk" in w for w in result.warnings)


def test_not_an_image_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "figure.png"
    path.write_text("time,survival\n0,1\n")
    with pytest.raises(InputError, match="not an image"):
        digitize(path)
    with pytest.raises(InputError, match="no such file"):
        digitize(tmp_path / "missing.png")


def test_truncated_png_is_an_input_error(colour_figure: Any, tmp_path: Path) -> None:
    path, _, _ = colour_figure
    cut = tmp_path / "cut.png"
    data = path.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="corrupt or truncated"):
        digitize(cut)


def test_blank_image_says_no_axes_and_how_to_help() -> None:
    blank = np.full((300, 400, 3), 255, dtype=np.uint8)
    with pytest.raises(DigitizationError, match="no axes found") as error:
        digitize(blank)
    assert "--x-range" in str(error.value) and "--y-range" in str(error.value)


def test_bad_options_are_input_errors(colour_figure: Any) -> None:
    path, _, _ = colour_figure
    with pytest.raises(InputError, match="x_range"):
        digitize(path, x_range=(3, 3))
    with pytest.raises(InputError, match="arms"):
        digitize(path, arms=0)
    with pytest.raises(InputError, match="crop"):
        digitize(path, crop=(0, 0, 5, 5))


def test_percent_axis_and_rising_curves_are_converted(tmp_path: Path) -> None:
    path = tmp_path / "incidence.png"
    fig = plt.figure(figsize=(8, 5), dpi=100)
    ax = fig.add_axes((0.12, 0.15, 0.82, 0.78))
    for name, colour in (("Control", "tab:blue"), ("Treatment", "tab:red")):
        t, s = step_points(name)
        ax.plot(t, 100 * (1 - s), color=colour, lw=2, label=name)
    ax.set_xlim(0, X_END)
    ax.set_ylim(0, 100)
    ax.set_xticks(TICKS)
    ax.set_yticks(range(0, 101, 20))
    ax.legend(loc="upper left", frameon=False)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    result = digitize(path)
    assert result.y_axis.percent and result.failure
    assert any("cumulative incidence" in w for w in result.warnings)
    grid = np.array([1.0, 5.8, 9.0, 14.0, 21.0])
    for name, arm in by_name(result).items():
        times, survival = np.asarray(arm.curve.time), np.asarray(arm.curve.survival)
        read = survival[np.clip(np.searchsorted(times, grid, side="right") - 1, 0, None)]
        assert np.max(np.abs(read - true_survival(name, grid))) <= 0.01, name


@pytest.mark.parametrize("last", [0.0, 0.25])
def test_curve_ending_on_a_drop_ends_at_its_foot(tmp_path: Path, last: float) -> None:
    """A last drop to 0 reaches 0 though the axis hides its foot; one to 0.25 stops there."""
    times = [0.0, 2.0, 2.0, 5.0, 5.0, 8.5, 8.5]
    surv = [1.0, 1.0, 0.7, 0.7, 0.45, 0.45, last]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.plot(times, surv, color="#1f77b4", lw=2)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 1)
    ax.spines[["top", "right"]].set_visible(False)
    path = tmp_path / "drop.png"
    fig.savefig(path)
    plt.close(fig)
    curve = digitize(path).arms[0].curve
    assert float(curve.survival[-1]) == pytest.approx(last, abs=0.01)
    assert float(curve.time[-1]) == pytest.approx(8.5, abs=0.1)
    # the plateau before the drop is read at its level right up to the drop
    before = np.asarray(curve.survival)[np.asarray(curve.time) < 8.4]
    assert before[-1] == pytest.approx(0.45, abs=0.01)


def test_labels_beside_curves_and_censored_counts(tmp_path: Path) -> None:
    """No legend: arms are named by text in their colour inside the plot; ``120 (5)`` rows."""
    fig, (ax, table) = plt.subplots(
        2, 1, figsize=(7, 5.5), dpi=120, gridspec_kw={"height_ratios": [4, 1]}, sharex=True
    )
    ticks = [0, 5, 10, 15, 20]
    arms = {
        "Placebo": ("#d62728", [1, 0.8, 0.55, 0.35, 0.2], [150, 110, 70, 40, 20]),
        "Drug X": ("#1f77b4", [1, 0.9, 0.75, 0.65, 0.6], [150, 130, 100, 75, 50]),
    }
    for row, (name, (colour, levels, at_risk)) in enumerate(arms.items()):
        times = np.repeat(ticks, 2)[1:]
        ax.plot(times, np.repeat(levels, 2)[:-1], color=colour, lw=1.6)
        ax.text(16, levels[-1] + 0.08, name, color=colour, fontsize=12)
        table.text(-1.5, 0.7 - 0.45 * row, name, ha="right", va="center", fontsize=9)
        for tick, n in zip(ticks, at_risk, strict=True):
            censored = 150 - n - round(150 * (1 - levels[ticks.index(tick)]) * 0.9)
            table.text(tick, 0.7 - 0.45 * row, f"{n} ({max(censored, 0)})", ha="center", fontsize=9)
    ax.set_xlim(0, 21)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(ticks)
    ax.tick_params(labelbottom=True)
    table.axis("off")
    path = tmp_path / "inline.png"
    fig.savefig(path)
    plt.close(fig)
    result = digitize(path)
    by_colour = {arm.colour: arm for arm in result.arms}
    assert len(by_colour) == 2
    names = sorted(arm.name.lower() for arm in result.arms)
    assert names[0].startswith("drug")  # "Drug X" as read
    assert "plac" in names[1]
    for name, (_, _, at_risk) in arms.items():
        arm = next(a for a in result.arms if a.name.lower()[:4] == name.lower()[:4])
        assert arm.risk_table is not None
        assert list(arm.risk_table.n_at_risk) == at_risk
    assert not any("could not be read" in w for w in result.warnings)


@pytest.mark.parametrize("scale, quality", [(1.0, 75), (0.75, 60)])
def test_jpeg_screenshot_reads_like_the_png(tmp_path: Path, scale: float, quality: int) -> None:
    png = tmp_path / "figure.png"
    draw_figure(png, (("tab:blue", "-"), ("tab:orange", "-")))
    jpeg = tmp_path / "figure.jpg"
    jpeg.write_bytes(as_jpeg(png, scale, quality))
    result = digitize(jpeg)
    assert [arm.name for arm in result.arms] == ["Control", "Treatment"]
    for name, arm in by_name(result).items():
        assert worst_error_away_from_drops(name, arm, 0.4) <= 0.015, name
        assert list(arm.risk_table.n_at_risk) == ARMS[name]["risk"], name


def test_jpeg_colours_are_restored_to_one_colour_per_curve() -> None:
    import io

    from PIL import Image

    from kmipd.digitize._restore import restore_compressed

    image = np.full((48, 96, 3), 255, dtype=np.uint8)
    image[12:14, 4:92] = (31, 119, 180)  # a thin blue curve
    image[30:32, 4:92] = (0, 0, 0)  # a black axis line
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, "JPEG", quality=60)
    damaged = np.asarray(Image.open(buffer).convert("RGB"))
    out = restore_compressed(damaged, np.array([255, 255, 255], dtype=np.uint8))
    stroke = out[10:16, 8:88].reshape(-1, 3).astype(float) - 255.0
    stroke = stroke[np.abs(stroke).max(axis=1) > 0]
    direction = np.array([31, 119, 180], dtype=float) - 255.0
    along = stroke @ direction / (direction @ direction)
    off = stroke - np.outer(along, direction)
    assert np.linalg.norm(off, axis=1).max() <= 25.0  # on (nearly) the one blend line
    assert np.ptp(damaged[10:16, 8:88].astype(float) - 255.0, axis=2).max() > 10  # was not
    line = out[29:33, 8:88].astype(int)
    assert (line.max(axis=2) == line.min(axis=2)).all()  # the black line is grey again
    assert (out[40:, :] == 255).all() and (out[:6, :] == 255).all()  # ringing is gone


def test_pdf_page_holding_a_jpeg_figure_is_repaired_and_read(tmp_path: Path) -> None:
    from PIL import Image

    from kmipd.digitize import digitize_pdf

    png = tmp_path / "figure.png"
    draw_figure(png, (("tab:blue", "-"), ("tab:orange", "-")))
    pdf = tmp_path / "figure.pdf"
    Image.open(png).convert("RGB").save(pdf, "PDF", resolution=100)  # stored as JPEG
    result = digitize_pdf(pdf)
    assert "JPEG colours repaired" in result.warnings[0]
    assert [arm.name for arm in result.arms] == ["Control", "Treatment"]
    for name, arm in by_name(result).items():
        assert list(arm.risk_table.n_at_risk) == ARMS[name]["risk"], name


def test_grey_dashed_curve_in_a_small_jpeg_is_its_own_arm(tmp_path: Path) -> None:
    png = tmp_path / "figure.png"
    draw_figure(png, (("black", "-"), ("dimgray", "--")))
    result = digitize(as_jpeg(png, 0.75, 70))
    assert [arm.name for arm in result.arms] == ["Control", "Treatment"]
    assert [arm.line_style for arm in result.arms] == ["solid", "dashed"]
