"""kmipd.digitize on figures laid out as journals print them.

A grey and a black curve over light grey grid lines, survival in per cent,
and a "No. at Risk" table whose rows are labelled with the arms' names
right-aligned beside the y axis. The figure is drawn here with matplotlib
from seeded data; expected values come from that data.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kmipd.digitize import digitize
from kmipd.digitize._calibrate import AxisCalibration, TickLabel
from kmipd.digitize._frame import Frame
from kmipd.digitize._lines import Line, find_lines
from kmipd.digitize._result import RiskCell
from kmipd.digitize._risk import RiskLine, RiskRow, _is_text, cells_of
from kmipd.digitize._scene import panel_mask
from kmipd.digitize._tables import repeats_times, to_table
from kmipd.digitize._text import Word


def _km(time: np.ndarray, event: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Kaplan-Meier survival at ``at``."""
    out = np.ones(len(at))
    for t in np.unique(time[event == 1]):
        factor = 1.0 - np.sum((time == t) & (event == 1)) / np.sum(time >= t)
        out[at >= t] *= factor
    return out


def _data() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Two arms: a steep grey one whose plateaus cross grid levels, a black one."""
    rng = np.random.default_rng(5)
    out = {}
    for name, scale, n in (("everolimus", 14.0, 160), ("placebo", 5.0, 90)):
        death = rng.exponential(scale, n)
        censor = rng.uniform(2.0, 40.0, n)
        out[name] = (np.minimum(death, censor), (death <= censor).astype(int))
    return out


@pytest.fixture(scope="module")
def journal_figure(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The figure described in the module docstring."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.transforms import blended_transform_factory

    ticks = np.arange(0.0, 21.0, 3.0)
    fig, ax = plt.subplots(figsize=(6.4, 5.0), dpi=120)
    for (name, (time, event)), colour in zip(_data().items(), ("black", "#8c8c8c"), strict=True):
        grid = np.unique(np.concatenate(([0.0], time[time <= 21.0], [21.0])))
        ax.step(grid, 100 * _km(time, event, grid), where="post", color=colour, lw=1.4, label=name)
    ax.set_xlim(0, 21)
    ax.set_xticks(ticks)
    ax.set_ylim(0, 100)
    ax.set_yticks(np.arange(0, 101, 20))
    ax.set_xlabel("Months since Randomization")
    ax.set_ylabel("Overall Survival (%)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(color="#dddddd", lw=0.6)
    ax.legend(frameon=False, loc="upper right")
    fig.subplots_adjust(left=0.22, bottom=0.32, right=0.96, top=0.97)
    below = blended_transform_factory(ax.transData, ax.transAxes)
    ax.text(-0.06, -0.2, "No. at Risk", transform=ax.transAxes, ha="right", weight="bold")
    for i, (name, (time, _)) in enumerate(_data().items()):
        y = -0.27 - 0.07 * i
        ax.text(-0.06, y, name, transform=ax.transAxes, ha="right")
        for t in ticks:
            ax.text(float(t), y, str(int(np.sum(time >= t))), transform=below, ha="center")
    path = tmp_path_factory.mktemp("journal") / "journal.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def test_a_grey_curve_over_grey_grid_lines_is_read_along_itself(journal_figure: Path) -> None:
    """Grid lines cut by curves are found in pieces and masked; the curves over them kept."""
    result = digitize(journal_figure)
    assert [arm.name for arm in result.arms] == ["everolimus", "placebo"]
    at = np.linspace(0.5, 20.5, 81)
    for arm in result.arms:
        time, event = _data()[arm.name]
        curve = arm.curve
        index = np.searchsorted(np.asarray(curve.time), at, side="right") - 1
        read = np.asarray(curve.survival)[index]
        assert np.mean(np.abs(read - _km(time, event, at))) < 0.01
        table = arm.risk_table
        assert table is not None
        assert list(table.time) == list(np.arange(0.0, 21.0, 3.0))
        assert list(table.n_at_risk) == [int(np.sum(time >= t)) for t in table.time]


def test_a_faint_line_cut_by_crossings_and_a_plateau_is_found_in_pieces() -> None:
    mask = np.zeros((40, 600), dtype=bool)
    mask[20, 10:590] = True
    mask[20, 100:108] = False  # a curve crossing
    mask[20, 300:360] = False  # a curve's plateau along the line
    mask[20, 420:429] = False
    assert find_lines(mask, 200, True) == []  # no one run is long enough
    pieces = find_lines(mask, 200, True, bridge=12)
    assert [(line.start, line.end) for line in pieces] == [(10, 299), (360, 589)]
    assert all(line.position == 20.0 for line in pieces)


def test_only_the_faint_pixels_of_a_grid_line_are_masked() -> None:
    ink = np.zeros((50, 80))
    ink[25, 5:75] = 0.13  # a light grey grid line
    ink[10:40, 40] = 0.9  # a curve's drop across it
    grid = Line(True, 25.0, 5, 74, 1)
    frame = Frame(2.0, 2.0, 48.0, 78.0, None, None, (), "axes", (grid,))
    inside = panel_mask(frame, ink)
    assert inside[25, 40]  # the curve over the line is kept
    assert not inside[25, 20] and not inside[24, 20]  # the line itself is not
    assert inside[10, 20]


def test_a_row_label_read_over_digits_as_one_digit_is_text() -> None:
    """ "ct_b" beside the number at time 0 reads over digits as "6": a label, not a count."""
    label = Word(100, 107, 112, 135, "ct_b", 0.85, "6", 0.99, numeric_cols=(131.0,))
    assert _is_text(label)
    assert cells_of(label, _axis()) == []
    number = Word(100, 158, 112, 181, "176", 1.0, "176", 1.0, numeric_cols=(162.0, 169.0, 176.0))
    assert not _is_text(number)
    assert _is_text(Word(100, 20, 112, 80, "Arm A793", 0.9, "793", 0.95))  # "Arm A" + a count


def test_of_two_numbers_at_one_tick_the_surer_is_kept() -> None:
    line = RiskLine(106.0, None, (Word(100, 107, 112, 181),))
    cells = (
        RiskCell(106.0, 131.0, "6", 6, 0.0, 0.49),  # a label's letter, off the tick
        RiskCell(106.0, 168.0, "176", 176, 0.0, 1.0),
        RiskCell(106.0, 282.0, "125", 125, 6.0, 1.0),
    )
    notes: list[str] = []
    table, _ = to_table(RiskRow(line, "ct_b", cells), "ct_b", notes)
    assert table is not None
    assert list(table.n_at_risk) == [176, 125]
    assert any("two risk-table numbers at time 0" in note for note in notes)


def _axis() -> AxisCalibration:
    """x calibration: time 0 at column 168, 6 months per 114 columns, ticks every 6."""
    labels = tuple(
        TickLabel(168.0 + 19.0 * t, float(t), str(t), 1.0, True, True) for t in range(0, 31, 6)
    )
    return AxisCalibration("x", 6.0 / 114.0, -168.0 * 6.0 / 114.0, labels, 0.1, 1.0)


def test_a_count_run_into_a_long_row_label_is_read() -> None:
    """A label such as "chemo_trastuzumab" that runs into the number at time 0."""
    cols = (*(100.0 + 19.0 * i for i in range(5)), 158.0, 166.0, 174.0)
    text = "chemo_trastuzumab117"
    word = Word(100, 20, 112, 181, text, 0.96, "05126117", 0.73, numeric_cols=cols)
    cells = cells_of(word, _axis())
    assert [(c.value, c.time) for c in cells] == [(117, 0.0)]


def test_numbers_read_unsurely_are_read_again_at_a_second_height(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kmipd.digitize import _text

    heights: list[int] = []

    def read_words(grey: object, image: object, words: list[Word], height: int = 32) -> list:
        heights.append(height)
        sure = {5: ("80", 0.99), 250: ("3", 0.47)}  # by first column
        return [
            replace(w, numeric=sure[w.col0][0], numeric_confidence=sure[w.col0][1]) for w in words
        ]

    monkeypatch.setattr(_text, "read_words", read_words)
    grey = np.full((40, 300), 255, dtype=np.uint8)
    short = Word(5, 5, 30, 45, "8", 0.86, "8", 0.86)  # a 2-digit box read as one digit
    sure = Word(5, 60, 30, 100, "81", 0.99, "81", 0.99)
    run = Word(5, 110, 30, 240, "1839", 0.5, "1839", 0.5)  # touching numbers: rebuilt
    hidden = Word(5, 250, 30, 260, "3", 0.17, "3", 0.17)  # a digit half hidden by a curve
    out = _text.read_again(grey, np.zeros((40, 300, 3), dtype=np.uint8), [short, sure, run, hidden])
    assert [w.numeric for w in out] == ["80", "81", "1839", "3"]
    assert out[3].numeric_confidence == 0.17  # an unsure second reading is not taken
    assert heights == [48]


def test_a_row_of_the_times_printed_again_is_no_arms_row() -> None:
    line = RiskLine(106.0, None, (Word(100, 150, 112, 700),))

    def row(values: list[int]) -> RiskRow:
        times = [0.0, 6.0, 12.0, 18.0]
        cells = tuple(
            RiskCell(106.0, 168.0 + 19.0 * t, str(v), v, t, 1.0)
            for v, t in zip(values, times, strict=True)
        )
        return RiskRow(line, "No. at Risk", cells)

    assert repeats_times(row([0, 6, 12, 18]))
    assert not repeats_times(row([269, 182, 89, 18]))  # counts never rise
    assert not repeats_times(row([18, 12, 6, 0]))  # falling: counts, however odd


def test_dashed_confidence_limits_in_an_arms_colour_are_not_arms(
    tmp_path: Path,
) -> None:
    """Each arm's 95 % limits drawn dashed in its colour; the legend keys are solid."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 5.0), dpi=120)
    for (name, (time, event)), colour in zip(_data().items(), ("#c0392b", "#2c7fb8"), strict=True):
        grid = np.unique(np.concatenate(([0.0], time[time <= 21.0], [21.0])))
        surv = _km(time, event, grid)
        ax.step(grid, surv, where="post", color=colour, lw=1.4, label=name)
        n = np.array([np.sum(time >= t) for t in grid])
        half = 1.96 * np.sqrt(surv * (1 - surv) / np.maximum(n, 1))
        for limit in (np.clip(surv - half, 0, 1), np.clip(surv + half, 0, 1)):
            ax.step(grid, limit, where="post", color=colour, lw=0.7, ls="--")
    ax.set_xlim(0, 21)
    ax.set_xticks(np.arange(0.0, 21.0, 3.0))
    ax.set_ylim(0, 1)
    ax.legend(frameon=False, loc="upper right")
    path = tmp_path / "limits.png"
    fig.savefig(path)
    plt.close(fig)
    result = digitize(path)
    assert [arm.name for arm in result.arms] == ["everolimus", "placebo"]
    assert all(arm.line_style == "solid" for arm in result.arms)
    assert any("confidence limits" in w for w in result.warnings)
    at = np.linspace(0.5, 20.5, 81)
    for arm in result.arms:
        time, event = _data()[arm.name]
        index = np.searchsorted(np.asarray(arm.curve.time), at, side="right") - 1
        read = np.asarray(arm.curve.survival)[index]
        assert np.mean(np.abs(read - _km(time, event, at))) < 0.01
