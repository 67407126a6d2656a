"""Tests of running a study: outputs, results schema, reproducibility, atomicity, units."""

from __future__ import annotations

import csv
import json
import math
import shutil
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kmipd.cli import main
from kmipd.errors import InputError
from kmipd.io import read_ipd
from kmipd.pipeline import StudyRun, run_study
from kmipd.study import StudyFileError, StudyWarning

DATA = Path(__file__).parent / "data" / "study"
WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
STAMP = "2024-05-06T07:08:09Z"
FILES = {
    "results.json",
    "report.html",
    "km_PFS.png",
    "km_PFS.svg",
    "km_PFS.pdf",
    "ipd/a_control.csv",
    "ipd/a_treated.csv",
    "ipd/b_control.csv",
}


@pytest.fixture
def study(tmp_path: Path) -> Path:
    """A copy of the test study (tests/data/study) in its own folder."""
    folder = tmp_path / "study"
    shutil.copytree(DATA, folder)
    return folder / "study.toml"


def run(study: Path, out: Path, **kwargs: Any) -> StudyRun:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_study(study, out, generated=kwargs.pop("generated", WHEN), **kwargs)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def result(study: Path, tmp_path: Path) -> tuple[StudyRun, dict[str, Any]]:
    done = run(study, tmp_path / "out")
    return done, json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- outputs


