"""A dashed arm lost where censor marks merge it into the solid arm of its colour."""

from __future__ import annotations

import numpy as np

from kmipd.digitize._colours import InkColour
from kmipd.digitize._stacked import split_pairs, stacked_ink
from kmipd.digitize._trace import Trace


def _flat(row: float, first: int, last: int, thickness: float = 2.0) -> Trace:
    """A flat trace at ``row`` over columns ``first`` to ``last``."""
    cols = np.arange(first, last + 1, dtype=float)
    rows = np.full(cols.size, row)
    return Trace(cols, rows, thickness, first, last, 0.0, rows)


def test_ink_stacked_apart_from_the_solid_trace_after_the_broken_end_is_the_broken_arms() -> None:
    """The solid arm (0) runs at row 10 over columns 0-99; the broken arm (1), dashed at
    row 20 to column 40, was traced only that far, and from column 30 on its curve was
    labelled solid. The ink at row 20 from column 30 on is given back; a one-column stroke
    (a drop), and ink where the broken arm shows dashes of its own, are not."""
    labels = np.full((30, 100), -1)
    labels[9:12, :] = 0
    labels[19:22, 30:] = 0
    for start in range(0, 30, 6):
        labels[19:22, start : start + 4] = 1
    labels[19:22, 28:30] = 1
    labels[12:19, 70] = 0  # a drop's stroke joining them is part of the solid run there
    labels[25:27, 50] = 0  # a speck one column wide
    moved = stacked_ink(labels, 0, 1, _flat(10.0, 0, 99), _flat(20.0, 0, 40))
    assert moved[19:22, 30:70].all() and moved[19:22, 71:].all()
    assert not moved[:, :30].any() and not moved[9:12].any() and not moved[25:27].any()


def test_ink_stacked_apart_where_the_broken_arm_shows_none_is_the_broken_arms() -> None:
    """The broken arm runs to the end, dashed, but over columns 40-69 its merged marks were
    labelled solid: that ink is given back, the dashes' columns are left alone."""
    labels = np.full((30, 100), -1)
    labels[9:12, :] = 0
    for start in range(0, 100, 8):
        labels[19:22, start : start + 5] = 1
    labels[19:22, 40:70] = 0
    moved = stacked_ink(labels, 0, 1, _flat(10.0, 0, 99), _flat(20.0, 0, 98))
    assert moved[19:22, 40:70].all()
    assert not moved[:, :40].any() and not moved[:, 70:].any()


def test_no_ink_is_moved_where_the_broken_arm_shows_its_own() -> None:
    labels = np.full((30, 100), -1)
    labels[9:12, :] = 0
    for start in range(0, 100, 8):
        labels[19:22, start : start + 5] = 1
        labels[19:22, start + 5 : start + 8] = 0  # a dash gap's worth of solid ink
    assert not stacked_ink(labels, 0, 1, _flat(10.0, 0, 99), _flat(20.0, 0, 98)).any()


def test_split_pairs_are_the_solid_and_broken_indices_of_one_colour() -> None:
    black, red = InkColour((0, 0, 0), 0), InkColour((200, 0, 0), 0)
    assert split_pairs([black, red, black], ["solid", "solid", "dashed"]) == [(0, 2)]
    assert split_pairs([black, red], ["solid", "solid"]) == []
