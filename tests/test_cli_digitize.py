"""Tests of ``kmipd digitize`` and ``kmipd extract`` on a synthetic two-arm figure."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from kmipd.cli import _digitize, _extract, _main
from kmipd.cli import main as kmipd_main
from test_digitize import ARMS, draw_figure

NAMES = list(ARMS)


@pytest.fixture(autouse=True)
def commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the two commands (the lead adds them to COMMANDS for real)."""
    table = dict(_main.COMMANDS)
    table.setdefault("digitize", (_digitize.add_arguments, _digitize.run))
    table.setdefault("extract", (_extract.add_arguments, _extract.run))
    monkeypatch.setattr(_main, "COMMANDS", table)


@pytest.fixture(scope="module")
def figure(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli_digitize") / "km.png"
    draw_figure(path, (("tab:blue", "-"), ("tab:red", "-")))
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = kmipd_main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[0].split(",")


def test_digitize_writes_every_output(
    figure: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "new" / "read"
    code, out, err = run(capsys, "digitize", figure, "--out-dir", out_dir)
    assert code == 0, err
    assert header(out_dir / "curve.csv") == ["arm", "time", "survival"]
    assert header(out_dir / "risk.csv") == ["arm", "time", "n_at_risk"]
    assert header(out_dir / "censor_marks.csv") == ["arm", "time"]
    assert {r["arm"] for r in rows(out_dir / "curve.csv")} == set(NAMES)
    risk = rows(out_dir / "risk.csv")
    for name in NAMES:
        assert [int(r["n_at_risk"]) for r in risk if r["arm"] == name] == ARMS[name]["risk"]
    marks = Counter(r["arm"] for r in rows(out_dir / "censor_marks.csv"))
    assert marks == {name: len(ARMS[name]["censor"]) for name in NAMES}
    report = json.loads((out_dir / "digitization.json").read_text(encoding="utf-8"))
    assert report["kmipd_version"] and report["input"]["figure"] == str(figure)
    assert [arm["name"] for arm in report["arms"]] == NAMES
    assert (out_dir / "overlay.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in NAMES:
        assert name in out


def test_digitize_help_explains_the_ranges(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "digitize", "--help")
    assert code == 0
    assert "edges of the plot" in out and "--x-range" in out and "--y-range" in out


def test_extract_one_figure(
    figure: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ipd, report, plot = tmp_path / "ipd.csv", tmp_path / "diag.json", tmp_path / "ov.png"
    code, _, err = run(capsys, "extract", figure, "--out", ipd, "--report", report, "--plot", plot)
    assert code == 0, err
    assert header(ipd) == ["arm", "time", "event"]
    counts = Counter(r["arm"] for r in rows(ipd))
    assert counts == {name: ARMS[name]["risk"][0] for name in NAMES}
    diag = json.loads(report.read_text(encoding="utf-8"))
    assert set(diag["arms"]) == set(NAMES) and diag["inputs"]["figure"] == str(figure)
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_extract_with_given_risk_table_and_events(
    figure: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    risk = tmp_path / "risk.csv"
    risk.write_text("arm,time,n_at_risk\nControl,0,70\nTreatment,0,65\n", encoding="utf-8")
    ipd = tmp_path / "ipd.csv"
    code, _, err = run(
        capsys, "extract", figure, "--out", ipd, "--risk-table", risk, "--events", "Control=40"
    )
    assert code == 0, err
    data = rows(ipd)
    assert Counter(r["arm"] for r in data) == {"Control": 70, "Treatment": 65}
    assert sum(r["event"] == "1" for r in data if r["arm"] == "Control") == 40


def two_panels(figure: Path, path: Path) -> Path:
    """``figure`` twice side by side (two plot panels), saved at ``path``."""
    import numpy as np
    from PIL import Image

    one = np.asarray(Image.open(figure).convert("RGB"))
    Image.fromarray(np.concatenate([one, one], axis=1)).save(path)
    return path


def test_extract_folder(figure: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "figures"
    folder.mkdir()
    (folder / "one.png").write_bytes(figure.read_bytes())
    two_panels(figure, folder / "two.png")
    (folder / "broken.png").write_text("not an image", encoding="utf-8")
    (folder / "notes.txt").write_text("ignored", encoding="utf-8")
    target = tmp_path / "out"
    code, _, err = run(capsys, "extract", folder, "--out", target)
    assert code == 0, err
    summary = {r["figure"]: r for r in rows(target / "summary.csv")}
    assert set(summary) == {"one.png", "two.png", "broken.png"}
    assert header(target / "summary.csv") == [
        "figure",
        "panel",
        "status",
        "arms",
        "names",
        "risk_rows",
        "panels",
        "seconds",
        "message",
    ]
    assert (summary["one.png"]["panels"], summary["two.png"]["panels"]) == ("1", "2")
    assert (summary["one.png"]["panel"], summary["two.png"]["panel"]) == ("1", "1")
    assert summary["broken.png"]["status"] == "error"
    assert "broken.png" in summary["broken.png"]["message"]
    for stem in ("one", "two"):
        assert summary[f"{stem}.png"]["status"] == "ok"
        assert summary[f"{stem}.png"]["names"] == ";".join(NAMES)
        counts = Counter(r["arm"] for r in rows(target / f"{stem}.ipd.csv"))
        assert counts == {name: ARMS[name]["risk"][0] for name in NAMES}
    assert not (target / "broken.ipd.csv").exists()
    assert err.count("[") >= 3 and "broken.png: error" in err


def test_extract_folder_all_failing_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "figures"
    folder.mkdir()
    (folder / "bad.png").write_text("nope", encoding="utf-8")
    code, _, err = run(capsys, "extract", folder, "--out", tmp_path / "out")
    assert code == 2
    assert "error:" in err
    assert [r["status"] for r in rows(tmp_path / "out" / "summary.csv")] == ["error"]


@pytest.mark.parametrize("command", ["digitize", "extract"])
def test_not_an_image_is_exit_2_and_writes_nothing(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "table.png"
    bad.write_text("arm,time\n", encoding="utf-8")
    target = tmp_path / "out"
    option = "--out-dir" if command == "digitize" else "--out"
    code, out, err = run(capsys, command, bad, option, target)
    assert code == 2
    assert err.startswith("error:") and str(bad) in err
    assert not target.exists() and out == ""


def test_pdf_page_is_rendered_and_bad_page_is_an_error(
    figure: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    pdf = tmp_path / "paper.pdf"
    Image.open(figure).convert("RGB").save(pdf, resolution=100)
    code, _, err = run(capsys, "digitize", pdf, "--page", 2, "--out-dir", tmp_path / "p2")
    assert code == 2 and "--page 2" in err and not (tmp_path / "p2").exists()
    code, _, err = run(capsys, "digitize", pdf, "--out-dir", tmp_path / "p1")
    assert code == 0, err
    assert {r["arm"] for r in rows(tmp_path / "p1" / "curve.csv")} == set(NAMES)


def test_bad_option_values_are_errors(
    figure: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for option, value in (("--x-range", "24,0"), ("--crop", "1,2,3"), ("--y-range", "a,b")):
        code, _, err = run(capsys, "digitize", figure, option, value, "--out-dir", tmp_path / "o")
        assert code == 2 and option in err
    assert not (tmp_path / "o").exists()


def test_panel_option_reads_another_panel_and_rejects_a_missing_one(
    figure: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two = two_panels(figure, tmp_path / "two.png")
    code, _, err = run(capsys, "digitize", two, "--panel", 3, "--out-dir", tmp_path / "p3")
    assert code == 2 and "no panel 3" in err and not (tmp_path / "p3").exists()
    code, _, err = run(capsys, "digitize", two, "--panel", 0, "--out-dir", tmp_path / "p0")
    assert code == 2 and "--panel 0" in err and not (tmp_path / "p0").exists()
    code, _, err = run(capsys, "digitize", two, "--panel", 2, "--out-dir", tmp_path / "p2")
    assert code == 0, err
    report = json.loads((tmp_path / "p2" / "digitization.json").read_text())
    assert report["input"]["panel"] == 2
    assert any("holds 2 plot panels; panel 2" in w for w in report["warnings"])
    assert {r["arm"] for r in rows(tmp_path / "p2" / "curve.csv")} == set(NAMES)


def test_panel_all_reads_every_panel_into_its_own_folder(
    figure: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    two = two_panels(figure, tmp_path / "two.png")
    code, out, err = run(capsys, "digitize", two, "--panel", "all", "--out-dir", tmp_path / "d")
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["panel-1", "panel-2"]
    for number in (1, 2):
        folder = tmp_path / "d" / f"panel-{number}"
        report = json.loads((folder / "digitization.json").read_text())
        assert report["panel"] == {"read": number, "of": 2}
        assert report["input"]["panel"] == number
        assert {r["arm"] for r in rows(folder / "curve.csv")} == set(NAMES)
    assert "panel 2 of 2" in out
    code, _, err = run(capsys, "digitize", two, "--panel", "x", "--out-dir", tmp_path / "px")
    assert code == 2 and "--panel x" in err and not (tmp_path / "px").exists()


@pytest.fixture(scope="module")
def two_colours(figure: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``figure`` (blue, red) beside the same trial drawn green and purple."""
    import numpy as np
    from PIL import Image

    folder = tmp_path_factory.mktemp("two_colours")
    draw_figure(folder / "other.png", (("tab:green", "-"), ("tab:purple", "-")))
    left, right = (np.asarray(Image.open(p).convert("RGB")) for p in (figure, folder / "other.png"))
    Image.fromarray(np.concatenate([left, right], axis=1)).save(folder / "two.png")
    return folder / "two.png"


def _hues(report: dict[str, object]) -> set[str]:
    """'blue', 'red', 'green', 'purple': the arms' colours by their strongest channels."""
    names = {(2,): "blue", (0,): "red", (1,): "green", (0, 2): "purple"}
    hues = set()
    for arm in report["digitization"]["arms"]:  # type: ignore[index]
        rgb = [int(arm["colour"][k : k + 2], 16) for k in (1, 3, 5)]
        top = tuple(k for k in range(3) if rgb[k] >= max(rgb) - 40)
        hues.add(names.get(top, str(rgb)))
    return hues


def test_extract_panel_all_writes_each_panel_in_order(
    two_colours: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ipd, diag, plot = tmp_path / "ipd.csv", tmp_path / "diag.json", tmp_path / "ov.png"
    code, out, err = run(
        capsys, "extract", two_colours, "--panel", "all", "--out", ipd, "--report", diag,
        "--plot", plot,
    )  # fmt: skip
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{stem}-panel-{n}.{ext}" for stem, ext in (("diag", "json"), ("ipd", "csv"), ("ov", "png"))
        for n in (1, 2)
    ]  # fmt: skip
    for number, hues in ((1, {"blue", "red"}), (2, {"green", "purple"})):
        report = json.loads((tmp_path / f"diag-panel-{number}.json").read_text())
        assert report["inputs"]["panel"] == number
        assert report["digitization"]["panel"] == {"read": number, "of": 2}
        assert _hues(report) == hues
        counts = Counter(r["arm"] for r in rows(tmp_path / f"ipd-panel-{number}.csv"))
        assert counts == {name: ARMS[name]["risk"][0] for name in NAMES}
    assert "panel 2 of 2" in out and "ipd-panel-2.csv" in out


def test_extract_panel_all_refuses_one_panel_counts(
    two_colours: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for option, value in (("--events", "Control=40"), ("--n", "Control=70")):
        code, _, err = run(
            capsys, "extract", two_colours, "--panel", "all", option, value,
            "--out", tmp_path / "ipd.csv",
        )  # fmt: skip
        assert code == 2 and f"{option} describes one panel" in err and "--panel N" in err
    assert not list(tmp_path.iterdir())


def test_extract_folder_panel_all_writes_a_file_and_a_row_per_panel(
    figure: Path, two_colours: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "figures"
    folder.mkdir()
    (folder / "one.png").write_bytes(figure.read_bytes())
    (folder / "two.png").write_bytes(two_colours.read_bytes())
    target = tmp_path / "out"
    code, out, err = run(capsys, "extract", folder, "--panel", "all", "--out", target)
    assert code == 0, err
    summary = rows(target / "summary.csv")
    assert [(r["figure"], r["panel"], r["panels"], r["status"]) for r in summary] == [
        ("one.png", "1", "1", "ok"),
        ("two.png", "1", "2", "ok"),
        ("two.png", "2", "2", "ok"),
    ]
    assert sorted(p.name for p in target.iterdir()) == [
        "one.ipd.csv",
        "summary.csv",
        "two-panel-1.ipd.csv",
        "two-panel-2.ipd.csv",
    ]
    for name in ("one.ipd.csv", "two-panel-1.ipd.csv", "two-panel-2.ipd.csv"):
        counts = Counter(r["arm"] for r in rows(target / name))
        assert counts == {arm: ARMS[arm]["risk"][0] for arm in NAMES}
    assert "3 of 3 panels ok" in out and "panel 1: 2 arms" in err
