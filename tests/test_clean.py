"""Tests of kmipd.clean.clean_curve: each cleaning step and the invariants of its output."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import simulate
from kmipd.clean import clean_curve
from kmipd.errors import CurveError
from kmipd.types import CleanedCurve, Curve


def linear_reading(time: np.ndarray, surv: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Read a curve as straight lines between its points; at a vertical drop, the value after."""
    time, surv, at = np.asarray(time, float), np.asarray(surv, float), np.asarray(at, float)
    k = np.clip(np.searchsorted(time, at, side="right"), 1, time.size - 1)
    t0, t1, s0, s1 = time[k - 1], time[k], surv[k - 1], surv[k]
    span = t1 - t0
    frac = np.divide(at - t0, span, out=np.ones_like(at), where=span > 0)
    return s0 + np.clip(frac, 0.0, 1.0) * (s1 - s0)


def assert_valid(c: CleanedCurve) -> None:
    """The guarantees of a cleaned curve."""
    assert c.time[0] == 0.0 and c.survival[0] == 1.0
    assert np.all(np.diff(c.time) >= 0), c.time
    assert np.all(np.diff(c.survival) <= 0), c.survival
    assert np.all((c.survival >= 0) & (c.survival <= 1))
    assert np.all(np.isfinite(c.time)) and np.all(c.time >= 0)
    assert c.time.size >= 2 and c.end > 0


STAIR_T = np.array([0.0, 2.0, 2.0, 5.0, 5.0, 8.0, 8.0, 12.0])
STAIR_S = np.array([1.0, 1.0, 0.8, 0.8, 0.6, 0.6, 0.5, 0.5])


def test_clean_input_unchanged() -> None:
    c = clean_curve(Curve(STAIR_T, STAIR_S, arm="A"))
    np.testing.assert_array_equal(c.time, STAIR_T)
    np.testing.assert_array_equal(c.survival, STAIR_S)
    assert c.repairs == ()
    assert c.arm == "A"
    assert c.n_input_points == STAIR_T.size


def test_sorting_gives_same_curve_as_sorted_input() -> None:
    rng = np.random.default_rng(1)
    order = rng.permutation(STAIR_T.size)
    c = clean_curve(Curve(STAIR_T[order], STAIR_S[order]))
    np.testing.assert_array_equal(c.time, STAIR_T)
    np.testing.assert_array_equal(c.survival, STAIR_S)
    assert_valid(c)


def test_tied_times_sorted_top_of_drop_first() -> None:
    # the two corners of the drop at 5 given bottom first
    c = clean_curve(Curve([0, 5, 5, 9], [1.0, 0.6, 0.9, 0.6]))
    np.testing.assert_array_equal(c.time, [0, 5, 5, 9])
    np.testing.assert_array_equal(c.survival, [1.0, 0.9, 0.6, 0.6])
    assert not any("moved" in r for r in c.repairs)


def test_duplicates_dropped_and_recorded() -> None:
    t = np.concatenate((STAIR_T, [5.0, 8.0, 8.0]))
    s = np.concatenate((STAIR_S, [0.6, 0.5, 0.5]))
    c = clean_curve(Curve(t, s))
    np.testing.assert_array_equal(c.time, STAIR_T)
    np.testing.assert_array_equal(c.survival, STAIR_S)
    assert any("3 duplicate" in r for r in c.repairs), c.repairs


def test_crossed_corner_pair_put_back_in_order() -> None:
    # the drop at 5 was clicked at (5.01, 1.0) then (4.99, 0.8): they crossed in time
    t = [0.0, 2.0, 5.01, 4.99, 9.0, 10.0]
    s = [1.0, 1.0, 1.0, 0.8, 0.8, 0.8]
    c = clean_curve(Curve(t, s))
    assert any("corner pair" in r for r in c.repairs), c.repairs
    # the drop keeps its full size: 1.0 before it, 0.8 after it (isotonic
    # pooling alone would have made a 0.9 plateau)
    np.testing.assert_allclose(c.at([4.9, 5.02]), [1.0, 0.8])
    assert 0.9 not in set(np.round(c.survival, 12))
    assert_valid(c)


