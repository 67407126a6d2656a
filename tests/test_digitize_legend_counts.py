"""A legend printed as a table ("No. of Patients", "No. of Events"), as NEJM and Lancet draw it.

The figure is drawn here (matplotlib, DejaVu Sans): each key and arm name is
followed by the arm's patients, events and median under column headers, and
the numbers at risk sit under the plot. The arms are seeded, and the x axis
runs past the last follow-up, so the events the legend states are all on
the curves.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.transforms import blended_transform_factory

from kmipd.cli import main as kmipd_main
from kmipd.digitize import digitize
from kmipd.digitize._legend_counts import (
    TableGeometry,
    column_kind,
    legend_table,
    read_counts,
    take_from_label,
    with_stated_events,
)
from kmipd.digitize._result import ArmResult
from kmipd.digitize._text import Word
from kmipd.errors import ReconstructionError
from kmipd.pipeline import reconstruct_with_read_events
from kmipd.types import CensorMarks, Curve, RiskTable

NAMES = ("Chemotherapy", "Antibody + chemo")
COLOURS = ("#1f4e9c", "#c0392b")
TICKS = np.arange(0, 61, 6)


def _arms() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Two arms (seeded), all follow-up within 58 months, both above 40 % from 30 months."""
    rng = np.random.default_rng(5)
    out = {}
    for name, scale, size in zip(NAMES, (40.0, 90.0), (176, 181), strict=True):
        event_time, censor_time = rng.exponential(scale, size), rng.uniform(4, 58, size)
        out[name] = (np.minimum(event_time, censor_time), event_time <= censor_time)
    return out


