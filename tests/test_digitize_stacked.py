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
    """The solid arm (0) runs at row 10 over columns 0-99; the broken arm (1) was traced only
    to column 40, and from column 30 on its curve, at row 20, was labelled solid. The ink
    at row 20 right of column 36 (its end less two pens) is given back; a one-column stroke
    (a drop) and the ink before column 36 are not."""
    labels = np.full((30, 100), -1)
    labels[9:12, :] = 0
    labels[19:22, 30:] = 0
    labels[12:19, 70] = 0  # a drop's stroke joining them is part of the solid run there
    labels[25:27, 50] = 0  # a speck one column wide
    moved = stacked_ink(labels, 0, _flat(10.0, 0, 99), _flat(20.0, 0, 40))
    assert moved[19:22, 36:70].all() and moved[19:22, 71:].all()
    assert not moved[:, :36].any() and not moved[9:12].any() and not moved[25:27].any()


def test_no_ink_is_moved_when_the_broken_arm_runs_to_the_end() -> None:
    labels = np.full((30, 100), -1)
    labels[9:12, :] = 0
    labels[19:22, :] = 0
    assert not stacked_ink(labels, 0, _flat(10.0, 0, 99), _flat(20.0, 0, 98)).any()


def test_split_pairs_are_the_solid_and_broken_indices_of_one_colour() -> None:
    black, red = InkColour((0, 0, 0), 0), InkColour((200, 0, 0), 0)
    assert split_pairs([black, red, black], ["solid", "solid", "dashed"]) == [(0, 2)]
    assert split_pairs([black, red], ["solid", "solid"]) == []
