"""Tests of kmipd.io: file layouts, validation messages and atomic writers."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kmipd.io
from kmipd.errors import (
    CensorMarkError,
    CurveError,
    DataQualityWarning,
    InputError,
    OptionError,
    RiskTableError,
)
from kmipd.io import (
    atomic_write,
    parse_arm_counts,
    read_censor_marks,
    read_curve,
    read_risk_table,
    write_curve_csv,
    write_ipd,
    write_json,
    write_risk_csv,
)
from kmipd.types import Curve, RiskTable

DATA = Path(__file__).parent / "data"


def put(directory: Path, name: str, text: str | bytes) -> Path:
    """Write ``text`` to ``directory/name`` and return the path."""
    path = directory / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def quietly(function, *args, **kwargs):
    """Call ``function`` with kmipd's data-quality warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return function(*args, **kwargs)


# --- public API -------------------------------------------------------------------------


def test_public_names_are_sorted_and_documented():
    expected = [
        "atomic_write",
        "parse_arm_counts",
        "read_censor_marks",
        "read_curve",
        "read_ipd",
        "read_risk_table",
        "write_curve_csv",
        "write_ipd",
        "write_json",
        "write_risk_csv",
    ]
    assert kmipd.io.__all__ == expected
    for name in expected:
        assert getattr(kmipd.io, name).__doc__, name


def test_import_does_not_load_pandas_or_scipy():
    src = Path(kmipd.io.__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
    }
    code = "import sys, kmipd.io; print(sorted({'pandas', 'scipy'} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]"


# --- read_curve: layouts ----------------------------------------------------------------


def test_reconstructkm_clicks_single_arm():
    path = DATA / "keynote189-os" / "pbo_clicks.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curves = read_curve(path, arm="Placebo")
    assert list(curves) == ["Placebo"]
    curve = curves["Placebo"]
    assert isinstance(curve, Curve)
    assert len(curve) == 96
    assert curve.time[0] == 0.0 and curve.survival[0] == 1.0
    assert curve.time[-1] == pytest.approx(15.13857516038)
    assert curve.survival[-1] == pytest.approx(0.4169719980026)
    assert curve.rows[0] == 2 and curve.rows[-1] == 97
    assert curve.source == str(path)
    assert curve.arm == "Placebo"


def test_default_arm_name_is_arm():
    curves = read_curve(DATA / "keynote189-os" / "pbo_clicks.csv")
    assert list(curves) == ["arm"]


@pytest.mark.parametrize(
    ("delimiter", "header"),
    [
        (",", "arm,time,survival"),
        (";", "Group;Months;Surv"),
        ("\t", "STRATA\tYears\tProbability"),
        (" ", "curve t s"),
    ],
)
def test_long_format_with_aliases_and_delimiters(tmp_path, delimiter, header):
    rows = [("A", "0", "1"), ("B", "0", "1"), ("A", "2.5", "0.8"), ("B", "3", "0.7")]
    text = "\n".join([header] + [delimiter.join(row) for row in rows]) + "\n"
    curves = read_curve(put(tmp_path, "long.csv", text))
    assert list(curves) == ["A", "B"]
    np.testing.assert_array_equal(curves["A"].time, [0.0, 2.5])
    np.testing.assert_array_equal(curves["B"].survival, [1.0, 0.7])
    np.testing.assert_array_equal(curves["A"].rows, [2, 4])
    np.testing.assert_array_equal(curves["B"].rows, [3, 5])


@pytest.mark.parametrize(
    "header",
    ["t,y", "x,prob", "TIME,PFS", "months,OS", "Time,Probability", "years,surv", '"time","S"'],
)
def test_column_aliases_case_insensitive(tmp_path, header):
    curves = read_curve(put(tmp_path, "c.csv", f"{header}\n0,1\n1,0.9\n2,0.5\n"))
    np.testing.assert_array_equal(curves["arm"].survival, [1.0, 0.9, 0.5])
    np.testing.assert_array_equal(curves["arm"].time, [0.0, 1.0, 2.0])


