"""Tests of the ``kmipd`` command line: outputs, messages and exit codes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

import kmipd
import kmipd.pipeline
from kmipd.cli import main

DATA = Path(__file__).parent / "data"
KEYNOTE = DATA / "keynote189-os"
SURVHE = DATA / "survhe-example"
BONNER = DATA / "bonner-radiation"

CURVE = "time,survival\n0,1\n1,0.9\n2,0.8\n3,0.7\n5,0.5\n8,0.4\n"
RISK = "time,n_at_risk\n0,40\n4,22\n"


def put(directory: Path, name: str, text: str) -> Path:
    """Write ``text`` to ``directory/name`` and return the path."""
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """Call ``main`` in-process; return its exit code, stdout and stderr."""
    code = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read_ipd(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def two_arm_inputs(tmp_path: Path) -> tuple[Path, Path]:
    """A long-format two-arm curve file and its risk table."""
    curve = ["arm,time,survival"]
    for arm, power in (("Control", 1.0), ("Treated", 0.6)):
        curve += [f"{arm},{t},{0.92 ** (t * power):.6f}" for t in range(13)]
    risk = ["arm,time,n_at_risk", "Control,0,100", "Control,6,60", "Treated,0,120", "Treated,6,90"]
    return (
        put(tmp_path, "curves.csv", "\n".join(curve) + "\n"),
        put(tmp_path, "risk.csv", "\n".join(risk) + "\n"),
    )


# --------------------------------------------------------------------------- help


def test_top_level_help_lists_reconstruct(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "reconstruct" in out and "usage: kmipd" in out


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"kmipd {kmipd.__version__}"


def test_no_command_is_a_usage_error(capsys):
    code, _, err = run(capsys)
    assert code == 2
    assert "error:" in err and "reconstruct" in err


def test_reconstruct_help_describes_formats_and_examples(capsys):
    code, out, _ = run(capsys, "reconstruct", "--help")
    assert code == 0
    for word in (
        "WebPlotDigitizer",
        "survival.txt",
        "nrisk.txt",
        "IPDfromKM",
        "ScanIt",
        "DigitizeIt",
        "examples:",
        "--risk-times",
        "--censor-marks",
        "--quiet",
    ):
        assert word in out, word


def test_module_help_in_subprocess():
    done = subprocess.run(
        [sys.executable, "-m", "kmipd", "reconstruct", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--events" in done.stdout


def test_missing_required_option_is_usage_error(capsys, tmp_path):
    code, _, err = run(capsys, "reconstruct", "--curve", put(tmp_path, "c.csv", CURVE))
    assert code == 2
    assert "--out" in err


# --------------------------------------------------------------------------- success


def test_keynote_placebo_matches_risk_table(capsys, tmp_path):
    out_csv, report = tmp_path / "ipd.csv", tmp_path / "diag.json"
    code, out, err = run(
        capsys,
        "reconstruct",
        "--curve",
        KEYNOTE / "pbo_clicks.csv",
        "--risk-table",
        KEYNOTE / "pbo_NAR.csv",
        "--arm",
        "Placebo",
        "--out",
        out_csv,
        "--report",
        report,
    )
    assert code == 0, err
    rows = read_ipd(out_csv)
    assert list(rows[0]) == ["arm", "time", "event"]
    assert len(rows) == 206  # the risk table's row at time 0
    assert {row["arm"] for row in rows} == {"Placebo"}
    assert "Placebo" in out and "206" in out and "max |dS|" in out
    diag = json.loads(report.read_text())
    assert diag["arms"]["Placebo"]["n"] == 206
    given = [check["n_at_risk_given"] for check in diag["arms"]["Placebo"]["risk_table_fit"]]
    rebuilt = [c["n_at_risk_reconstructed"] for c in diag["arms"]["Placebo"]["risk_table_fit"]]
    assert given == rebuilt


def test_events_are_matched_exactly(capsys, tmp_path):
    out_csv = tmp_path / "ipd.csv"
    code, _, err = run(
        capsys,
        "reconstruct",
        "--curve",
        KEYNOTE / "pbo_clicks.csv",
        "--risk-table",
        KEYNOTE / "pbo_NAR.csv",
        "--events",
        "125",
        "--out",
        out_csv,
        "-q",
    )
    assert code == 0, err
    assert sum(int(row["event"]) for row in read_ipd(out_csv)) == 125


def test_warnings_are_one_line_each_without_source_location(capsys, tmp_path):
    code, _, err = run(
        capsys,
        "reconstruct",
        "--curve",
        KEYNOTE / "pbo_clicks.csv",
        "--risk-table",
        KEYNOTE / "pbo_NAR.csv",
        "--out",
        tmp_path / "ipd.csv",
    )
    assert code == 0
    lines = err.splitlines()
    assert lines, "the KEYNOTE curve ends before its risk table: expected warnings"
    assert all(line.startswith("warning: ") for line in lines)
    assert ".py:" not in err and "warnings.warn" not in err


def test_two_arms_with_report_and_per_arm_options(capsys, tmp_path):
    curve, risk = two_arm_inputs(tmp_path)
    out_csv, report = tmp_path / "ipd.csv", tmp_path / "diag.json"
    code, out, err = run(
        capsys,
        "reconstruct",
        "--curve",
        curve,
        "--risk-table",
        risk,
        "--events",
        "Control=50",
        "--events",
        "Treated=40",
        "--out",
        out_csv,
        "--report",
        report,
    )
    assert code == 0, err
    rows = read_ipd(out_csv)
    assert Counter(row["arm"] for row in rows) == {"Control": 100, "Treated": 120}
    events = Counter(row["arm"] for row in rows if row["event"] == "1")
    assert events == {"Control": 50, "Treated": 40}
    diag = json.loads(report.read_text())
    assert list(diag) == ["kmipd_version", "inputs", "arms"]
    assert diag["kmipd_version"] == kmipd.__version__
    assert diag["inputs"]["curve"] == str(curve)
    assert diag["inputs"]["risk_table"] == str(risk)
    assert diag["inputs"]["events"] == ["Control=50", "Treated=40"]
    assert list(diag["arms"]) == ["Control", "Treated"]
    assert diag["arms"]["Treated"]["events_given"] == 40
    assert {"curve_fit", "risk_table_fit", "warnings"} <= set(diag["arms"]["Control"])
    assert out.index("Control") < out.index("Treated")


def test_events_accepts_several_values_after_one_option(capsys, tmp_path):
    curve, risk = two_arm_inputs(tmp_path)
    out_csv = tmp_path / "ipd.csv"
    code, _, err = run(
        capsys,
        "reconstruct",
        "--curve",
        curve,
        "--risk-table",
        risk,
        "--events",
        "Control=45",
        "Treated=35",
        "--out",
        out_csv,
        "-q",
    )
    assert code == 0, err
    events = Counter(row["arm"] for row in read_ipd(out_csv) if row["event"] == "1")
    assert events == {"Control": 45, "Treated": 35}


def test_bare_n_for_a_single_arm_without_risk_table(capsys, tmp_path):
    out_csv = tmp_path / "ipd.csv"
    code, _, err = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "c.csv", CURVE),
        "--n",
        "50",
        "--events",
        "30",
        "--arm",
        "Solo",
        "--out",
        out_csv,
    )
    assert code == 0, err
    rows = read_ipd(out_csv)
    assert len(rows) == 50
    assert sum(int(row["event"]) for row in rows) == 30
    assert {row["arm"] for row in rows} == {"Solo"}
    assert "no risk table" in err  # the approximation is reported


def test_unnamed_risk_table_pairs_with_named_single_arm_curve(capsys, tmp_path):
    curve = put(
        tmp_path,
        "c.csv",
        "arm,time,survival\n" + "".join(f"B,{line}\n" for line in CURVE.splitlines()[1:]),
    )
    out_csv = tmp_path / "ipd.csv"
    code, _, err = run(
        capsys,
        "reconstruct",
        "--curve",
        curve,
        "--risk-table",
        put(tmp_path, "r.csv", RISK),
        "--out",
        out_csv,
        "-q",
    )
    assert code == 0, err
    assert Counter(row["arm"] for row in read_ipd(out_csv)) == {"B": 40}


def test_named_risk_table_pairs_with_unnamed_single_arm_curve(capsys, tmp_path):
    risk = put(tmp_path, "r.csv", "arm,time,n_at_risk\nPlacebo,0,40\nPlacebo,4,22\n")
    out_csv = tmp_path / "ipd.csv"
    code, _, err = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "c.csv", CURVE),
        "--risk-table",
        risk,
        "--out",
        out_csv,
        "-q",
    )
    assert code == 0, err
    assert Counter(row["arm"] for row in read_ipd(out_csv)) == {"arm": 40}


def test_unnamed_risk_table_with_two_arm_curve(capsys, tmp_path):
    curve, _ = two_arm_inputs(tmp_path)
    out_csv = tmp_path / "ipd.csv"
    code, out, err = run(
        capsys,
        "reconstruct",
        "--curve",
        curve,
        "--risk-table",
        put(tmp_path, "r.csv", RISK),
        "--out",
        out_csv,
    )
    assert_clean_error(code, out, err, "--risk-table", "r.csv", "names no arms", "'Treated'")
    assert not out_csv.exists()


def test_risk_table_arm_without_curve(capsys, tmp_path):
    curve, _ = two_arm_inputs(tmp_path)
    risk = put(tmp_path, "r.csv", "arm,time,n_at_risk\nControl,0,100\nPlacebo,0,90\n")
    code, out, err = run(
        capsys, "reconstruct", "--curve", curve, "--risk-table", risk, "--out", tmp_path / "o.csv"
    )
    assert_clean_error(code, out, err, "r.csv", "'Placebo'", "no curve", "'Control'")
    assert not (tmp_path / "o.csv").exists()


def test_guyot_text_files(capsys, tmp_path):
    out_csv = tmp_path / "ipd.csv"
    code, _, err = run(
        capsys,
        "reconstruct",
        "--curve",
        SURVHE / "survival.txt",
        "--risk-table",
        SURVHE / "nrisk.txt",
        "--out",
        out_csv,
        "-q",
    )
    assert code == 0, err
    assert len(read_ipd(out_csv)) == 61


def test_ipdfromkm_split_risk_table_and_percent(capsys, tmp_path):
    out_csv = tmp_path / "ipd.csv"
    args = [
        "reconstruct",
        "--curve",
        BONNER / "Radiationdata__radio.csv",
        "--risk-table",
        BONNER / "Radiationdata__nrisk.radio.csv",
        "--risk-times",
        BONNER / "Radiationdata__trisk.csv",
        "--out",
        out_csv,
        "-q",
    ]
    code, _, err = run(capsys, *args)
    assert code == 0, err
    assert len(read_ipd(out_csv)) == 213
    assert "assumed percent" in err  # detected, with a warning
    code, _, err = run(capsys, *args, "--percent")
    assert code == 0
    assert "assumed percent" not in err


def test_failure_curve_is_turned_into_survival(capsys, tmp_path):
    incidence = "time,survival\n0,0\n1,0.1\n2,0.2\n3,0.3\n5,0.5\n8,0.6\n"
    out_csv = tmp_path / "ipd.csv"
    code, _, err = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "f.csv", incidence),
        "--failure",
        "--risk-table",
        put(tmp_path, "r.csv", RISK),
        "--out",
        out_csv,
        "-q",
    )
    assert code == 0, err
    rows = read_ipd(out_csv)
    # 40 patients; the curve falls to 0.4 by time 8, so most are events
    assert len(rows) == 40
    assert sum(int(row["event"]) for row in rows) >= 20


def test_censor_marks_are_read_and_reported(capsys, tmp_path):
    marks = put(tmp_path, "marks.csv", "time\n1.5\n2.5\n6.5\n")
    out_csv, report = tmp_path / "ipd.csv", tmp_path / "diag.json"
    code, _, err = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "c.csv", CURVE),
        "--risk-table",
        put(tmp_path, "r.csv", RISK),
        "--censor-marks",
        marks,
        "--out",
        out_csv,
        "--report",
        report,
        "-q",
    )
    assert code == 0, err
    assert json.loads(report.read_text())["inputs"]["censor_marks"] == str(marks)
    censored = [float(row["time"]) for row in read_ipd(out_csv) if row["event"] == "0"]
    assert censored and any(t in (1.5, 2.5, 6.5) for t in censored)


def test_quiet_prints_nothing_on_stdout(capsys, tmp_path):
    code, out, _ = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "c.csv", CURVE),
        "--risk-table",
        put(tmp_path, "r.csv", RISK),
        "--out",
        tmp_path / "ipd.csv",
        "--quiet",
    )
    assert code == 0
    assert out == ""
    assert (tmp_path / "ipd.csv").exists()


def test_plot_writes_png(capsys, tmp_path):
    curve, risk = two_arm_inputs(tmp_path)
    figure = tmp_path / "overlay.png"
    code, out, err = run(
        capsys,
        "reconstruct",
        "--curve",
        curve,
        "--risk-table",
        risk,
        "--out",
        tmp_path / "ipd.csv",
        "--plot",
        figure,
    )
    assert code == 0, err
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "overlay.png" in out


def test_cli_module_does_not_import_heavy_libraries():
    code = (
        "import sys, kmipd.cli\n"
        "heavy = [m for m in ('pandas', 'scipy', 'matplotlib', 'lifelines') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


# --------------------------------------------------------------------------- errors


def assert_clean_error(code: int, out: str, err: str, *needles: str) -> None:
    """Exit 2, one ``error:`` line naming ``needles``, no traceback."""
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, err
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    assert "Traceback" not in err
    assert out == ""


BAD_CURVES = {
    "empty": ("", ["empty.csv", "empty"]),
    "wrong columns": ("foo,bar\n0,1\n1,0.9\n", ["wrong columns.csv", "columns", "'foo'"]),
    "nan": ("time,survival\n0,1\n1,nan\n2,0.8\n", ["nan.csv", "row 3", "'survival'"]),
    "negative time": (
        "time,survival\n0,1\n-5,0.9\n10,0.5\n",
        ["negative time.csv", "row 3", "'time'"],
    ),
    "above one": ("time,survival\n0,1\n1,1.2\n2,0.8\n", ["above one.csv", "row 3", "--percent"]),
}


@pytest.mark.parametrize("case", list(BAD_CURVES))
def test_bad_curve_file(capsys, tmp_path, case):
    text, needles = BAD_CURVES[case]
    out_csv, report = tmp_path / "ipd.csv", tmp_path / "diag.json"
    code, out, err = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, f"{case}.csv", text),
        "--n",
        "20",
        "--out",
        out_csv,
        "--report",
        report,
    )
    assert_clean_error(code, out, err, *needles)
    assert not out_csv.exists() and not report.exists()


def test_rising_risk_table(capsys, tmp_path):
    risk = put(tmp_path, "rising.csv", "time,n_at_risk\n0,40\n4,45\n")
    out_csv = tmp_path / "ipd.csv"
    code, out, err = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "c.csv", CURVE),
        "--risk-table",
        risk,
        "--out",
        out_csv,
    )
    assert_clean_error(code, out, err, "rising.csv", "row 3", "rises")
    assert not out_csv.exists()


@pytest.mark.parametrize(
    ("options", "needles"),
    [
        (["--events", "41"], ["--events", "41", "40"]),
        (["--events", "Other=3"], ["--events", "'Other'", "no curve"]),
        (["--n", "A=x"], ["--n", "whole number"]),
        (["--n", "=5"], ["--n", "arm name is empty"]),
        (["--n", "-3"], ["--n", "negative"]),
        (["--risk-times", "t.csv"], ["--risk-times", "--risk-table"]),
        (["--plot", "figure.xyz"], ["--plot", ".xyz"]),
        (["--precision", "0"], ["--precision", "between 0 and 0.5", "got 0"]),
        (["--precision", "nan"], ["--precision", "got nan"]),
    ],
)
def test_bad_options(capsys, tmp_path, options, needles):
    out_csv = tmp_path / "ipd.csv"
    with_risk = [] if "--risk-times" in options else ["--risk-table", put(tmp_path, "r.csv", RISK)]
    code, out, err = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "c.csv", CURVE),
        *with_risk,
        *options,
        "--out",
        out_csv,
    )
    assert_clean_error(code, out, err, *needles)
    assert not out_csv.exists()


def test_bare_number_with_two_arms(capsys, tmp_path):
    curve, risk = two_arm_inputs(tmp_path)
    out_csv = tmp_path / "ipd.csv"
    code, out, err = run(
        capsys,
        "reconstruct",
        "--curve",
        curve,
        "--risk-table",
        risk,
        "--events",
        "30",
        "--out",
        out_csv,
    )
    assert_clean_error(code, out, err, "--events", "'Control'", "ARM=30")
    assert not out_csv.exists()


def test_missing_input_file_is_named(capsys, tmp_path):
    missing = tmp_path / "nowhere.csv"
    out_csv = tmp_path / "ipd.csv"
    code, out, err = run(capsys, "reconstruct", "--curve", missing, "--n", "5", "--out", out_csv)
    assert_clean_error(code, out, err, "nowhere.csv", "not found")
    assert not out_csv.exists()


def test_os_error_while_reading_is_named(capsys, tmp_path, monkeypatch):
    import kmipd.io

    def unreadable(path, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(kmipd.io, "read_curve", unreadable)
    curve = put(tmp_path, "locked.csv", CURVE)
    code, out, err = run(
        capsys, "reconstruct", "--curve", curve, "--n", "5", "--out", tmp_path / "o.csv"
    )
    assert_clean_error(code, out, err, "cannot read", "locked.csv", "Permission denied")
    assert not (tmp_path / "o.csv").exists()


def test_missing_output_folder(capsys, tmp_path):
    code, out, err = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "c.csv", CURVE),
        "--n",
        "20",
        "--out",
        tmp_path / "ipd.csv",
        "--report",
        tmp_path / "no" / "diag.json",
    )
    assert_clean_error(code, out, err, "--report", "does not exist")
    assert not (tmp_path / "ipd.csv").exists()


def test_same_output_twice(capsys, tmp_path):
    target = tmp_path / "same.csv"
    code, out, err = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "c.csv", CURVE),
        "--n",
        "20",
        "--out",
        target,
        "--report",
        target,
    )
    assert_clean_error(code, out, err, "--report", "--out", "same file")
    assert not target.exists()


def test_failed_run_leaves_existing_output_alone(capsys, tmp_path):
    out_csv = put(tmp_path, "ipd.csv", "old content\n")
    code, _, _ = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "c.csv", CURVE),
        "--risk-table",
        put(tmp_path, "r.csv", RISK),
        "--events",
        "99",
        "--out",
        out_csv,
    )
    assert code == 2
    assert out_csv.read_text() == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "ipd.csv", "r.csv"]


def test_reconstruction_error_exits_2(capsys, tmp_path):
    out_csv = tmp_path / "ipd.csv"
    code, out, err = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "c.csv", CURVE),
        "--out",
        out_csv,
    )
    assert_clean_error(code, out, err, "--n")  # neither a risk table nor n: says what to give
    assert not out_csv.exists()


def _explode(*args, **kwargs):
    raise RuntimeError("boom")


def test_internal_error_exits_1_without_traceback(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(kmipd.pipeline, "reconstruct", _explode)
    monkeypatch.delenv("KMIPD_DEBUG", raising=False)
    out_csv = tmp_path / "ipd.csv"
    code, _, err = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "c.csv", CURVE),
        "--n",
        "20",
        "--out",
        out_csv,
    )
    assert code == 1
    assert "internal error: RuntimeError: boom" in err
    assert "report" in err
    assert "Traceback" not in err
    assert not out_csv.exists()


def test_internal_error_traceback_with_debug(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(kmipd.pipeline, "reconstruct", _explode)
    monkeypatch.setenv("KMIPD_DEBUG", "1")
    code, _, err = run(
        capsys,
        "reconstruct",
        "--curve",
        put(tmp_path, "c.csv", CURVE),
        "--n",
        "20",
        "--out",
        tmp_path / "ipd.csv",
    )
    assert code == 1
    assert "Traceback" in err and "RuntimeError: boom" in err


def test_precision_times_censoring_by_the_step_heights(capsys, tmp_path):
    """--precision: the step heights of a traced curve say when censoring happened."""
    # 8 patients: 1 censored at 0.5, deaths at 2, 4, 6, 8; 3 at risk at 10
    levels = [1, 6 / 7, 5 / 7, 4 / 7, 3 / 7]
    rows = ["time,survival", "0,1"]
    for k, t in enumerate((2, 4, 6, 8)):
        rows += [f"{t},{levels[k]:.6f}", f"{t},{levels[k + 1]:.6f}"]
    rows.append(f"12,{levels[-1]:.6f}")
    curve = put(tmp_path, "curve.csv", "\n".join(rows) + "\n")
    risk = put(tmp_path, "risk.csv", "time,n_at_risk\n0,8\n10,3\n12,0\n")
    first = {}
    for extra in ([], ["--precision", "0.002"]):
        out_csv = tmp_path / f"ipd{len(extra)}.csv"
        code, _, _ = run(
            capsys, "reconstruct", "--curve", curve, "--risk-table", risk, *extra, "--out", out_csv
        )
        assert code == 0
        censored = [float(r["time"]) for r in read_ipd(out_csv) if r["event"] == "0"]
        first[len(extra)] = min(censored)
    assert first[0] == pytest.approx(5.0)  # spread evenly over [0, 10)
    assert first[2] < 2.0  # before the first death, as its step's height says