def test_rise_far_apart_in_time_is_not_a_corner_pair() -> None:
    # a rise between points 3 time units apart is noise to average, not a crossed pair
    c = clean_curve(Curve([0.0, 2.0, 5.0, 8.0], [1.0, 0.7, 0.8, 0.5]))
    assert not any("corner pair" in r for r in c.repairs)
    np.testing.assert_allclose(c.survival, [1.0, 0.75, 0.75, 0.5])


def _with_wild_point(t: np.ndarray, s: np.ndarray, i: int, delta: float):
    wild_t = 0.5 * (t[i - 1] + t[i])
    wild_s = float(np.clip(s[i - 1] + delta, 0.0, 1.0))
    return np.insert(t, i, wild_t), np.insert(s, i, wild_s), wild_t


SPARSE_T = np.arange(0.0, 31.0, 1.0)
SPARSE_S = 1.0 - 0.02 * np.floor(SPARSE_T / 3.0)


@pytest.mark.parametrize(("i", "delta"), [(15, 0.3), (20, 0.3), (15, -0.3), (24, -0.3)])
def test_misclick_in_sparse_curve_dropped(i: int, delta: float) -> None:
    reference = clean_curve(Curve(SPARSE_T, SPARSE_S))
    t, s, wild_t = _with_wild_point(SPARSE_T, SPARSE_S, i, delta)
    c = clean_curve(Curve(t, s))
    assert any("1 misclick" in r and f"{wild_t:.4g}" in r for r in c.repairs), c.repairs
    assert wild_t not in c.time
    np.testing.assert_allclose(c.time, reference.time)
    np.testing.assert_allclose(c.survival, reference.survival)


@pytest.mark.parametrize(("i", "delta"), [(16, -0.3), (25, -0.3), (16, -0.5), (7, -0.5)])
def test_misclick_in_sparse_curve_drops_only_the_misclick(i: int, delta: float) -> None:
    reference = clean_curve(Curve(SPARSE_T, SPARSE_S))
    t, s, wild_t = _with_wild_point(SPARSE_T, SPARSE_S, i, delta)
    c = clean_curve(Curve(t, s))
    assert any("1 misclick" in r and f"{wild_t:.4g}" in r for r in c.repairs), c.repairs
    np.testing.assert_allclose(c.time, reference.time)
    np.testing.assert_allclose(c.survival, reference.survival)


def test_misclick_before_plateau_does_not_move_the_drop() -> None:
    t = np.array([0.0, 1, 2, 2.5, 3, 4, 5, 6, 7, 8, 9, 10])
    s = np.array([1.0, 0.9, 0.9, 0.5, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8])
    c = clean_curve(Curve(t, s))
    assert any("1 misclick" in r and "2.5" in r for r in c.repairs), c.repairs
    np.testing.assert_allclose(c.time, [0, 1, 5, 6, 10])
    np.testing.assert_allclose(c.survival, [1.0, 0.9, 0.9, 0.8, 0.8])


