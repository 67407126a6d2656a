"""Tests of study files: parsing, validation messages, arm data and time units."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from kmipd.errors import InputError
from kmipd.io import read_ipd
from kmipd.study import (
    StudyFileError,
    normalize_unit,
    read_arm_inputs,
    read_study,
    time_factor,
)

DATA = Path(__file__).parent / "data" / "study"

BASE = """\
title = "T"
time_unit = "months"
landmarks = [2, 6.5]
tau = 12

[[arm]]
id = "a_control"
trial = "TRIAL-A"
label = "Control"
endpoint = "PFS"
ipd = "trial_a_ipd.csv"
select = "control"

[[arm]]
id = "a_treated"
trial = "TRIAL-A"
endpoint = "PFS"
ipd = "trial_a_ipd.csv"
select = "treated"

[[arm]]
id = "b_control"
trial = "TRIAL-B"
label = "Control"
endpoint = "PFS"
curve = "trial_b_curve.csv"
risk_table = "trial_b_risk.csv"
events = 60

[[comparison]]
arms = ["a_control", "a_treated"]
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder holding copies of the test study's data files."""
    for name in ("trial_a_ipd.csv", "trial_b_curve.csv", "trial_b_risk.csv"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


def write(folder: Path, text: str, name: str = "study.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path, *, inputs: bool = False) -> str:
    """The StudyFileError message of reading ``path`` (and its arms' data)."""
    with pytest.raises(StudyFileError) as caught:
        study = read_study(path)
        if inputs:
            read_arm_inputs(study)
    assert isinstance(caught.value, InputError)
    message = str(caught.value)
    assert str(path) in message
    return message


# --------------------------------------------------------------------------- valid files


def test_example_study_reads(folder: Path) -> None:
    study = read_study(write(folder, BASE))
    assert [arm.id for arm in study.arms] == ["a_control", "a_treated", "b_control"]
    assert study.title == "T" and study.time_unit == "months"
    assert study.landmarks == (2.0, 6.5)
    assert study.landmark_labels == ("2", "6.5")
    assert study.tau == 12.0 and study.cuts == () and study.confidence_level == 0.95
    assert study.show_pvalue is False
    assert list(study.endpoints) == ["PFS"]
    comparison = study.comparisons[0]
    assert (comparison.reference, comparison.arm) == ("a_control", "a_treated")
    treated = study.arm("a_treated")
    assert treated.label == "a_treated"  # label defaults to the id
    assert treated.display == "TRIAL-A: a_treated"
    assert treated.source == "ipd" and study.arm("b_control").source == "curve"
    assert study.arm("b_control").events == 60
    assert treated.ipd == folder / "trial_a_ipd.csv"


def test_bundled_test_study_reads() -> None:
    study = read_study(DATA / "study.toml")
    assert len(study.arms) == 3 and study.cuts == (6.0,)
    assert study.title == "Test study <A & B>"


def test_arm_inputs_select_and_curve(folder: Path) -> None:
    inputs = read_arm_inputs(read_study(write(folder, BASE)))
    control, treated, curve = inputs["a_control"], inputs["a_treated"], inputs["b_control"]
    assert control.time is not None and control.time.size == 50
    assert treated.event is not None and int(treated.event.sum()) == 28
    assert curve.curve is not None and curve.curve.arm == "b_control"
    assert curve.risk_table is not None
    assert curve.risk_table.n_at_risk.tolist() == [80, 33, 16, 7, 3, 1]
    assert curve.curve.precision is None  # points from a CSV: precision unknown
    traced = BASE.replace("events = 60", "events = 60\nprecision = 0.0025")
    inputs = read_arm_inputs(read_study(write(folder, traced)))
    assert inputs["b_control"].curve is not None
    assert inputs["b_control"].curve.precision == 0.0025


def test_title_defaults_to_file_stem(folder: Path) -> None:
    text = BASE.replace('title = "T"\n', "")
    assert read_study(write(folder, text, "my-study.toml")).title == "my-study"


# --------------------------------------------------------------------------- errors


def test_toml_syntax_error_names_line(folder: Path) -> None:
    path = write(folder, 'title = "T"\nlandmarks = [2, 6\ntau = 3\n')
    message = error_of(path)
    assert "not valid TOML" in message
    assert "line 3" in message


def test_missing_study_file(tmp_path: Path) -> None:
    message = error_of(tmp_path / "nope.toml")
    assert "not found" in message


def test_unknown_top_level_key_suggests(folder: Path) -> None:
    message = error_of(write(folder, BASE.replace("landmarks =", "landmark =")))
    assert "key 'landmark'" in message
    assert "did you mean 'landmarks'?" in message


def test_unknown_arm_key_names_arm_and_suggests(folder: Path) -> None:
    message = error_of(write(folder, BASE.replace('select = "treated"', 'selct = "treated"')))
    assert "arm 'a_treated'" in message
    assert "key 'selct'" in message
    assert "did you mean 'select'?" in message


def test_missing_required_key(folder: Path) -> None:
    text = BASE.replace('endpoint = "PFS"\nipd = "trial_a_ipd.csv"\nselect = "treated"',
                        'ipd = "trial_a_ipd.csv"\nselect = "treated"')  # fmt: skip
    message = error_of(write(folder, text))
    assert "arm 'a_treated'" in message
    assert "key 'endpoint'" in message
    assert "missing" in message


def test_missing_arm_id_names_position(folder: Path) -> None:
    message = error_of(write(folder, BASE.replace('id = "a_treated"\n', "")))
    assert "[[arm]] number 2" in message and "key 'id'" in message


def test_duplicate_arm_ids(folder: Path) -> None:
    message = error_of(write(folder, BASE.replace('id = "a_treated"', 'id = "a_control"')))
    assert "duplicate arm id" in message
    assert "arm 'a_control'" in message and "number 2" in message


def test_arm_id_must_be_a_file_name(folder: Path) -> None:
    message = error_of(write(folder, BASE.replace('id = "a_treated"', 'id = "a/treated"')))
    assert "'a/treated'" in message and "key 'id'" in message


def test_comparison_of_unknown_arm_suggests(folder: Path) -> None:
    text = BASE.replace('arms = ["a_control", "a_treated"]', 'arms = ["a_control", "a_treatd"]')
    message = error_of(write(folder, text))
    assert "[[comparison]] number 1" in message
    assert "unknown arm 'a_treatd'" in message
    assert "did you mean 'a_treated'?" in message


def test_comparison_across_endpoints(folder: Path) -> None:
    text = BASE.replace('endpoint = "PFS"\ncurve', 'endpoint = "OS"\ncurve')
    text += '\n[[comparison]]\narms = ["a_control", "b_control"]\n'
    message = error_of(write(folder, text))
    assert "[[comparison]] number 2" in message
    assert "'a_control' is PFS" in message and "'b_control' is OS" in message


def test_comparison_needs_two_arms(folder: Path) -> None:
    message = error_of(write(folder, BASE.replace('arms = ["a_control", "a_treated"]',
                                                  'arms = ["a_control"]')))  # fmt: skip
    assert "key 'arms'" in message and "two arm ids" in message


def test_missing_data_file(folder: Path) -> None:
    (folder / "trial_b_risk.csv").unlink()
    message = error_of(write(folder, BASE))
    assert "arm 'b_control'" in message and "key 'risk_table'" in message
    assert "'trial_b_risk.csv' not found" in message


def test_select_matching_no_arm_lists_arms(folder: Path) -> None:
    message = error_of(write(folder, BASE.replace('"treated"', '"treatd"')), inputs=True)
    assert "arm 'a_treated'" in message and "key 'ipd'" in message
    assert "no arm 'treatd'" in message
    assert "'control' (50 rows)" in message and "'treated' (50 rows)" in message


def test_ipd_without_select_with_several_arms(folder: Path) -> None:
    message = error_of(write(folder, BASE.replace('select = "control"\n', "")), inputs=True)
    assert "arm 'a_control'" in message
    assert "holds 2 arms" in message and 'select = "NAME"' in message


def test_ipd_event_not_zero_or_one(folder: Path) -> None:
    lines = (folder / "trial_a_ipd.csv").read_text().splitlines()
    lines[4] = lines[4].replace(",1,", ",2,").replace(",0,", ",2,")
    (folder / "trial_a_ipd.csv").write_text("\n".join(lines) + "\n")
    message = error_of(write(folder, BASE), inputs=True)
    assert "arm 'a_control'" in message
    assert "trial_a_ipd.csv, row 5, column 'event'" in message
    assert "1 (event) or 0 (censored), found '2'" in message


def test_both_ipd_and_curve(folder: Path) -> None:
    text = BASE.replace('select = "treated"', 'select = "treated"\ncurve = "trial_b_curve.csv"')
    message = error_of(write(folder, text))
    assert "arm 'a_treated'" in message and "not ipd and curve" in message


def test_neither_ipd_nor_curve(folder: Path) -> None:
    text = BASE.replace('ipd = "trial_a_ipd.csv"\nselect = "treated"', "")
    message = error_of(write(folder, text))
    assert "arm 'a_treated'" in message and "no data" in message


def test_curve_only_key_on_ipd_arm(folder: Path) -> None:
    text = BASE.replace('select = "treated"', 'select = "treated"\nevents = 3')
    message = error_of(write(folder, text))
    assert "arm 'a_treated'" in message and "key 'events'" in message
    assert "curve arms only" in message


def test_curve_arm_needs_risk_table_or_n(folder: Path) -> None:
    message = error_of(write(folder, BASE.replace('risk_table = "trial_b_risk.csv"\n', "")))
    assert "arm 'b_control'" in message and "n = ..." in message


def test_single_bracket_arm_table(folder: Path) -> None:
    text = 'title = "T"\n[arm]\nid = "x"\n'
    message = error_of(write(folder, text))
    assert "[[arm]] (two brackets)" in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("landmarks = [2, 6.5]", "landmarks = [2, -6]", "key 'landmarks'"),
        ("landmarks = [2, 6.5]", "landmarks = [2, 2]", "twice"),
        ("landmarks = [2, 6.5]", 'landmarks = "2, 6"', "list of numbers"),
        ("tau = 12", "tau = 0", "key 'tau'"),
        ("tau = 12", "tau = 12\ncuts = [6, 3]", "increasing"),
        ("tau = 12", "tau = 12\nconfidence_level = 95", "between 0 and 1"),
        ("tau = 12", 'tau = 12\nshow_pvalue = "yes"', "true or false"),
        ("events = 60", "events = -1", "whole number"),
        ("events = 60", "events = 60\nprecision = 0", "between 0 and 0.5"),
        ("events = 60", 'events = 60\nprecision = "1px"', "between 0 and 0.5"),
    ],
)
def test_bad_option_values(folder: Path, old: str, new: str, expected: str) -> None:
    assert old in BASE
    assert expected in error_of(write(folder, BASE.replace(old, new)))


