"""Tests of kmipd.plot.plot_km (joined Kaplan-Meier figure) and save_figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import numpy.typing as npt
import pytest
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.text import Text

from kmipd.analysis._results import KaplanMeierResult
from kmipd.errors import OptionError
from kmipd.plot import format_pvalue, median_survival, plot_km, save_figures
from kmipd.plot._km import LINESTYLES

FloatArray = npt.NDArray[np.float64]


# ----------------------------------------------------------------------------- helpers


def km(time: npt.ArrayLike, event: npt.ArrayLike, arm: str = "A") -> KaplanMeierResult:
    """Kaplan-Meier of (time, event) with Greenwood errors and log-log 95% limits."""
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=int)
    times = np.unique(time)
    deaths = np.array([np.sum((time == t) & (event == 1)) for t in times])
    censored = np.array([np.sum((time == t) & (event == 0)) for t in times])
    at_risk = np.array([np.sum(time >= t) for t in times])
    survival = np.cumprod(1.0 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        std_err = np.sqrt(np.cumsum(deaths / (at_risk * (at_risk - deaths))))
        log_s = np.log(np.where((survival > 0) & (survival < 1), survival, np.nan))
        a = np.exp(-np.exp(np.log(-log_s) + 1.959964 * std_err / log_s))
        b = np.exp(-np.exp(np.log(-log_s) - 1.959964 * std_err / log_s))
    return KaplanMeierResult(
        arm, times, survival, np.fmin(a, b), np.fmax(a, b), at_risk, deaths, censored, std_err
    )


def simulate_arm(
    rng: np.random.Generator, n: int, median: float, follow_up: float
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Exponential times with the given median, uniform censoring on (0, follow_up)."""
    t_event = rng.exponential(median / np.log(2.0), n)
    t_censor = rng.uniform(0.0, follow_up, n)
    time = np.maximum(np.round(np.minimum(t_event, t_censor), 2), 0.01)
    return time, (t_event <= t_censor).astype(np.int64)


def rendered(fig: Figure) -> FigureCanvasAgg:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas


def curve_lines(ax: Axes, n: int):
    """The step curves: full-style lines with a legend label (censor marks have none)."""
    return [line for line in ax.lines[:] if not line.get_label().startswith("_")][:n]


def legend_texts(fig: Figure) -> list[str]:
    legends = [a.get_legend() for a in fig.axes if a.get_legend() is not None]
    return [t.get_text() for legend in legends + list(fig.legends) for t in legend.get_texts()]


def all_texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def table_numbers(table: Axes) -> list[Text]:
    return [t for t in table.texts if t.get_text().isdigit()]


@pytest.fixture(scope="module")
def curves() -> dict[str, KaplanMeierResult]:
    rng = np.random.default_rng(20240611)
    return {
        "DB03 T-DXd": km(*simulate_arm(rng, 120, 28.0, 30.0), "T-DXd"),
        "DB03 T-DM1": km(*simulate_arm(rng, 130, 7.0, 30.0), "T-DM1"),
        "EMILIA T-DM1": km(*simulate_arm(rng, 150, 10.0, 36.0), "T-DM1"),
    }


LABELS = {
    "DB03 T-DXd": "DESTINY-Breast03: trastuzumab deruxtecan (T-DXd)",
    "DB03 T-DM1": "DESTINY-Breast03: trastuzumab emtansine (T-DM1)",
    "EMILIA T-DM1": "EMILIA: trastuzumab emtansine (T-DM1)",
}


# ----------------------------------------------------------------------------- the figure


def test_one_step_curve_per_arm_starting_at_one(curves):
    fig = plot_km(curves, labels=LABELS)
    ax = fig.axes[0]
    lines = curve_lines(ax, 3)
    assert len([line for line in ax.lines if not line.get_label().startswith("_")]) == 3
    for line, curve in zip(lines, curves.values(), strict=True):
        x, y = line.get_xdata(), line.get_ydata()
        assert (x[0], y[0]) == (0.0, 1.0)
        assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) <= 0)
        assert x[-1] == curve.time[-1] and y[-1] == curve.survival[-1]
        # post-steps: the value at each time is S(t) of the estimate
        assert np.allclose(y[2::2], curve.survival) and np.allclose(x[1::2], curve.time)