def test_extra_columns_ignored_and_order_free(tmp_path):
    text = "lower,survival,upper,time\n0.9,1,1,0\n0.7,0.8,0.9,4\n"
    curve = read_curve(put(tmp_path, "c.csv", text))["arm"]
    np.testing.assert_array_equal(curve.time, [0.0, 4.0])
    np.testing.assert_array_equal(curve.survival, [1.0, 0.8])


def test_semicolon_file_with_decimal_commas(tmp_path):
    text = "arm;time;survival\nÉtude A;0;1\nÉtude A;1,5;0,95\n"
    curve = read_curve(put(tmp_path, "eu.csv", text))["Étude A"]
    np.testing.assert_array_equal(curve.time, [0.0, 1.5])
    np.testing.assert_array_equal(curve.survival, [1.0, 0.95])


def test_utf8_bom_and_windows_1252_files(tmp_path):
    bom = put(tmp_path, "bom.csv", "\ufefftime,survival\n0,1\n1,0.5\n".encode())
    assert len(read_curve(bom)["arm"]) == 2
    latin = put(
        tmp_path,
        "latin.csv",
        "arm,time,survival\nBévacizumab…,0,1\nBévacizumab…,1,0.5\n".encode("cp1252"),
    )
    assert list(read_curve(latin)) == ["Bévacizumab…"]


def test_webplotdigitizer_headerless_pairs(tmp_path):
    curves = read_curve(put(tmp_path, "wpd.csv", "0.0,1.0\n1.2,0.95\n2.4,0.81\n"), arm="Control")
    curve = curves["Control"]
    np.testing.assert_array_equal(curve.time, [0.0, 1.2, 2.4])
    np.testing.assert_array_equal(curve.survival, [1.0, 0.95, 0.81])
    np.testing.assert_array_equal(curve.rows, [1, 2, 3])


WPD_MULTI = "Pembrolizumab,,Placebo,\nX,Y,X,Y\n0,1,0,1\n1.5,0.97,1.1,0.93\n3.2,0.9,,\n4.0,0.85,,\n"


def test_webplotdigitizer_multi_dataset_ragged(tmp_path):
    curves = read_curve(put(tmp_path, "wpd_multi.csv", WPD_MULTI))
    assert list(curves) == ["Pembrolizumab", "Placebo"]
    np.testing.assert_array_equal(curves["Pembrolizumab"].time, [0, 1.5, 3.2, 4.0])
    np.testing.assert_array_equal(curves["Placebo"].survival, [1.0, 0.93])
    np.testing.assert_array_equal(curves["Placebo"].rows, [3, 4])
    np.testing.assert_array_equal(curves["Pembrolizumab"].rows, [3, 4, 5, 6])


def test_webplotdigitizer_multi_dataset_half_empty_pair(tmp_path):
    path = put(tmp_path, "wpd_bad.csv", WPD_MULTI.replace("3.2,0.9,,", "3.2,0.9,2.0,"))
    with pytest.raises(CurveError) as info:
        read_curve(path)
    message = str(info.value)
    assert str(path) in message and "row 5" in message and "column 'Placebo Y'" in message


def test_guyot_survival_txt_with_empty_first_header_field():
    curves = read_curve(DATA / "survhe-example" / "survival.txt")
    curve = curves["arm"]
    assert len(curve) == 31
    np.testing.assert_array_equal(curve.time[:3], [0.0, 2.89, 2.94])
    np.testing.assert_array_equal(curve.survival[:3], [1.0, 1.0, 0.98])
    assert curve.time[-1] == 19.36 and curve.survival[-1] == 0.27


def test_guyot_surv1_txt_index_time_os():
    curve = read_curve(DATA / "ipilimumab-pooled-os" / "surv1.txt")["arm"]
    assert len(curve) == 59
    assert curve.time[1] == 0.883978 and curve.survival[1] == 0.982857
    assert curve.rows[1] == 3