# --------------------------------------------------------------------------- time units


def test_arm_unit_converted_to_study_unit(folder: Path) -> None:
    text = BASE.replace('select = "treated"', 'select = "treated"\ntime_unit = "days"')
    study = read_study(write(folder, text))
    arm = study.arm("a_treated")
    assert arm.time_factor == pytest.approx(12 / 365.25, rel=1e-12)
    inputs = read_arm_inputs(study)
    raw_time, _ = read_ipd(folder / "trial_a_ipd.csv", select="treated")["treated"]
    converted = inputs["a_treated"].time
    assert converted is not None
    np.testing.assert_allclose(converted, raw_time * 12 / 365.25, rtol=1e-12)
    assert study.arm("a_control").time_factor == 1.0


def test_curve_arm_unit_converts_curve_and_risk_table(folder: Path) -> None:
    text = BASE.replace("events = 60", 'events = 60\ntime_unit = "years"')
    inputs = read_arm_inputs(read_study(write(folder, text)))
    table = inputs["b_control"].risk_table
    assert table is not None
    assert table.time.tolist() == [0.0, 60.0, 120.0, 180.0, 240.0, 300.0]


def test_arm_unit_without_study_unit(folder: Path) -> None:
    text = BASE.replace('time_unit = "months"\n', "").replace(
        'select = "treated"', 'select = "treated"\ntime_unit = "days"'
    )
    message = error_of(write(folder, text))
    assert "arm 'a_treated'" in message and "key 'time_unit'" in message
    assert "study sets no time_unit" in message


def test_unknown_unit_cannot_be_converted(folder: Path) -> None:
    text = BASE.replace('select = "treated"', 'select = "treated"\ntime_unit = "cycles"')
    message = error_of(write(folder, text))
    assert "unknown unit 'cycles'" in message and "days, weeks, months, years" in message


def test_same_unknown_unit_needs_no_conversion(folder: Path) -> None:
    text = BASE.replace('time_unit = "months"', 'time_unit = "cycles"').replace(
        'select = "treated"', 'select = "treated"\ntime_unit = "Cycles"'
    )
    assert read_study(write(folder, text)).arm("a_treated").time_factor == 1.0


def test_time_factor_values() -> None:
    assert time_factor("years", "months") == 12.0
    assert time_factor("weeks", "days") == 7.0
    assert time_factor("month", "Months") == 1.0
    assert time_factor("days", "years") == pytest.approx(1 / 365.25)
    assert normalize_unit("wk") == "weeks" and normalize_unit("fortnight") is None
    with pytest.raises(ValueError, match="unknown time unit 'fortnight'"):
        time_factor("fortnight", "days")