def test_legend_labels_carry_trial_arm_and_median(curves):
    fig = plot_km(curves, labels=LABELS)
    texts = legend_texts(fig)
    assert len(texts) == 3
    for text, (key, curve) in zip(texts, curves.items(), strict=True):
        assert text.startswith(LABELS[key])
        median = median_survival(curve)
        assert text.endswith(f"(m {median:.1f})" if np.isfinite(median) else "(NR)")
        assert "m " in text or "NR" in text


def test_median_not_reached_is_nr():
    curve = km([1, 2, 3, 4], [1, 0, 0, 0])
    assert np.isnan(median_survival(curve))
    fig = plot_km([curve], labels={"A": "Trial: A"})
    assert legend_texts(fig) == ["Trial: A (NR)"]
    assert legend_texts(plot_km([curve], medians=False)) == ["A"]


def test_median_follows_r_rule():
    # S = 0.75, 0.5 (at 2), 0.5 (censoring at 3), 0.0 (at 5): midpoint of 2 and 5
    assert median_survival(km([1, 2, 3, 5], [1, 1, 0, 1])) == 3.5
    # S drops past 0.5 at 2: the first time with S <= 0.5
    assert median_survival(km([1, 2, 3], [1, 1, 1])) == 2.0
    # S = 0.5 to the end of follow-up: that time
    assert median_survival(km([1, 2, 3, 4], [1, 1, 0, 0])) == 2.0


def test_distinct_line_styles_and_colours_for_greyscale(curves):
    six = {f"arm {k}": curve for k, curve in enumerate(list(curves.values()) * 2)}
    fig = plot_km(six)
    lines = curve_lines(fig.axes[0], 6)
    # the (offset, on-off sequence) each line is drawn with: no two alike
    patterns = {repr(line._unscaled_dash_pattern) for line in lines}
    assert len(patterns) == 6
    assert len({line.get_color() for line in lines}) == 6
    assert all(line.get_linewidth() >= 1.5 for line in lines)
    assert len(set(map(repr, LINESTYLES))) == len(LINESTYLES)


def test_censor_mark_count(curves):
    fig = plot_km(curves)
    marks = [line for line in fig.axes[0].lines if line.get_marker() == "|"]
    assert len(marks) == 3
    for line, curve in zip(marks, curves.values(), strict=True):
        assert len(line.get_xdata()) == curve.censor_times.size > 0
        assert np.allclose(line.get_ydata(), curve.at(curve.censor_times))
    colours = [line.get_color() for line in marks]
    assert colours == [line.get_color() for line in curve_lines(fig.axes[0], 3)]
    no_marks = plot_km(curves, censor_marks=False)
    assert not [line for line in no_marks.axes[0].lines if line.get_marker() == "|"]


def test_risk_table_numbers_sit_under_the_ticks(curves):
    fig = plot_km(curves, labels=LABELS, time_unit="months")
    ax, table = fig.axes
    rendered(fig)
    ticks = ax.get_xticks()
    numbers = table_numbers(table)
    assert len(numbers) == 3 * len(ticks)
    renderer = fig.canvas.get_renderer()
    tick_x = ax.transData.transform(np.column_stack((ticks, np.zeros_like(ticks))))[:, 0]
    rows = [numbers[k * len(ticks) : (k + 1) * len(ticks)] for k in range(3)]
    for row, curve in zip(rows, curves.values(), strict=True):
        assert [int(t.get_text()) for t in row] == curve.at_risk(ticks).tolist()
        centres = [
            t.get_window_extent(renderer).x0 / 2 + t.get_window_extent(renderer).x1 / 2 for t in row
        ]
        assert np.allclose(centres, tick_x, atol=1.0)
    tick_label_x = [
        lab.get_window_extent(renderer).x0 / 2 + lab.get_window_extent(renderer).x1 / 2
        for lab in ax.get_xticklabels()
    ]
    assert np.allclose(tick_label_x, tick_x, atol=1.0)
    assert "Number at risk" in [t.get_text() for t in table.texts]


@pytest.mark.parametrize("dpi", [72, 300])
def test_risk_table_alignment_holds_at_any_resolution(curves, dpi):
    fig = plot_km(curves, labels=LABELS, risk_times=[0, 5, 10, 15, 20, 25, 30])
    fig.set_dpi(dpi)
    ax, table = fig.axes
    renderer = rendered(fig).get_renderer()
    assert list(ax.get_xticks()) == [0, 5, 10, 15, 20, 25, 30]
    for text in table_numbers(table):
        box = text.get_window_extent(renderer)
        x = ax.transData.transform((text.get_position()[0], 0))[0]
        assert abs((box.x0 + box.x1) / 2 - x) <= 1.0


