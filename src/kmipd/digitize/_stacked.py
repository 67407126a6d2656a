"""A broken curve lost where its censor marks merge it into the solid curve of its colour.

Black solid and dashed arms are told apart by their pieces: long ones are
the solid curve, short ones the dashes (`kmipd.digitize._styles`). Where
censor marks crowd a dashed curve, they merge it into blocks, and blocks
that touch the solid curve's blocks join its long pieces, so the dashed
trace ends there, or goes on only where the blocks end. In the columns where
the broken curve shows no ink of its own, and right of where its trace ends,
ink of the solid colour that stands in a column apart from the run the solid
trace goes through (paper between them) is a second curve stacked under or
over it: it is given to the broken curve, which is traced again.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kmipd.digitize._colours import InkColour
from kmipd.digitize._lines import true_runs
from kmipd.digitize._styles import components
from kmipd.digitize._trace import Trace

__all__ = ["split_pairs", "stacked_ink"]

BoolArray = npt.NDArray[np.bool_]
_PIECE = 8  # px: a piece of a curve is at least this wide (a drop's stroke is narrower)


def split_pairs(colours: list[InkColour], styles: list[str]) -> list[tuple[int, int]]:
    """(solid, broken) colour indices that one ink colour was split into by line style."""
    out = []
    for d, style in enumerate(styles):
        if style == "solid":
            continue
        k = next(
            (k for k in range(d) if styles[k] == "solid" and colours[k].rgb == colours[d].rgb),
            None,
        )
        if k is not None:
            out.append((k, d))
    return out


def _off_runs(mine: BoolArray, trace: Trace, columns: BoolArray) -> BoolArray:
    """Pixels of ``mine``, in the ``columns`` the trace spans, that are not in the vertical
    run the trace goes through (or is nearest to) in their column."""
    out = np.zeros_like(mine)
    for c in np.flatnonzero(columns[trace.first_col : trace.last_col + 1]) + trace.first_col:
        runs = true_runs(mine[:, c])  # (first, last + 1) rows
        if len(runs) < 2:
            continue
        level = trace.column_rows[c - trace.first_col]
        keep = int(np.argmin(np.maximum(runs[:, 0] - level, level - runs[:, 1] + 1).clip(0)))
        for i, (first, end) in enumerate(runs):
            if i != keep:
                out[first:end, c] = True
    return out


def stacked_ink(
    labels: npt.NDArray[np.int_],
    solid: int,
    broken: int,
    solid_trace: Trace,
    broken_trace: Trace,
) -> BoolArray:
    """Ink labelled ``solid`` that is a second curve's: pieces at least ``_PIECE`` px wide
    standing apart from the solid trace, in columns where the broken curve shows no ink of
    its own (lost in the solid's ink there) or right of where its trace ends.

    Parameters
    ----------
    labels : ndarray of int, shape (rows, cols)
        Colour index per pixel (-1: none).
    solid, broken : int
        Indices of the solid colour and of the broken one split from it.
    solid_trace, broken_trace : Trace
        Their first traces.

    Returns
    -------
    ndarray of bool
        The pixels to give to the broken curve.
    """
    s, b = solid_trace, broken_trace
    lost = ~(labels == broken).any(axis=0)
    lost[max(0, b.last_col - int(np.ceil(2 * b.thickness))) :] = True
    off = _off_runs(labels == solid, s, lost)
    parts, stats = components(off)
    return np.isin(parts, 1 + np.flatnonzero(stats[:, 1] >= _PIECE))