def test_misclick_in_dense_cluster_not_bubbled() -> None:
    t = np.array([0, 1, 1.01, 1.02, 1.04, 1.06, 1.08, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    s = np.array(
        [1, 0.9, 0.3, 0.89, 0.88, 0.87, 0.86, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
    )
    c = clean_curve(Curve(t, s))
    assert not any("corner pair" in r for r in c.repairs), c.repairs
    assert any("1 misclick" in r and "1.01" in r for r in c.repairs), c.repairs
    np.testing.assert_allclose(c.time, np.delete(t, 2))
    np.testing.assert_allclose(c.survival, np.delete(s, 2))


@pytest.mark.parametrize(
    ("i", "delta"),
    [
        (350, -0.3),
        (400, 0.3),
        (20, -0.3),
        (150, 0.3),
        (200, -0.3),
    ],
)
def test_misclick_in_dense_km_curve_dropped(i: int, delta: float) -> None:
    data = simulate()
    reference = clean_curve(Curve(data.curve_time, data.curve_survival))
    t, s, wild_t = _with_wild_point(data.curve_time, data.curve_survival, i, delta)
    c = clean_curve(Curve(t, s))
    assert not any("corner pair" in r for r in c.repairs), c.repairs
    assert any("1 misclick" in r and f"{wild_t:.4g}" in r for r in c.repairs), c.repairs
    np.testing.assert_allclose(c.time, reference.time)
    np.testing.assert_allclose(c.survival, reference.survival)


def test_isotonic_result_is_monotone_and_recorded() -> None:
    c = clean_curve(Curve([0, 1, 2, 2.5], [1, 0.8, 0.85, 0.5]))
    np.testing.assert_allclose(c.survival, [1.0, 0.825, 0.825, 0.5])
    assert any("non-increasing" in r for r in c.repairs), c.repairs


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.floats(0.0, 100.0, allow_nan=False),
            st.floats(-0.1, 1.1, allow_nan=False),
        ),
        min_size=2,
        max_size=60,
    )
)
def test_cleaned_curve_always_valid(points: list[tuple[float, float]]) -> None:
    t = np.array([p[0] for p in points])
    s = np.array([p[1] for p in points])
    try:
        c = clean_curve(Curve(t, s))
    except CurveError:
        assert np.max(t) <= 0 or np.unique(t).size < 2 or t.size < 3
        return
    assert_valid(c)
    assert c.end == pytest.approx(float(np.max(t)))


def test_survival_clipped_to_unit_interval() -> None:
    c = clean_curve(Curve([0, 1, 2, 3], [1.02, 0.9, 0.8, -0.01]))
    np.testing.assert_allclose(c.survival, [1.0, 0.9, 0.8, 0.0])
    assert any("2 survival value(s) clipped" in r for r in c.repairs), c.repairs


