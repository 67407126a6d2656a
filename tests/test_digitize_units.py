"""Unit tests of the pure steps of kmipd.digitize, on small hand-made arrays."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from kmipd.digitize._arms import choose_arms
from kmipd.digitize._calibrate import AxisCalibration, fit_axis, parse_number, repair_decimals, snap
from kmipd.digitize._censor import _on_flat, find_marks
from kmipd.digitize._colours import InkColour
from kmipd.digitize._curves import to_curve
from kmipd.digitize._frame import Frame
from kmipd.digitize._image import background_colour, load_image
from kmipd.digitize._judge import _rivals
from kmipd.digitize._legend import LegendEntry, Swatch, legend_entries
from kmipd.digitize._lines import find_lines, find_ticks
from kmipd.digitize._risk import label_step, parse_count
from kmipd.digitize._scene import _colour_class, _keys_both_ways, _upright_rules
from kmipd.digitize._styles import split_by_style, stroke_style
from kmipd.digitize._text import Word, find_glyphs, group_words
from kmipd.digitize._tickgrid import fit_tick_grid, is_nice_step
from kmipd.digitize._ticktext import join_split_decimals, x_label_words, y_label_words
from kmipd.digitize._trace import Trace, _dissolve, _hidden_start, to_corners, trace_arm
from kmipd.errors import InputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.75", (0.75, False)),
        ("25%", (25.0, True)),
        ("1,0", (1.0, False)),
        ("-5", (-5.0, False)),
        ("O.5", (0.5, False)),
        ("abc", None),
        ("1.2.3", None),
        ("", None),
        ("1.00-", (1.0, False)),  # a y tick mark read with its label
        ("-", None),
    ],
)
def test_parse_number(text: str, expected: tuple[float, bool] | None) -> None:
    assert parse_number(text) == expected


def test_repair_decimals_puts_back_a_lost_point() -> None:
    assert repair_decimals(["1.00", "075", "0.50", "025", "0.00"]) == [
        "1.00",
        "0.75",
        "0.50",
        "0.25",
        "0.00",
    ]
    assert repair_decimals(["0", "25", "50"]) == ["0", "25", "50"]


def test_a_y_label_split_at_its_lost_point_is_joined() -> None:
    def read(row: int, col0: int, col1: int, text: str) -> Word:
        return Word(row, col0, row + 9, col1, text, 0.9, text, 0.9)

    words = [
        read(10, 20, 26, "1"), read(10, 30, 36, "0"),  # "1.0", the point lost
        read(50, 20, 36, "0.8"),
        read(90, 20, 26, "0"), read(90, 31, 37, "6"),
        read(130, 20, 26, "0"), read(130, 48, 54, "4"),  # too far apart: two words
        read(170, 20, 30, "10"), read(178, 32, 38, "5"),  # not one row
    ]  # fmt: skip
    joined = join_split_decimals(words)
    assert sorted((w.row0, w.numeric) for w in joined) == [
        (10, "1.0"), (50, "0.8"), (90, "0.6"), (130, "0"), (130, "4"), (170, "10"), (178, "5"),
    ]  # fmt: skip
    one = next(w for w in joined if w.numeric == "0.6")
    assert (one.col0, one.col1, one.numeric_confidence) == (20, 37, 0.9)
    # the right part listed first: joined once, where the left part stands in the order
    again = join_split_decimals([words[4], words[2], words[3]])
    assert [w.numeric for w in again] == ["0.8", "0.6"]


def test_fit_axis_rejects_a_misread_label() -> None:
    pixels = np.array([100.0, 150.0, 200.0, 250.0, 300.0])
    values = np.array([0.0, 5.0, 10.0, 51.0, 20.0])  # "15" read as "51"
    fit = fit_axis(pixels, values, True, 1.5)
    assert fit is not None
    slope, intercept, inliers = fit
    assert list(inliers) == [True, True, True, False, True]
    assert slope == pytest.approx(0.1) and intercept == pytest.approx(-10.0)
    assert fit_axis(pixels[:1], values[:1], True, 1.5) is None
    rows = np.array([50.0, 150.0, 250.0])  # y axis: values fall as rows grow
    y_fit = fit_axis(rows, np.array([1.0, 0.5, 0.0]), False, 1.5)
    assert y_fit is not None and y_fit[0] == pytest.approx(-0.005)


def test_snap_moves_labels_onto_tick_marks() -> None:
    centres, on = snap(
        np.array([10.4, 50.0, 90.0]), np.array([10.0, 49.0, 70.0]), np.array([8.0, 8.0, 8.0])
    )
    assert list(centres) == [10.0, 49.0, 90.0]
    assert list(on) == [True, True, False]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120", (120, None)),
        ("1,047", (1047, None)),
        ("120(5)", (120, 5)),
        ("120 (5)", (120, 5)),
        ("(5)", None),
        ("12a", None),
        ("", None),
    ],
)
def test_parse_count(text: str, expected: tuple[int, int | None] | None) -> None:
    assert parse_count(text) == expected


def test_to_corners_and_dissolve() -> None:
    rows = np.array([10.0] * 5 + [12.0] * 2 + [14.0] * 5)
    cols, levels = to_corners(np.arange(12.0), rows, 0.3)
    assert list(cols) == [-0.5, 4.5, 4.5, 6.5, 6.5, 11.5]
    assert list(levels) == [10, 10, 12, 12, 14, 14]
    cols, levels = _dissolve(cols, levels, 3.0)  # the 2-column middle plateau is one drop
    assert list(cols) == [-0.5, 5.5, 5.5, 11.5] and list(levels) == [10, 10, 14, 14]


def test_find_lines_and_ticks() -> None:
    mask = np.zeros((60, 100), dtype=bool)
    mask[40:42, 10:95] = True  # a 2-px axis line
    mask[5:50, 10] = True  # a vertical one
    horizontal = find_lines(mask, 50, True)
    assert len(horizontal) == 1
    assert horizontal[0].position == pytest.approx(40.5) and horizontal[0].thickness == 2
    assert (horizontal[0].start, horizontal[0].end) == (10, 94)
    assert [line.position for line in find_lines(mask, 30, False)] == [10.0]
    band = np.zeros((5, 100))
    band[:, [20, 40]] = 1.0
    band[:, 60:62] = 1.0
    assert list(find_ticks(band)) == pytest.approx([20.0, 40.0, 60.5])


def test_stroke_style_of_keys_and_text() -> None:
    bar = np.zeros((7, 20), dtype=bool)
    bar[2:5, :] = True
    assert stroke_style(bar) == "solid"
    plus = bar.copy()
    plus[:, 9:11] = True  # a censoring mark on the key
    assert stroke_style(plus) == "solid"
    dashes = np.zeros((3, 30), dtype=bool)
    dashes[1, 0:8] = dashes[1, 11:19] = dashes[1, 22:30] = True
    assert stroke_style(dashes) == "dashed"
    glyphs = np.zeros((10, 20), dtype=bool)
    glyphs[:, [2, 6, 10, 14]] = True  # stems of letters
    assert stroke_style(glyphs) is None


def test_split_by_style_separates_dashes_from_a_solid_line() -> None:
    mask = np.zeros((80, 400), dtype=bool)
    mask[20:22, 5:395] = True  # solid
    for start in range(5, 395, 12):  # dashed, lower down
        mask[60:62, start : start + 7] = True
    split = split_by_style(mask, np.zeros_like(mask), 390.0)
    assert split is not None
    solid, broken = split
    assert solid[20:22].sum() == mask[20:22].sum() and not solid[60:62].any()
    assert broken[60:62].sum() == mask[60:62].sum()
    assert split_by_style(mask[:40], np.zeros((40, 400), dtype=bool), 390.0) is None


def test_dashes_seen_apart_only_briefly_split_when_the_legend_shows_both_styles() -> None:
    mask = np.zeros((80, 400), dtype=bool)
    mask[20:22, 5:395] = True  # solid
    mask[22:24, 5:330] = True  # the dashed curve run into the solid one: one piece with it
    for start in range(330, 395, 9):  # apart only at the end: 8 dashes over 65 columns
        mask[60:62, start : start + 6] = True
    assert split_by_style(mask, np.zeros_like(mask), 390.0) is None
    split = split_by_style(mask, np.zeros_like(mask), 390.0, shown=True)
    assert split is not None and split[1][60:62].sum() == mask[60:62].sum()


def test_keys_both_ways_needs_keys_stacked_as_a_legend_stacks_them() -> None:
    def key(row: int, col: int, width: int, style: str) -> Swatch:
        return Swatch(Word(row, col, row + 2, col + width, ""), 0, style)

    stacked = [key(36, 624, 33, "solid"), key(59, 625, 31, "dashed")]
    assert _keys_both_ways(stacked, 0) and not _keys_both_ways(stacked, 1)
    pieces = [key(36, 600, 32, "solid"), key(68, 483, 16, "dashed"), key(81, 556, 10, "dashed")]
    assert not _keys_both_ways(pieces, 0)  # pieces of a dashed line inside the plot


def staircase(marks: tuple[int, ...] = ()) -> np.ndarray:
    """Coverage of a 3-px staircase: row 20 until col 100, row 50 until col 200, then row 80."""
    cov = np.zeros((120, 300))
    cov[19:22, 10:101] = 1.0
    cov[19:52, 99:102] = 1.0
    cov[49:52, 100:201] = 1.0
    cov[49:82, 199:202] = 1.0
    cov[79:82, 200:290] = 1.0
    for col in marks:  # "+" censoring marks on the lower step
        cov[42:59, col - 1 : col + 2] = 1.0
        cov[49:52, col - 6 : col + 7] = 1.0
    return cov


def test_trace_reads_centre_line_and_drops() -> None:
    trace = trace_arm(staircase(), np.zeros((120, 300), dtype=bool))
    assert trace is not None
    assert trace.thickness == pytest.approx(3.0)
    assert list(np.round(np.unique(trace.rows), 3)) == [20.0, 50.0, 80.0]
    drops = trace.cols[1:][np.diff(trace.rows) > 0]
    assert drops == pytest.approx([100.0, 200.0], abs=0.6)


def test_curve_is_given_at_every_column_on_its_corners_steps() -> None:
    trace = trace_arm(staircase(), np.zeros((120, 300), dtype=bool))
    assert trace is not None
    x = AxisCalibration("x", slope=0.1, intercept=-1.0)  # column 10 is time 0
    y = AxisCalibration("y", slope=-0.01, intercept=1.2)  # row 20 is survival 1
    curve = to_curve(trace, x, y, "A")
    cols = np.asarray(curve.time) / 0.1 + 10.0
    assert np.diff(cols).max() <= 1.0 + 1e-9  # a point at every column
    assert len(curve) > 150
    corner_t, corner_s = x.value(trace.cols), y.value(trace.rows)  # the step corners
    grid = np.linspace(0.0, float(corner_t[-1]), 997)
    index = np.searchsorted(curve.time, grid, side="right") - 1
    corner_index = np.searchsorted(corner_t, grid, side="right") - 1
    assert np.allclose(curve.survival[index], corner_s[corner_index])  # the same step function
    assert sorted(set(np.round(curve.survival, 6))) == pytest.approx([0.4, 0.7, 1.0])
    assert curve.precision == pytest.approx(0.01)  # one pixel of the y axis
    percent = AxisCalibration("y", slope=-1.0, intercept=120.0, percent=True)
    assert to_curve(trace, x, percent, "A").precision == pytest.approx(0.01)


def test_marks_found_and_curve_unmoved() -> None:
    cov = staircase(marks=(130, 160))
    trace = trace_arm(cov, np.zeros((120, 300), dtype=bool))
    assert trace is not None
    assert list(np.round(np.unique(trace.rows), 3)) == [20.0, 50.0, 80.0]
    marks = find_marks(cov >= 0.25, trace)
    assert marks.cols == pytest.approx([130.0, 160.0], abs=0.6)
    assert marks.rows == pytest.approx([50.0, 50.0]) and marks.dense == 0


def test_small_ticks_on_a_thin_pen_are_marks() -> None:
    cov = np.zeros((120, 300))
    cov[29:31, 10:290] = 1.0  # a 2-px pen, flat at row 30
    for col in (60, 100, 200):  # journal ticks: 6 px tall, 2 px out either side
        cov[27:33, col] = 1.0
    trace = trace_arm(cov, np.zeros(cov.shape, dtype=bool))
    assert trace is not None and trace.thickness <= 2.5
    marks = find_marks(cov >= 0.25, trace)
    assert marks.cols == pytest.approx([60.0, 100.0, 200.0], abs=0.6)


def test_a_mark_must_sit_where_the_curve_is_level() -> None:
    ramp = np.concatenate((np.full(50, 30.0), 30.0 + 1.3 * np.arange(50.0)))  # flat, then steep
    trace = Trace(np.array([0.0, 99.0]), np.array([30.0, 30.0]), 2.0, 0, 99, 0.0, ramp)
    assert _on_flat(trace, 20, 21)
    assert not _on_flat(trace, 70, 71)  # ink above and below a steep run of small steps
    assert _on_flat(trace, 0, 1) and not _on_flat(trace, 98, 99)  # at the ends: clipped


def test_trace_follows_the_curve_not_a_legend_key_above_it() -> None:
    cov = staircase()
    cov[5:8, 240:280] = 1.0  # a legend key in the curve's colour, top right
    trace = trace_arm(cov, np.zeros((120, 300), dtype=bool))
    assert trace is not None
    assert trace.level(np.array([260.0]))[0] == pytest.approx(80.0)


def test_trace_starting_under_another_curve_runs_along_it() -> None:
    """An arm first seen where it leaves another curve ran hidden under that curve."""
    cov = staircase()
    cov[:, :150] = 0.0  # hidden under the other curve up to column 150
    other = np.full(300, np.nan)
    other[10:290] = np.where(np.arange(10, 290) < 100, 20.0, 51.5)  # the curve drawn over it
    # (its centre a pixel and a half lower than this arm's where they part)
    trace = trace_arm(cov, np.zeros((120, 300), dtype=bool), fallback=other)
    assert trace is not None
    assert trace.first_col == 150  # the ink seen
    assert trace.cols[0] == pytest.approx(10.0, abs=0.6)  # the curve starts with the other
    assert trace.level(np.array([50.0, 120.0, 160.0, 250.0])) == pytest.approx(
        [20.0, 50.0, 50.0, 80.0]
    )  # the seen plateau stays where it is seen
    assert trace.filled_fraction > 0.4
    # a curve first seen away from the other curve's level did not run under it
    far = np.where(np.isfinite(other), 5.0, np.nan)
    alone = trace_arm(cov, np.zeros((120, 300), dtype=bool), fallback=far)
    assert alone is not None and alone.cols[0] >= 149


def test_an_arm_seen_in_slivers_beside_a_thick_curve_ran_under_it() -> None:
    """The thicker pen of the curve drawn over an arm sets how near the arm must emerge.

    An arm seen only in slivers beside a thick curve (a JPEG blurs the rest
    into the other's colour) reads as a 1 px pen; where the curves fall
    steeply it is first seen a few pixels off the other's centre line.
    """
    other = np.full(400, np.nan)
    other[44:] = np.linspace(10.0, 300.0, 356)  # falling steeply from where curves start
    level = np.full(400, np.nan)
    level[264:] = other[263] + 5.5  # first seen 5.5 px below the other's centre
    assert _hidden_start(other, level, 264, 0, 1.0) == 264  # a 1 px pen: too far to emerge
    assert _hidden_start(other, level, 264, 0, 1.0, 4.6) == 44  # ran under the 4.6 px pen
    assert _hidden_start(other, level + 30.0, 264, 0, 1.0, 4.6) == 264  # far below it


def test_a_paler_tail_of_a_curve_is_the_same_arm() -> None:
    """A thin curve along the x axis pales into another shade: one arm, traced to its end."""
    cov = staircase()
    head, tail = cov.copy(), cov.copy()
    head[:, 240:] = 0.0
    tail[:, :240] = 0.0
    none = np.zeros((120, 300), dtype=bool)
    first, second = trace_arm(head, none), trace_arm(tail, none)
    assert first is not None and second is not None
    traces = {0: first, 1: second}
    colours = [InkColour((30, 90, 200), 900), InkColour((150, 180, 235), 120)]
    arms = choose_arms(traces, [], colours, 280.0, [])
    assert len(arms) == 1 and arms[0].colour == 0
    joined = arms[0].trace
    assert joined is not None and joined.last_col >= 288
    assert joined.level(np.array([50.0, 150.0, 270.0])) == pytest.approx([20.0, 50.0, 80.0])
    assert joined.column_rows.size == joined.last_col - joined.first_col + 1
    # a curve of another hue there is another arm
    colours[1] = InkColour((220, 60, 40), 120)
    assert len(choose_arms(traces, [], colours, 280.0, [])) == 2


def _flat_trace(start: float, first: int, level: float) -> Trace:
    """A trace at one level from column ``start`` (seen from ``first``) to 290."""
    cols = np.array([start, 290.0])
    rows = np.array([level, level])
    return Trace(cols, rows, 2.0, first, 290, 0.0, np.full(290 - first + 1, level))


def test_an_unlisted_curve_first_seen_late_is_an_arm_if_it_ran_under_another() -> None:
    # the legend names one arm; the other curve ran hidden under it at the start
    # (its trace starts at the left, see ``_hidden_start``): it is an arm the
    # legend left out; a trace that truly starts late is text or specks
    colours = [InkColour((30, 90, 200), 900), InkColour((220, 60, 40), 700)]
    entry = LegendEntry(Swatch(Word(5, 200, 7, 230), 0), (Word(1, 235, 11, 280),))
    listed = _flat_trace(10.0, 10, 20.0)
    hidden = {0: listed, 1: _flat_trace(10.0, 100, 24.0)}
    assert [a.colour for a in choose_arms(hidden, [entry], colours, 280.0, [])] == [0, 1]
    late = {0: listed, 1: _flat_trace(100.0, 100, 24.0)}
    assert [a.colour for a in choose_arms(late, [entry], colours, 280.0, [])] == [0]


def png_bytes(array: np.ndarray, mode: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, format="PNG")
    return buffer.getvalue()


def test_load_image_modes_crop_and_downscale() -> None:
    rgba = np.zeros((40, 60, 4), dtype=np.uint8)
    rgba[..., 3] = 0  # fully transparent: composed on white
    loaded = load_image(png_bytes(rgba, "RGBA"))
    assert loaded.image.shape == (40, 60, 3) and loaded.image.min() == 255
    grey = load_image(np.full((50, 50), 128, dtype=np.uint8))
    assert grey.image.shape == (50, 50, 3)
    cropped = load_image(np.zeros((100, 120, 3), dtype=np.uint8), crop=(10, 20, 60, 100))
    assert cropped.image.shape == (50, 80, 3) and cropped.offset == (10, 20)
    small = load_image(np.zeros((400, 400, 3), dtype=np.uint8), max_pixels=10_000)
    assert small.image.shape[0] * small.image.shape[1] <= 10_000
    assert small.scale == pytest.approx(0.25, abs=0.01)
    with pytest.raises(InputError, match="too small"):
        load_image(np.zeros((5, 5, 3), dtype=np.uint8))
    with pytest.raises(InputError, match="not an image"):
        load_image(b"not an image at all")


def test_background_is_the_border_colour() -> None:
    image = np.full((30, 30, 3), 250, dtype=np.uint8)
    image[10:20, 10:20] = 0
    assert list(background_colour(image)) == [250, 250, 250]


def test_longest_non_increasing_keeps_the_counts_that_fall() -> None:
    from kmipd.digitize._tables import _longest_non_increasing

    counts = np.array([120, 98, 910, 75, 60, 61, 40])
    assert _longest_non_increasing(counts) == [0, 1, 3, 4, 6]
    assert _longest_non_increasing(np.array([5, 5, 3])) == [0, 1, 2]


def test_tick_grid_values_from_overprinted_labels() -> None:
    ticks = 100.0 + 11.0 * np.arange(30)
    # labels 0, 2, 4, ... read as fragments: exact at the first marks, parts further on
    reads = [(0, "0"), (1, "2"), (2, "4"), (3, "6"), (5, "0"), (6, "2"), (12, "24"), (20, "4")]
    pixels = np.array([ticks[k] for k, _ in reads])
    texts = [t for _, t in reads]
    values = np.array([float(t) for t in texts])
    grid = fit_tick_grid(ticks, pixels, texts, values, np.full(len(reads), 0.8))
    assert grid is not None
    assert list(grid.values) == [2.0 * k for k in range(30)]
    assert list(grid.exact) == [True, True, True, True, False, False, True, False]
    assert list(grid.partial) == [False, False, False, False, True, True, False, True]
    assert 0.25 < grid.confidence <= 0.8


def test_tick_grid_needs_even_marks_and_three_exact_labels() -> None:
    ticks = 100.0 + 11.0 * np.arange(12)
    pixels = ticks[[0, 1, 2]]
    values = np.array([0.0, 2.0, 4.0])
    texts = ["0", "2", "4"]
    conf = np.full(3, 0.9)
    assert fit_tick_grid(ticks, pixels, texts, values, conf) is not None
    uneven = ticks.copy()
    uneven[5] += 4.0
    assert fit_tick_grid(uneven, pixels, texts, values, conf) is None
    assert fit_tick_grid(ticks, pixels[:2], texts[:2], values[:2], conf[:2]) is None
    odd = np.array([0.0, 7.0, 14.0])  # a step of 7 is not one an axis uses
    assert fit_tick_grid(ticks, pixels, ["0", "7", "14"], odd, conf) is None


@pytest.mark.parametrize(
    ("step", "nice"),
    [(1.0, True), (2.5, True), (0.25, True), (12.0, True), (7.0, False), (35.0, False)],
)
def test_is_nice_step(step: float, nice: bool) -> None:
    assert is_nice_step(step) is nice


def test_a_count_bounded_to_itself_has_no_rival() -> None:
    # a zero between zeros (or at the end of a row) cannot be anything else
    assert _rivals(0, 0, 0, list("0123456789")) == set()
    assert _rivals(1, 0, 1, list("0123456789")) == {0}


@pytest.mark.parametrize(
    ("values", "step"),
    [
        ([0, 1, 3, 5], 1.0),  # labels 2 and 4 unread: the step is 1, not the median gap 2
        ([0, 12, 24, 48], 12.0),
        ([0, 2.5, 5, 7.5], 2.5),
        ([0, 3, 5], 1.0),
        ([6], None),
    ],
)
def test_label_step_sees_through_unread_labels(values: list[float], step: float | None) -> None:
    got = label_step(values)
    assert got == (None if step is None else pytest.approx(step))


def test_coloured_key_and_grey_digits_stay_apart() -> None:
    mask = np.zeros((20, 40), dtype=bool)
    mask[9:12, 2:12] = True  # a legend key's dash
    mask[5:15, 14:17] = mask[5:15, 19:22] = True  # two digits two pixels to its right
    glyphs = find_glyphs(mask, 16)
    colourful = np.where(glyphs[:, 1] < 12, 1, -1)  # the dash is coloured, the digits grey
    assert len(group_words(glyphs)) == 1  # by distance alone, one word
    words = group_words(glyphs, colourful=colourful)
    assert sorted((w.col0, w.col1) for w in words) == [(2, 12), (14, 22)]
    unsure = np.where(glyphs[:, 1] < 12, 0, -1)  # a pale key may join either
    assert len(group_words(glyphs, colourful=unsure)) == 1


def test_broken_table_rule_is_not_text() -> None:
    mask = np.zeros((80, 30), dtype=bool)
    mask[2:78, 5] = True
    mask[[20, 21, 40], 5] = False  # a JPEG breaks the thin rule
    mask[10:19, 6:9] = True  # a digit touching the rule
    for top in (10, 24, 38, 52):  # a column of 1s in table rows 5 px apart
        mask[top : top + 9, 20] = True
    rules = _upright_rules(mask, 40)
    assert rules[4:76, 5].sum() == mask[4:76, 5].sum()  # the whole rule, pieces and all
    assert mask[10:19, 6:9].all() and not rules[10:19, 6:9].any()  # the digit is kept
    assert not rules[:, 20].any()  # stacked 1s are no rule


def test_colour_class_of_glyphs() -> None:
    mask = np.zeros((10, 30), dtype=bool)
    mask[2:8, 1:5] = mask[2:8, 10:14] = mask[2:8, 20:24] = True
    chroma = np.zeros((10, 30))
    chroma[:, :8], chroma[:, 18:] = 0.6, 0.15  # a coloured key; a pale coloured digit
    glyphs = find_glyphs(mask, 9)
    classes = _colour_class(glyphs, mask, chroma)
    assert dict(zip(glyphs[:, 1].tolist(), classes.tolist(), strict=True)) == {1: 1, 10: -1, 20: 0}


def test_a_small_last_letter_is_kept_and_ends_the_legend_label() -> None:
    """In a small figure 'mut_c' is 'mut' (7 px), a faint underscore and a 4 px 'c'."""
    mask = np.zeros((30, 60), dtype=bool)
    mask[10:17, 10:13] = mask[10:17, 14:17] = mask[10:17, 18:21] = True  # "mut"
    mask[12:16, 24:27] = True  # "c", a speck on its own
    mask[2:5, 50:53] = True  # a speck alone: noise
    words = group_words(find_glyphs(mask, 12))
    boxes = [(w.row0, w.col0, w.row1, w.col1) for w in words]
    assert (12, 24, 16, 27) in boxes and (2, 50, 5, 53) not in boxes
    key = Word(12, 0, 14, 7)
    underscore = Word(17, 21, 18, 24)  # under 3 px: left to join_words
    entries = legend_entries([Swatch(key, 0)], [key, *words, underscore])
    assert [(w.col0, w.col1) for w in entries[0].words] == [(10, 21), (24, 27)]


def test_dissolve_merges_a_stroke_read_as_several_narrow_plateaus() -> None:
    """A thick pen's vertical stroke, its edge rows a fraction of a pixel apart per column."""
    rows = np.array([10.0] * 6 + [12.0, 12.4, 12.8] + [15.0] * 6)
    cols, levels = to_corners(np.arange(15.0), rows, 0.3)
    assert len(cols) == 10  # three one-column plateaus between the two wide ones
    before = cols.copy()
    merged, levels = _dissolve(cols, levels, 3.0)
    assert list(merged) == [-0.5, 7.0, 7.0, 14.5] and list(levels) == [10, 10, 15, 15]
    assert np.array_equal(cols, before)  # the corners passed in are left as they were
    # a staircase wider than the stroke keeps its steps
    rows = np.array([10.0] * 6 + [12.0, 12.0, 13.0, 13.0, 14.0, 14.0] + [15.0] * 6)
    cols, levels = _dissolve(*to_corners(np.arange(18.0), rows, 0.3), 3.0)
    assert list(levels) == [10, 10, 12, 12, 13, 13, 14, 14, 15, 15]


def _axes(bottom: int = 400, left: int = 90) -> tuple[Frame, np.ndarray]:
    """A frame and its ink: an x axis line at row ``bottom``, a y axis line at ``left``."""
    ink = np.zeros((600, 1000))
    ink[bottom, left:900] = 1.0
    ink[10 : bottom + 1, left] = 1.0
    return Frame(10.0, float(left), float(bottom), 900.0, None, None, (), "axes", ()), ink


def test_tick_marks_as_long_as_text_is_tall_are_not_taken_for_tick_labels() -> None:
    frame, ink = _axes()
    marks = []
    for k in range(8):  # a figure drawn large: 10-px tick marks hang from the x axis
        ink[400:411, 100 + 60 * k : 105 + 60 * k] = 1.0
        marks.append(Word(401, 100 + 60 * k, 411, 105 + 60 * k))
    labels = [Word(416, 95 + 60 * k, 436, 110 + 60 * k, numeric=str(k)) for k in range(8)]
    assert x_label_words(marks + labels, frame, ink) == labels
    assert x_label_words(marks + labels, frame) == marks  # without the ink, as before
    left = []
    for k in range(5):  # and left of the y axis
        ink[100 + 60 * k : 105 + 60 * k, 80:90] = 1.0
        left.append(Word(100 + 60 * k, 80, 105 + 60 * k, 90))
    names = [Word(93 + 60 * k, 30, 113 + 60 * k, 76, numeric="0.25") for k in range(5)]
    assert y_label_words(left + names, frame, ink) == names


def test_labels_near_the_axis_or_joined_to_their_tick_marks_stay_tick_labels() -> None:
    frame, ink = _axes()
    near = [Word(406, 95 + 60 * k, 413, 100 + 60 * k, numeric="1") for k in range(8)]
    below = [Word(420, 300, 432, 400)]  # the axis title
    assert x_label_words(near + below, frame, ink) == near  # a small figure: not joined
    merged = []
    for k in range(5):  # drawn larger still, each y label and its tick mark are one word
        ink[100 + 60 * k : 120 + 60 * k, 30:90] = 0.8
        merged.append(Word(100 + 60 * k, 30, 120 + 60 * k, 90, numeric="1.00-"))
    assert y_label_words(merged, frame, ink) == merged
