"""kmipd.digitize on figure styles unlike the survminer ones: lifelines, bands, JPEG.

Two figures are drawn here with lifelines (confidence bands, a risk table
grouped by arm with "At risk", "Censored" and "Events" rows); two JPEGs of
matplotlib figures with a hazard-ratio box inside the panel are copied into
tests/data/figures (see its ATTRIBUTION.md). Expected survival comes from the
data each figure was drawn from.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kmipd.digitize import DigitizationResult, digitize
from kmipd.digitize._risk import RiskLine, RiskRow
from kmipd.digitize._scene import _fills, _pen
from kmipd.digitize._tables import count_kind, regroup
from kmipd.digitize._text import Word

FIGURES = Path(__file__).parent / "data" / "figures"


def read_at(result: DigitizationResult, index: int, times: list[float]) -> np.ndarray:
    """Digitized survival of arm ``index`` at ``times`` (right-continuous step function)."""
    curve = result.arms[index].curve
    t, s = np.asarray(curve.time), np.asarray(curve.survival)
    return s[np.clip(np.searchsorted(t, times, side="right") - 1, 0, None)]


def _arms_data() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Two arms of 150 patients with continuous times (seeded)."""
    rng = np.random.default_rng(11)
    out = {}
    for name, scale in (("control", 20.0), ("treatment", 34.0)):
        death = rng.exponential(scale, 150)
        censor = rng.uniform(5.0, 70.0, 150)
        out[name] = (np.minimum(death, censor), (death <= censor).astype(int))
    return out


