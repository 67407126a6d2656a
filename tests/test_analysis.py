"""Tests of kmipd.analysis against R's survival package.

Expected values come from ``tests/reference/r_values.json``, written by
``tests/reference/make_reference.R`` (re-run with
``Rscript tests/reference/make_reference.R`` from the repository root). The
tests read the JSON and never call R. Tolerances: relative 1e-6 on estimates
(and statistics, standard errors, p-values), 1e-4 on interval bounds.
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kmipd.analysis as ka
from kmipd.errors import ApproximationWarning, InputError

REFERENCE = Path(__file__).parent / "reference"
EST = 1e-6  # relative tolerance on estimates
CI = 1e-4  # relative tolerance on interval bounds
LEVEL_90 = 0.90


@cache
def r_values() -> dict[str, Any]:
    with open(REFERENCE / "r_values.json", encoding="utf-8") as handle:
        return dict(json.load(handle)["cases"])


CASES = sorted(r_values())


def case_data(name: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Arms of a reference case in its order: {arm: (time, event)}."""
    spec = r_values()[name]
    rows: list[dict[str, str]] = []
    for file in spec["files"]:
        with open(REFERENCE / "data" / file, newline="", encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    data = {}
    for arm in spec["arms"]:
        mine = [row for row in rows if row["arm"] == arm]
        time = np.array([float(row["time"]) for row in mine])
        data[arm] = (time, np.array([int(row["event"]) for row in mine]))
    return data


@cache
def analysis(name: str) -> ka.AnalysisResult:
    spec = r_values()[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the default tau never extrapolates
        return ka.analyze(
            case_data(name), landmarks=spec["landmarks"], cuts=spec["cuts"], tau=spec["tau_given"]
        )


def _r_number(value: Any) -> float | None:
    if value is None:
        return None
    if value in ("Inf", "-Inf"):
        return math.inf if value == "Inf" else -math.inf
    return float(value)


def assert_close(actual: Any, expected: Any, rtol: float, what: str = "") -> None:
    """Element-wise relative agreement; R's NA (null) must be None or NaN here."""
    actual_list = np.atleast_1d(np.asarray(actual, dtype=object)).tolist()
    expected_list = expected if isinstance(expected, list) else [expected]
    assert len(actual_list) == len(expected_list), what
    for i, (got, want) in enumerate(zip(actual_list, expected_list, strict=True)):
        want = _r_number(want)
        got = None if got is None or (isinstance(got, float) and math.isnan(got)) else float(got)
        if want is None or (isinstance(want, float) and math.isnan(want)):
            assert got is None, f"{what}[{i}]: R has NA, got {got}"
        elif math.isinf(want):
            assert got == want, f"{what}[{i}]: R has {want}, got {got}"
        else:
            assert got is not None, f"{what}[{i}]: R has {want}, got None"
            assert got == pytest.approx(want, rel=rtol, abs=1e-300), f"{what}[{i}]"


@pytest.mark.parametrize("name", CASES)
def test_kaplan_meier_matches_survfit(name: str) -> None:
    for arm, (time, event) in case_data(name).items():
        r = r_values()[name]["arm_values"][arm]["km"]
        km = ka.kaplan_meier(time, event, arm=arm)
        assert km.time.tolist() == r["time"]
        assert km.n_at_risk.tolist() == r["n_risk"]
        assert km.n_events.tolist() == r["n_event"]
        assert km.n_censored.tolist() == r["n_censor"]
        assert_close(km.survival, r["surv"], EST, f"{name}/{arm} surv")
        assert_close(km.std_err, r["std_err"], EST, f"{name}/{arm} std.err")
        assert_close(km.lower, r["lower"], CI, f"{name}/{arm} lower")
        assert_close(km.upper, r["upper"], CI, f"{name}/{arm} upper")
        km90 = ka.kaplan_meier(time, event, arm=arm, confidence_level=LEVEL_90)
        assert_close(km90.lower, r["lower90"], CI, f"{name}/{arm} lower 90%")
        assert_close(km.with_confidence_level(LEVEL_90).upper, r["upper90"], CI, "upper 90%")


@pytest.mark.parametrize("name", CASES)
def test_quantiles_match_quantile_survfit(name: str) -> None:
    for arm, (time, event) in case_data(name).items():
        r = r_values()[name]["arm_values"][arm]["quantiles"]
        km = ka.kaplan_meier(time, event, arm=arm)
        for i, prob in enumerate(r["probs"]):
            result = ka.survival_quantile(km, prob)
            what = f"{name}/{arm} q={prob}"
            assert_close(result.estimate, r["estimate"][i], EST, what)
            assert_close(result.ci[0], r["lower"][i], CI, what + " lower")
            assert_close(result.ci[1], r["upper"][i], CI, what + " upper")
            assert result.reached == (r["estimate"][i] is not None)
        median = analysis(name).arms[arm].median
        assert_close(median.estimate, r["estimate"][1], EST, f"{name}/{arm} median")
        assert_close(list(median.confidence_interval()), r["lower"][1:2] + r["upper"][1:2], CI)


def test_flat_stretch_at_half_takes_the_midpoint() -> None:
    median = analysis("flat_half").arms["flat"].median
    assert median.estimate == pytest.approx(12.5)  # S = 0.5 exactly from t = 10 to t = 15
    assert r_values()["flat_half"]["arm_values"]["flat"]["quantiles"]["estimate"][1] == 12.5


def test_median_not_reached_is_none() -> None:
    median = analysis("not_reached").arms["A"].median
    assert median.estimate is None and not median.reached
    assert analysis("not_reached").to_dict()["arms"]["A"]["median"]["estimate"] is None


@pytest.mark.parametrize("name", CASES)
def test_landmarks_match_summary_survfit(name: str) -> None:
    spec = r_values()[name]
    for arm, values in spec["arm_values"].items():
        marks = analysis(name).arms[arm].landmarks
        assert list(marks) == [format(float(t), "g") for t in spec["landmarks"]]
        for key, mark in marks.items():
            r = values["landmarks"][key]
            if r is None:
                assert not mark.estimable and mark.survival is None and mark.ci == (None, None)
                continue
            assert mark.estimable
            assert_close(mark.survival, r["surv"], EST, f"{name}/{arm}@{key}")
            assert_close(list(mark.ci), [r["lower"], r["upper"]], CI, f"{name}/{arm}@{key} ci")
            assert_close(mark.event_proportion, 1 - r["surv"], EST)
            flipped = [None if v is None else 1 - v for v in (r["upper"], r["lower"])]
            assert_close(list(mark.event_proportion_ci), flipped, CI)


def test_landmark_beyond_follow_up_is_not_estimable() -> None:
    time, event = case_data("ties")["control"]
    km = ka.kaplan_meier(time, event)
    mark = ka.landmark(km, time.max() + 1)
    assert not mark.estimable
    assert mark.survival is None and mark.event_proportion is None
    assert mark.ci == (None, None) and mark.event_proportion_ci == (None, None)
    as_dict = analysis("ties").to_dict()["arms"]["control"]["landmarks"]["60"]
    assert as_dict == {
        "time": 60.0,
        "survival": None,
        "ci": [None, None],
        "event_proportion": None,
        "event_proportion_ci": [None, None],
        "estimable": False,
    }
    assert ka.landmark(km, time.max()).estimable  # the last time itself is observed


def test_landmark_keys_keep_strings_and_format_numbers() -> None:
    result = ka.analyze(case_data("ties"), landmarks=["12", 6.0, 0.5, "24.0"])
    assert list(result.arms["control"].landmarks) == ["12", "6", "0.5", "24.0"]
    mark = result.arms["control"].landmarks["24.0"]
    assert mark.time == 24.0 and mark.key == "24.0"
    assert mark.survival == analysis("ties").arms["control"].landmarks["24"].survival


@pytest.mark.parametrize("name", CASES)
def test_rmst_matches_print_survfit(name: str) -> None:
    spec = r_values()[name]
    z = 1.959963984540054
    for arm, (time, event) in case_data(name).items():
        r = spec["arm_values"][arm]["rmst"]
        result = analysis(name).arms[arm].rmst
        assert result is not None and result.tau == r["tau"] == analysis(name).tau
        assert_close(result.estimate, r["rmean"], EST, f"{name}/{arm} rmean")
        assert_close(result.se, r["se"], EST, f"{name}/{arm} se(rmean)")
        assert_close(list(result.ci), [r["rmean"] - z * r["se"], r["rmean"] + z * r["se"]], CI)
        ext = spec["arm_values"][arm]["rmst_extended"]
        beyond = bool(ext["tau"] > time.max())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            extended = ka.rmst(time, event, tau=ext["tau"])
        assert [issubclass(w.category, ApproximationWarning) for w in caught] == [beyond] * beyond
        assert extended.extended == beyond
        assert_close([extended.estimate, extended.se], [ext["rmean"], ext["se"]], EST)


def test_default_tau_is_smallest_last_time() -> None:
    for name in CASES:
        if r_values()[name]["tau_given"] is not None:
            continue
        expected = min(float(t.max()) for t, _ in case_data(name).values())
        assert ka.analyze(case_data(name)).tau == expected == r_values()[name]["tau"]


def test_tau_beyond_an_arm_warns_naming_it() -> None:
    spec = r_values()["last_event"]
    with pytest.warns(ApproximationWarning, match="arm 'y'"):
        result = ka.analyze(case_data("last_event"), tau=spec["tau_extended"])
    r = spec["arm_values"]["y"]["rmst_extended"]
    assert result.arms["y"].rmst is not None and result.arms["y"].rmst.extended
    assert_close(result.arms["y"].rmst.estimate, r["rmean"], EST)


def comparisons(name: str) -> list[tuple[ka.ComparisonResult, dict[str, Any]]]:
    found = analysis(name).comparisons
    expected = r_values()[name]["comparisons"]
    assert [(c.arm, c.reference) for c in found] == [(r["arm"], r["reference"]) for r in expected]
    return list(zip(found, expected, strict=True))


@pytest.mark.parametrize("name", CASES)
def test_hazard_ratio_matches_coxph(name: str) -> None:
    for found, r in comparisons(name):
        hr, cox = found.hazard_ratio, r["cox"]
        what = f"{name}/{found.arm}"
        assert_close(hr.estimate, cox["hr"], EST, what + " HR")
        assert_close(hr.log_hr, cox["coef"], EST, what + " coef")
        assert_close(hr.se, cox["se"], EST, what + " se")
        assert_close(list(hr.ci), [cox["lower"], cox["upper"]], CI, what + " CI")
        assert_close(hr.pvalue, cox["pvalue"], EST, what + " p")
        assert_close(hr.statistic, cox["wald"], EST, what + " Wald")
        assert hr.events == cox["events"]
        z90 = 1.6448536269514722
        ci90 = [math.exp(cox["coef"] - z90 * cox["se"]), math.exp(cox["coef"] + z90 * cox["se"])]
        assert_close(list(hr.confidence_interval(confidence_level=LEVEL_90)), ci90, CI)


def test_cox_hazard_ratio_function_matches_analyze() -> None:
    time, event = (np.concatenate(v) for v in zip(*case_data("crossing").values(), strict=True))
    treated = np.repeat([False, True], [100, 100])
    hr = ka.cox_hazard_ratio(time, event, treated)
    cox = r_values()["crossing"]["comparisons"][0]["cox"]
    assert_close(hr.estimate, cox["hr"], EST)
    assert_close(list(hr.ci), [cox["lower"], cox["upper"]], CI)


@pytest.mark.parametrize("name", CASES)
def test_logrank_matches_survdiff(name: str) -> None:
    for found, r in comparisons(name):
        assert_close(
            [found.logrank.statistic, found.logrank.pvalue],
            [r["logrank"]["statistic"], r["logrank"]["pvalue"]],
            EST,
            name,
        )
        assert found.logrank.df == r["logrank"]["df"] == 1
    overall, r = analysis(name).logrank_overall, r_values()[name]["logrank_overall"]
    assert overall is not None and overall.df == r["df"] == len(r_values()[name]["arms"]) - 1
    assert_close([overall.statistic, overall.pvalue], [r["statistic"], r["pvalue"]], EST, name)


@pytest.mark.parametrize("name", CASES)
def test_proportional_hazards_matches_cox_zph(name: str) -> None:
    for found, r in comparisons(name):
        test = found.proportional_hazards
        assert test.df == r["zph"]["df"] == 1
        assert_close(test.statistic, r["zph"]["statistic"], EST, f"{name} zph chisq")
        assert_close(test.pvalue, r["zph"]["pvalue"], EST, f"{name} zph p")


@pytest.mark.parametrize("name", CASES)
def test_piecewise_hazard_ratios_match_split_coxph(name: str) -> None:
    for found, r in comparisons(name):
        assert len(found.piecewise) == len(r["piecewise"]) == len(r_values()[name]["cuts"]) + 1
        for piece, want in zip(found.piecewise, r["piecewise"], strict=True):
            assert (piece.start, piece.stop, piece.events) == (
                want["start"],
                want["stop"],
                want["events"],
            )
            assert_close(piece.estimate, want["hr"], EST, f"{name} piece {piece.start}")
            assert_close(list(piece.ci), [want["lower"], want["upper"]], CI)
            assert_close(piece.pvalue, want["pvalue"], EST)


def test_piece_without_events_in_one_group_is_none() -> None:
    last = analysis("last_event").comparisons[0].piecewise[-1]
    assert last.start == 22 and last.stop is None
    assert last.estimate is None and last.ci == (None, None) and last.events == 1
    assert r_values()["last_event"]["comparisons"][0]["piecewise"][-1]["hr"] is None


@pytest.mark.parametrize("name", CASES)
def test_rmst_difference_from_r_values(name: str) -> None:
    arms = r_values()[name]["arm_values"]
    for found, r in comparisons(name):
        a, b = arms[r["arm"]]["rmst"], arms[r["reference"]]["rmst"]
        diff = found.rmst_difference
        assert diff is not None
        se = math.hypot(a["se"], b["se"])
        assert_close([diff.estimate, diff.se], [a["rmean"] - b["rmean"], se], EST)
        half = 1.959963984540054 * se
        assert_close(list(diff.ci), [diff.estimate - half, diff.estimate + half], CI)


SCHEMA_ARM = {"n", "events", "median", "landmarks", "rmst"}
SCHEMA_LANDMARK = {"time", "survival", "ci", "event_proportion", "event_proportion_ci", "estimable"}
SCHEMA_COMPARISON = {
    "arm",
    "reference",
    "hazard_ratio",
    "logrank",
    "rmst_difference",
    "proportional_hazards",
    "piecewise_hazard_ratios",
}


@pytest.mark.parametrize("name", ["three_arm", "last_event", "her2_cross_trial"])
def test_to_dict_schema_is_exact_and_json_safe(name: str) -> None:
    out = json.loads(json.dumps(analysis(name).to_dict(), allow_nan=False))
    assert set(out) == {
        "arms",
        "comparisons",
        "logrank_overall",
        "tau",
        "reference",
        "confidence_level",
    }
    assert list(out["arms"]) == r_values()[name]["arms"]
    assert out["reference"] == r_values()[name]["arms"][0] and out["confidence_level"] == 0.95
    for arm in out["arms"].values():
        assert set(arm) == SCHEMA_ARM
        assert set(arm["median"]) == {"estimate", "ci"} and len(arm["median"]["ci"]) == 2
        assert all(set(mark) == SCHEMA_LANDMARK for mark in arm["landmarks"].values())
        assert set(arm["rmst"]) == {"tau", "estimate", "se", "ci"}
    for comparison in out["comparisons"]:
        assert set(comparison) == SCHEMA_COMPARISON
        assert set(comparison["hazard_ratio"]) == {"estimate", "ci", "pvalue"}
        assert set(comparison["logrank"]) == {"statistic", "pvalue"}
        assert set(comparison["rmst_difference"]) == {"estimate", "ci"}
        assert set(comparison["proportional_hazards"]) == {"statistic", "pvalue"}
        for piece in comparison["piecewise_hazard_ratios"]:
            assert set(piece) == {"start", "stop", "estimate", "ci", "events"}
    assert set(out["logrank_overall"]) == {"statistic", "df", "pvalue"}


def test_summary_one_row_per_arm() -> None:
    table = analysis("three_arm").summary()
    assert list(table.index) == ["a", "b", "c"] and table.index.name == "arm"
    assert table.loc["b", "n"] == 70
    assert math.isnan(table.loc["a", "hazard_ratio"])
    assert (
        table.loc["c", "hazard_ratio"]
        == analysis("three_arm").comparison("c").hazard_ratio.estimate
    )


def test_single_arm_has_no_comparisons() -> None:
    result = ka.analyze({"only": case_data("ties")["control"]}, landmarks=[12])
    assert result.comparisons == [] and result.logrank_overall is None
    out = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert out["logrank_overall"] is None and out["comparisons"] == []


def test_reference_can_be_chosen() -> None:
    result = ka.analyze(case_data("three_arm"), reference="c")
    assert [(c.arm, c.reference) for c in result.comparisons] == [("a", "c"), ("b", "c")]
    flipped = result.comparison("a").hazard_ratio.estimate
    forward = analysis("three_arm").comparison("c").hazard_ratio.estimate
    assert flipped is not None and forward is not None
    assert flipped == pytest.approx(1 / forward, rel=1e-9)


BAD_INPUTS = [
    ({"arm x": ([1.0, -2.0], [1, 0])}, {}, ["arm x", "-2.0"]),
    ({"arm x": ([1.0, float("nan")], [1, 0])}, {}, ["arm x", "nan"]),
    ({"arm x": ([1.0, float("inf")], [1, 0])}, {}, ["arm x", "inf"]),
    ({"arm x": ([1.0, 2.0], [1, 2])}, {}, ["arm x", "2.0", "0 or 1"]),
    ({"arm x": ([1.0, 2.0, 3.0], [1, 0])}, {}, ["arm x", "3", "2"]),
    ({"arm x": ([], [])}, {}, ["arm x", "no patients"]),
    ({}, {}, ["no arms"]),
    ({"a": ([1.0], [1]), "b": ([2.0], [1])}, {"reference": "zz"}, ["'zz'", "'a'", "'b'"]),
    ({"a": ([1.0], [1])}, {"tau": -1.0}, ["tau=-1.0"]),
    ({"a": ([1.0], [1])}, {"cuts": [6, 3]}, ["[6, 3]", "increasing"]),
    ({"a": ([1.0], [1])}, {"landmarks": ["soon"]}, ["'soon'"]),
    ({"a": ([1.0], [1])}, {"confidence_level": 95}, ["confidence_level=95"]),
]


@pytest.mark.parametrize(("data", "options", "words"), BAD_INPUTS)
def test_bad_input_raises_input_error_naming_it(data: Any, options: Any, words: list[str]) -> None:
    with pytest.raises(InputError) as info:
        ka.analyze(data, **options)
    for word in words:
        assert word in str(info.value)


def test_bad_treated_and_groups() -> None:
    with pytest.raises(InputError, match="both groups"):
        ka.cox_hazard_ratio([1, 2], [1, 1], [True, True])
    with pytest.raises(InputError, match=r"treated\[1\] = 3.0"):
        ka.proportional_hazards_test([1, 2], [1, 1], [0, 3])
    with pytest.raises(InputError, match="at least two arms"):
        ka.logrank_test({"a": ([1, 2], [1, 0])})
    with pytest.raises(InputError, match=r"q=1\.5"):
        ka.survival_quantile(ka.kaplan_meier([1, 2], [1, 1]), 1.5)


def test_import_is_light() -> None:
    code = (
        "import sys, kmipd.analysis; "
        "print(sorted(m for m in ('matplotlib', 'lifelines') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_names_sorted_and_present() -> None:
    assert ka.__all__ == sorted(ka.__all__)
    for name in ("analyze", "kaplan_meier", "logrank_test", "cox_hazard_ratio", "rmst"):
        assert name in ka.__all__ and callable(getattr(ka, name))


def test_results_are_frozen_with_short_repr() -> None:
    result = analysis("ties")
    comparison = result.comparisons[0]
    with pytest.raises(AttributeError):
        comparison.hazard_ratio.estimate = 1.0  # type: ignore[misc]
    for item in (
        result,
        comparison,
        comparison.hazard_ratio,
        comparison.logrank,
        result.arms["control"].median,
        result.arms["control"].rmst,
    ):
        assert len(repr(item)) < 160 and type(item).__name__ in repr(item)
