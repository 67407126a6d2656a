"""Line styles: tell a solid curve from a dashed or dotted one drawn in the same colour."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kmipd.digitize._lines import true_runs

__all__ = ["components", "line_style", "split_by_style", "stroke_style"]

BoolArray = npt.NDArray[np.bool_]


def components(mask: BoolArray) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]:
    """Connected components (8-connected): label image and (left, width, height, area) rows."""
    import cv2

    _, cc, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    return np.asarray(cc, dtype=np.int32), np.asarray(stats[1:, [0, 2, 3, 4]], dtype=np.int64)


def _spread(stats: npt.NDArray[np.int64]) -> int:
    """Number of columns covered by components (rows of ``left, width, ...``)."""
    if len(stats) == 0:
        return 0
    covered = np.zeros(int((stats[:, 0] + stats[:, 1]).max()) + 1, dtype=bool)
    for left, w in stats[:, :2]:
        covered[left : left + w] = True
    return int(covered.sum())


def _side_by_side(solid: BoolArray, broken: BoolArray) -> bool:
    """Whether two masks run as separate curves: in a third of the broken one's columns
    the solid one is there too, more than 4 rows away."""
    rows = np.arange(solid.shape[0])[:, None]
    both = solid.any(axis=0) & broken.any(axis=0)
    if broken.any(axis=0).sum() == 0:
        return False
    mean_s = (rows * solid).sum(axis=0)[both] / solid.sum(axis=0)[both]
    mean_b = (rows * broken).sum(axis=0)[both] / broken.sum(axis=0)[both]
    apart = int(np.sum(np.abs(mean_s - mean_b) > 4.0))
    return apart >= 0.3 * broken.any(axis=0).sum()


def split_by_style(
    mask: BoolArray, others: BoolArray, width: float, shown: bool = False
) -> tuple[BoolArray, BoolArray] | None:
    """Split one colour's ink into a solid curve and a broken (dashed, dotted) one.

    The solid curve is made of long pieces (at least a tenth of the panel
    wide); a dashed or dotted curve of many short ones with background in
    their gaps. Short pieces that touch another curve's ink are pieces of a
    solid curve cut where the other curve is drawn over it, not dashes. The
    dashes must be at least a dozen and spread over a quarter of the panel;
    where the legend shows this colour both solid and broken (``shown``), half
    as many over a tenth of it will do (dashes that touch the solid curve,
    where the two run together, are not seen apart from it).

    Parameters
    ----------
    mask : ndarray of bool, shape (rows, cols)
        Ink of one colour.
    others : ndarray of bool, shape (rows, cols)
        Ink of the other colours.
    width : float
        Panel width in pixels.
    shown : bool, optional
        Whether the legend shows this colour as a solid and as a broken line.

    Returns
    -------
    tuple of ndarray or None
        ``(solid, broken)`` masks, or None if the ink is not two styles.
    """
    import cv2

    fewest, spread = (6, 0.1) if shown else (12, 0.25)
    cc, stats = components(mask)
    if len(stats) <= fewest:
        return None
    length = np.maximum(stats[:, 1], stats[:, 2])
    near = cv2.dilate(others.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    touching = np.bincount(cc[near & mask], minlength=len(stats) + 1)[1:] > 0
    long = length >= 0.1 * width
    dash = ~long & ~touching & (stats[:, 3] >= 3)
    if not long.any() or dash.sum() < fewest:
        return None
    if _spread(stats[dash]) < spread * width or _spread(stats[long]) < 0.4 * width:
        return None
    ids = np.arange(1, len(stats) + 1)
    solid, broken = np.isin(cc, ids[~dash]), np.isin(cc, ids[dash])
    return (solid, broken) if _side_by_side(solid, broken) else None


def line_style(mask: BoolArray, others: BoolArray, width: float, thickness: float) -> str:
    """``"solid"``, ``"dashed"`` or ``"dotted"`` from the pieces a curve's ink is made of.

    Pieces touching other curves (cut by them) do not count as dashes.
    """
    import cv2

    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if not rows.size:
        return "solid"
    box = (  # the ink's box and a pixel round it: the same pieces, and the others beside them
        slice(max(0, int(rows[0]) - 1), int(rows[-1]) + 2),
        slice(max(0, int(cols[0]) - 1), int(cols[-1]) + 2),
    )
    mask, others = mask[box], others[box]
    cc, stats = components(mask)
    near = cv2.dilate(others.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    touching = np.bincount(cc[near & mask], minlength=len(stats) + 1)[1:] > 0
    length = np.maximum(stats[:, 1], stats[:, 2])[~touching]
    if length.size < 6 or length.max() >= 0.3 * width:
        return "solid"
    return "dotted" if np.median(length) <= 1.6 * thickness + 1 else "dashed"


def _runs(line: BoolArray) -> npt.NDArray[np.int64]:
    """Lengths of the runs of True in a 1-D array."""
    runs = true_runs(line)
    return runs[:, 1] - runs[:, 0]


_DOTS = 4  # dots of a dotted key, at the least ...
_DOTTED = 0.3  # ... inking this share of its rows
_DOT_BOX = 6  # px: a dotted key's box is at most this tall
_THICK = 6  # rows from which a stroke is a bar ...
_BAR_FILL = 0.9  # ... and must be this fully inked (but for the gaps of a dashed bar)


def _bar_fill(band: BoolArray) -> float:
    """Share of a thick bar inked; 1 for a dashed bar (a key drawn with a thick pen).

    A dashed bar is solid columns in two or more dashes, each at least an
    eighth of the box and together at least half of it, with gaps between
    them (which a marker's arm may cross); glyphs printed over each other
    leave holes inside instead.
    """
    fill = band.mean(axis=0)
    solid = fill >= _BAR_FILL
    runs = true_runs(solid)
    lengths = runs[:, 1] - runs[:, 0]
    dashes = lengths[lengths >= band.shape[1] / 8.0]
    if dashes.size >= 2 and dashes.sum() >= 0.5 * band.shape[1]:
        return 1.0
    return float(band.mean())


def _dotted(ink: BoolArray, total: int) -> str | None:
    """``"dotted"`` if the box is flat (no taller than ``_DOT_BOX``) and one block of its
    rows, holding most of the ink, is four or more dots."""
    if ink.shape[0] > _DOT_BOX:
        return None  # a word's letters make runs too
    dots = np.array([_runs(row).size >= _DOTS for row in ink]) & (ink.mean(axis=1) >= _DOTTED)
    if _runs(dots).size != 1 or ink[dots].sum() < 0.5 * total:
        return None
    return "dotted"


def stroke_style(ink: BoolArray) -> str | None:
    """Style of a legend key box: a solid or dashed horizontal stroke, or None (not a key).

    The stroke rows are the rows inked over at least half the box; they must
    be one block of rows and hold most of the ink (a marker such as ``+`` may stick out). A stroke
    row broken into two or more pieces, each at least an eighth of the box,
    makes the key dashed (even where a marker's arm bridges the gaps in other
    rows); otherwise a row inked across 70 % of the box makes it solid. A
    block of rows broken into four or more dots, inked over a third of the
    box, makes it dotted.
    """
    cols = ink.shape[1]
    total = int(ink.sum())
    if cols < 6 or total == 0:
        return None
    band = ink.mean(axis=1) >= 0.5
    if not band.any():
        return _dotted(ink, total)
    if band.sum() > 0.6 * cols or _runs(band).size != 1:
        return None  # no stroke, a block, or several bars (a glyph such as "3")
    if band.sum() >= _THICK and _bar_fill(ink[band]) < _BAR_FILL:
        return None  # a thick band with holes: glyphs printed over each other, not a bar
    share = ink[band].sum() / total
    dashed = solid = False
    for row in np.flatnonzero(band):
        runs = _runs(ink[row])
        long = runs[runs >= cols / 8.0]
        dashed |= bool(long.size >= 2 and long.sum() >= 0.5 * cols)
        solid |= bool(runs.max() >= 0.7 * cols)
    if dashed and share >= 0.5:
        return "dashed"
    if solid and share >= 0.4:
        return "solid"
    return None
