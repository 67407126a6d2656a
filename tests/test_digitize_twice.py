"""Text a few pixels high read at twice the size, kept only where the arms agree.

The end-to-end cases shrink lifelines figures of `tests/data/figures` to
60 % and save them as JPEG at quality 60 (a small screenshot), as the
styles benchmark does (`benchmarks/styles_dev.py --degrade 0.6,60`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import as_jpeg
from kmipd.digitize import DigitizationResult, digitize
from kmipd.digitize._twice import (
    AGREE,
    LEGEND_UNSEEN,
    fewer_names,
    more_arms_named,
    named_fewer_arms,
    same_arms,
)
from kmipd.types import Curve

FIGURES = Path(__file__).parent / "data" / "figures"
TWICE = "read at twice its size, where the same arms were found"


@pytest.fixture(scope="module")
def radiant4() -> DigitizationResult:
    """RADIANT4_2A-lifelines at 60 %, JPEG quality 60 (table text 5-6 px high)."""
    return digitize(as_jpeg(FIGURES / "radiant4_2a-lifelines.png", 0.6, 60))


@pytest.mark.filterwarnings("ignore")
def test_a_small_screenshot_is_read_at_twice_its_size_and_its_tables_read_right(
    radiant4: DigitizationResult,
) -> None:
    # at its own size 5 of the 8 numbers of a row were read right (session 29); enlarged,
    # all are
    result = radiant4
    assert result.scale == 2.0
    assert any(TWICE in w for w in result.warnings)
    truth = pd.read_csv(FIGURES / "radiant4_2a-truth.csv")
    arms = result.arms
    assert [arm.name for arm in arms] == ["everolimus", "placebo"]
    for arm in arms:
        table = arm.risk_table
        assert table is not None and len(table.time) == 8
        times = truth.time[truth.arm == arm.name].to_numpy()
        true = [int(np.sum(times > t)) for t in table.time]  # lifelines: at risk just after
        assert [int(n) for n in table.n_at_risk] == true


@pytest.mark.filterwarnings("ignore")
def test_a_figure_with_legible_text_is_read_once() -> None:
    result = digitize(FIGURES / "radiant4_2a-lifelines.png")
    assert result.scale == 1.0
    assert not any("twice its size" in w for w in result.warnings)


@pytest.mark.filterwarnings("ignore")
def test_readings_with_the_same_arms_agree(radiant4: DigitizationResult) -> None:
    result = radiant4
    assert same_arms(result, result)
    swapped = replace(result, arms=tuple(reversed(result.arms)))
    assert same_arms(result, swapped)  # paired whatever the order


@pytest.mark.filterwarnings("ignore")
def test_readings_with_other_arms_do_not_agree(radiant4: DigitizationResult) -> None:
    result = radiant4
    arms = result.arms
    fewer = replace(result, arms=arms[:1])
    assert not same_arms(result, fewer)  # an arm lost
    more = replace(result, arms=(*arms, arms[0]))
    assert not same_arms(result, more)  # a band taken for an arm
    first = arms[0].curve
    lower = Curve(first.time, np.clip(np.asarray(first.survival) - 2 * AGREE, 0, 1), first.arm)
    moved = replace(result, arms=(replace(arms[0], curve=lower), *arms[1:]))
    assert not same_arms(result, moved)  # a curve elsewhere
    rising = replace(result, failure=not result.failure)
    assert not same_arms(result, rising)


@pytest.mark.filterwarnings("ignore")
def test_a_reading_whose_legend_names_fewer_arms_is_not_kept(radiant4: DigitizationResult) -> None:
    # enlarged, AZURE_4-jco's two labels at 75 % ran into one, "control if zoledronic1acid",
    # and the other arm lost its name: the reading at the figure's own size named both
    result = radiant4
    first, second = result.arms
    unnamed = replace(result, arms=(first, replace(second, label=None)))
    assert fewer_names(result, unnamed)
    assert not fewer_names(unnamed, result)
    assert not fewer_names(result, result)


@pytest.mark.filterwarnings("ignore")
def test_a_screenshot_whose_enlarged_legend_runs_together_keeps_its_own_size() -> None:
    result = digitize(as_jpeg(FIGURES / "azure_4-jco.png", 0.75, 70))
    assert result.scale == 1.0
    assert any("names fewer arms" in w for w in result.warnings)
    assert [arm.name for arm in result.arms] == ["control", "zoledronic_acid"]


@pytest.mark.filterwarnings("ignore")
def test_an_enlarged_reading_with_more_arms_each_named_by_the_legend_is_kept() -> None:
    # LUXLung5_1B in black solid and dashed at 60 %: at its own size the dashed pen, a
    # pixel wide, is not seen; enlarged, it is found and its legend entry read
    result = digitize(as_jpeg(FIGURES / "luxlung5_1b-bw.png", 0.6, 60))
    assert result.scale == 2.0
    assert [(a.name, a.line_style) for a in result.arms] == [
        ("afatinib_paclitaxel", "solid"),
        ("chemo", "dashed"),
    ]
    assert any("the same arms and more, each named by the legend" in w for w in result.warnings)


@pytest.mark.filterwarnings("ignore")
def test_more_arms_count_only_when_every_one_is_named(radiant4: DigitizationResult) -> None:
    result = radiant4
    arms = result.arms
    fewer = replace(result, arms=arms[:1])
    assert more_arms_named(fewer, result)  # the arm found only enlarged is named
    assert not more_arms_named(result, result)  # as many arms: ``same_arms`` decides
    band = replace(arms[1], label=None)
    assert not more_arms_named(fewer, replace(result, arms=(arms[0], band)))  # unnamed: a band
    under = replace(result, warnings=(*result.warnings, f"{LEGEND_UNSEEN}; it is taken to lie"))
    assert not more_arms_named(fewer, under)  # the new arm is the other's curve again
    first = arms[0].curve
    lower = Curve(first.time, np.clip(np.asarray(first.survival) - 2 * AGREE, 0, 1), first.arm)
    moved = replace(fewer, arms=(replace(arms[0], curve=lower),))
    assert not more_arms_named(moved, result)  # the arm found at its own size is elsewhere


@pytest.mark.filterwarnings("ignore")
def test_an_enlarged_reading_that_names_its_arms_drops_a_box_of_text_taken_for_one() -> None:
    # MA31_3 in per cent at 60 %: at its own size the legend goes unread and the
    # hazard-ratio box ("log-rank p=0.01") is taken for a third arm; enlarged, the
    # legend names both arms and their tables are read
    result = digitize(as_jpeg(FIGURES / "ma31_3-percent.png", 0.6, 60))
    assert result.scale == 2.0
    assert len(result.arms) == 2 and result.arms[0].name == "ltax_l"  # the other: "tax_t"
    assert [list(a.risk_table.n_at_risk[:3]) for a in result.arms if a.risk_table] == [
        [326, 297, 217],
        [326, 303, 238],
    ]


@pytest.mark.filterwarnings("ignore")
def test_fewer_arms_count_only_where_the_legend_names_them_all(
    radiant4: DigitizationResult,
) -> None:
    result = radiant4
    arms = result.arms
    junk = replace(arms[0], label=None, name="arm 3")
    first = replace(result, arms=(*[replace(a, label=None) for a in arms], junk))
    assert named_fewer_arms(first, result)  # the legend read only enlarged names two of three
    assert not named_fewer_arms(result, result)  # as many arms: ``same_arms`` decides
    # the first reading named as many: its unnamed arm may be one no legend reading saw
    assert not named_fewer_arms(replace(result, arms=(*arms, junk)), result)
    unseen = replace(result, warnings=(*result.warnings, f"{LEGEND_UNSEEN} and was left out"))
    assert not named_fewer_arms(first, unseen)  # an arm lost on enlarging
    unnamed = replace(result, arms=(arms[0], replace(arms[1], label=None)))
    assert not named_fewer_arms(first, unnamed)
