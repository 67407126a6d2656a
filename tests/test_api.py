"""Tests of the public API surface: exported names and the result object."""

from __future__ import annotations

import importlib
import json
import math
import pkgutil

import numpy as np
import pandas as pd
import pytest

import kmipd
from kmipd.types import Curve, ReconstructionResult, RiskTable

EXPECTED_PUBLIC = {
    "ApproximationWarning",
    "CensorMarks",
    "Curve",
    "DataQualityWarning",
    "InputError",
    "KmipdError",
    "KmipdWarning",
    "ReconstructionError",
    "ReconstructionResult",
    "RiskTable",
    "__version__",
    "reconstruct",
}


def _subpackages() -> list[str]:
    return sorted(f"kmipd.{m.name}" for m in pkgutil.iter_modules(kmipd.__path__) if m.ispkg)


def test_top_level_all_sorted_and_complete() -> None:
    assert kmipd.__all__ == sorted(kmipd.__all__)
    assert set(kmipd.__all__) == EXPECTED_PUBLIC
    assert len(kmipd.__all__) == len(set(kmipd.__all__))
    for name in kmipd.__all__:
        assert hasattr(kmipd, name), name


def test_version_is_a_string() -> None:
    assert isinstance(kmipd.__version__, str)
    assert kmipd.__version__.count(".") >= 1


def test_subpackages_found() -> None:
    found = _subpackages()
    for name in ("kmipd.clean", "kmipd.io", "kmipd.reconstruction"):
        assert name in found


@pytest.mark.parametrize(
    "module",
    sorted(set(_subpackages()) | {"kmipd.errors", "kmipd.types", "kmipd.pipeline"}),
)
def test_module_all_sorted_and_resolvable(module: str) -> None:
    mod = importlib.import_module(module)
    names = getattr(mod, "__all__", None)
    if names is None:
        pytest.skip(f"{module} defines no __all__ (namespace package or not yet written)")
    assert list(names) == sorted(names), module
    assert len(names) == len(set(names)), module
    for name in names:
        assert hasattr(mod, name), f"{module}.{name}"


def test_errors_all_sorted() -> None:
    import kmipd.errors

    assert kmipd.errors.__all__ == sorted(kmipd.errors.__all__)
    for name in (
        "KmipdError",
        "InputError",
        "OptionError",
        "RiskTableError",
        "ReconstructionError",
        "CurveError",
    ):
        assert name in kmipd.errors.__all__


@pytest.fixture(scope="module")
def result() -> ReconstructionResult:
    curves = {
        "control": Curve([0, 2, 2, 5, 5, 8], [1, 1, 0.8, 0.8, 0.6, 0.6], arm="control"),
        "treated": Curve([0, 3, 3, 7, 7, 9], [1, 1, 0.9, 0.9, 0.7, 0.7], arm="treated"),
    }
    tables = {
        "control": RiskTable([0, 4], [10, 8], arm="control"),
        "treated": RiskTable([0, 4], [20, 17], arm="treated"),
    }
    return kmipd.reconstruct(curves, risk_table=tables, events={"treated": 5}, warn=False)


def test_ipd_columns_and_content(result: ReconstructionResult) -> None:
    ipd = result.ipd
    assert isinstance(ipd, pd.DataFrame)
    assert list(ipd.columns) == ["arm", "time", "event"]
    assert len(ipd) == 30
    assert ipd["arm"].tolist() == ["control"] * 10 + ["treated"] * 20
    assert set(ipd["event"].unique()) <= {0, 1}
    assert np.issubdtype(ipd["time"].dtype, np.floating)
    assert np.issubdtype(ipd["event"].dtype, np.integer)
    assert int(ipd.loc[ipd.arm == "treated", "event"].sum()) == 5


def test_summary_one_row_per_arm(result: ReconstructionResult) -> None:
    summary = result.summary()
    assert list(summary.index) == ["control", "treated"]
    assert summary.index.name == "arm"
    assert summary.loc["control", "n"] == 10
    assert summary.loc["treated", "n"] == 20
    assert summary.loc["treated", "events"] == 5
    assert summary.loc["treated", "events_given"] == 5
    for arm in ("control", "treated"):
        row = summary.loc[arm]
        assert row["events"] + row["censored"] == row["n"]
        assert 0.0 <= row["max_abs_error"] <= 1.0


def test_to_dict_is_json_serialisable(result: ReconstructionResult) -> None:
    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)
    back = json.loads(text)
    assert set(back["arms"]) == {"control", "treated"}
    treated = back["arms"]["treated"]
    assert treated["n"] == 20 and treated["events_given"] == 5
    assert back["arms"]["control"]["events_given"] is None
    fit = treated["risk_table_fit"]
    assert [row["start"] for row in fit][:2] == [0.0, 4.0]
    assert all(row["n_at_risk_given"] == row["n_at_risk_reconstructed"] for row in fit)
    for value in treated["curve_fit"].values():
        assert math.isfinite(value)


def test_to_dict_json_with_no_risk_table_and_warnings() -> None:
    curve = Curve([0, 2, 2, 5, 5, 8], [1, 1, 0.8, 0.8, 0.6, 0.6], arm="solo")
    result = kmipd.reconstruct(curve, n=25, warn=False)
    back = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert back["arms"]["solo"]["warnings"]
    assert back["arms"]["solo"]["n"] == 25


def test_empty_result_ipd_has_columns() -> None:
    empty = ReconstructionResult(arms={})
    assert list(empty.ipd.columns) == ["arm", "time", "event"]
    assert len(empty.ipd) == 0
    assert json.dumps(empty.to_dict(), allow_nan=False) == '{"arms": {}}'


def test_arrays_are_read_only(result: ReconstructionResult) -> None:
    arm = result.arms["control"]
    with pytest.raises(ValueError):
        arm.time[0] = 99.0
    with pytest.raises(ValueError):
        arm.event[0] = 1
