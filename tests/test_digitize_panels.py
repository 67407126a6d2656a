"""Figures of several plot panels: found, cut apart, and each read as on its own.

The panels are figures of tests/data/figures (see its ATTRIBUTION.md) put
side by side or stacked here, so each panel's reading alone is known.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kmipd.digitize import DigitizationResult, digitize
from kmipd.digitize._panels import find_panels
from kmipd.errors import InputError

FIGURES = Path(__file__).parent / "data" / "figures"


def pixels(name: str) -> np.ndarray:
    return np.asarray(Image.open(FIGURES / name).convert("RGB"))


def side_by_side(*images: np.ndarray) -> np.ndarray:
    rows = max(image.shape[0] for image in images)
    padded = [
        np.pad(i, ((0, rows - i.shape[0]), (0, 0), (0, 0)), constant_values=255) for i in images
    ]
    return np.concatenate(padded, axis=1)


def same_reading(a: DigitizationResult, b: DigitizationResult) -> None:
    """Both readings found the same arms with the same curves and numbers at risk."""
    assert [arm.name for arm in a.arms] == [arm.name for arm in b.arms]
    for x, y in zip(a.arms, b.arms, strict=True):
        np.testing.assert_allclose(x.curve.time, y.curve.time, atol=1e-9)
        np.testing.assert_allclose(x.curve.survival, y.curve.survival, atol=1e-9)
        assert x.risk_table is not None and y.risk_table is not None
        assert list(x.risk_table.n_at_risk) == list(y.risk_table.n_at_risk)


@pytest.mark.parametrize(
    "name", ["act2_2b-jco.png", "act2_2b-grey.png", "bebyp_3-nejm.png", "elm-pc5_2a-lancet.png"]
)
def test_a_single_figure_has_no_panels(name: str) -> None:
    assert find_panels(pixels(name)) == []


def test_panels_side_by_side_are_cut_in_the_gutter_and_read_as_alone() -> None:
    left, right = pixels("act2_2b-jco.png"), pixels("aio0207b_3b-jco.png")
    both = side_by_side(left, right)
    cells = find_panels(both)
    assert len(cells) == 2
    (r0, c0, r1, c1), (s0, d0, s1, d1) = cells
    assert (r0, c0, s0, d1) == (0, 0, 0, both.shape[1]) and r1 == s1 == both.shape[0]
    assert c1 == d0 and abs(c1 - left.shape[1]) <= 40  # cut in the blank between them
    first = digitize(both)
    assert any("2 plot panels; panel 1" in w and "--panel" in w for w in first.warnings)
    same_reading(first, digitize(both[:, :c1]))
    second = digitize(both, panel=2)
    assert second.offset == (0, d0)
    same_reading(second, digitize(both[:, d0:]))


def test_frameless_panels_stacked_are_found_from_their_grid_lines() -> None:
    grey = pixels("act2_2b-grey.png")
    cells = find_panels(np.concatenate([grey, grey], axis=0))
    assert len(cells) == 2
    (r0, _, r1, _), (s0, _, s1, _) = cells
    assert r0 == 0 and s1 == 2 * grey.shape[0] and r1 == s0
    # the cut falls in the blank between the first figure's table and the second's legend
    assert abs(r1 - grey.shape[0]) <= 80


def test_a_panel_the_figure_lacks_is_an_error_naming_the_count() -> None:
    both = side_by_side(pixels("act2_2b-jco.png"), pixels("actscc_2a-jco.png"))
    with pytest.raises(InputError, match="has 2 plot panels; there is no panel 3"):
        digitize(both, panel=3)
    with pytest.raises(InputError, match="panel must be a whole number from 1"):
        digitize(both, panel=0)
    with pytest.raises(InputError, match="has 1 plot panel; there is no panel 2"):
        digitize(FIGURES / "act2_2b-jco.png", panel=2)


def test_a_crop_is_looked_at_for_panels_on_its_own() -> None:
    left, right = pixels("act2_2b-jco.png"), pixels("aio0207b_3b-jco.png")
    both = side_by_side(left, right)
    result = digitize(both, crop=(0, left.shape[1], both.shape[0], both.shape[1]))
    assert (result.panel, result.panels) == (1, 1)
    assert result.offset == (0, left.shape[1])
    assert not any("plot panels" in w for w in result.warnings)
    same_reading(result, digitize(right))