def _draw(
    path: Path,
    *,
    headers: tuple[str, str] = ("No. of\nPatients", "No. of\nEvents"),
    name_at: float = 0.51,
) -> None:
    from lifelines import KaplanMeierFitter

    fig, ax = plt.subplots(figsize=(6.4, 5.0), dpi=120)
    fig.subplots_adjust(left=0.26, bottom=0.3, right=0.96, top=0.97)
    below = blended_transform_factory(ax.transData, ax.transAxes)
    on_axes = ax.transAxes
    for i, (name, (time, event)) in enumerate(_arms().items()):
        frame = KaplanMeierFitter().fit(time, event).survival_function_
        ax.step(frame.index, 100 * frame.iloc[:, 0], where="post", color=COLOURS[i], lw=1.4)
        y = 0.86 - 0.05 * i  # the table over the curves' right half
        key = [name_at - 0.05, name_at - 0.01]
        ax.plot(key, [y + 0.01, y + 0.01], color=COLOURS[i], lw=1.4, transform=on_axes)
        cells = (name, str(len(time)), str(int(event.sum())))
        for x, text in zip((name_at, 0.8, 0.92), cells, strict=True):
            ha = "left" if x == name_at else "center"
            ax.text(x, y, text, transform=on_axes, ha=ha, va="bottom", fontsize=7)
        for t in TICKS:
            count = str(int(np.sum(time >= t)))
            ax.text(float(t), -0.27 - 0.07 * i, count, transform=below, ha="center")
        ax.text(-0.33, -0.27 - 0.07 * i, name, transform=on_axes, color=COLOURS[i])
    for x, text in zip((0.8, 0.92), headers, strict=True):
        ax.text(x, 0.93, text, transform=on_axes, ha="center", va="bottom", fontsize=7)
    ax.set_xlim(0, 60)
    ax.set_xticks(TICKS)
    ax.set_ylim(0, 100)
    ax.set_xlabel("Months")
    ax.set_ylabel("Overall Survival (%)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.savefig(path)
    plt.close(fig)


@pytest.fixture(scope="module", params=["png", "pdf"])
def figure(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """The figure as a raster (OCR) and as a vector PDF (its own text)."""
    path = tmp_path_factory.mktemp("counts") / f"legend_table.{request.param}"
    _draw(path)
    return path


def test_the_legend_tables_patients_and_events_are_read_and_the_events_used(
    figure: Path,
) -> None:
    result = digitize(figure)
    truth = _arms()
    assert [a.name for a in result.arms] == list(NAMES)
    for arm in result.arms:
        time, event = truth[arm.name]
        assert arm.stated_n == len(time) and arm.n == len(time)
        assert arm.stated_events == int(event.sum())
        assert arm.events == int(event.sum())  # the curves end inside the plot
    assert result.events == {name: int(e.sum()) for name, (_, e) in truth.items()}
    assert sum("events read from the legend's table" in w for w in result.warnings) == 2


def test_extract_rebuilds_each_arm_with_the_legends_patients_and_events(
    figure: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ipd.csv"
    assert kmipd_main(["extract", str(figure), "--out", str(out)]) == 0
    ipd = pd.read_csv(out)
    truth = _arms()
    assert ipd.groupby("arm").size().to_dict() == {k: len(t) for k, (t, _) in truth.items()}
    assert ipd.groupby("arm").event.sum().to_dict() == {
        k: int(e.sum()) for k, (_, e) in truth.items()
    }
    assert "events read from the legend's table" in capsys.readouterr().out


def test_a_study_file_rebuilds_figure_arms_with_the_legends_events(
    figure: Path, tmp_path: Path
) -> None:
    import shutil
    import warnings

    from kmipd.pipeline import run_study

    folder = tmp_path / "study"
    folder.mkdir()
    shutil.copy(figure, folder / figure.name)
    arms = "".join(
        f'[[arm]]\nid = "a{k}"\ntrial = "T"\nendpoint = "OS"\n'
        f'figure = "{figure.name}"\nselect = "{name}"\n'
        for k, name in enumerate(NAMES)
    )
    study = folder / "study.toml"
    study.write_text('title = "Legend table"\ntime_unit = "months"\n' + arms)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        done = run_study(study, tmp_path / "out")
    truth = _arms()
    for k, name in enumerate(NAMES):
        result = done.results["arms"][f"a{k}"]
        assert result["n"] == len(truth[name][0])
        assert result["events"] == int(truth[name][1].sum())


@pytest.mark.parametrize("suffix", ["png", "pdf"])
def test_a_count_printed_close_to_a_name_stays_out_of_it(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"close.{suffix}"
    _draw(path, name_at=0.55)  # "Antibody + chemo" ends about an em before "181"
    result = digitize(path)
    assert [a.name for a in result.arms] == list(NAMES)
    truth = _arms()
    assert [a.stated_n for a in result.arms] == [len(truth[name][0]) for name in NAMES]


def test_take_from_label_moves_trailing_counts_into_empty_cells() -> None:
    name, count = Word(50, 60, 60, 120), Word(50, 150, 60, 170)
    table = TableGeometry(
        cells=(((Word(30, 150, 40, 170),),), ((),)),
        headers=((Word(10, 145, 20, 175),),),
        columns=((150, 170),),
    )
    moved, label = take_from_label(table, 1, (name, count), lambda w: w is count)
    assert label == (name,) and moved.cells[1] == ((count,),)
    kept, label = take_from_label(table, 0, (name, count), lambda w: w is count)
    assert label == (name, count) and kept is table  # its cell is taken already
    assert take_from_label(table, 1, (count,), lambda w: True)[1] == (count,)  # a first word


def test_columns_under_other_headers_give_no_counts(tmp_path: Path) -> None:
    path = tmp_path / "other_headers.png"
    _draw(path, headers=("Median\nage", "Rate at\n2 years"))
    result = digitize(path)
    assert [a.name for a in result.arms] == list(NAMES)
    assert all(a.stated_n is None and a.stated_events is None for a in result.arms)
    assert all(a.events is None for a in result.arms)


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("No. of Events", "events"),
        ("No. of events (%)", "events"),
        ("Deaths", "events"),
        ("No. of Patients", "patients"),
        ("N", "patients"),
        ("Events/patients", "events/patients"),
        ("Patients/events", "patients/events"),
        ("Median Progression-free Survival (95% CI), mo", None),
        ("Events per 100 patient-years", None),
        ("Hazard ratio", None),
    ],
)
def test_a_column_is_named_by_its_header(header: str, kind: str | None) -> None:
    assert column_kind(header) == kind


def test_cells_are_read_as_counts_only_under_count_headers_and_read_surely() -> None:
    headers = [("No. of Patients", 0.95), ("No. of Events (%)", 0.9), ("Median, mo", 0.9)]
    cells = [
        [("1,024", 0.9), ("87 (33.3)", 0.9), ("14.2", 0.9)],
        [("263", 0.9), ("158", 0.4), ("6.8", 0.9)],  # events unsure
        [("20", 0.9), ("31", 0.9), ("NR", 0.9)],  # more events than patients: misread
    ]
    first, second, third = read_counts(headers, cells)
    assert first is not None and (first.n, first.events) == (1024, 87)
    assert second is not None and (second.n, second.events) == (263, None)
    assert third is None
    paired = read_counts([("Events/patients", 0.9)], [[("87/261", 0.95)]])
    assert paired[0] is not None and (paired[0].n, paired[0].events) == (261, 87)
    unsure_header = read_counts([("No. of Events", 0.5)], [[("87", 0.95)]])
    assert unsure_header == [None]


def test_the_table_is_the_words_beside_the_labels_under_headers() -> None:
    # two entries (label ends at column 100); the events cells "87 (33)" are two words
    first = [Word(50, 60, 60, 100), Word(50, 150, 60, 170), Word(50, 210, 60, 225)]
    first += [Word(50, 228, 60, 250)]
    second = [Word(70, 60, 80, 100), Word(70, 150, 80, 170), Word(70, 210, 80, 250)]
    headers = [Word(20, 140, 30, 180), Word(32, 145, 42, 175), Word(32, 215, 42, 245)]
    far = Word(30, 400, 40, 440)  # over no column
    lines = [(100, first), (100, second)]
    table = legend_table(lines, [*first, *second, *headers, far], [])
    assert table is not None and len(table.headers) == 2
    assert table.headers[0] == (headers[0], headers[1]) and table.headers[1] == (headers[2],)
    assert table.cells[0] == ((first[1],), (first[2], first[3]))
    assert table.cells[1] == ((second[1],), (second[2],))
    assert legend_table(lines, [*first, *second, far], []) is None  # no words over them


def _arm(end: float, table: RiskTable | None, stated: int) -> ArmResult:
    curve = Curve(time=np.array([0.0, 10.0, end]), survival=np.array([1.0, 0.6, 0.6]), arm="a")
    return ArmResult(
        "a", curve, CensorMarks(np.zeros(0), arm="a"), table, (0, 0, 0), stated_events=stated
    )


def test_the_legends_events_are_used_only_where_the_follow_up_ends_inside_the_figure() -> None:
    notes: list[str] = []
    table = RiskTable(time=np.array([0.0, 30.0, 60.0]), n_at_risk=np.array([100, 40, 12]))
    assert with_stated_events(_arm(50.0, table, 40), 60.0, notes).events == 40  # ends early
    running = with_stated_events(_arm(60.0, table, 40), 60.0, notes)
    assert running.events is None and "12 still at risk" in notes[-1]
    few_left = RiskTable(time=np.array([0.0, 30.0, 60.0]), n_at_risk=np.array([100, 40, 2]))
    assert with_stated_events(_arm(60.0, few_left, 40), 60.0, notes).events == 40
    too_many = with_stated_events(_arm(50.0, table, 140), 60.0, notes)
    assert too_many.events is None and "more than its 100 patients" in notes[-1]
    # a curve that leaves through the floor of a y axis cut short ends before its follow-up
    cut = with_stated_events(_arm(50.0, table, 40), 60.0, notes, cut=True)
    assert cut.events is None and "leaves the plot" in notes[-1]


def test_event_totals_read_that_cannot_be_met_are_dropped_with_a_note() -> None:
    curve = Curve(time=[0, 2, 2, 5, 5, 8], survival=[1, 1, 0.8, 0.8, 0.6, 0.6], arm="a")
    table = RiskTable(time=[0, 4, 8], n_at_risk=[10, 8, 6], arm="a")  # 2 to 4 events
    result, note = reconstruct_with_read_events(
        {"a": curve}, {"a": 9}, risk_table={"a": table}, warn=False
    )
    assert note is not None and "a=9" in note and "could not be met" in note
    assert int(result.ipd.event.sum()) == 4
    kept, none = reconstruct_with_read_events(
        {"a": curve}, {"a": 4}, risk_table={"a": table}, warn=False
    )
    assert none is None and int(kept.ipd.event.sum()) == 4
    with pytest.raises(ReconstructionError):  # a total a person gave is not dropped
        reconstruct_with_read_events(
            {"a": curve}, {}, risk_table={"a": table}, events={"a": 9}, warn=False
        )


def test_only_the_arm_whose_read_total_cannot_be_met_loses_it() -> None:
    curve = Curve(time=[0, 2, 2, 5, 5, 8], survival=[1, 1, 0.8, 0.8, 0.6, 0.6])
    table = RiskTable(time=[0, 4, 8], n_at_risk=[10, 8, 6])
    curves = {"a": replace(curve, arm="a"), "b": replace(curve, arm="b")}
    tables = {"a": replace(table, arm="a"), "b": replace(table, arm="b")}
    result, note = reconstruct_with_read_events(
        curves, {"a": 9, "b": 3}, risk_table=tables, warn=False
    )
    assert note is not None and "a=9" in note and "b=3" not in note
    assert result.arms["b"].diagnostics.events_given == 3
    assert result.arms["a"].diagnostics.events_given is None


def test_a_curve_read_short_of_the_patients_its_table_holds_is_warned_about() -> None:
    """Patients at risk at 60 mean the curve goes on to 60: one read to 50 was cut short
    (warned); one read to 59.5, or a table whose last count is 0, is not."""
    from kmipd.digitize._arm_rows import cut_short

    held = RiskTable(time=np.array([0.0, 30.0, 60.0]), n_at_risk=np.array([100, 40, 12]))
    emptied = RiskTable(time=np.array([0.0, 30.0, 60.0]), n_at_risk=np.array([100, 40, 0]))
    (note,) = cut_short([_arm(50.0, held, 0)])
    assert "read only to time 50" in note and "at risk at 60" in note
    assert cut_short([_arm(59.5, held, 0), _arm(50.0, emptied, 0), _arm(50.0, None, 0)]) == []


def test_a_curve_gone_under_another_runs_along_it_while_its_table_holds_patients() -> None:
    """Arm "a" is read to 20, where arm "b" runs on at its level; its table has patients
    at risk at 60, so it is taken along "b" (and down its later drop) to 60. At another
    level it is not: it is only warned about."""
    from kmipd.digitize._arm_rows import cut_short
    from kmipd.digitize._calibrate import AxisCalibration
    from kmipd.digitize._hidden_tail import along_covering_curves

    table = RiskTable(time=np.array([0.0, 30.0, 60.0]), n_at_risk=np.array([100, 40, 12]))
    a = replace(_arm(20.0, table, 0), curve=replace(_arm(20.0, table, 0).curve, precision=0.003))
    times = np.arange(0.0, 70.5, 0.5)
    b = replace(
        _arm(70.0, None, 0),
        name="b",
        curve=Curve(times, np.select([times < 10, times < 40], [1.0, 0.6], 0.5), arm="b"),
    )
    x_axis = AxisCalibration("x", 0.1, 0.0)
    notes: list[str] = []
    out = along_covering_curves([a, b], x_axis, notes)
    assert out[0].curve.time[-1] == 60.0 and out[0].curve.survival[-1] == 0.5
    assert "goes under the curve of arm 'b' at time 20" in notes[0]
    assert cut_short(out) == []
    higher = replace(b, curve=Curve(times, np.where(times < 10, 1.0, 0.7), arm="b"))
    notes.clear()
    kept = along_covering_curves([a, higher], x_axis, notes)
    assert kept[0].curve.time[-1] == 20.0 and notes == []
    assert len(cut_short(kept)) == 1


def test_hidden_tails_follow_the_curve_that_goes_furthest() -> None:
    """Three arms at one level: "a" ends at 20, "b" at 30 and "c" runs on to 70, and the
    tables of "a" and "b" hold patients to 60. Both go on along "c" (not "a" along "b" only
    to 30) to 60, with their pixels and a curve confidence for the share they were seen
    in. A floored arm is left as it is, and an arm with no curve points is passed over."""
    from kmipd.digitize._arm_rows import cut_short
    from kmipd.digitize._calibrate import AxisCalibration
    from kmipd.digitize._hidden_tail import along_covering_curves

    table = RiskTable(time=np.array([0.0, 30.0, 60.0]), n_at_risk=np.array([100, 40, 12]))
    x_axis = AxisCalibration("x", 0.1, 0.0)  # 10 px a month

    def arm(name: str, end: float, held: RiskTable | None) -> ArmResult:
        times = np.arange(0.0, end + 0.05, 0.5)
        level = np.where(times < 10, 1.0, 0.6)
        return ArmResult(
            name,
            Curve(times, level, arm=name, precision=0.003),
            CensorMarks(np.zeros(0), arm=name),
            held,
            (0, 0, 0),
            confidence={"curve": 0.9},
            pixels=(times * 10.0, 100.0 + 100.0 * (1.0 - level)),
        )

    a, b, c = arm("a", 20.0, table), arm("b", 30.0, table), arm("c", 70.0, None)
    empty = replace(arm("e", 5.0, None), curve=Curve(np.zeros(0), np.zeros(0), arm="e"))
    notes: list[str] = []
    out = along_covering_curves([a, b, c, empty], x_axis, notes)
    assert [float(x.curve.time[-1]) for x in out[:2]] == [60.0, 60.0]
    assert all("under the curve of arm 'c'" in note for note in notes) and len(notes) == 2
    assert float(out[0].pixels[0].max()) == 600.0  # the borrowed stretch, drawn in the overlay
    assert out[0].confidence["curve"] == round(0.9 * 20.0 / 60.0, 3)
    assert cut_short(out[:3]) == []
    kept = along_covering_curves([a, c], x_axis, [], floored=[True, False])
    assert float(kept[0].curve.time[-1]) == 20.0
    assert cut_short([a, c], [True, False]) == []  # its end is the floor's


def test_a_curve_gone_under_another_arms_marks_runs_along_it_when_they_hide_it() -> None:
    """Arm "a" ends flat at 0.6 at time 20; arm "b" runs above it (0.65) and comes down to
    0.6 only at 24. Where a flat line from 20 to 24 would be hidden by "b"'s ink all the
    way (its marks crowded over it), "a" went under it there and goes on along "b" to 60;
    where the line would show in the open, "a" is left as read."""
    from kmipd.digitize._calibrate import AxisCalibration
    from kmipd.digitize._hidden_tail import along_covering_curves, ink_cover

    table = RiskTable(time=np.array([0.0, 30.0, 60.0]), n_at_risk=np.array([100, 40, 12]))
    x_axis = AxisCalibration("x", 0.1, 0.0)  # 10 px a month
    times = np.arange(0.0, 70.5, 0.5)

    def arm(name: str, level: np.ndarray, end: float, held: RiskTable | None) -> ArmResult:
        keep = times <= end
        return ArmResult(
            name,
            Curve(times[keep], level[keep], arm=name, precision=0.003),
            CensorMarks(np.zeros(0), arm=name),
            held,
            (0, 0, 0),
            pixels=(times[keep] * 10.0, 100.0 + 100.0 * (1.0 - level[keep])),
        )

    a = arm("a", np.where(times < 10, 1.0, 0.6), 20.0, table)
    b = arm("b", np.select([times < 10, times < 24], [1.0, 0.65], 0.55), 70.0, None)
    labels = np.full((300, 800), -1)
    labels[139:142, 201:240] = 1  # "b"'s marks over the flat line at row 140, 20 to 24
    labels[139:142, 215:217] = 0  # a speck of "a"'s own colour is no cover
    hidden = ink_cover(labels, [(0,), (1,)], [False, False])
    assert hidden(0, 140.0, 201.0, 239.0) is False  # the speck leaves two columns open
    labels[139:142, 215:217] = 1
    notes: list[str] = []
    out = along_covering_curves([a, b], x_axis, notes, covered=hidden)
    assert out[0].curve.time[-1] == 60.0 and out[0].curve.survival[-1] == 0.55
    assert float(np.max(out[0].curve.survival[out[0].curve.time > 20.0])) == 0.6
    assert "goes under the curve of arm 'b' at time 20" in notes[0]
    labels[139:142, 220:224] = -1  # 4 columns of paper: a solid line there would show
    kept = along_covering_curves([a, b], x_axis, [], covered=hidden)
    assert kept[0].curve.time[-1] == 20.0
    dashed = ink_cover(labels, [(0,), (1,)], [True, False])  # its own gaps are as wide
    assert along_covering_curves([a, b], x_axis, [], covered=dashed)[0].curve.time[-1] == 60.0
    assert along_covering_curves([a, b], x_axis, [])[0].curve.time[-1] == 20.0  # no ink given


def test_a_curve_is_not_taken_along_one_below_it() -> None:
    """Arm "b" is already below arm "a"'s last level where "a" ends: "a" did not go under it."""
    from kmipd.digitize._calibrate import AxisCalibration
    from kmipd.digitize._hidden_tail import along_covering_curves, ink_cover

    table = RiskTable(time=np.array([0.0, 30.0, 60.0]), n_at_risk=np.array([100, 40, 12]))
    times = np.arange(0.0, 70.5, 0.5)
    a = ArmResult(
        "a",
        Curve(times[times <= 20], np.where(times[times <= 20] < 10, 1.0, 0.6), precision=0.003),
        CensorMarks(np.zeros(0)),
        table,
        (0, 0, 0),
        pixels=(times[times <= 20] * 10.0, np.full((times <= 20).sum(), 140.0)),
    )
    b = ArmResult(
        "b", Curve(times, np.where(times < 10, 1.0, 0.4)), CensorMarks(np.zeros(0)), None, (0, 0, 0)
    )
    labels = np.ones((300, 800), dtype=np.int64)  # ink everywhere: it would hide anything
    hidden = ink_cover(labels, [(0,), (1,)], [False, False])
    out = along_covering_curves([a, b], AxisCalibration("x", 0.1, 0.0), [], covered=hidden)
    assert out[0].curve.time[-1] == 20.0