def test_outputs_exist(result: tuple[StudyRun, dict[str, Any]], tmp_path: Path) -> None:
    done, _ = result
    out = tmp_path / "out"
    assert set(snapshot(out)) == FILES
    assert {str(path) for path in done.files} == FILES
    assert (out / "km_PFS.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "km_PFS.pdf").read_bytes().startswith(b"%PDF")
    assert b"<svg" in (out / "km_PFS.svg").read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no staging left


def test_results_schema(result: tuple[StudyRun, dict[str, Any]]) -> None:
    done, data = result
    assert data == json.loads(json.dumps(done.results))
    assert list(data) == [
        "kmipd_version", "generated", "study", "arms", "comparisons", "endpoints", "warnings",
    ]  # fmt: skip
    assert data["generated"] == STAMP
    assert data["study"]["title"] == "Test study <A & B>"
    assert data["study"]["landmarks"] == [2, 6, 12] and data["study"]["tau"] == 18
    assert list(data["arms"]) == ["a_control", "a_treated", "b_control"]
    for arm in data["arms"].values():
        assert {"trial", "label", "endpoint", "source", "n", "events", "median", "landmarks",
                "rmst"} <= set(arm)  # fmt: skip
        assert list(arm["landmarks"]) == ["2", "6", "12"]
        assert arm["rmst"]["tau"] == 18
    control = data["arms"]["a_control"]
    assert control["source"] == {"type": "ipd", "ipd": "trial_a_ipd.csv", "select": "control",
                                 "time_unit": None, "time_factor": 1.0}  # fmt: skip
    assert (control["n"], control["events"]) == (50, 45)
    assert "reconstruction" not in control
    mark = control["landmarks"]["2"]
    assert mark["estimable"] is True
    assert mark["survival"] + mark["event_proportion"] == pytest.approx(1.0)
    rebuilt = data["arms"]["b_control"]
    assert rebuilt["source"]["type"] == "curve"
    assert rebuilt["reconstruction"]["n"] == 80
    assert rebuilt["reconstruction"]["n_events"] == rebuilt["reconstruction"]["events_given"] == 60
    assert rebuilt["reconstruction"]["risk_table_fit"]
    pfs = data["endpoints"]["PFS"]
    assert pfs["reference"] == "a_control"
    assert [c["arm"] for c in pfs["comparisons"]] == ["a_treated", "b_control"]
    assert pfs["logrank_overall"]["df"] == 2


def test_comparisons_reference_first(result: tuple[StudyRun, dict[str, Any]]) -> None:
    _, data = result
    within, cross = data["comparisons"]
    assert (within["reference"], within["arm"]) == ("a_control", "a_treated")
    assert within["label"] == "within TRIAL-A" and within["within_trial"] is True
    assert (cross["reference"], cross["arm"]) == ("b_control", "a_treated")
    assert cross["within_trial"] is False and cross["trials"] == ["TRIAL-B", "TRIAL-A"]
    for item in (within, cross):
        for key in ("hazard_ratio", "logrank", "rmst_difference", "proportional_hazards"):
            assert item[key] is not None, key
        assert len(item["piecewise_hazard_ratios"]) == 2  # cuts = [6]
        assert item["piecewise_cuts"] == [6.0] and item["piecewise_reason"] == "given in the study"


def test_within_trial_hazard_ratio_matches_cox(result: tuple[StudyRun, dict[str, Any]]) -> None:
    _, data = result
    hr = data["comparisons"][0]["hazard_ratio"]
    assert math.isfinite(hr["estimate"]) and hr["ci"][0] < hr["estimate"] < hr["ci"][1]
    import pandas as pd
    from lifelines import CoxPHFitter

    ipd = pd.read_csv(DATA / "trial_a_ipd.csv")
    ipd["treated"] = (ipd["arm"] == "treated").astype(float)
    cox = CoxPHFitter().fit(ipd[["time", "event", "treated"]], "time", "event")
    assert hr["estimate"] == pytest.approx(math.exp(cox.params_["treated"]), rel=1e-4)


def test_piecewise_when_proportional_hazards_doubtful(study: Path, tmp_path: Path) -> None:
    study.write_text(study.read_text().replace("cuts = [6]\n", ""))
    done = run(study, tmp_path / "out")
    within, cross = done.results["comparisons"]
    assert within["proportional_hazards"]["pvalue"] < 0.05
    assert within["piecewise_cuts"] == [2.0, 6.0, 12.0]
    assert within["piecewise_reason"] == "proportional-hazards test p < 0.05"
    assert [piece["start"] for piece in within["piecewise_hazard_ratios"]] == [0, 2, 6, 12]
    assert cross["proportional_hazards"]["pvalue"] >= 0.05
    assert cross["piecewise_hazard_ratios"] == [] and cross["piecewise_reason"] is None
    assert done.results["study"]["cuts"] == []


def test_ipd_files(result: tuple[StudyRun, dict[str, Any]], tmp_path: Path) -> None:
    rows = read_csv(tmp_path / "out" / "ipd" / "a_control.csv")
    assert list(rows[0]) == ["arm", "time", "event"]
    assert {row["arm"] for row in rows} == {"a_control"}
    time, event = read_ipd(DATA / "trial_a_ipd.csv", select="control")["control"]
    np.testing.assert_array_equal([float(row["time"]) for row in rows], time)
    np.testing.assert_array_equal([int(row["event"]) for row in rows], event)
    rebuilt = read_csv(tmp_path / "out" / "ipd" / "b_control.csv")
    assert len(rebuilt) == 80 and sum(int(row["event"]) for row in rebuilt) == 60


def test_report_is_self_contained_and_escaped(
    result: tuple[StudyRun, dict[str, Any]], tmp_path: Path
) -> None:
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "http://" not in html and "https://" not in html
    assert html.count('src="data:image/svg+xml;base64,') == 1
    assert 'src="' not in html.replace('src="data:', "")
    assert "<link" not in html and "<script" not in html
    assert "Test study &lt;A &amp; B&gt;" in html and "<A & B>" not in html
    assert STAMP in html
    assert "What a cross-trial comparison of reconstructed data can and cannot show" in html
    assert "progressed or died within 2 months: " in html
    assert "TRIAL-A: Treated vs TRIAL-A: Control" in html
    assert "Reconstruction diagnostics" in html and "[b_control]" in html
    assert "cross-trial" in html and "within trial" in html


def test_user_text_is_escaped(study: Path, tmp_path: Path) -> None:
    text = study.read_text().replace('label = "Treated"', 'label = "<script>alert(1)</script>"')
    study.write_text(text)
    run(study, tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --------------------------------------------------------------------------- reproducible


def test_rerun_is_byte_identical_apart_from_timestamp(study: Path, tmp_path: Path) -> None:
    out, other = tmp_path / "out", tmp_path / "other"
    run(study, out, generated=WHEN)
    first = snapshot(out)
    later = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    run(study, out, generated=later)  # into the existing folder
    run(study, other, generated=later)  # into a new folder
    for second in (snapshot(out), snapshot(other)):
        assert set(second) == set(first) == FILES
        for name, content in first.items():
            if name in ("results.json", "report.html"):
                assert STAMP.encode() in content
                assert b"2025-01-02T03:04:05Z" in second[name]
                content = content.replace(STAMP.encode(), b"2025-01-02T03:04:05Z")
            assert second[name] == content, name


def test_default_timestamp_is_utc_now(study: Path, tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        done = run_study(study, tmp_path / "out")
    stamp = datetime.strptime(done.results["generated"], "%Y-%m-%dT%H:%M:%SZ")
    assert abs((datetime.now(UTC).replace(tzinfo=None) - stamp).total_seconds()) < 120


def test_existing_folder_keeps_other_files(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "ipd").mkdir(parents=True)
    (out / "notes.txt").write_text("mine")
    (out / "results.json").write_text("old")
    run(study, out)
    assert (out / "notes.txt").read_text() == "mine"
    assert json.loads((out / "results.json").read_text())["generated"] == STAMP
    assert set(snapshot(out)) == FILES | {"notes.txt"}


# --------------------------------------------------------------------------- errors


def test_nothing_written_on_bad_data(study: Path, tmp_path: Path) -> None:
    data = study.parent / "trial_a_ipd.csv"
    data.write_text(data.read_text().replace("6.49,1,control", "6.49,yes,control"))
    before = sorted(tmp_path.iterdir())
    with pytest.raises(StudyFileError, match=r"row 2, column 'event'"):
        run(study, tmp_path / "out")
    assert sorted(tmp_path.iterdir()) == before  # no out, no staging folder


def test_nothing_written_when_a_late_stage_fails(
    study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kmipd.report

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("report failed")

    monkeypatch.setattr(kmipd.report, "render_report", broken)
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text("old")
    with pytest.raises(RuntimeError, match="report failed"):
        run(study, out)
    assert snapshot(out) == {"results.json": b"old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "study"]


def test_output_folder_must_not_hold_inputs(study: Path) -> None:
    ipd = study.parent / "ipd"
    ipd.mkdir()
    shutil.copy(study.parent / "trial_a_ipd.csv", ipd / "a_control.csv")
    old = 'ipd = "trial_a_ipd.csv"\nselect = "control"'
    study.write_text(
        study.read_text().replace(old, 'ipd = "ipd/a_control.csv"\nselect = "control"')
    )
    with pytest.raises(StudyFileError, match="would overwrite this input"):
        run(study, study.parent)


def test_parent_of_output_must_exist(study: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        run(study, tmp_path / "missing" / "out")
    assert not (tmp_path / "missing").exists()


# --------------------------------------------------------------------------- options


def test_time_unit_conversion(study: Path, tmp_path: Path) -> None:
    text = study.read_text().replace('select = "treated"', 'select = "treated"\ntime_unit = "days"')
    study.write_text(text)
    done = run(study, tmp_path / "out")
    rows = read_csv(tmp_path / "out" / "ipd" / "a_treated.csv")
    time, _ = read_ipd(DATA / "trial_a_ipd.csv", select="treated")["treated"]
    np.testing.assert_allclose([float(row["time"]) for row in rows], time * 12 / 365.25, rtol=1e-12)
    treated = done.results["arms"]["a_treated"]
    assert treated["source"]["time_unit"] == "days"
    assert treated["source"]["time_factor"] == pytest.approx(12 / 365.25)
    base = run(DATA / "study.toml", tmp_path / "base")  # the same data read as months
    assert treated["median"]["estimate"] == pytest.approx(
        base.results["arms"]["a_treated"]["median"]["estimate"] * 12 / 365.25, rel=1e-9
    )
    assert done.results["arms"]["a_control"] == base.results["arms"]["a_control"]


@pytest.mark.filterwarnings("ignore::kmipd.errors.DataQualityWarning")
def test_landmark_beyond_follow_up_not_estimable(study: Path, tmp_path: Path) -> None:
    study.write_text(study.read_text().replace("landmarks = [2, 6, 12]", "landmarks = [2, 40]"))
    with pytest.warns(StudyWarning, match=r"landmark 40 months is beyond its follow-up"):
        done = run_study(study, tmp_path / "out", generated=WHEN)
    mark = done.results["arms"]["a_control"]["landmarks"]["40"]
    assert mark["estimable"] is False
    assert mark["survival"] is None and mark["event_proportion"] is None
    assert done.results["arms"]["a_control"]["landmarks"]["2"]["estimable"] is True
    assert any("landmark 40" in note for note in done.results["warnings"])
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert html.count(">not estimable<") == 3


def test_pvalue_on_figure_only_when_asked(
    study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kmipd.plot

    seen: list[Any] = []
    real = kmipd.plot.plot_km

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(kmipd.plot, "plot_km", spy)
    run(study, tmp_path / "a")
    study.write_text("show_pvalue = true\n" + study.read_text())
    run(study, tmp_path / "b")
    assert seen[0]["pvalue"] is None
    assert 0 < seen[1]["pvalue"] < 1
    assert seen[1]["labels"] == {"a_control": "TRIAL-A: Control", "a_treated": "TRIAL-A: Treated",
                                 "b_control": "TRIAL-B: Control"}  # fmt: skip


def test_progress_one_line_per_stage(study: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    run(study, tmp_path / "out", progress=lines.append)
    assert any("reconstructing b_control" in line for line in lines)
    assert any(line.startswith("analysing PFS") for line in lines)
    assert sum(line.startswith("comparing") for line in lines) == 2
    assert all("\n" not in line for line in lines)


# --------------------------------------------------------------------------- command line


def test_cli_run(study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(study), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert "kmipd run: reconstructing b_control" in captured.err
    assert "report.html" in captured.out
    assert set(snapshot(tmp_path / "out")) == FILES


def test_cli_run_quiet_and_source_date(
    study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(WHEN.timestamp())))
    assert main(["run", str(study), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "kmipd run:" not in captured.err and captured.out == ""
    assert json.loads((tmp_path / "out" / "results.json").read_text())["generated"] == STAMP


def test_cli_run_bad_study(study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    study.write_text(study.read_text().replace("tau = 18", "tua = 18"))
    assert main(["run", str(study), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "did you mean 'tau'?" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


FIGURES = Path(__file__).parent / "data" / "figures"


def _figure_study(tmp_path: Path, arms: str) -> Path:
    folder = tmp_path / "figstudy"
    folder.mkdir()
    shutil.copy(FIGURES / "act2_2b-jco.pdf", folder / "act2.pdf")
    shutil.copy(FIGURES / "act2_2b-jco.png", folder / "act2.png")
    path = folder / "study.toml"
    path.write_text('title = "ACT2 from its figure"\ntime_unit = "months"\n' + arms)
    return path


def test_figure_arms_are_read_from_the_figure(tmp_path: Path) -> None:
    """``figure = "..."`` with ``select``: the arm's curve and risk table come from the figure."""
    arms = "".join(
        f'[[arm]]\nid = "{name}_{kind}"\ntrial = "ACT2"\nendpoint = "OS"\n'
        f'figure = "act2.{kind}"\nselect = "{name}"\n'
        for kind in ("pdf", "png")
        for name in ("mut_b", "mut_c")
    )
    done = run(_figure_study(tmp_path, arms), tmp_path / "out")
    arms_out = done.results["arms"]
    # ACT2 (figures-dev truth): 34 and 33 patients; both readings of the figure agree
    for kind in ("pdf", "png"):
        assert arms_out[f"mut_b_{kind}"]["n"] == 34
        assert arms_out[f"mut_c_{kind}"]["n"] == 33
    b_pdf, b_png = (arms_out[f"mut_b_{k}"]["median"]["estimate"] for k in ("pdf", "png"))
    assert b_pdf == pytest.approx(b_png, rel=0.05)
    source = arms_out["mut_b_pdf"]["source"]
    assert source["figure"] == "act2.pdf" and source["select"] == "mut_b"


def test_figure_arm_with_unknown_name_lists_the_legend(tmp_path: Path) -> None:
    arms = (
        '[[arm]]\nid = "x"\ntrial = "ACT2"\nendpoint = "OS"\n'
        'figure = "act2.pdf"\nselect = "mut_z"\n'
    )
    with pytest.raises(StudyFileError, match=r"key 'figure'.*'mut_b', 'mut_c'"):
        run(_figure_study(tmp_path, arms), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_page_needs_a_figure(tmp_path: Path) -> None:
    arms = '[[arm]]\nid = "x"\ntrial = "T"\nendpoint = "OS"\nipd = "act2.pdf"\npage = 2\n'
    with pytest.raises(StudyFileError, match="figure arms only"):
        run(_figure_study(tmp_path, arms), tmp_path / "out")


def test_panel_needs_a_figure(tmp_path: Path) -> None:
    arms = '[[arm]]\nid = "x"\ntrial = "T"\nendpoint = "OS"\nipd = "act2.pdf"\npanel = 2\n'
    with pytest.raises(StudyFileError, match=r"key 'panel'.*figure arms only"):
        run(_figure_study(tmp_path, arms), tmp_path / "out")


def test_figure_arm_reads_the_panel_named(tmp_path: Path) -> None:
    arms = (
        '[[arm]]\nid = "x"\ntrial = "ACT2"\nendpoint = "OS"\n'
        'figure = "act2.png"\npanel = 2\nselect = "mut_b"\n'
    )
    with pytest.raises(StudyFileError, match="has 1 plot panel; there is no panel 2"):
        run(_figure_study(tmp_path, arms), tmp_path / "out")
    assert not (tmp_path / "out").exists()