def test_r_write_table_header_without_row_name_column(tmp_path):
    curve = read_curve(put(tmp_path, "r.txt", "Time Survival\n1 0 1\n2 1.5 0.9\n3 2 0.7\n"))["arm"]
    np.testing.assert_array_equal(curve.time, [0.0, 1.5, 2.0])
    np.testing.assert_array_equal(curve.survival, [1.0, 0.9, 0.7])


def test_headerless_index_time_survival(tmp_path):
    curve = read_curve(put(tmp_path, "k.txt", "1\t0\t1\n2\t3\t0.9\n3\t5\t0.8\n"))["arm"]
    np.testing.assert_array_equal(curve.time, [0.0, 3.0, 5.0])
    np.testing.assert_array_equal(curve.survival, [1.0, 0.9, 0.8])


def test_headerless_long_format(tmp_path):
    curves = read_curve(put(tmp_path, "l.csv", "0,1,A\n2,0.8,A\n0,1,B\n3,0.6,B\n"))
    assert list(curves) == ["A", "B"]
    np.testing.assert_array_equal(curves["B"].time, [0.0, 3.0])


def test_ipdfromkm_v1_v2_percent_is_detected_with_warning():
    path = DATA / "bonner-radiation" / "Radiationdata__radio.csv"
    with pytest.warns(DataQualityWarning) as record:
        curve = read_curve(path)["arm"]
    messages = [str(w.message) for w in record]
    assert any("assumed percent" in m and "--percent" in m for m in messages)
    assert any("row 2" in m and "negative" in m and "clipped" in m for m in messages)
    assert len(curve) == 145
    assert curve.survival[0] == pytest.approx(0.989)
    assert curve.survival[-1] == pytest.approx(0.263)
    assert curve.survival.max() <= 1.0
    assert curve.time[0] == -0.512  # kept; the cleaning stage clips it


def test_explicit_percent_gives_same_values_without_percent_warning():
    path = DATA / "bonner-radiation" / "Radiationdata__radio.csv"
    with pytest.warns(DataQualityWarning) as record:
        explicit = read_curve(path, percent=True)["arm"]
    assert not any("percent" in str(w.message) for w in record)
    automatic = quietly(read_curve, path)["arm"]
    np.testing.assert_array_equal(explicit.survival, automatic.survival)


def test_digitizeit_export_scientific_notation_crlf():
    path = DATA / "bonner-radiation" / "radiodigit_excerpt.csv"
    with pytest.warns(DataQualityWarning, match="assumed percent"):
        curve = read_curve(path, arm="Radiotherapy")["Radiotherapy"]
    assert len(curve) == 30
    assert curve.time[0] == pytest.approx(0.2667810343774)
    assert curve.survival[0] == pytest.approx(0.9978311500758)


def test_scanit_headerless_whitespace_negative_start():
    path = DATA / "bonner-radiation" / "radioscanit.txt"
    with pytest.warns(DataQualityWarning) as record:
        curve = read_curve(path)["arm"]
    assert len(curve) == 145
    assert curve.time[0] == -0.512 and curve.rows[0] == 1
    assert curve.time[-1] == 58.1 and curve.survival[-1] == pytest.approx(0.263)
    negative = [str(w.message) for w in record if "negative" in str(w.message)]
    assert negative and "row 1" in negative[0] and "-0.512" in negative[0]


# --- read_curve: percent, failure, ranges ------------------------------------------------


def test_percent_false_rejects_values_above_one(tmp_path):
    path = put(tmp_path, "p.csv", "time,survival\n0,100\n1,90\n")
    with pytest.raises(CurveError) as info:
        read_curve(path, percent=False)
    message = str(info.value)
    assert str(path) in message and "row 2" in message and "column 'survival'" in message
    assert "100" in message and "--percent" in message


def test_click_noise_just_above_one_is_kept(tmp_path):
    curve = read_curve(put(tmp_path, "n.csv", "time,survival\n0,1.015\n1,0.9\n"), percent=False)
    assert curve["arm"].survival[0] == 1.015


