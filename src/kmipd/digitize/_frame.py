"""The plot panel: its axis lines (or, without them, its grid lines) and its box."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from kmipd.digitize._lines import Line, bridge_gaps, find_lines, longest_run

__all__ = [
    "CROSSING",
    "Frame",
    "corner_score",
    "faint_mask",
    "fill_colour",
    "find_frame",
    "is_filled",
    "panel_box",
    "with_grid_lines",
]

FloatArray = npt.NDArray[np.float64]
_FOOT_GAP = 0.15  # share of the height the y axis line may stop short of the x axis
_FILLED = 0.6  # share of a row (column) of a filled panel that is ink, over a third of the image
_COVERED = 0.75  # share of a filled panel that is ink, at the least (white grid lines the rest)
_FILL_SHARE = 0.3  # share of a filled panel its light grey fill shows, at the least
_FAINTEST = 0.03  # ink of a panel's light fill, at the least
_THIRD = 1 / 3  # a filled panel spans at least this share of the image each way
_GRID_GAP = 0.012  # share of the side a grid line across a filled panel may empty of fill
_EDGE_SHARE = 0.5  # a filled panel's end row (column) is covered at least this much of its median
CROSSING = 12  # pixels of a faint grid line a crossing curve or mark may hide (bridged)


@dataclass(frozen=True)
class Frame:
    """Where the plot panel is.

    Attributes
    ----------
    top, left, bottom, right : float
        Panel box in pixels; ``left`` and ``bottom`` are the axis line centres
        when there are axis lines.
    x_line, y_line : Line or None
        The horizontal (x) and vertical (y) axis lines, if drawn.
    lines : tuple of Line
        Axis lines and panel borders, to mask out (long dark lines inside the
        panel may be curves and are not listed).
    kind : str
        ``"axes"`` (an L of axis lines), ``"grid"`` (frameless, from grid lines),
        ``"fill"`` (frameless, on a grey fill, as ggplot2's default theme draws)
        or ``"none"``.
    faint : tuple of Line
        Faint grid lines: their faint pixels are masked out, not the curves,
        marks and letters drawn over them.
    """

    top: float
    left: float
    bottom: float
    right: float
    x_line: Line | None
    y_line: Line | None
    lines: tuple[Line, ...]
    kind: str
    faint: tuple[Line, ...] = ()


def corner_score(v: Line, h: Line, rows: int, cols: int, foot: float = 0.0) -> float:
    """Product of lengths if ``v`` and ``h`` meet as a bottom-left corner, else 0.

    With ``foot`` (a share of the height) the y axis may stop that far short
    of the x axis. The x axis may start a little left or right of the y axis:
    GraphPad Prism sets the axes off from each other.
    """
    slack_c = 3 + v.thickness + 0.03 * cols
    slack_r = 3 + h.thickness + 0.03 * rows
    short = 3 + h.thickness + foot * rows
    if not (v.position - slack_c <= h.start <= v.position + slack_c):
        return 0.0
    if not (h.position - short <= v.end <= h.position + slack_r):
        return 0.0
    if v.start >= h.position - 10 or h.end <= v.position + 10:
        return 0.0
    return float(v.length * h.length)


def _axes_frame(hl: list[Line], vl: list[Line], shape: tuple[int, int]) -> Frame | None:
    """The panel of the longest bottom-left corner of axis lines, if any."""
    rows, cols = shape
    best, pair = 0.0, None
    # a number printed over the foot of the y axis (a table inside the panel, in colour)
    # breaks the line there; only when no corner meets may the foot stop short, and then
    # the x axis is the line nearest below it (not a longer rule further down)
    for foot in (0.0, _FOOT_GAP):
        for v in vl:
            below = [h for h in hl if corner_score(v, h, rows, cols, foot) > 0]
            if foot and below:
                below = [min(below, key=lambda h: h.position)]
            for h in below:
                score = corner_score(v, h, rows, cols, foot)
                if score > best:
                    best, pair = score, (v, h)
        if pair is not None:
            break
    if pair is None:
        return None
    v, h = pair
    top, right = float(v.start), float(h.end)
    borders = [h, v]
    for line in hl:  # a full frame: the top border (curves at 1 may hide its left part)
        aligned = abs(line.start - h.start) < 6 or (
            abs(line.end - h.end) < 6 and line.length >= 0.5 * h.length
        )
        if line is not h and aligned and abs(line.position - v.start) < 6:
            top = min(top, line.position)
            borders.append(line)
    for line in vl:  # and the right border
        if line is not v and abs(line.position - h.end) < 6 and abs(line.end - h.position) < 6:
            borders.append(line)
    return Frame(top, v.position, h.position, right, h, v, tuple(borders), "axes")


def _reach(faint: npt.NDArray[np.bool_], lines: list[Line]) -> tuple[float, float]:
    """Median first and last pixel of each grid line's ink, bridging gaps (cut by curves)."""
    firsts, lasts = [], []
    for line in lines:
        k = round(line.position)
        profile = faint[k] if line.horizontal else faint[:, k]
        # a run of three faint pixels is grid line; a lone one can be a label's blur
        runs = np.convolve(profile.astype(int), np.ones(3, dtype=int), mode="same") >= 3
        hits = np.flatnonzero(runs)
        gap = 0.08 * profile.size
        first, last = line.start, line.end
        for hit in hits[: np.searchsorted(hits, first)][::-1]:  # below the start, nearest first
            if hit < first - gap:
                break
            first = int(hit)
        for hit in hits[np.searchsorted(hits, last, side="right") :]:
            if hit > last + gap:
                break
            last = int(hit)
        firsts.append(first)
        lasts.append(last)
    return float(np.median(firsts)), float(np.median(lasts))


def _grid_frame(hl: list[Line], vl: list[Line], faint: npt.NDArray[np.bool_]) -> Frame | None:
    """The panel spanned by faint grid lines, for frameless styles.

    Curves cut grid lines; the panel edge is where the grid lines' ink begins
    and ends along their whole column (row), not where the long segments do,
    and no nearer the middle than the outermost grid lines.
    """
    if len(hl) < 2 or len(vl) < 2:
        return None
    top, bottom = _reach(faint, vl)
    left, right = _reach(faint, hl)
    # the panel holds its grid lines (a line's ink cut short by curves at S = 1 can
    # leave the median reach inside the outermost lines): those that cross the others
    # (a risk table drawn as a panel of its own has grid lines beyond them)
    rows = [
        h.position for h in hl if min(v.start for v in vl) <= h.position <= max(v.end for v in vl)
    ]
    cols = [
        v.position for v in vl if min(h.start for h in hl) <= v.position <= max(h.end for h in hl)
    ]
    top, bottom = min([top, *rows]), max([bottom, *rows])
    left, right = min([left, *cols]), max([right, *cols])
    if bottom - top < 20 or right - left < 20:
        return None
    return Frame(top, left, bottom, right, None, None, (), "grid", tuple(hl + vl))


def _long(lines: list[Line], fraction: float) -> list[Line]:
    """Lines at least ``fraction`` as long as the longest."""
    if not lines:
        return []
    longest = max(line.length for line in lines)
    return [line for line in lines if line.length >= fraction * longest]


def faint_mask(ink: FloatArray, chroma: FloatArray) -> npt.NDArray[np.bool_]:
    """Pixels of faint grey lines (grid lines), away from strong or coloured ink.

    Parameters
    ----------
    ink, chroma : ndarray of float, shape (rows, cols)
        As for :func:`find_frame`.

    Returns
    -------
    ndarray of bool, shape (rows, cols)
    """
    import cv2

    strong = ((ink >= 0.3) | (chroma >= 0.08)).astype(np.uint8)
    near_strong = cv2.dilate(strong, np.ones((5, 5), np.uint8)).astype(bool)
    return (ink >= 0.025) & (ink < 0.3) & (chroma < 0.08) & ~near_strong


def find_frame(ink: FloatArray, chroma: FloatArray, *, thin_axes: bool = False) -> Frame:
    """Find the plot panel from its axis lines, or from grid lines if it has none.

    Parameters
    ----------
    ink : ndarray of float, shape (rows, cols)
        Ink strength in [0, 1] (difference from the background).
    chroma : ndarray of float, shape (rows, cols)
        Colourfulness in [0, 1] (max minus min channel).
    thin_axes : bool, optional
        When no axis lines are found, look again for fainter ones (a JPEG
        shrunk so far that one-pixel axis lines are light grey).

    Returns
    -------
    Frame
        ``kind == "none"`` (with the whole image as box) when nothing was found.
    """
    rows, cols = ink.shape
    frame = None
    for level in (0.3, 0.2) if thin_axes else (0.3,):
        dark = (ink >= level) & (chroma < 0.25)
        hl = find_lines(dark, int(0.25 * cols), True)
        vl = find_lines(dark, int(0.2 * rows), False)
        frame = _axes_frame(hl, vl, (rows, cols))
        if frame is not None:
            break
    faint = faint_mask(ink, chroma)
    fh, fv = _faint_lines(faint)
    if frame is not None:
        return replace(frame, faint=tuple(fh + fv))
    filled = _fill_frame(ink, chroma)  # before the grid: a fill's edges look like grid lines
    if filled is not None:
        return filled
    grid = _grid_frame(_long(fh, 0.8), _long(fv, 0.8), faint)
    if grid is not None:
        return replace(grid, faint=tuple(fh + fv))
    return Frame(0.0, 0.0, float(rows - 1), float(cols - 1), None, None, (), "none", tuple(fh + fv))


def _faint_lines(faint: npt.NDArray[np.bool_]) -> tuple[list[Line], list[Line]]:
    """Horizontal and vertical faint lines (grid lines) of a mask of faint pixels."""
    rows, cols = faint.shape
    return (
        find_lines(faint, int(0.25 * cols), True, CROSSING),
        find_lines(faint, int(0.2 * rows), False, CROSSING),
    )


def with_grid_lines(frame: Frame, ink: FloatArray, chroma: FloatArray) -> Frame:
    """``frame`` with the faint grid lines of ``ink`` (a filled panel made white: grid
    lines darker than its fill, as matplotlib's ``bmh`` style draws them, are left)."""
    fh, fv = _faint_lines(faint_mask(ink, chroma))
    return replace(frame, faint=tuple(fh + fv))


def _fill_frame(ink: FloatArray, chroma: FloatArray) -> Frame | None:
    """The panel of a plot drawn on a light grey fill without axis lines (ggplot2's default
    grey theme, white grid lines on it): the block of rows and columns the fill covers.

    The block is ink of some kind (the fill, or bands, curves and marks over
    it) over at least ``_THIRD`` of the image's side each way, with a grid
    line drawn on whole pixels (a white gap) of up to ``_GRID_GAP`` of the
    side bridged; see :func:`is_filled` for what must fill it.
    """
    covered = (ink >= _FAINTEST).astype(float)
    rows, cols = ink.shape
    across = bridge_gaps((covered.mean(axis=1) >= _FILLED * _THIRD)[:, None], _gap(rows), False)
    down = bridge_gaps((covered.mean(axis=0) >= _FILLED * _THIRD)[None, :], _gap(cols), True)
    top, bottom = _trimmed(covered.mean(axis=1), *longest_run(across[:, 0]))
    left, right = _trimmed(covered.mean(axis=0), *longest_run(down[0]))
    if bottom - top < _THIRD * rows or right - left < _THIRD * cols:
        return None
    frame = Frame(float(top), float(left), float(bottom), float(right), None, None, (), "fill")
    return frame if is_filled(frame, ink, chroma) else None


def _trimmed(share: FloatArray, first: int, last: int) -> tuple[int, int]:
    """The run ``first``..``last`` (inclusive) of rows or columns less the ends covered
    under half as much as its median (``share``: each one's covered share).

    Beside the panel, tick labels and the haze a JPEG leaves around them can
    cover a fifth of a column too; enlarged, such columns join the panel
    across the gap the bridging of grid lines spans.
    """
    if last < first:
        return first, last
    least = _EDGE_SHARE * float(np.median(share[first : last + 1]))
    while first < last and share[first] < least:
        first += 1
    while last > first and share[last] < least:
        last -= 1
    return first, last


def is_filled(frame: Frame, ink: FloatArray, chroma: FloatArray) -> bool:
    """Whether the panel box is drawn on a light grey fill.

    Most of the box is ink (``_COVERED``: white grid lines are the rest), and
    the fill's own light grey is at least ``_FILL_SHARE`` of it (confidence
    bands, curves and marks over it the rest).
    """
    box = panel_box(frame)
    return bool(
        (ink[box] >= _FAINTEST).mean() >= _COVERED
        and _fill_pixels(ink[box], chroma[box]).mean() >= _FILL_SHARE
    )


def panel_box(frame: Frame) -> tuple[slice, slice]:
    """The panel box's rows and columns, as slices."""
    top, left = max(0, int(frame.top)), max(0, int(frame.left))
    return slice(top, int(frame.bottom) + 1), slice(left, int(frame.right) + 1)


def fill_colour(
    image: npt.NDArray[np.uint8], frame: Frame, ink: FloatArray, chroma: FloatArray
) -> npt.NDArray[np.uint8]:
    """The colour of a filled panel (see :func:`is_filled`): its fill pixels' median."""
    box = panel_box(frame)
    fill = _fill_pixels(ink[box], chroma[box])
    return np.median(image[box][fill], axis=0).round().astype(np.uint8)


def _fill_pixels(ink: FloatArray, chroma: FloatArray) -> npt.NDArray[np.bool_]:
    """Pixels that may be a panel's light grey fill."""
    return (ink >= _FAINTEST) & (ink < 0.25) & (chroma < 0.05)


def _gap(side: int) -> int:
    """Widest break in a filled panel's run of rows or columns bridged (a grid line); even,
    so that the closing's kernel has a centre and moves no edge."""
    return 2 * max(2, round(_GRID_GAP * side / 2))