@pytest.fixture(scope="module")
def lifelines_figure(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A lifelines figure: confidence bands, '+' censor marks, a grouped risk table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts

    data = _arms_data()
    fig, ax = plt.subplots(figsize=(7, 5.2), dpi=110)
    fitters = []
    for name, (time, event) in data.items():
        fitter = KaplanMeierFitter(label=name).fit(time, event)
        fitter.plot_survival_function(ax=ax, ci_show=True, show_censors=True)
        fitters.append(fitter)
    ax.set_xlim(0, 60)
    ax.set_xticks(np.arange(0, 61, 12))
    ax.set_xlabel("Time (months)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        add_at_risk_counts(*fitters, ax=ax)
    fig.tight_layout()
    path = tmp_path_factory.mktemp("styles") / "lifelines.png"
    fig.savefig(path)
    plt.close(fig)
    return path, data


def _km(time: np.ndarray, event: np.ndarray, at: list[float]) -> np.ndarray:
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter().fit(time, event)
    return np.array([float(fitter.predict(t)) for t in at])


def test_confidence_bands_are_not_curves(lifelines_figure: tuple[Path, dict]) -> None:
    path, data = lifelines_figure
    result = digitize(path)
    assert [a.name for a in result.arms] == ["control", "treatment"]
    times = [3.0, 9.0, 18.0, 30.0, 45.0]
    for index, (time, event) in enumerate(data.values()):
        assert np.max(np.abs(read_at(result, index, times) - _km(time, event, times))) <= 0.02


def test_risk_table_grouped_by_arm_gives_the_at_risk_rows(
    lifelines_figure: tuple[Path, dict],
) -> None:
    path, data = lifelines_figure
    result = digitize(path)
    ticks = np.arange(0, 61, 12)
    for arm, (time, _) in zip(result.arms, data.values(), strict=True):
        # lifelines prints those still at risk just after each tick
        printed = [len(time)] + [int(np.sum(time > t)) for t in ticks[1:]]
        assert arm.risk_table is not None
        assert list(arm.risk_table.time) == list(ticks)
        assert list(arm.risk_table.n_at_risk) == printed
    assert any("other counts" in w for w in result.warnings)
    for arm, (time, event) in zip(result.arms, data.values(), strict=True):
        assert arm.events == int(np.sum(event[time <= 60]))  # the Events row at the last tick
    assert result.events == {a.name: a.events for a in result.arms}


def test_text_in_the_panel_is_no_arm_in_a_small_jpeg() -> None:
    result = digitize(FIGURES / "lea_2c-styled.jpg")
    assert [a.name for a in result.arms] == ["et", "et_b"]
    true = {"et": [0.978, 0.9613, 0.844, 0.743, 0.5035], "et_b": [0.9733, 0.9451, 0.8347, 0.687]}
    assert np.max(np.abs(read_at(result, 0, [6.0, 12.0, 24.0, 36.0, 44.0]) - true["et"])) <= 0.015
    assert np.max(np.abs(read_at(result, 1, [6.0, 12.0, 24.0, 36.0]) - true["et_b"])) <= 0.015


def test_legend_key_in_a_faint_shade_of_its_curve_takes_the_curve() -> None:
    result = digitize(FIGURES / "amaros_2a-styled.jpg")
    assert [a.name for a in result.arms] == ["dissection", "radiotherapy"]
    times = [1.0, 3.0, 5.0, 7.0, 9.0]
    assert np.max(np.abs(read_at(result, 0, times) - [0.9864, 0.9094, 0.8646, 0.8, 0.7525])) < 0.01
    assert result.arms[0].risk_table is not None
    assert list(result.arms[0].risk_table.n_at_risk) == [744, 686, 511, 322, 140, 31]


def _line(row: float, *texts: str) -> RiskLine:
    words = tuple(
        Word(int(row), 10 * i, int(row) + 8, 10 * i + 8, text=t) for i, t in enumerate(texts)
    )
    return RiskLine(row, None, words)


def test_regroup_names_at_risk_rows_by_their_heading_and_sets_other_counts_aside() -> None:
    lines = [
        _line(10, "Drug", "A"),
        _line(20, "At", "risk", "50", "40"),
        _line(30, "Censored", "0", "3"),
        _line(40, "Placebo"),
        _line(50, "At", "risk", "48", "30"),
        _line(60, "Events", "0", "15"),
    ]
    rows = [RiskRow(lines[i], label, ()) for i, label in ((1, "At risk"), (2, "Censored"))]
    rows += [RiskRow(lines[i], label, ()) for i, label in ((4, "At risk:"), (5, "Events"))]
    out, aside, events = regroup(rows, lines)
    assert [r.label for r in out] == ["Drug A", "Placebo"]
    assert aside == 2
    assert [r.label for r in events] == ["Placebo"]  # the events row of the second group


def test_regroup_leaves_rows_labelled_by_arm_alone() -> None:
    lines = [_line(10, "Number", "at", "risk"), _line(20, "Drug", "A", "50"), _line(30, "B", "9")]
    rows = [RiskRow(lines[1], "Drug A", ()), RiskRow(lines[2], "B", ())]
    assert regroup(rows, lines) == (rows, 0, [])


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("At risk", "at risk"),
        ("No. at risk", "at risk"),
        ("Number at risk:", "at risk"),
        ("Censored", "censored"),
        ("Events", "events"),
        ("Deaths", "events"),
        ("No. of events", "events"),
        ("Cumulative events", "events"),
        ("n censored", "censored"),
        ("Placebo", None),
        ("Risk group 1", None),
    ],
)
def test_measure_labels(label: str, kind: str | None) -> None:
    assert count_kind(label) == kind


def test_pen_is_the_commonest_vertical_run() -> None:
    mask = np.zeros((60, 100), dtype=bool)
    mask[10:13, :] = True  # a flat stretch, 3 px thick
    mask[30:33, 20:90] = True
    mask[5:55, 40:42] = True  # a drop and a censor mark, longer but fewer columns
    mask[20:30, 70] = True
    assert _pen(mask) == 3


def test_fills_take_a_pale_band_and_leave_the_curve_through_it() -> None:
    labels = np.full((80, 120), -1, dtype=np.int64)
    coverage = np.zeros((80, 120))
    labels[20:60, 10:110], coverage[20:60, 10:110] = 0, 0.25  # a band at low coverage
    labels[38:41, 10:110], coverage[38:41, 10:110] = 0, 1.0  # the pen through it
    labels[70:72, 10:110], coverage[70:72, 10:110] = 1, 1.0  # another curve
    from kmipd.digitize._colours import InkColour

    colours = [InkColour((31, 119, 180), 500), InkColour((200, 30, 30), 200)]
    fill = _fills(labels, coverage, colours, np.array([255, 255, 255], dtype=np.uint8))
    assert fill[25, 50] and fill[55, 100]
    assert not fill[39, 50].any() and not fill[70:72].any()