def test_auto_percent_below_cutoff_reports_value_above_one(tmp_path):
    path = put(tmp_path, "n.csv", "time,survival\n0,1\n1,1.3\n")
    with pytest.raises(CurveError, match=r"row 3, column 'survival': survival 1.3 is above 1"):
        read_curve(path)


def test_percent_true_above_hundred(tmp_path):
    path = put(tmp_path, "p.csv", "time,survival\n0,100\n1,120\n")
    with pytest.raises(CurveError, match=r"row 3.*120 is above 100"):
        read_curve(path, percent=True)


def test_negative_survival_is_an_error(tmp_path):
    path = put(tmp_path, "n.csv", "time,survival\n0,1\n1,-0.5\n")
    with pytest.raises(CurveError, match=r"row 3, column 'survival': survival -0.5 is below 0"):
        read_curve(path)


def test_failure_curve_is_flipped(tmp_path):
    path = put(tmp_path, "f.csv", "time,y\n0,0\n1,0.1\n2,0.25\n")
    curve = read_curve(path, failure=True)["arm"]
    np.testing.assert_allclose(curve.survival, [1.0, 0.9, 0.75])


def test_failure_curve_in_percent_is_converted_first(tmp_path):
    path = put(tmp_path, "f.csv", "time,y\n0,0\n1,10\n2,25\n")
    with pytest.warns(DataQualityWarning, match="assumed percent"):
        curve = read_curve(path, failure=True)["arm"]
    np.testing.assert_allclose(curve.survival, [1.0, 0.9, 0.75])


def test_far_negative_time_is_an_error(tmp_path):
    path = put(tmp_path, "t.csv", "time,survival\n0,1\n-10,0.9\n50,0.5\n")
    with pytest.raises(CurveError) as info:
        read_curve(path)
    message = str(info.value)
    assert "row 3" in message and "column 'time'" in message and "-10" in message
    assert "calibration" in message


# --- read_curve: bad input ----------------------------------------------------------------


def expect_curve_error(path: Path, *fragments: str, **kwargs) -> str:
    with pytest.raises(CurveError) as info:
        read_curve(path, **kwargs)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def test_missing_file(tmp_path):
    expect_curve_error(tmp_path / "absent.csv", "file not found")


def test_directory_instead_of_file(tmp_path):
    expect_curve_error(tmp_path, "directory")


def test_empty_and_blank_files(tmp_path):
    expect_curve_error(put(tmp_path, "empty.csv", ""), "empty")
    expect_curve_error(put(tmp_path, "blank.csv", "\n  \n\n"), "empty")


def test_header_without_data_rows(tmp_path):
    expect_curve_error(put(tmp_path, "h.csv", "time,survival\n"), "row 1", "no data rows")


def test_binary_file(tmp_path):
    expect_curve_error(
        put(tmp_path, "fig.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "not a text"
    )


def test_wrong_columns_lists_found_and_expected(tmp_path):
    path = put(tmp_path, "w.csv", "time,event,arm\n1,1,A\n2,0,A\n")
    message = expect_curve_error(path, "row 1", "'time', 'event', 'arm'", "survival column")
    assert "expected" in message


def test_ambiguous_columns(tmp_path):
    expect_curve_error(put(tmp_path, "a.csv", "time,os,pfs\n0,1,1\n1,0.9,0.8\n"), "'os'", "'pfs'")


def test_too_many_headerless_columns(tmp_path):
    expect_curve_error(put(tmp_path, "h.csv", "0,1,2,3\n1,2,3,4\n"), "row 1", "no header")


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("abc", "'abc' is not a number"),
        ("", "empty"),
        ("NA", "'NA'"),
        ("nan", "not a finite"),
        ("inf", "not a finite"),
        ("-Infinity", "not a finite"),
    ],
)
def test_bad_survival_values(tmp_path, cell, fragment):
    path = put(tmp_path, "bad.csv", f"time,survival\n0,1\n1,{cell}\n2,0.5\n")
    expect_curve_error(path, "row 3", "column 'survival'", fragment)


