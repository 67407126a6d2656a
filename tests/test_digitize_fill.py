"""Panels drawn on a light grey fill (ggplot2's and seaborn's grey themes), and legends
framed in black.

The figures are drawn here with matplotlib's style sheets: ``ggplot`` and
``seaborn-v0_8-darkgrid`` draw the panel grey with white grid lines on whole
pixels and no axis lines, ``bmh`` grey with dashed grid lines darker than the
fill, and ``classic`` frames the legend inside the panel in black.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from kmipd.digitize import digitize
from kmipd.digitize._calibrate import label_reads
from kmipd.digitize._frame import find_frame, is_filled
from kmipd.digitize._image import whitened
from kmipd.digitize._text import Word


def _filled_panel(bands: bool) -> tuple[np.ndarray, np.ndarray]:
    """Ink and chroma of a grey panel (rows 40-259, cols 60-359) cut by white grid lines
    one pixel wide, with (``bands``) coloured washes over most of its lower half."""
    ink = np.zeros((300, 400))
    chroma = np.zeros((300, 400))
    ink[40:260, 60:360] = 0.1
    ink[40:260, 75:360:30] = 0.0  # white vertical grid lines
    ink[55:260:30, 60:360] = 0.0
    if bands:
        chroma[120:250, 70:350] = 0.3
        ink[120:250, 70:350] = 0.35
    return ink, chroma


@pytest.mark.parametrize("bands", [False, True])
def test_a_grey_panel_cut_by_white_grid_lines_is_found_from_its_fill(bands: bool) -> None:
    ink, chroma = _filled_panel(bands)
    frame = find_frame(ink, chroma)
    assert frame.kind == "fill"
    assert (frame.top, frame.left, frame.bottom, frame.right) == (40, 60, 259, 359)
    assert is_filled(frame, ink, chroma)


def test_a_white_panel_with_grey_grid_lines_is_not_filled() -> None:
    ink = np.zeros((300, 400))
    ink[40:260, 60:360:30] = 0.15  # grey grid lines on white
    ink[40:260:30, 60:360] = 0.15
    frame = find_frame(ink, np.zeros_like(ink))
    assert frame.kind != "fill"
    assert not is_filled(frame, ink, np.zeros_like(ink))


def test_a_grid_panel_holds_its_outermost_grid_lines() -> None:
    """Two long grid lines only, one of them hidden by curves (strong ink) for its first
    sixth: the median of where their ink begins would fall inside the left grid line."""
    ink = np.zeros((300, 400))
    ink[40:260, 60:360:30] = 0.15  # vertical grid lines, the first at column 60
    ink[50, 60:360] = 0.15
    ink[250, 60:360] = 0.15
    ink[48:53, 60:110] = 1.0  # curves along the top grid line, hiding it
    ink[285, 60:360] = 0.15  # a risk table's own grid line, below the panel's grid
    frame = find_frame(ink, np.zeros_like(ink))
    assert frame.kind == "grid"
    assert frame.left <= 60.5 and frame.right >= 359
    assert frame.bottom < 270  # the table's line crosses no grid line of the panel


def test_whitening_turns_the_fill_white_inside_the_box_only() -> None:
    image = np.full((10, 10, 3), 229, dtype=np.uint8)
    image[2, :] = (0, 0, 0)
    image[5, :] = (200, 60, 40)
    out = whitened(image, np.array([229, 229, 229], dtype=np.uint8), (slice(0, 8), slice(0, 8)))
    assert (out[0, :8] == 255).all() and (out[0, 8:] == 229).all()
    assert (out[2] == 0).all()
    assert tuple(out[5, 0]) == (223, 67, 45) and tuple(out[5, 9]) == (200, 60, 40)


def test_a_label_is_split_only_between_tick_marks_under_it() -> None:
    """The y axis's "0%" reaches into the strip under the x axis: its strokes are no
    tick marks of "12", which must keep its own place."""
    word = Word(
        362,
        359,
        375,
        377,
        "12",
        0.99,
        numeric="12",
        numeric_confidence=0.99,
        numeric_cols=(363.0, 372.0),
    )
    reads = label_reads([word], np.array([280.2, 291.2, 298.2]), True)
    assert reads == [(367.5, "12", pytest.approx(0.99), False)]


@pytest.mark.parametrize("sheet", ["ggplot", "seaborn-v0_8-darkgrid", "bmh", "classic"])
def test_a_figure_drawn_on_a_grey_theme_is_read(sheet: str, tmp_path: Path) -> None:
    """Confidence bands over the grey are washes, not arms, and a black legend frame is no
    arm; the legend names both arms and the numbers at risk under the panel are read."""
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts

    rng = np.random.default_rng(11)
    path = tmp_path / "grey_theme.png"
    fits = []
    with plt.style.context(sheet):
        fig, ax = plt.subplots(figsize=(7, 5.2), dpi=110)
        for name, scale in (("Control", 14.0), ("Treatment", 30.0)):
            event_time, censor_time = rng.exponential(scale, 160), rng.uniform(6, 48, 160)
            fit = KaplanMeierFitter(label=name).fit(
                np.minimum(event_time, censor_time), event_time <= censor_time
            )
            fit.plot_survival_function(ax=ax, ci_show=True, show_censors=True)
            fits.append(fit)
        ax.set_xlim(0, 36)
        ax.set_xticks(range(0, 37, 6))
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("Time (months)")
        ax.legend(loc="lower left")
        add_at_risk_counts(*fits, ax=ax, rows_to_show=["At risk"])
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    result = digitize(path)
    assert [arm.name for arm in result.arms] == ["Control", "Treatment"]
    grid = np.linspace(0.5, 33.0, 300)
    for arm, fit in zip(result.arms, fits, strict=True):
        t, s = np.asarray(arm.curve.time), np.asarray(arm.curve.survival)
        read = s[np.searchsorted(t, grid, side="right") - 1]
        true = fit.survival_function_at_times(grid).to_numpy()
        assert np.mean(np.abs(read - true)) <= 0.01, arm.name
        table = result.risk_tables[arm.name]
        times = fit.durations
        assert list(table.time) == list(range(0, 37, 6))
        assert list(table.n_at_risk) == [int(np.sum(times > t)) for t in table.time]


def test_a_note_printed_against_a_framed_legend_is_no_part_of_its_label(tmp_path: Path) -> None:
    """matplotlib's classic style frames the legend in black; a hazard ratio printed just
    right of the frame lines up with the longer label but is cut off at the frame's side,
    and the frame (its top among the inward ticks) is no arm."""
    rng = np.random.default_rng(5)
    path = tmp_path / "framed_note.png"
    with plt.style.context("classic"):
        fig, ax = plt.subplots(figsize=(7, 5.2), dpi=110)
        for name, scale in (("Control", 14.0), ("Treatment", 30.0)):
            event_time, censor_time = rng.exponential(scale, 160), rng.uniform(6, 48, 160)
            time = np.minimum(event_time, censor_time)
            order = np.argsort(time)
            at_risk = 160 - np.arange(160)
            survival = np.cumprod(1.0 - (event_time <= censor_time)[order] / at_risk)
            ax.step(np.r_[0.0, time[order]], np.r_[1.0, survival], where="post", label=name)
        ax.set_xlim(0, 36)
        ax.set_ylim(0, 1.0)
        ax.set_xlabel("Time (months)")
        legend = ax.legend(loc="upper right")
        fig.canvas.draw()
        box = legend.get_window_extent()
        longer = legend.get_texts()[1].get_window_extent()
        fig.text(
            (box.x1 + 2) / fig.bbox.width,
            (longer.y0 + longer.y1) / 2 / fig.bbox.height,
            "HR=0.9",
            va="center",
            fontsize=legend.get_texts()[0].get_fontsize(),
        )
        fig.savefig(path)
        plt.close(fig)
    result = digitize(path)
    assert [arm.name for arm in result.arms] == ["Control", "Treatment"]


def test_white_grid_lines_cutting_letters_are_filled_from_their_sides() -> None:
    """A white grid line drawn over a legend on a grey panel cuts its letters; whitening the
    panel fills such thin lines from the pixels either side, so the letters are whole."""
    from kmipd.digitize._image import whitened

    fill = np.array([229, 229, 229], dtype=np.uint8)
    image = np.full((60, 80, 3), 229, dtype=np.uint8)
    image[20:30, 30:40] = 20  # a letter's stroke
    image[:, 35] = 255  # a vertical grid line, one pixel wide, through it
    image[24:26, :] = 255  # a horizontal one, two pixels wide
    out = whitened(image, fill, (slice(5, 55), slice(5, 75)))
    assert (out[20:30, 30:40] <= 30).all()  # the stroke is whole again
    assert (out[6:19, 6:74] == 255).all() and (out[40:54, 6:74] == 255).all()  # fill: white
    assert (out[:5, 35] == 255).all() and (out[24, :5] == 255).all()  # outside: as drawn