def test_fills_leave_a_keyed_pale_pen_whose_band_is_paler_still() -> None:
    from kmipd.digitize._colours import InkColour

    labels = np.full((80, 120), -1, dtype=np.int64)
    coverage = np.zeros((80, 120))
    labels[20:60, 10:110], coverage[20:60, 10:110] = 1, 0.2  # the pale pen's paler band
    labels[38:40, 10:110], coverage[38:40, 10:110] = 1, 1.0  # a light pen thinned: pale too
    labels[70:72, 10:110], coverage[70:72, 10:110] = 0, 1.0  # a strong pen
    pale = [InkColour((20, 120, 200), 500), InkColour((228, 162, 162), 300)]
    white = np.array([255, 255, 255], dtype=np.uint8)
    fill = _fills(labels, coverage, pale, white, keyed={0, 1})
    assert fill[25, 50] and not fill[38:40, 10:110].any()
    # no key shows it: a band's edge colour, with its paler inside; all of it is wash
    assert _fills(labels, coverage, pale, white, keyed={0})[38:40, 10:110].all()
    coverage[20:60, 10:110] = 1.0  # a band's own pale colour: its thin rows are wash too
    coverage[38:40, 10:110] = 1.0
    labels[5:7, 10:110], coverage[5:7, 10:110] = 1, 1.0
    fill = _fills(labels, coverage, pale, white, keyed={0, 1})
    assert fill[25, 50] and fill[5:7, 10:110].all()


def _dealt(labels: list[str], names: list[str]) -> tuple[dict[int, RiskRow], list[str]]:
    """Keyless rows labelled ``labels`` (top to bottom) given to unkeyed arms named ``names``."""
    from kmipd.digitize._arms import ArmDraft
    from kmipd.digitize._tables import assign_rows

    rows = [RiskRow(_line(10 * (k + 1), text, "50"), text, ()) for k, text in enumerate(labels)]
    drafts = [ArmDraft(k, None, None) for k in range(len(names))]
    warnings_: list[str] = []
    return assign_rows(rows, drafts, names, warnings_), warnings_


def test_rows_go_to_the_arm_whose_name_matches_best() -> None:
    # "et" is nearly as like "et_b" (0.67) as "et_b" itself: the better pair goes first
    assigned, warnings_ = _dealt(["et", "et_b"], ["et_b", "arm 2"])
    assert assigned[0].label == "et_b" and assigned[1].label == "et"
    assert warnings_ == [
        "risk-table rows given to arms by position (1 row(s)); check the arm order"
    ]


def test_a_name_two_row_labels_match_equally_decides_nothing() -> None:
    # a small screenshot's legend read "c!" for "ct": both rows are as like "ctb"
    assigned, warnings_ = _dealt(["ct", "cb"], ["c!", "ctb"])
    assert assigned[0].label == "ct" and assigned[1].label == "cb"  # by position, warned
    assert warnings_ == [
        "risk-table rows given to arms by position (2 row(s)); check the arm order"
    ]


def test_a_label_as_like_two_names_goes_to_the_earlier_arm() -> None:
    # one row, "Arm A", and two unnamed arms (one a stray trace): the row is not lost
    assigned, warnings_ = _dealt(["Arm A"], ["arm 1", "arm 2"])
    assert list(assigned) == [0] and assigned[0].label == "Arm A"
    assert warnings_ == []


def test_row_labels_match_names_with_letters_ocr_confuses() -> None:
    # the legend read "gcl" for "gci": the row "gci" is that arm's, not "gc"'s
    assigned, _ = _dealt(["At", "gci"], ["gc", "gcl"])
    assert assigned[1].label == "gci" and assigned[0].label == "At"


