"""Tests of ``kmipd analyze``: the happy path and every kind of bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kmipd.cli import main

DATA = Path(__file__).parent / "data" / "study"


@pytest.fixture
def ipd(tmp_path: Path) -> Path:
    """Two arms (control, treated), columns time,event,arm as in kmdata's files."""
    path = tmp_path / "trial.csv"
    shutil.copy(DATA / "trial_a_ipd.csv", path)
    return path


def test_analyze_happy_path(ipd: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, plot = tmp_path / "result.json", tmp_path / "km.png"
    argv = ["analyze", str(ipd), "--json", str(out), "--reference", "treated",
            "--landmarks", "2,6.0", "12", "--tau", "18", "--cuts", "6", "--plot", str(plot),
            "--time-unit", "months"]  # fmt: skip
    assert main(argv) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert list(data)[:2] == ["kmipd_version", "input"]
    assert data["input"]["reference"] == "treated" and data["input"]["file"] == str(ipd)
    assert data["input"]["landmarks"] == [2.0, 6.0, 12.0]
    assert data["reference"] == "treated"
    assert list(data["arms"]) == ["treated", "control"]  # the reference first
    control = data["arms"]["control"]
    assert (control["n"], control["events"]) == (50, 45)
    assert list(control["landmarks"]) == ["2", "6.0", "12"]  # as given on the command line
    assert control["landmarks"]["6.0"]["time"] == 6.0
    assert control["rmst"]["tau"] == 18.0
    (comparison,) = data["comparisons"]
    assert (comparison["arm"], comparison["reference"]) == ("control", "treated")
    assert comparison["hazard_ratio"]["estimate"] > 1  # control does worse than treated
    assert len(comparison["piecewise_hazard_ratios"]) == 2
    assert data["logrank_overall"]["pvalue"] == pytest.approx(comparison["logrank"]["pvalue"])
    assert plot.read_bytes().startswith(b"\x89PNG")
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].split() == ["arm", "n", "events", "median", "(95%", "CI)"]
    assert lines[1].split()[:3] == ["treated", "50", "28"]
    assert lines[2].split()[:3] == ["control", "50", "45"]
    assert any(line.startswith("control vs treated") for line in lines)
    assert f"wrote {out}, {plot}" in captured.out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["km.png", "result.json", "trial.csv"]


def test_analyze_default_reference_and_svg(ipd: Path, tmp_path: Path) -> None:
    out, plot = tmp_path / "r.json", tmp_path / "km.svg"
    assert main(["analyze", str(ipd), "--json", str(out), "--plot", str(plot), "-q"]) == 0
    data = json.loads(out.read_text())
    assert data["reference"] == "control"  # the first arm in the file
    assert b"<svg" in plot.read_bytes()


def test_analyze_landmark_beyond_follow_up(
    ipd: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.json"
    assert main(["analyze", str(ipd), "--json", str(out), "--landmarks", "40", "-q"]) == 0
    mark = json.loads(out.read_text())["arms"]["control"]["landmarks"]["40"]
    assert mark["estimable"] is False and mark["survival"] is None
    assert "warning: arm 'control': landmark 40 is beyond its follow-up" in capsys.readouterr().err


BAD_FILES = {
    "missing column": ("time,arm\n1,a\n", "row 1", "missing column 'event'"),
    "non-numeric time": ("arm,time,event\na,1.5,1\na,soon,0\n", "row 3, column 'time'",
                         "not a number: 'soon'"),
    "negative time": ("arm,time,event\na,-2,1\n", "row 2, column 'time'", "negative time -2"),
    "event not 0/1": ("time,event,arm\n1,1,a\n2,2,a\n", "row 3, column 'event'",
                      "1 (event) or 0 (censored), found '2'"),
    "event as text": ("time,event,arm\n1,dead,a\n", "row 2, column 'event'", "found 'dead'"),
    "empty file": ("", "", "the file is empty"),
    "header only": ("arm,time,event\n", "row 1", "no data rows"),
    "short row": ("arm,time,event\na,1\n", "row 2", "no 'event' cell"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_analyze_bad_input(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text, where, what = BAD_FILES[case]
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    out, plot = tmp_path / "out.json", tmp_path / "km.png"
    assert main(["analyze", str(path), "--json", str(out), "--plot", str(plot)]) == 2
    captured = capsys.readouterr()
    err_lines = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(err_lines) == 1
    assert f"{path}{', ' + where if where else ''}: " in err_lines[0]
    assert what in err_lines[0]
    assert "Traceback" not in captured.err and captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


BAD_OPTIONS = {
    "unknown reference": (["--reference", "placebo"], "--reference 'placebo': no such arm"),
    "bad landmark": (["--landmarks", "2,six"], "--landmarks 'six'"),
    "negative landmark": (["--landmarks", "-1"], "--landmarks '-1'"),
    "repeated landmark": (["--landmarks", "2,2"], "given twice"),
    "bad tau": (["--tau", "0"], "--tau '0'"),
    "decreasing cuts": (["--cuts", "6,3"], "must increase"),
    "bad level": (["--confidence-level", "95"], "between 0 and 1"),
    "bad plot suffix": (["--plot", "km.jpg"], "end the file name in .png, .svg, .pdf"),
    "missing folder": (["--plot", "nowhere/km.png"], "does not exist"),
}


@pytest.mark.parametrize("case", list(BAD_OPTIONS))
def test_analyze_bad_option(
    case: str, ipd: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra, what = BAD_OPTIONS[case]
    extra = [str(tmp_path / arg) if arg.startswith(("km.", "nowhere")) else arg for arg in extra]
    out = tmp_path / "out.json"
    assert main(["analyze", str(ipd), "--json", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and what in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trial.csv"]


def test_analyze_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.csv"
    assert main(["analyze", str(missing), "--json", str(tmp_path / "o.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {missing}: file not found")
    assert not (tmp_path / "o.json").exists()


def test_analyze_output_is_input(ipd: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = ipd.read_bytes()
    assert main(["analyze", str(ipd), "--json", str(ipd)]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert ipd.read_bytes() == before


def test_analyze_help_lists_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "--help"]) == 0
    text = capsys.readouterr().out
    assert "arm, time and event" in text and "--landmarks" in text