def test_negative_time_clipped_to_zero() -> None:
    c = clean_curve(Curve([-0.1, 1, 2, 3], [1.0, 0.9, 0.8, 0.7]))
    np.testing.assert_allclose(c.time, [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(c.survival, [1.0, 0.9, 0.8, 0.7])
    assert any("negative time" in r for r in c.repairs), c.repairs


def test_anchored_at_zero_one_when_curve_starts_later() -> None:
    c = clean_curve(Curve([1, 2, 3], [0.95, 0.9, 0.8]))
    assert (c.time[0], c.survival[0]) == (0.0, 1.0)
    np.testing.assert_allclose(c.at([1.0, 2.0, 3.0]), [0.95, 0.9, 0.8])
    assert any("anchored" in r for r in c.repairs), c.repairs


def test_anchored_at_one_when_time_zero_is_low() -> None:
    c = clean_curve(Curve([0, 2, 4], [0.97, 0.9, 0.8]))
    assert (c.time[0], c.survival[0]) == (0.0, 1.0)
    assert c.survival[c.time > 0].tolist() == [0.9, 0.8]
    assert any("anchored at 1" in r for r in c.repairs), c.repairs
    # a start read a hair below 1 (calibration rounding) is 1: nothing to report
    near = clean_curve(Curve([0, 2, 4], [0.99996, 0.9, 0.8]))
    assert near.survival[0] == 1.0 and not any("anchored" in r for r in near.repairs)


def test_drop_at_time_zero_kept() -> None:
    # a real drop at time 0 (early deaths) is not an anchoring error
    c = clean_curve(Curve([0, 0, 5], [1.0, 0.8, 0.8]))
    np.testing.assert_allclose(c.time, [0, 0, 5])
    np.testing.assert_allclose(c.survival, [1.0, 0.8, 0.8])


def test_flat_runs_compressed_without_changing_shape() -> None:
    t = np.concatenate(
        (
            [0.0],
            np.linspace(0.5, 4.0, 8),
            [4.0],
            np.linspace(4.5, 9.0, 10),
            [9.0],
            np.linspace(9.5, 20.0, 15),
        )
    )
    s = np.concatenate(([1.0], np.full(8, 1.0), [0.7], np.full(10, 0.7), [0.4], np.full(15, 0.4)))
    c = clean_curve(Curve(t, s))
    assert c.time.size < t.size
    assert c.time.size == 6  # (0,1) (4,1) (4,.7) (9,.7) (9,.4) (20,.4)
    grid = np.linspace(0.0, 20.0, 4001)
    np.testing.assert_allclose(
        linear_reading(c.time, c.survival, grid), linear_reading(t, s, grid), atol=1e-12
    )
    np.testing.assert_allclose(c.at(grid), linear_reading(t, s, grid), atol=1e-12)
    assert c.end == 20.0


def test_flat_compression_keeps_sloped_shape() -> None:
    rng = np.random.default_rng(7)
    t = np.sort(rng.uniform(0.0, 30.0, 80))
    t[0] = 0.0
    s = np.round(np.exp(-t / 15.0), 1)  # long flat runs with sloped joins
    s[0] = 1.0
    c = clean_curve(Curve(t, s))
    assert c.time.size < t.size
    grid = np.linspace(0.0, t[-1], 5001)
    np.testing.assert_allclose(
        linear_reading(c.time, c.survival, grid), linear_reading(t, s, grid), atol=1e-12
    )


def test_curve_ending_on_vertical_drop_keeps_last_drop() -> None:
    c = clean_curve(Curve([0, 5, 5, 10, 10], [1, 1, 0.6, 0.6, 0.3]))
    np.testing.assert_array_equal(c.time, [0, 5, 5, 10, 10])
    np.testing.assert_array_equal(c.survival, [1, 1, 0.6, 0.6, 0.3])
    assert c.end == 10.0
    assert c.at(10.0) == pytest.approx(0.3)
    assert c.at(9.99) == pytest.approx(0.6)


def test_curve_ending_on_drop_after_flat_run_keeps_last_drop() -> None:
    c = clean_curve(Curve([0, 2, 4, 6, 8, 8], [1, 0.8, 0.8, 0.8, 0.8, 0.2]))
    assert c.survival[-1] == pytest.approx(0.2)
    assert c.end == 8.0
    assert c.at(7.9) == pytest.approx(0.8)


def test_extend_to_extends_flat() -> None:
    c = clean_curve(Curve(STAIR_T, STAIR_S), extend_to=20.0)
    assert c.end == 20.0
    assert c.survival[-1] == STAIR_S[-1]
    assert any("extended" in r for r in c.repairs)


@pytest.mark.parametrize(
    ("t", "s"),
    [([0.0], [1.0]), ([0.0, 0.0], [1.0, 0.5]), ([np.nan, 1.0, 2.0], [1.0, 0.9, 0.8])],
)
def test_unusable_curve_raises_curve_error(t: list[float], s: list[float]) -> None:
    with pytest.raises(CurveError):
        clean_curve(Curve(t, s))


def test_non_finite_point_message_names_arm_and_row() -> None:
    with pytest.raises(CurveError) as info:
        clean_curve(Curve([0.0, np.inf, 2.0], [1.0, 0.9, 0.8], arm="B"))
    assert "arm 'B'" in str(info.value)
    assert "row 2" in str(info.value)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    values=st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=60),
    seed=st.integers(0, 1000),
)
def test_decreasing_fit_matches_scipy(values: list[float], seed: int) -> None:
    from scipy.optimize import isotonic_regression

    from kmipd.clean._isotonic import decreasing_fit

    y = np.array(values)
    w = np.random.default_rng(seed).uniform(0.1, 5.0, y.size)
    expected = isotonic_regression(y, weights=w, increasing=False).x
    np.testing.assert_allclose(decreasing_fit(y, w), expected, atol=1e-12)
