"""Small text read at twice the size: when the figure's words are a few pixels high.

A small screenshot's tick labels may still be legible while its table and
legend text (5-7 px high, JPEG-smeared) is not. Read again at twice its
size, OCR reads that text well; but enlarging also changes what the curves
look like (a thin dashed pen, a pale band), and now and then an arm found
at the figure's own size is lost or a band is taken for an arm. So the
enlarged reading is kept only where its arms agree with those read at the
figure's own size: as many, each matched to one whose curve runs within
``AGREE`` of it, or more, every one named by the legend (a thin dashed arm
found only enlarged), or fewer, every one named by a legend that names
more arms than the first reading's (a box of text taken for an arm where
the legend went unread); and where its legend names no fewer arms.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import permutations

import numpy as np

from kmipd.digitize._result import ArmResult, DigitizationResult
from kmipd.digitize._scene import Scene
from kmipd.types import Curve

__all__ = [
    "AGREE",
    "LEGEND_UNSEEN",
    "TINY_TEXT",
    "fewer_names",
    "more_arms_named",
    "named_fewer_arms",
    "same_arms",
    "text_height",
]

TINY_TEXT = 8.0
"""Median height (px) of the words under the panel below which text is read at twice the size."""

AGREE = 0.02
"""Mean absolute difference in survival within which two readings of an arm's curve agree."""

LEGEND_UNSEEN = "a legend entry has no visible curve"
"""How a reading's warning begins when a legend entry had no curve found for it."""

_SPECK = 3  # px: words lower than this are specks, not text


def text_height(scene: Scene) -> float:
    """Median height of the words under the panel (the tick labels and any table); NaN if none."""
    heights = [w.height for w in scene.words if w.row0 > scene.frame.bottom and w.height >= _SPECK]
    return float(np.median(heights)) if heights else float("nan")


def same_arms(first: DigitizationResult, second: DigitizationResult) -> bool:
    """Whether two readings of a figure found the same arms (see the module's note).

    As many arms, the same direction (survival or cumulative incidence),
    and some pairing of them in which every pair's curves differ by at most
    ``AGREE`` in mean absolute survival over the time both cover.
    """
    if len(first.arms) != len(second.arms) or first.failure != second.failure:
        return False
    if not first.arms or len(first.arms) > 6:  # more arms than is worth pairing every way
        return False
    return _matched(first.arms, second.arms)


def more_arms_named(first: DigitizationResult, second: DigitizationResult) -> bool:
    """Whether ``second`` finds every arm of ``first`` and more, each arm named by its legend.

    A dashed pen a pixel wide can go unseen at a small figure's own size
    and be found enlarged, where its legend entry is read too; a band
    taken for an arm when enlarged has no legend entry. Each arm of
    ``first`` must be matched to its own arm of ``second`` within ``AGREE``,
    and every legend entry of ``second`` must have found a curve of its own
    (not one taken to lie under another arm's curve).
    """
    if len(second.arms) <= len(first.arms) or first.failure != second.failure:
        return False
    if not first.arms or len(second.arms) > 6 or not _legend_names_all(second):
        return False
    return _matched(first.arms, second.arms)


def named_fewer_arms(first: DigitizationResult, second: DigitizationResult) -> bool:
    """Whether ``second`` keeps fewer of ``first``'s arms, each named by the legend, and
    names more arms than ``first``.

    At a small figure's own size a legend may go unread and a box of text
    (a hazard ratio) be taken for a legend entry and an arm; enlarged, the
    legend is read and names every arm it found, each matched to its own
    arm of ``first`` within ``AGREE``. Not when a legend entry of
    ``second`` found no curve of its own (an arm lost on enlarging). Arms
    of ``first`` that its legend did not name are not left out otherwise:
    they may be arms whose legend entry neither reading read.
    """
    if not 0 < len(second.arms) < len(first.arms) or first.failure != second.failure:
        return False
    if len(first.arms) > 6 or not _legend_names_all(second):
        return False
    if sum(a.label is not None for a in first.arms) >= len(second.arms):
        return False
    return _matched(second.arms, first.arms)


def _legend_names_all(reading: DigitizationResult) -> bool:
    """Whether every arm of ``reading`` is named by its legend and every entry found a curve
    of its own (none left out, none taken to lie under another arm's curve)."""
    return all(a.label is not None for a in reading.arms) and not any(
        w.startswith(LEGEND_UNSEEN) for w in reading.warnings
    )


def _matched(few: Sequence[ArmResult], many: Sequence[ArmResult]) -> bool:
    """Whether each arm of ``few`` can be paired with its own arm of ``many`` whose curve
    runs within ``AGREE`` of it (mean absolute difference in survival)."""
    gaps = np.array([[_mean_gap(a.curve, b.curve) for b in many] for a in few], dtype=float)
    return any(
        max(gaps[i, j] for i, j in enumerate(pick)) <= AGREE
        for pick in permutations(range(len(many)), len(few))
    )


def fewer_names(first: DigitizationResult, second: DigitizationResult) -> bool:
    """Whether the legend of ``second`` names fewer arms than that of ``first``.

    Enlarged, two legend labels set close can run into one ("control" and
    "zoledronic_acid" read as one label), and the other arm loses its name.
    """
    return sum(a.label is not None for a in second.arms) < sum(
        a.label is not None for a in first.arms
    )


def _mean_gap(a: Curve, b: Curve) -> float:
    """Mean absolute difference of two step curves over the time both cover (inf if none)."""
    ta, tb = np.asarray(a.time, dtype=float), np.asarray(b.time, dtype=float)
    if ta.size == 0 or tb.size == 0:
        return float("inf")
    end = min(float(ta[-1]), float(tb[-1]))
    if end <= 0.0:
        return float("inf")
    grid = np.linspace(0.0, end, 401)
    return float(np.mean(np.abs(_at(a, grid) - _at(b, grid))))


def _at(curve: Curve, times: np.ndarray) -> np.ndarray:
    """Survival of a step curve at ``times`` (1 before its first point)."""
    survival = np.asarray(curve.survival, dtype=float)
    index = np.searchsorted(np.asarray(curve.time, dtype=float), times, side="right") - 1
    return np.where(index >= 0, survival[np.maximum(index, 0)], 1.0)
