"""kmipd.digitize on three published-style figures copied into tests/data/figures.

The expected values come from the data each figure was drawn from (see
tests/data/figures/ATTRIBUTION.md): true Kaplan-Meier survival at a few
times, true censoring times and the printed numbers at risk.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import as_jpeg
from kmipd.digitize import DigitizationResult, digitize

FIGURES = Path(__file__).parent / "data" / "figures"


def read_at(result: DigitizationResult, index: int, times: list[float]) -> np.ndarray:
    """Digitized survival of arm ``index`` at ``times`` (right-continuous step function)."""
    curve = result.arms[index].curve
    t, s = np.asarray(curve.time), np.asarray(curve.survival)
    return s[np.clip(np.searchsorted(t, times, side="right") - 1, 0, None)]


@pytest.fixture(scope="module")
def jco() -> DigitizationResult:
    return digitize(FIGURES / "act2_2b-jco.png")


@pytest.fixture(scope="module")
def grey() -> DigitizationResult:
    return digitize(FIGURES / "act2_2b-grey.png")


GRID = [0.5, 1.0, 2.7, 3.0, 4.8, 5.2, 7.0, 9.0, 11.0, 13.0, 14.5]  # 0.2+ from every drop
TRUE = {
    "mut_b": [1.0, 1.0, 0.7647, 0.7647, 0.3365, 0.3365, 0.2141, 0.0612, 0.0612, 0.0306, 0.0306],
    "mut_c": [1.0, 1.0, 0.6889, 0.6889, 0.3617, 0.3617, 0.1315, 0.0658, 0.0329, 0.0329, 0.0329],
}
RISK = {
    "mut_b": [34, 34, 28, 25, 15, 11, 9, 7, 6, 2, 2, 2, 1, 1, 1, 1],
    "mut_c": [33, 33, 22, 22, 12, 11, 7, 4, 4, 2, 2, 1, 0, 0, 0, 0],
}


def test_survminer_colour_figure(jco: DigitizationResult) -> None:
    assert len(jco.arms) == 2
    assert jco.arms[1].name == "mut_c"
    assert jco.x_axis.confidence > 0.9 and jco.y_axis.confidence > 0.9
    for index, arm in enumerate(("mut_b", "mut_c")):
        assert np.max(np.abs(read_at(jco, index, GRID) - TRUE[arm])) <= 0.01
        table = jco.arms[index].risk_table
        assert table is not None
        assert list(table.time) == list(range(16))
        assert list(table.n_at_risk) == RISK[arm]


def test_survminer_censor_marks(jco: DigitizationResult) -> None:
    found = [np.asarray(arm.censor_marks.time) for arm in jco.arms]
    assert np.allclose(found[0], [2.45, 15.15], atol=0.01 * 15)
    assert np.min(np.abs(found[1] - 11.95)) <= 0.01 * 15


def test_greyscale_solid_and_dashed(grey: DigitizationResult) -> None:
    assert len(grey.arms) == 2
    assert [arm.line_style for arm in grey.arms] == ["solid", "dashed"]
    assert grey.arms[1].name == "mut_c"
    for index, arm in enumerate(("mut_b", "mut_c")):
        assert np.mean(np.abs(read_at(grey, index, GRID) - TRUE[arm])) <= 0.01
        table = grey.arms[index].risk_table
        assert table is not None and list(table.n_at_risk) == RISK[arm]


def test_matplotlib_single_arm_with_text_row_label() -> None:
    result = digitize(FIGURES / "kmgpt-exponential_low_medium_high_8_0.png")
    assert len(result.arms) == 1
    times = [3, 8, 11, 13.5, 16, 19, 23, 30, 40, 48]
    true = [0.9401, 0.8893, 0.8209, 0.7138, 0.6011, 0.5153, 0.4684, 0.3569, 0.2855, 0.1903]
    assert np.max(np.abs(read_at(result, 0, times) - true)) <= 0.01
    table = result.arms[0].risk_table
    assert table is not None
    assert list(table.time) == list(range(0, 55, 6))
    assert list(table.n_at_risk) == [58, 35, 22, 11, 9, 6, 4, 3, 2, 1]


def test_small_jpeg_with_thin_axis_lines_still_finds_the_frame() -> None:
    """At 60 % size a one-pixel frame turns light grey and breaks; JPEG input looks again."""
    result = digitize(as_jpeg(FIGURES / "elm-pc5_2a-lancet.png", 0.6, 60))
    assert [arm.name for arm in result.arms] == ["orteronel", "placebo"]
    _, left, bottom, _ = result.plot_area
    assert abs(left - 0.6 * 71) <= 2 and abs(bottom - 0.6 * 442) <= 2


def test_underscore_too_faint_for_its_word_is_kept_in_the_legend_name() -> None:
    """At 75 % size and JPEG 70 the underscore of 'zoledronic_acid' falls out of both words."""
    result = digitize(as_jpeg(FIGURES / "azure_4-jco.png", 0.75, 70))
    assert [arm.name for arm in result.arms] == ["control", "zoledronic_acid"]


def test_figure_too_small_to_read_is_read_at_twice_its_size() -> None:
    """At 60 % size the x tick labels are 5 px high: unreadable until the figure is enlarged."""
    png = FIGURES / "actscc_2a-jco.png"
    small = digitize(as_jpeg(png, 0.6, 60))
    assert small.scale == pytest.approx(2.0)
    assert any("twice its size" in w for w in small.warnings)
    full = digitize(png)
    for t in (0.0, 4.0):  # the same tick, in the original figure's pixels
        assert abs(small.x_axis.pixel(t) / 1.2 - full.x_axis.pixel(t)) <= 2.0
    tables = [arm.risk_table for arm in small.arms]
    assert all(table is not None for table in tables)
    assert [list(t.n_at_risk) for t in tables if t is not None] == [
        [758, 656, 593, 495, 24],
        [760, 647, 572, 466, 25],
    ]


def test_a_large_figure_or_a_second_failure_gives_the_first_error(monkeypatch) -> None:
    """Only a small figure is read again; if that fails too, the first error is raised."""
    from kmipd.digitize import _digitize
    from kmipd.errors import DigitizationError

    calls: list[tuple[int, ...]] = []

    def fails(loaded, *args):
        calls.append(loaded.image.shape)
        raise _digitize._AxesNotRead(f"tick labels not read ({len(calls)})")

    monkeypatch.setattr(_digitize, "_read", fails)
    small = np.full((300, 400, 3), 255, dtype=np.uint8)
    with pytest.raises(DigitizationError, match=r"\(1\)"):
        digitize(small)
    assert calls == [(300, 400, 3), (600, 800, 3)]
    calls.clear()
    with pytest.raises(DigitizationError, match=r"\(1\)"):
        digitize(np.full((1100, 1000, 3), 255, dtype=np.uint8))
    assert calls == [(1100, 1000, 3)]


@pytest.mark.filterwarnings("ignore")
def test_y_labels_whose_points_a_screenshot_lost_read_as_decimals() -> None:
    # matplotlib's "0.6" at 60 % and JPEG 60 loses its point and splits into "0" and
    # "6"; session 25's code fitted "6", "4", "2" and "0.0": an axis of 0 to 10
    result = digitize(as_jpeg(FIGURES / "radiant4_2a-lifelines.png", 0.6, 60))
    used = sorted(label.value for label in result.y_axis.labels if label.used)
    assert used == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    for arm in result.arms:
        assert arm.curve.survival[0] == pytest.approx(1.0, abs=0.02)
        assert 0.1 < min(arm.curve.survival) < 0.4