def test_row_labels_in_arm_colours_do_not_overlap(curves):
    long = {key: f"{label} with a very long descriptive suffix" for key, label in LABELS.items()}
    fig = plot_km(curves, labels=long)
    ax, table = fig.axes
    renderer = rendered(fig).get_renderer()
    labels = [t for t in table.texts if t.get_text() in long.values()]
    assert [t.get_text() for t in labels] == list(long.values())
    assert [t.get_color() for t in labels] == [line.get_color() for line in curve_lines(ax, 3)]
    boxes = [t.get_window_extent(renderer) for t in labels]
    assert all(box.x0 >= 0 for box in boxes)  # inside the figure
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    first_number = min(t.get_window_extent(renderer).x0 for t in table_numbers(table))
    assert max(box.x1 for box in boxes) < first_number


def test_legend_covers_no_curve(curves):
    from kmipd.plot._km import _collides

    fig = plot_km(curves, labels=LABELS, pvalue=0.01)
    rendered(fig)
    ax = fig.axes[0]
    legend = ax.get_legend() or fig.axes[1].get_legend()
    assert isinstance(legend, Legend)
    if legend.axes is ax:
        assert not _collides(ax, legend.get_window_extent())


def test_crowded_axes_put_the_legend_below_the_table(curves):
    long = {key: label * 3 for key, label in LABELS.items()}
    fig = plot_km(curves, labels=long)
    ax, table = fig.axes
    assert ax.get_legend() is None and table.get_legend() is not None
    renderer = rendered(fig).get_renderer()
    below = table.get_legend().get_window_extent(renderer)
    assert below.y1 <= min(t.get_window_extent(renderer).y0 for t in table.texts) + 1


@pytest.mark.parametrize(
    ("p", "text"),
    [(0.0441, "Log-rank p = 0.044"), (0.0004, "Log-rank p < 0.001"), (0.5, "Log-rank p = 0.50")],
)
def test_pvalue_annotation(curves, p, text):
    assert format_pvalue(p) == text
    assert text in all_texts(plot_km(curves, pvalue=p))


def test_pvalue_label_and_range(curves):
    assert "Stratified log-rank p = 0.012" in all_texts(
        plot_km(curves, pvalue=0.012, pvalue_label="Stratified log-rank")
    )
    assert format_pvalue(0.0996) == "Log-rank p = 0.10"
    with pytest.raises(OptionError):
        plot_km(curves, pvalue=1.5)


def test_failure_mode_draws_one_minus_survival(curves):
    fig = plot_km(curves, failure=True, time_unit="months")
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Cumulative incidence"
    assert ax.get_xlabel() == "Time (months)"
    for line, curve in zip(curve_lines(ax, 3), curves.values(), strict=True):
        assert line.get_ydata()[0] == 0.0
        assert np.allclose(line.get_ydata()[2::2], 1.0 - curve.survival)
    marks = [line for line in ax.lines if line.get_marker() == "|"]
    curve = next(iter(curves.values()))
    assert np.allclose(marks[0].get_ydata(), 1.0 - curve.at(curve.censor_times))


def test_axes_labels_and_limits(curves):
    fig = plot_km(curves, ylabel="Overall survival", xmax=24, title="OS")
    ax = fig.axes[0]
    assert ax.get_ylim() == (0.0, 1.0)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "0.0",
        "0.2",
        "0.4",
        "0.6",
        "0.8",
        "1.0",
    ]
    assert ax.get_xlim() == (0.0, 24.0) and ax.get_xlabel() == "Time"
    assert ax.get_ylabel() == "Overall survival" and ax.get_title(loc="left") == "OS"


def test_confidence_bands(curves):
    fig = plot_km(curves, confidence_bands=True)
    assert len(fig.axes[0].collections) == 3
    assert not plot_km(curves).axes[0].collections


def test_median_drop_lines(curves):
    fig = plot_km(curves, median_lines=True)
    drops = [line for line in fig.axes[0].lines if line.get_label() == "_median line"]
    finite = [m for m in map(median_survival, curves.values()) if np.isfinite(m)]
    assert sorted(line.get_xdata()[1] for line in drops) == sorted(finite)


