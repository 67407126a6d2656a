"""Inset plots: a small second pair of axes drawn inside the panel (a zoomed view).

Journals (NEJM above all) often draw, inside a Kaplan-Meier panel, a small
copy of the same curves on a magnified y axis. Its curves are in the arms'
colours, so they must be kept out of the tracing. An inset is recognised by
its own axes: a vertical and a horizontal dark line meeting in a bottom-left
corner (a step curve's drop and the plateau after it meet so too), with tick
labels read as numbers beside both lines, which no curve has.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kmipd.digitize._lines import Box, Line, find_lines
from kmipd.digitize._scene import Scene
from kmipd.digitize._text import Word, read_words

__all__ = ["Inset", "find_insets", "inset_mask"]

BoolArray = npt.NDArray[np.bool_]
_DARK = 0.45  # ink of an axis line's pixels, at the least
_GREYISH = 0.25  # chroma of an axis line's pixels, at the most (axes are black or grey)
_LENGTH = 0.12  # an inset axis is at least this share of the panel's width (height) long
_MARGIN = 4  # px kept clear of the panel's own frame
_CORNER = 4  # px: the two axis lines meet this close
_LABELS = 2  # tick labels read as numbers beside each inset axis, at the least
_REACH = 4.0  # tick labels lie within this many text heights of their axis line
_PAD = 2  # px masked around an inset's box and labels
_NUMBER = set("0123456789.,%-")


@dataclass(frozen=True)
class Inset:
    """An inset plot, in image pixels.

    Attributes
    ----------
    axes : tuple of int
        ``(row0, col0, row1, col1)``, half open: the box its axis lines enclose.
    labels : tuple of tuple of int
        The boxes of its tick labels, outside the axes.
    """

    axes: Box
    labels: tuple[Box, ...]


def find_insets(scene: Scene) -> list[Inset]:
    """Inset plots inside the panel: their axes' corner and tick labels found.

    Parameters
    ----------
    scene : Scene

    Returns
    -------
    list of Inset
        One per inset: the box its axes enclose and its tick labels' boxes.
    """
    f = scene.frame
    top, bottom = int(f.top) + _MARGIN, int(f.bottom) - _MARGIN
    left, right = int(f.left) + _MARGIN, int(f.right) - _MARGIN
    if bottom - top < 20 or right - left < 20:
        return []
    inner = (scene.ink[top:bottom, left:right] >= _DARK) & (
        scene.chroma[top:bottom, left:right] <= _GREYISH
    )
    across = find_lines(inner, int(_LENGTH * (right - left)), horizontal=True)
    down = find_lines(inner, int(_LENGTH * (bottom - top)), horizontal=False)
    words = [w for w in scene.words if w.row1 - w.row0 >= 3]
    if not words or not across or not down:
        return []
    tall = float(np.median([w.height for w in words]))
    reach = max(_CORNER, tall)  # tick marks may run the axis lines on past the corner
    insets = []
    for v in down:
        for h in across:
            if not (-_CORNER <= v.end - h.position <= reach):
                continue
            if not (-_CORNER <= v.position - h.start <= reach):
                continue
            box = _labelled(scene, words, tall, (v, h), (top, left))
            if box is not None:
                insets.append(box)
    return _distinct(insets)


def inset_mask(shape: tuple[int, int], insets: list[Inset]) -> BoolArray:
    """Pixels of the inset plots (to keep them out of the curves)."""
    mask = np.zeros(shape, dtype=bool)
    for inset in insets:
        for row0, col0, row1, col1 in (inset.axes, *inset.labels):
            mask[max(0, row0 - _PAD) : row1 + _PAD, max(0, col0 - _PAD) : col1 + _PAD] = True
    return mask


def _labelled(
    scene: Scene, words: list[Word], tall: float, axes: tuple[Line, Line], at: tuple[int, int]
) -> Inset | None:
    """The box of an inset with axes ``(vertical, horizontal)`` (in the panel crop
    starting at image row and column ``at``), if numbers label both."""
    v, h = axes
    col, row = at[1] + v.position, at[0] + h.position
    v0, v1 = at[0] + v.start, at[0] + v.end
    h0, h1 = at[1] + h.start, at[1] + h.end
    beside = [
        w
        for w in words
        if col - _REACH * tall <= w.col1 <= col and v0 - tall <= (w.row0 + w.row1) / 2 <= v1
    ]
    under = [
        w
        for w in words
        if row <= w.row0 <= row + _REACH * tall and h0 - tall <= (w.col0 + w.col1) / 2 <= h1 + tall
    ]
    if len(beside) < _LABELS or len(under) < _LABELS:
        return None
    read = read_words(scene.grey, scene.image, [*beside, *under])
    numbers = [bool(w.text) and set(w.text) <= _NUMBER for w in read]
    if sum(numbers[: len(beside)]) < _LABELS or sum(numbers[len(beside) :]) < _LABELS:
        return None
    kept = [w for w, n in zip(read, numbers, strict=True) if n]
    labels = tuple((w.row0, w.col0, w.row1, w.col1) for w in kept)
    return Inset((v0, int(col), int(np.ceil(row)) + 1, h1 + 1), labels)


def _distinct(insets: list[Inset]) -> list[Inset]:
    """Insets with those inside another dropped."""
    return [
        a
        for i, a in enumerate(insets)
        if not any(
            j != i
            and b.axes[0] <= a.axes[0]
            and b.axes[1] <= a.axes[1]
            and a.axes[2] <= b.axes[2]
            and a.axes[3] <= b.axes[3]
            and (b != a or j < i)
            for j, b in enumerate(insets)
        )
    ]