def test_bad_time_value_in_headerless_file(tmp_path):
    path = put(tmp_path, "bad.txt", "0 1\n1 0.9\nx 0.5\n")
    expect_curve_error(path, "row 3", "column 'time'", "'x' is not a number")


def test_arm_with_single_point(tmp_path):
    path = put(tmp_path, "one.csv", "arm,time,survival\nA,0,1\nA,1,0.9\nB,0,1\n")
    expect_curve_error(path, "row 4", "arm 'B'", "at least 2")


def test_empty_arm_name(tmp_path):
    path = put(tmp_path, "arm.csv", "arm,time,survival\nA,0,1\n,1,0.9\n")
    expect_curve_error(path, "row 3", "column 'arm'", "arm name is empty")


# --- read_risk_table ------------------------------------------------------------------------


def test_reconstructkm_nar_floats():
    path = DATA / "keynote189-os" / "pbo_NAR.csv"
    table = read_risk_table(path, arm="Placebo")["Placebo"]
    assert isinstance(table, RiskTable)
    np.testing.assert_array_equal(table.time, [0, 3, 6, 9, 12, 15, 18, 21])
    np.testing.assert_array_equal(table.n_at_risk, [206, 183, 149, 104, 59, 25, 8, 0])
    assert table.n_at_risk.dtype == np.int64
    np.testing.assert_array_equal(table.rows, range(2, 10))
    assert table.source == str(path)


def test_guyot_nrisk_txt_with_trailing_tab():
    table = read_risk_table(DATA / "survhe-example" / "nrisk.txt")["arm"]
    np.testing.assert_array_equal(table.time, [0, 4, 8, 12, 16])
    np.testing.assert_array_equal(table.n_at_risk, [61, 55, 49, 31, 13])


def test_guyot_table1_month_nar():
    table = read_risk_table(DATA / "ipilimumab-pooled-os" / "table1.txt")["arm"]
    assert len(table) == 11
    assert table.n_at_risk[0] == 1861 and table.n_at_risk[-1] == 0
    assert table.time[-1] == 120.0


def test_ipdfromkm_split_form_uses_first_times_and_warns():
    folder = DATA / "bonner-radiation"
    with pytest.warns(DataQualityWarning, match="8 times.*6 numbers at risk.*first 6"):
        tables = read_risk_table(
            folder / "Radiationdata__nrisk.radio.csv",
            times=folder / "Radiationdata__trisk.csv",
            arm="Radiotherapy",
        )
    table = tables["Radiotherapy"]
    np.testing.assert_array_equal(table.time, [0, 10, 20, 30, 40, 50])
    np.testing.assert_array_equal(table.n_at_risk, [213, 122, 80, 51, 30, 10])


def test_one_column_without_times_is_an_error():
    path = DATA / "bonner-radiation" / "Radiationdata__nrisk.radio.csv"
    with pytest.raises(RiskTableError, match="--risk-times") as info:
        read_risk_table(path)
    assert str(path) in str(info.value)


def test_split_form_with_too_few_times(tmp_path):
    counts = put(tmp_path, "n.csv", "n\n100\n80\n50\n")
    times = put(tmp_path, "t.csv", "0\n10\n")
    with pytest.raises(RiskTableError, match=r"t\.csv.*2 time\(s\) for 3 numbers"):
        read_risk_table(counts, times=times)


def test_times_with_a_two_column_table_is_an_error(tmp_path):
    path = put(tmp_path, "r.csv", "time,n\n0,10\n")
    with pytest.raises(RiskTableError, match="one-column"):
        read_risk_table(path, times=put(tmp_path, "t.csv", "0\n"))


def test_long_risk_table_with_aliases(tmp_path):
    text = "Group,Month,N_Risk\nA,0,100\nB,0,90\nA,6,70\nB,6,60\n"
    tables = read_risk_table(put(tmp_path, "r.csv", text))
    assert list(tables) == ["A", "B"]
    np.testing.assert_array_equal(tables["B"].n_at_risk, [90, 60])
    np.testing.assert_array_equal(tables["A"].rows, [2, 4])