def test_given_axes_gets_a_table_underneath(curves):
    fig = Figure(figsize=(7, 6))
    ax = fig.add_subplot()
    assert plot_km(curves, ax=ax, labels=LABELS) is fig
    assert len(fig.axes) == 2
    rendered(fig)
    table = fig.axes[1]
    assert table.get_position().y1 < ax.get_position().y0
    assert np.isclose(table.get_position().x0, ax.get_position().x0)
    assert np.isclose(table.get_position().x1, ax.get_position().x1)
    assert len(table_numbers(table)) == 3 * len(ax.get_xticks())


def test_without_table_a_single_axes(curves):
    fig = plot_km(curves, risk_table=False)
    assert len(fig.axes) == 1


def test_sequence_input_and_duplicate_names(curves):
    a, b, _ = curves.values()
    fig = plot_km([a, b])
    assert [t.split(" (")[0] for t in legend_texts(fig)] == ["T-DXd", "T-DM1"]
    with pytest.raises(OptionError, match="twice"):
        plot_km(list(curves.values()))
    with pytest.raises(OptionError):
        plot_km([])


def test_no_pyplot_state_is_left(curves):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plot_km(curves)
    assert plt.get_fignums() == before


def test_import_needs_neither_lifelines_nor_pandas():
    code = (
        "import sys, kmipd.plot; "
        "bad = [m for m in ('lifelines', 'pandas') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# ----------------------------------------------------------------------------- saving


def test_save_figures_is_byte_identical(curves, tmp_path):
    fig = plot_km(curves, labels=LABELS, pvalue=0.044, confidence_bands=True)
    first = save_figures(fig, tmp_path / "km")
    assert [p.name for p in first] == ["km.png", "km.svg", "km.pdf"]
    contents = [p.read_bytes() for p in first]
    again = save_figures(fig, tmp_path / "km")
    assert [p.read_bytes() for p in again] == contents
    assert sorted(p.name for p in tmp_path.iterdir()) == ["km.pdf", "km.png", "km.svg"]
    assert b"CreationDate" not in contents[2] and b"<dc:date>" not in contents[1]


def test_save_figures_identical_for_a_rebuilt_figure(curves, tmp_path):
    one = save_figures(plot_km(curves), tmp_path / "a", ["svg", "pdf", "png"], dpi=100)
    two = save_figures(plot_km(curves), tmp_path / "b", ["svg", "pdf", "png"], dpi=100)
    assert [p.read_bytes() for p in one] == [p.read_bytes() for p in two]


def test_failing_save_leaves_no_file(curves, tmp_path, monkeypatch):
    fig = plot_km(curves)

    def broken(handle, **kwargs):
        handle.write(b"half a figure")
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        save_figures(fig, tmp_path / "km")
    assert list(tmp_path.iterdir()) == []


def test_failing_save_keeps_the_old_file(curves, tmp_path, monkeypatch):
    fig = plot_km(curves)
    (path,) = save_figures(fig, tmp_path / "km", ["png"])
    old = path.read_bytes()

    def broken(handle, **kwargs):
        handle.write(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError):
        save_figures(fig, tmp_path / "km", ["png"])
    assert path.read_bytes() == old and list(tmp_path.iterdir()) == [path]


def test_unknown_format_writes_nothing(curves, tmp_path):
    with pytest.raises(ValueError, match="image format"):
        save_figures(plot_km(curves), tmp_path / "km", ["png", "docx"])
    assert list(tmp_path.iterdir()) == []


def test_save_figures_stem_with_dots(curves, tmp_path):
    (path,) = save_figures(plot_km(curves), tmp_path / "km.v2", [".PNG"])
    assert path == Path(tmp_path / "km.v2.png") and path.read_bytes()[:4] == b"\x89PNG"


def test_save_figures_leaves_the_layout_as_it_was(curves, tmp_path):
    fig = plot_km(curves, labels=LABELS)
    before = [ax.get_position().bounds for ax in fig.axes]
    save_figures(fig, tmp_path / "km", ["png", "pdf"], dpi=120)
    assert [ax.get_position().bounds for ax in fig.axes] == before
    assert all(ax.get_in_layout() for ax in fig.axes)
