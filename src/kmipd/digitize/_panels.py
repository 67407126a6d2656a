"""Figures of several plot panels side by side or stacked (a paper's "A" and "B").

Each panel is an L of dark axis lines, or, in a frameless style with no
axis lines anywhere, a block of rows and columns that faint grid lines run
through; panels are about the same size as the largest (a risk table in a
box or a grid of its own is smaller). The image is cut between neighbouring
panels along the widest blank band between them, so that each cell keeps
its panel's tick labels, legend and numbers at risk.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy.ndimage import binary_closing

from kmipd.digitize._frame import CROSSING, corner_score, faint_mask
from kmipd.digitize._image import Measures, UInt8Array, measure
from kmipd.digitize._lines import Box, find_lines, longest_run, true_runs
from kmipd.errors import InputError

__all__ = [
    "PanelChoice",
    "check_panel",
    "choose_panel",
    "find_panels",
    "in_original",
    "panel_crop",
]

FloatArray = npt.NDArray[np.float64]
_SHORTEST = 0.15  # shortest axis line looked for, as a share of the image's side
_ALIKE = 0.6  # a panel's width and height are at least this share of the largest panel's
_NOISE = 1 / 3  # see ``_spans``
_DARK = 0.3  # ink from which a pixel is dark (axis lines, text)


def _corners(ink: FloatArray, chroma: FloatArray) -> list[Box]:
    """Boxes (top, left, bottom, right) of every bottom-left corner of dark axis lines."""
    rows, cols = ink.shape
    dark = (ink >= _DARK) & (chroma < 0.25)
    hl = find_lines(dark, max(20, int(_SHORTEST * cols)), True)
    vl = find_lines(dark, max(20, int(_SHORTEST * rows)), False)
    boxes = []
    for v in vl:
        for h in hl:
            if corner_score(v, h, rows, cols) > 0:
                boxes.append((v.start, round(v.position), round(h.position), h.end))
    return boxes


def _spans(counts: npt.NDArray[np.int64], shortest: float) -> list[tuple[int, int]]:
    """Runs (first, last + 1) of at least ``shortest`` places that grid lines run through,
    gaps of up to ``CROSSING`` closed (curves and marks cut grid lines).

    A place is in a run where its count is at least 3 and a third of the
    median count of such places (JPEG noise leaves a few faint pixels in the
    gutters between panels).
    """
    some = counts[counts >= 3]
    least = max(3.0, _NOISE * float(np.median(some))) if some.size else 3.0
    filled = binary_closing(np.pad(counts >= least, CROSSING), np.ones(CROSSING + 1))
    runs = true_runs(filled[CROSSING:-CROSSING])
    return [(int(a), int(b)) for a, b in runs if b - a >= shortest]


def _grids(ink: FloatArray, chroma: FloatArray) -> list[Box]:
    """Boxes (top, left, bottom, right) of frameless panels: the blocks of rows and of
    columns that faint grid lines run through (horizontal grid lines mark every column
    of their panel, vertical ones every row)."""
    faint = faint_mask(ink, chroma)
    rows, cols = faint.shape
    across = _spans(faint.sum(axis=0), _SHORTEST * cols)
    down = _spans(faint.sum(axis=1), _SHORTEST * rows)
    boxes = [(r0, c0, r1 - 1, c1 - 1) for r0, r1 in down for c0, c1 in across]
    return [b for b in boxes if _ruled(faint[b[0] : b[2] + 1, b[1] : b[3] + 1])]


def _ruled(faint: npt.NDArray[np.bool_]) -> bool:
    """Whether a box holds two faint lines across half its width at least (grid lines,
    not the faint edges JPEG leaves around text and curves)."""
    return len(true_runs(faint.mean(axis=1) >= 0.5)) >= 2


def _overlap(a: Box, b: Box) -> bool:
    """Whether two boxes (top, left, bottom, right) share any pixel."""
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def _distinct(boxes: list[Box]) -> list[Box]:
    """The largest boxes that do not overlap, each about as large as the largest."""

    def area(b: Box) -> int:
        return (b[2] - b[0]) * (b[3] - b[1])

    kept: list[Box] = []
    for box in sorted(boxes, key=area, reverse=True):
        if not any(_overlap(box, k) for k in kept):
            kept.append(box)
    if not kept:
        return []
    tall = max(b[2] - b[0] for b in kept)
    wide = max(b[3] - b[1] for b in kept)
    return [b for b in kept if b[2] - b[0] >= _ALIKE * tall and b[3] - b[1] >= _ALIKE * wide]


def _reading_order(boxes: list[Box]) -> list[Box]:
    """Boxes by rows of panels (top to bottom), each row left to right."""
    left = sorted(boxes, key=lambda b: b[0])
    lines: list[list[Box]] = []
    for box in left:
        for line in lines:
            if box[0] <= line[0][2] and line[0][0] <= box[2]:  # rows of the panels overlap
                line.append(box)
                break
        else:
            lines.append([box])
    return [b for line in lines for b in sorted(line, key=lambda b: b[1])]


def _cut(profile: npt.NDArray[np.int64], start: int) -> int:
    """Index (offset by ``start``) in the middle of the longest blank run of ``profile``."""
    first, last = longest_run(profile == 0)
    if last < first:
        return start + int(np.argmin(profile))
    return start + (first + last + 1) // 2


def _cells(boxes: list[Box], dark: npt.NDArray[np.bool_]) -> list[Box]:
    """Crop box (row0, col0, row1, col1) of each panel: cut midway in the widest blank
    between it and each neighbour to its left, right, top and bottom.

    Side by side, the blank must run from the panels' top to the image's foot
    (the numbers at risk under them); stacked, across the image's width.
    """
    rows, cols = dark.shape
    cells = []
    for p in boxes:
        row0, col0, row1, col1 = 0, 0, rows, cols
        for q in boxes:
            side_by_side = q[0] <= p[2] and p[0] <= q[2]
            over = q[1] <= p[3] and p[1] <= q[3]
            if side_by_side and q is not p:
                lo, hi = (q, p) if q[1] < p[1] else (p, q)
                band = dark[min(p[0], q[0]) :, lo[3] + 1 : hi[1]]
                if band.shape[1] > 0:
                    cut = _cut(band.sum(axis=0), lo[3] + 1)
                    col0, col1 = (max(col0, cut), col1) if q is lo else (col0, min(col1, cut))
            elif over and q is not p:
                lo, hi = (q, p) if q[0] < p[0] else (p, q)
                band = dark[lo[2] + 1 : hi[0]]
                if band.shape[0] > 0:
                    cut = _cut(band.sum(axis=1), lo[2] + 1)
                    row0, row1 = (max(row0, cut), row1) if q is lo else (row0, min(row1, cut))
        cells.append((row0, col0, row1, col1))
    return cells


def find_panels(image: UInt8Array, measured: Measures | None = None) -> list[Box]:
    """Where each plot panel of a figure is, with the labels and tables around it.

    Parameters
    ----------
    image : ndarray of uint8, shape (rows, cols, 3)
    measured : Measures, optional
        ``measure(image)``, if already done.

    Returns
    -------
    list of tuple of int
        One ``(row0, col0, row1, col1)`` crop box (half-open, in the image's
        pixels) per panel, in reading order (rows of panels top to bottom,
        each left to right); empty when the figure has fewer than two panels.
    """
    got = measure(image) if measured is None else measured
    ink, chroma = got.ink, got.chroma
    corners = _corners(ink, chroma)
    boxes = _distinct(corners)
    if not corners:  # frameless panels (grid lines, no axis lines)
        boxes = _distinct(_grids(ink, chroma))
    if len(boxes) < 2:
        return []
    return _cells(_reading_order(boxes), ink >= _DARK)


def check_panel(panel: int | None) -> int | None:
    """``panel`` checked to be a whole number from 1 (or None).

    Raises
    ------
    InputError
        If it is not.
    """
    if panel is not None and (isinstance(panel, bool) or not isinstance(panel, int) or panel < 1):
        raise InputError(f"panel must be a whole number from 1; got {panel!r}")
    return panel


@dataclass(frozen=True)
class PanelChoice:
    """The plot panel to read.

    Attributes
    ----------
    box : tuple of int or None
        ``(row0, col0, row1, col1)`` to cut out; None when the figure has one
        panel (read it as it is).
    panel, panels : int
        The panel's number (from 1, in reading order) and how many there are.
    notes : tuple of str
        A warning naming the panel read and how many there are.
    """

    box: Box | None
    panel: int = 1
    panels: int = 1
    notes: tuple[str, ...] = ()


def choose_panel(
    image: UInt8Array, panel: int | None, name: str, measured: Measures | None = None
) -> PanelChoice:
    """Plot panel ``panel`` (default the first) of ``image``.

    Parameters
    ----------
    image : ndarray of uint8, shape (rows, cols, 3)
        The figure (already cut to any crop the user gave).
    panel : int or None
        Panel asked for, from 1 in reading order; None for the first.
    name : str
        The figure's name, for messages.
    measured : Measures, optional
        ``measure(image)``, if already done.

    Returns
    -------
    PanelChoice
        Its box in ``image``'s pixels.

    Raises
    ------
    InputError
        If the figure has no panel ``panel``.
    """
    cells = find_panels(image, measured)
    count = max(1, len(cells))
    if panel is not None and panel > count:
        raise InputError(
            f"{name} has {count} plot panel{'s' if count > 1 else ''}; there is no panel {panel} "
            f"(give a panel from 1 to {count}, or cut the figure with --crop)"
        )
    if not cells:
        return PanelChoice(None)
    chosen = panel or 1
    box = cells[chosen - 1]
    note = (
        f"{name} holds {count} plot panels; panel {chosen} (rows {box[0]}-{box[2]}, "
        f"columns {box[1]}-{box[3]}) was read"
    )
    if panel is None:
        others = "2" if count == 2 else f"2 to {count}"
        note += f"; read panel {others} with --panel (panel= in Python)"
    return PanelChoice(box, chosen, count, (note,))


def panel_crop(image: npt.ArrayLike, crop: Box | None, panel: int | None, name: str) -> PanelChoice:
    """``crop`` narrowed to plot panel ``panel`` of ``image`` if it holds several.

    Parameters
    ----------
    image : array_like of uint8, shape (rows, cols, 3)
        The whole figure rendered (a PDF page, an SVG).
    crop : tuple of int or None
        ``(row0, col0, row1, col1)`` the user gave, in ``image``'s pixels.
    panel, name
        As for :func:`choose_panel`.

    Returns
    -------
    PanelChoice
        Its box in ``image``'s pixels: the panel's, or ``crop`` itself for a
        figure of one panel.
    """
    from kmipd.digitize._image import load_image

    part = load_image(np.asarray(image, dtype=np.uint8), crop=crop)
    choice = choose_panel(part.image, panel, name)
    box = crop if choice.box is None else in_original(choice.box, part.offset, part.scale)
    return replace(choice, box=box)


def in_original(box: Box, offset: tuple[int, int], scale: float) -> Box:
    """``box`` in a loaded image's pixels (see ``LoadedImage``) in the original's pixels."""
    r0, c0 = offset
    return (
        r0 + int(np.floor(box[0] / scale)),
        c0 + int(np.floor(box[1] / scale)),
        r0 + int(np.ceil(box[2] / scale)),
        c0 + int(np.ceil(box[3] / scale)),
    )