@pytest.mark.parametrize("name", ["n", "nrisk", "nar", "at_risk", "number at risk", "NAR"])
def test_risk_count_aliases(tmp_path, name):
    table = read_risk_table(put(tmp_path, "r.csv", f"time,{name}\n0,10\n5,4\n"))["arm"]
    np.testing.assert_array_equal(table.n_at_risk, [10, 4])


def test_unsorted_risk_rows_are_sorted_with_warning(tmp_path):
    path = put(tmp_path, "r.csv", "time,n\n6,50\n0,100\n12,20\n")
    with pytest.warns(DataQualityWarning, match="not in time order"):
        table = read_risk_table(path)["arm"]
    np.testing.assert_array_equal(table.time, [0, 6, 12])
    np.testing.assert_array_equal(table.n_at_risk, [100, 50, 20])
    np.testing.assert_array_equal(table.rows, [3, 2, 4])


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ("0,100\n6,10.5\n", ["row 3", "column 'n'", "10.5", "whole number"]),
        ("0,100\n6,-3\n", ["row 3", "column 'n'", "-3", "negative"]),
        ("0,100\n6,nan\n", ["row 3", "column 'n'", "not a finite"]),
        ("0,100\n6,many\n", ["row 3", "column 'n'", "'many' is not a number"]),
        ("-1,100\n6,50\n", ["row 2", "column 'time'", "-1", "negative"]),
        ("0,100\n6,50\n6,40\n", ["row 4", "column 'time'", "rows 3 and 4", "twice"]),
        ("0,100\n6,50\n12,60\n", ["row 4", "column 'n'", "rises", "row 3", "row 4"]),
    ],
)
def test_bad_risk_tables(tmp_path, body, fragments):
    path = put(tmp_path, "bad.csv", "time,n\n" + body)
    with pytest.raises(RiskTableError) as info:
        read_risk_table(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_risk_table_empty_file_and_wrong_columns(tmp_path):
    with pytest.raises(RiskTableError, match="empty"):
        read_risk_table(put(tmp_path, "e.csv", ""))
    with pytest.raises(RiskTableError, match=r"found: 'time', 'deaths'.*numbers-at-risk"):
        read_risk_table(put(tmp_path, "w.csv", "time,deaths\n0,1\n"))


# --- read_censor_marks ---------------------------------------------------------------------


def test_censor_marks_long_format_sorted(tmp_path):
    text = "arm,time\nA,5\nB,2\nA,1.5\n"
    marks = read_censor_marks(put(tmp_path, "m.csv", text))
    assert list(marks) == ["A", "B"]
    np.testing.assert_array_equal(marks["A"].time, [1.5, 5.0])
    assert marks["B"].source == str(tmp_path / "m.csv")


def test_censor_marks_headerless_single_column(tmp_path):
    marks = read_censor_marks(put(tmp_path, "m.txt", "3.5\n1.0\n\n2\n"), arm="Placebo")
    np.testing.assert_array_equal(marks["Placebo"].time, [1.0, 2.0, 3.5])


def test_censor_marks_from_xy_exports(tmp_path):
    marks = read_censor_marks(put(tmp_path, "m.csv", "4,0.8\n2,0.9\n"))
    np.testing.assert_array_equal(marks["arm"].time, [2.0, 4.0])
    multi = read_censor_marks(put(tmp_path, "w.csv", WPD_MULTI))
    np.testing.assert_array_equal(multi["Placebo"].time, [0.0, 1.1])


def test_censor_marks_bad_values(tmp_path):
    with pytest.raises(CensorMarkError, match=r"row 3, column 'time': 'x' is not a number"):
        read_censor_marks(put(tmp_path, "m.csv", "time\n1\nx\n"))
    with pytest.raises(CensorMarkError, match=r"row 2, column 'time'.*-1 is negative"):
        read_censor_marks(put(tmp_path, "n.csv", "time\n-1\n"))
    with pytest.raises(CensorMarkError, match=r"found: 'arm', 'n'"):
        read_censor_marks(put(tmp_path, "c.csv", "arm,n\nA,1\n"))


def test_errors_are_value_errors():
    assert issubclass(CurveError, InputError) and issubclass(CurveError, ValueError)


# --- writers -------------------------------------------------------------------------------


def test_write_ipd_content(tmp_path):
    path = tmp_path / "ipd.csv"
    write_ipd(path, [("A, arm", [0.1 + 0.2, 12.0], [1, 0]), ("B", np.array([3.5]), [True])])
    assert path.read_text() == (
        'arm,time,event\n"A, arm",0.30000000000000004,1\n"A, arm",12.0,0\nB,3.5,1\n'
    )
    assert not [p for p in tmp_path.iterdir() if p.name != "ipd.csv"]


def test_write_ipd_bad_input_leaves_no_file(tmp_path):
    path = tmp_path / "ipd.csv"
    with pytest.raises(ValueError, match="events must be 0 or 1"):
        write_ipd(path, [("A", [1.0, 2.0], [1, 0]), ("B", [1.0], [2])])
    with pytest.raises(ValueError, match="2 times but 1 events"):
        write_ipd(path, [("A", [1.0, 2.0], [1])])
    with pytest.raises(ValueError, match="NaN"):
        write_ipd(path, [("A", [math.nan], [1])])
    assert list(tmp_path.iterdir()) == []


def test_atomic_write_exception_keeps_old_content(tmp_path):
    path = put(tmp_path, "out.txt", "old\n")
    with pytest.raises(RuntimeError), atomic_write(path) as handle:
        handle.write("partial")
        raise RuntimeError("boom")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_write_replaces_and_binary(tmp_path):
    path = put(tmp_path, "out.bin", "old")
    with atomic_write(path, "wb") as handle:
        handle.write(b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
    with atomic_write(tmp_path / "t.txt") as handle:
        handle.write("a\nb\n")
    assert (tmp_path / "t.txt").read_bytes() == b"a\nb\n"
    with pytest.raises(ValueError, match="mode"):
        with atomic_write(tmp_path / "x", "a"):
            pass  # pragma: no cover
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin", "t.txt"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_atomic_write_uses_normal_permissions(tmp_path):
    normal = tmp_path / "normal.txt"
    normal.write_text("x")
    with atomic_write(tmp_path / "atomic.txt") as handle:
        handle.write("x")
    assert (tmp_path / "atomic.txt").stat().st_mode == normal.stat().st_mode


class _Result:
    def to_dict(self):
        return {"rmse": np.float64(0.01), "intervals": (1, 2)}


def test_write_json_nan_numpy_and_to_dict(tmp_path):
    path = tmp_path / "r.json"
    obj = {
        "z": math.nan,
        "a": [np.int64(3), np.inf, -math.inf],
        "arr": np.array([1.5, np.nan]),
        "result": _Result(),
        "ok": True,
        "none": None,
        "path": Path("x.csv"),
    }
    write_json(path, obj)
    text = path.read_text()
    assert text.startswith('{\n  "z": null,\n  "a": [')  # indent 2, key order kept
    assert text.endswith("}\n")
    assert json.loads(text) == {
        "z": None,
        "a": [3, None, None],
        "arr": [1.5, None],
        "result": {"rmse": 0.01, "intervals": [1, 2]},
        "ok": True,
        "none": None,
        "path": "x.csv",
    }


def test_write_json_unserializable_leaves_no_file(tmp_path):
    with pytest.raises(TypeError):
        write_json(tmp_path / "r.json", {"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_write_risk_csv_round_trip(tmp_path):
    tables = {"A": RiskTable([0, 6], [100, 40], arm="A"), "B": RiskTable([0.0], [90], arm="B")}
    path = tmp_path / "risk.csv"
    write_risk_csv(path, tables)
    assert path.read_text() == "arm,time,n_at_risk\nA,0.0,100\nA,6.0,40\nB,0.0,90\n"
    back = read_risk_table(path)
    np.testing.assert_array_equal(back["A"].n_at_risk, [100, 40])
    assert list(back) == ["A", "B"]


def test_write_curve_csv_accepts_iterable_of_curves(tmp_path):
    path = tmp_path / "c.csv"
    write_curve_csv(path, [Curve([0, 1], [1, 0.5], arm="X")])
    assert path.read_text() == "arm,time,survival\nX,0.0,1.0\nX,1.0,0.5\n"


arm_names = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=12
).filter(lambda name: name == name.strip() and name != "")
times = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
probabilities = st.floats(min_value=0, max_value=1, allow_nan=False)
arm_points = st.lists(st.tuples(times, probabilities), min_size=2, max_size=20)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(arm_names, arm_points, min_size=1, max_size=4))
def test_write_curve_csv_read_curve_round_trip(arms):
    curves = {
        name: Curve([t for t, _ in points], [s for _, s in points], arm=name)
        for name, points in arms.items()
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "curves.csv"
        write_curve_csv(path, curves)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            back = read_curve(path)
    assert list(back) == list(curves)
    for name, curve in curves.items():
        np.testing.assert_array_equal(back[name].time, curve.time)
        np.testing.assert_array_equal(back[name].survival, curve.survival)


# --- parse_arm_counts ----------------------------------------------------------------------


def test_parse_arm_counts_valid():
    assert parse_arm_counts(["A=200", " B = 210 "], option="--n") == {"A": 200, "B": 210}
    assert parse_arm_counts(["61"], option="--n") == {None: 61}
    assert parse_arm_counts(["x=y=0"], option="--events") == {"x=y": 0}
    assert parse_arm_counts([], option="--n") == {}


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        (["A=-3"], "negative"),
        (["A=2.5"], "not a whole number"),
        (["A="], "not a whole number"),
        (["=5"], "arm name is empty"),
        (["many"], "not a whole number"),
        (["A=1", "A=2"], "twice"),
        (["5", "A=2"], "alone"),
        (["5", "6"], "twice"),
    ],
)
def test_parse_arm_counts_errors(values, fragment):
    with pytest.raises(OptionError) as info:
        parse_arm_counts(values, option="--events")
    message = str(info.value)
    assert "--events" in message and fragment in message
    if len(values) == 1:
        assert repr(values[0]) in message


# --- line numbers and odd layouts ----------------------------------------------------------


def test_line_numbers_skip_blank_lines_and_follow_multiline_cells(tmp_path):
    curve = read_curve(put(tmp_path, "b.csv", "time,survival\n\n0,1\n\n1,0.5\n"))["arm"]
    np.testing.assert_array_equal(curve.rows, [3, 5])
    text = 'arm,time,survival\n"A\nB",0,1\n"A\nB",1,0.5\nC,0,1\nC,x,1\n'
    path = put(tmp_path, "q.csv", text)
    with pytest.raises(CurveError, match=r"row 7, column 'time': 'x'"):
        read_curve(path)
    curves = read_curve(put(tmp_path, "q2.csv", text.replace(",x,", ",2,")))
    assert list(curves) == ["A\nB", "C"]
    np.testing.assert_array_equal(curves["A\nB"].rows, [2, 4])


def test_duplicate_webplotdigitizer_dataset_names(tmp_path):
    path = put(tmp_path, "d.csv", "A,,A,\nX,Y,X,Y\n0,1,0,1\n1,0.9,1,0.8\n")
    expect_curve_error(path, "row 1", "'A' appears twice")


def test_headerless_risk_table(tmp_path):
    table = read_risk_table(put(tmp_path, "r.txt", "0 206\n3 183\n6 149\n"))["arm"]
    np.testing.assert_array_equal(table.time, [0, 3, 6])
    np.testing.assert_array_equal(table.n_at_risk, [206, 183, 149])