def test_arms_without_a_legend_are_named_from_their_risk_table_rows(
    tmp_path: Path,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts

    fig, ax = plt.subplots(figsize=(7, 5.2), dpi=110)
    fitters = []
    for (name, (time, event)), colour in zip(
        _arms_data().items(), ("#1f4e9c", "#c0392b"), strict=True
    ):
        fitter = KaplanMeierFitter(label=f"{name}_arm").fit(time, event)
        fitter.plot_survival_function(ax=ax, ci_show=False, color=colour, legend=False)
        fitters.append(fitter)
    ax.set_xlim(0, 60)
    ax.set_xticks(np.arange(0, 61, 12))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        add_at_risk_counts(*fitters, ax=ax, rows_to_show=["At risk"])
    fig.tight_layout()
    fig.savefig(tmp_path / "no_legend.png")
    plt.close(fig)
    result = digitize(tmp_path / "no_legend.png")
    # the rows, by position the wrong way round, fit either curve; the order that leaves
    # the two arms censored alike deals them, and each arm takes its row's name
    names = {("red" if a.colour[0] > a.colour[2] else "blue"): a.name for a in result.arms}
    assert names == {"red": "treatment_arm", "blue": "control_arm"}
    assert any("censoring alike" in w and "against their positions" in w for w in result.warnings)


def test_the_one_arm_no_legend_names_takes_its_name_from_its_row() -> None:
    from kmipd.digitize._arm_rows import names_from_rows
    from kmipd.digitize._result import ArmResult
    from kmipd.types import CensorMarks, Curve

    def arm(name: str, label: str | None) -> ArmResult:
        curve = Curve(time=np.array([0.0, 1.0]), survival=np.array([1.0, 0.5]), arm=name)
        return ArmResult(
            name, curve, CensorMarks(np.zeros(0), arm=name), None, (0, 0, 0), label=label
        )

    lines = [_line(10, "Drug", "A", "50"), _line(20, "Placebo", "48")]
    rows = {0: RiskRow(lines[0], "Drug A", ()), 1: RiskRow(lines[1], "Placebo", ())}
    notes = ["arm 'arm 2': the curve is hidden before time 3; taken to start at survival 1"]
    out = names_from_rows(
        [arm("Drug A", "Drug A"), arm("arm 2", None)], rows, frozenset(), {1}, notes
    )
    assert [a.name for a in out] == ["Drug A", "Placebo"]
    assert out[1].curve.arm == "Placebo" and out[1].censor_marks.arm == "Placebo"
    assert notes[0].startswith("arm 'Placebo'")
    guessed = names_from_rows(
        [arm("arm 1", None), arm("arm 2", None)], rows, frozenset(), {0, 1}, []
    )
    assert [a.name for a in guessed] == ["arm 1", "arm 2"]


def test_an_arm_first_seen_apart_from_a_curve_drawn_from_the_start_ran_along_it() -> None:
    from kmipd.digitize._trace import _hidden_start

    cols = 100
    other = np.linspace(10.0, 60.0, cols)  # image rows: the other curve falls to the right
    level = np.full(cols, np.nan)
    level[70:] = 80.0  # the arm is first seen at column 70, well below the other curve
    assert _hidden_start(other, level, 70, 0, 2.0) == 0
    late = other.copy()
    late[:30] = np.nan  # the other curve is not drawn from the start either
    assert _hidden_start(late, level, 70, 0, 2.0) == 70
    assert _hidden_start(None, level, 70, 0, 2.0) == 70
    below = np.linspace(90.0, 120.0, cols)  # the other curve lies below the arm throughout
    assert _hidden_start(below, level, 70, 0, 2.0) == 70


def test_words_side_by_side_on_a_line_are_one_line_of_text() -> None:
    from kmipd.digitize._curves import _same_line

    hr, ratio = Word(40, 100, 50, 118), Word(41, 123, 50, 160)
    below, far = Word(55, 100, 65, 140), Word(40, 300, 50, 330)
    assert _same_line(hr, ratio) and _same_line(ratio, hr)
    assert not _same_line(hr, below) and not _same_line(hr, far)


def test_a_lone_at_risk_row_is_not_named_after_the_axis_title() -> None:
    lines = [_line(10, "Time", "(months)"), _line(20, "No.", "at", "risk", "100", "80")]
    rows = [RiskRow(lines[1], "No. at risk", ())]
    assert regroup(rows, lines) == (rows, 0, [])


def test_no_fills_where_every_colour_is_pale() -> None:
    from kmipd.digitize._colours import InkColour

    labels = np.full((60, 60), -1, dtype=np.int64)
    labels[10:50, 10:50] = 0  # a thick light-grey stroke, the only colour
    fill = _fills(labels, np.ones((60, 60)), [InkColour((190, 190, 190), 900)], np.full(3, 255))
    assert not fill.any()


def test_events_row_total_needs_rising_counts_and_a_table_to_the_curves_end() -> None:
    from kmipd.digitize._arm_rows import events_by_end
    from kmipd.digitize._result import ArmResult, RiskCell
    from kmipd.types import CensorMarks, Curve, RiskTable

    curve = Curve(time=np.array([0.0, 20.0, 24.0]), survival=np.array([1.0, 0.6, 0.6]), arm="A")
    table = RiskTable(time=np.array([0.0, 12.0, 24.0]), n_at_risk=np.array([50, 30, 20]), arm="A")
    arm = ArmResult("A", curve, CensorMarks(np.zeros(0), arm="A"), table, (0, 0, 0))

    def row(values: list[int]) -> RiskRow:
        cells = tuple(
            RiskCell(0.0, 0.0, str(v), v, t, 0.99)
            for v, t in zip(values, [0.0, 12.0, 24.0], strict=True)
        )
        return RiskRow(_line(10, "Events"), "A", cells)

    notes: list[str] = []
    assert events_by_end(row([0, 12, 19]), arm, notes) == 19
    assert events_by_end(row([0, 12, 9]), arm, notes) is None  # counts fall: misread
    assert events_by_end(row([0, 25, 26]), arm, notes) is None  # 25 events, 20 left
    assert events_by_end(row([0, 12, 119]), arm, notes) is None  # more than left
    short = replace(
        arm, risk_table=RiskTable(time=np.array([0.0, 12.0]), n_at_risk=np.array([50, 30]), arm="A")
    )
    assert events_by_end(row([0, 12, 19]), short, notes) is None  # table stops at 12 of 24
    assert len(notes) == 5


def test_frame_found_when_a_coloured_number_breaks_the_foot_of_the_y_axis() -> None:
    from kmipd.digitize._frame import find_frame

    ink, chroma = np.zeros((600, 800)), np.zeros((600, 800))
    ink[20:515, 193] = 1.0  # the y axis, broken above the x axis by a red "136"
    ink[528:543, 193] = 1.0
    ink[542, 188:745] = 1.0  # the x axis
    ink[515:528, 185:203], chroma[515:528, 185:203] = 0.8, 0.9
    frame = find_frame(ink, chroma)
    assert frame.kind == "axes"
    assert (frame.left, frame.bottom) == (193.0, 542.0)


def test_numbers_at_risk_printed_inside_the_panel_are_read_by_colour_over_its_edges_too(
    tmp_path: Path,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter

    fig, ax = plt.subplots(figsize=(7, 5.6), dpi=110)
    ticks = np.arange(0, 61, 12)
    expected = {}
    for i, ((name, (time, event)), colour) in enumerate(
        zip(_arms_data().items(), ("#000000", "#e41a1c"), strict=True)
    ):
        fitter = KaplanMeierFitter(label=name).fit(time, event)
        fitter.plot_survival_function(ax=ax, ci_show=False, color=colour)
        counts = [int(np.sum(time >= t)) for t in ticks]
        expected[name] = counts  # those at the ends are printed over the panel's edges
        for t, count in zip(ticks, counts, strict=True):
            ax.text(
                float(t), 0.03 + 0.05 * (1 - i), str(count), ha="center", fontsize=8, color=colour
            )
    ax.set_xlim(0, 60)
    ax.set_ylim(0, 1)
    ax.set_xticks(ticks)
    fig.tight_layout()
    fig.savefig(tmp_path / "inside.png")
    plt.close(fig)
    result = digitize(tmp_path / "inside.png")
    assert any("inside the plot area" in w for w in result.warnings)
    for arm in result.arms:
        assert arm.risk_table is not None
        table = arm.risk_table
        read = dict(zip(table.time.tolist(), table.n_at_risk.tolist(), strict=True))
        assert [read.get(float(t)) for t in ticks[:-1]] == expected[arm.name][:-1]
        # a black one-digit count at the end lies mostly under the black border: not guessed
        assert read.get(float(ticks[-1])) in (None, expected[arm.name][-1])


def test_a_table_under_the_axis_has_words_under_three_ticks_a_title_has_not() -> None:
    from kmipd.digitize._reading import _has_table

    ticks = [Word(400, c - 5, 410, c + 5, text=str(i)) for i, c in enumerate(range(100, 700, 100))]
    title = RiskLine(440, None, (Word(440, 330, 452, 370, text="Time"), Word(440, 374, 452, 440)))
    row = RiskLine(470, None, tuple(Word(470, c - 8, 480, c + 8) for c in (100, 200, 300, 400)))
    assert not _has_table([title], ticks)
    assert _has_table([title, row], ticks)


def test_a_longer_rule_under_the_x_axis_is_not_taken_for_it() -> None:
    from kmipd.digitize._frame import find_frame

    ink, chroma = np.zeros((600, 800)), np.zeros((600, 800))
    ink[20:451, 193] = 1.0  # the y axis
    ink[450, 188:746] = 1.0  # the x axis
    ink[520, 188:760] = 1.0  # a longer rule under the table
    assert find_frame(ink, chroma).bottom == 450.0


def test_extract_passes_the_events_read_and_the_users_win(
    lifelines_figure: tuple[Path, dict], tmp_path: Path
) -> None:
    import pandas as pd

    from kmipd.cli import main

    path, data = lifelines_figure
    out = tmp_path / "ipd.csv"
    assert main(["extract", str(path), "--out", str(out)]) == 0
    read = pd.read_csv(out).groupby("arm").event.sum().to_dict()
    assert read == {name: int(np.sum(e[t <= 60])) for name, (t, e) in data.items()}
    mine = tmp_path / "mine.csv"
    assert main(["extract", str(path), "--out", str(mine), "--events", "control=100"]) == 0
    assert pd.read_csv(mine).groupby("arm").event.sum()["control"] == 100


def test_pieces_of_a_number_cut_by_the_y_axis_are_joined_a_tick_label_beside_it_is_not() -> None:
    from kmipd.digitize._reading import _centred_over, _joined_over

    seven, four = Word(460, 63, 470, 68), Word(460, 78, 470, 84)  # "744" over the axis at 74
    joined = _joined_over([seven, four], 74.0)
    assert [(w.col0, w.col1) for w in joined] == [(63, 84)]
    label = Word(460, 39, 470, 61)  # a y tick label ends well left of the axis
    assert {(w.col0, w.col1) for w in _joined_over([label, four], 74.0)} == {(39, 61), (78, 84)}
    # a lone piece touching the axis is widened to be centred on it; others stay as they are
    assert (_centred_over(Word(460, 66, 470, 72), 74.0).col1) == 82
    assert _centred_over(label, 74.0) == label


def test_edge_lines_are_bridged_in_the_bottom_of_the_panel_where_no_stroke_crosses() -> None:
    from types import SimpleNamespace

    from kmipd.digitize._reading import _bridged

    grey = np.full((220, 200), 255, dtype=np.uint8)
    grey[0:201, 50] = 0  # the y axis
    grey[190, 45:56] = 0  # a digit's bar across it, near the bottom
    grey[20, 45:56] = 0  # a stroke across it higher up (not in the bottom fifth)
    frame = SimpleNamespace(top=0.0, bottom=200.0, left=50.0, right=150.0)
    out = _bridged(grey, SimpleNamespace(frame=frame))  # type: ignore[arg-type]
    assert out[170, 50] == 255 and out[195, 50] == 255  # the line is gone near the bottom
    assert out[190, 50] == 0  # the bar across it is kept
    assert out[100, 50] == 0  # higher up the line is left alone
    assert (out[:, :50] == grey[:, :50]).all() and (out[:, 51:] == grey[:, 51:]).all()
