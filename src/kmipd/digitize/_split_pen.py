"""A thin pen drawn in two shades: one curve's pixels split between two curve colours.

A pen about 1.5 px wide is drawn dark where a stretch of the curve is centred
on a pixel row, and in a paler shade where it falls between two rows (half of
it on each). Both shades are common enough to be curve colours of their own,
and each holds only the stretches of the curve drawn in it, with gaps where
the other shade holds the rest. Traced together they make one curve, seen in
more columns than either alone and running along both. Two curves of their
own (dark and light blue arms) are each seen almost everywhere already, and
a trace of both together runs along one of them only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from kmipd.digitize._arms import same_hue
from kmipd.digitize._colours import InkColour, blend_fraction, to_lab
from kmipd.digitize._scene import Scene
from kmipd.digitize._trace import Trace

__all__ = ["PenMerge", "merge_split_pens"]

_THIN = 2.5  # px: a pen drawn in two shades is at most this thick (a thicker one has a
# solid core of its own colour wherever it runs)
_GAPPY = 0.15  # one shade's trace is not seen in at least this share of its columns ...
_SOME_GAPS = 0.05  # ... the other's in at least this share ...
_FILLED = 0.75  # ... and together the unseen share is at most this much of the lower one's
_NEAR = 2.0  # pen widths within which the merged trace runs along each shade's ...
_ALONG = 0.8  # ... over at least this share of the columns they share


@dataclass(frozen=True)
class PenMerge:
    """The scene and traces with each split pen's paler shade given to its darker one.

    Attributes
    ----------
    scene : Scene
    traces : dict of int to Trace
    into : dict of int to int
        Paler colour index to the index of the colour it was merged into.
    """

    scene: Scene
    traces: dict[int, Trace]
    into: dict[int, int]


def merge_split_pens(
    scene: Scene,
    traces: dict[int, Trace],
    retrace: Callable[[Scene], dict[int, Trace]],
    hide: npt.NDArray[np.bool_],
) -> PenMerge:
    """Merge the two shades of each thin pen drawn in two.

    Parameters
    ----------
    scene : Scene
    traces : dict of int to Trace
        The traces of ``scene``'s colours.
    retrace : callable
        Traces a scene's colours (as ``traces`` were traced).
    hide : ndarray of bool, shape (rows, cols)
        Pixels left out of the traces (legend, text).

    Returns
    -------
    PenMerge
        Unchanged (``into`` empty) when no pair of shades qualifies.
    """
    into: dict[int, int] = {}
    for pale, dark in _pairs(scene.colours, traces):
        if pale in into or dark in into or pale not in traces or dark not in traces:
            continue
        trial = _merged(scene, pale, dark)
        again = retrace(trial)
        if dark in again and _one_curve(scene, again[dark], (pale, dark), traces, hide):
            scene, traces, into[pale] = trial, again, dark
    return PenMerge(scene, traces, into)


def _one_curve(
    scene: Scene,
    merged: Trace,
    shades: tuple[int, int],
    traces: dict[int, Trace],
    hide: npt.NDArray[np.bool_],
) -> bool:
    """Whether the trace of both shades fills the gaps of each and runs along the ink
    of both."""
    pale, dark = (traces[k] for k in shades)
    fills = merged.filled_fraction <= _FILLED * min(pale.filled_fraction, dark.filled_fraction)
    return (
        fills
        and _seen(merged) >= max(_seen(pale), _seen(dark))
        and all(
            _along(merged, (scene.labels == k) & (scene.coverage >= 0.25) & ~hide) >= _ALONG
            for k in shades
        )
    )


def _along(merged: Trace, ink: npt.NDArray[np.bool_]) -> float:
    """Share of the columns of ``merged`` holding ``ink`` where some of it lies within
    ``_NEAR`` pen widths of the trace."""
    rows, cols = np.nonzero(ink)
    inside = (cols >= merged.first_col) & (cols <= merged.last_col)
    rows, cols = rows[inside], cols[inside]
    if len(cols) == 0:
        return 0.0
    near = np.abs(rows - merged.level(cols.astype(float))) <= _NEAR * merged.thickness
    inked = np.unique(cols)
    return float(len(np.unique(cols[near])) / len(inked))


def _pairs(colours: list[InkColour], traces: dict[int, Trace]) -> list[tuple[int, int]]:
    """(paler, darker) colour indices of one hue whose thin traces have gaps, one of them
    many."""
    gaps = {
        k: t.filled_fraction
        for k, t in traces.items()
        if t.filled_fraction >= _SOME_GAPS and t.thickness <= _THIN
    }
    lightness = {k: float(to_lab(np.array(colours[k].rgb, np.uint8))[0]) for k in gaps}
    return [
        (a, b)
        for a in gaps
        for b in gaps
        if lightness[a] > lightness[b]
        and max(gaps[a], gaps[b]) >= _GAPPY
        and same_hue(colours[a], colours[b])
    ]


def _merged(scene: Scene, pale: int, dark: int) -> Scene:
    """``scene`` with the paler colour's pixels labelled the darker's, their coverage
    taken towards the darker colour."""
    share = blend_fraction(scene.colours[pale].rgb, scene.colours[dark].rgb, scene.background)
    mine = scene.labels == pale
    labels = np.where(mine, dark, scene.labels)
    coverage = np.where(mine, scene.coverage * share, scene.coverage)
    return replace(scene, labels=labels, coverage=coverage)


def _seen(trace: Trace) -> float:
    """Columns in which a trace's curve was seen (not filled across a gap)."""
    return (1.0 - trace.filled_fraction) * (trace.last_col - trace.first_col + 1)
