"""Trace every curve colour of the panel, and map traces to survival curves."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._inline import inside
from kmipd.digitize._legend import LegendEntry
from kmipd.digitize._lines import Box
from kmipd.digitize._scene import Scene
from kmipd.digitize._stacked import split_pairs, stacked_ink
from kmipd.digitize._text import Word, read_words
from kmipd.digitize._trace import Path, Trace, arm_path, trace_arm
from kmipd.types import Curve, valid_precision

__all__ = [
    "is_rising",
    "legend_mask",
    "off_the_panel",
    "panel_slices",
    "text_mask",
    "to_curve",
    "trace_all",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_TEXT_HEIGHT = (0.6, 1.6)  # heights of a word of text, in tick-label heights
_TEXT_WIDTH = 1.2  # a word of text is at least this many times as wide as tall
_INKED = 0.3  # ink strength of a pixel that is part of a stroke
_RULE_SHARE = 0.9  # share of a word's width inked along one row that makes it a dashed line
_MOST_CANDIDATES = 40  # words inside the panel read at most
_STROKE_LIKE = "1lIiTtHhLJj"  # characters a dash, tick or cross may be read as
_TEXT_CONFIDENCE = 0.6
_FRAME_REACH = 2.0  # a legend's frame lies within this many text heights of its words


def legend_mask(ink: FloatArray, entries: list[LegendEntry]) -> BoolArray:
    """Pixels of legend keys and labels, and of a box framing them (to keep them out of
    the curves)."""
    mask = np.zeros(ink.shape, dtype=bool)
    for entry in entries:
        for word in (entry.swatch.word, *entry.words):
            mask[max(0, word.row0 - 2) : word.row1 + 2, max(0, word.col0 - 2) : word.col1 + 2] = (
                True
            )
    words = [w for e in entries for w in (e.swatch.word, *e.words)]
    return mask | _legend_frame(ink, words) if words else mask


def _legend_frame(ink: FloatArray, words: list[Word]) -> BoolArray:
    """Pixels of a box drawn round a legend's keys and labels (matplotlib's classic
    style frames its legend in black, the colour of a black arm).

    A box is dark rows above and below the words, inked across their width,
    and dark columns left and right of them, inked down their height, all
    within ``_FRAME_REACH`` text heights; without all four sides it is none.
    """
    mask = np.zeros(ink.shape, dtype=bool)
    r0, r1 = min(w.row0 for w in words), max(w.row1 for w in words)
    c0, c1 = min(w.col0 for w in words), max(w.col1 for w in words)
    reach = int(_FRAME_REACH * float(np.median([w.height for w in words]))) + 2
    dark = ink >= _INKED
    rows, cols = ink.shape

    def full(lines: range, across: bool) -> list[int]:
        share = [dark[k, c0:c1].mean() if across else dark[r0:r1, k].mean() for k in lines]
        return [k for k, v in zip(lines, share, strict=True) if v >= _RULE_SHARE]

    left = full(range(max(0, c0 - reach), c0), False)
    right = full(range(c1, min(cols, c1 + reach)), False)
    if not right:  # text past the box (a label run into a note beside it): the frame cuts it
        inside = full(range(c0 + 1, c1), False)
        right = [k for k in inside if not any(w.col0 <= k < w.col1 for w in words)][-1:]
        c1 = right[0] if right else c1
    top = full(range(max(0, r0 - reach), r0), True)
    bottom = full(range(r1, min(rows, r1 + reach)), True)
    if not (top and bottom and left and right):
        return mask
    rows_in = slice(max(0, top[0] - 1), bottom[-1] + 2)
    cols_in = slice(max(0, left[0] - 1), right[-1] + 2)
    for k in top + bottom:
        mask[max(0, k - 1) : k + 2, cols_in] = True
    for k in left + right:
        mask[rows_in, max(0, k - 1) : k + 2] = True
    return mask


def text_mask(scene: Scene, ticks: list[Word]) -> BoolArray:
    """Pixels of words of text inside the panel (hazard-ratio boxes, names beside curves).

    Candidates are word boxes about as tall as the tick labels and wider than
    tall (several glyphs, not a lone censor mark). A dashed
    curve with its censor marks can look like that too, so a candidate
    counts only when no row of it is inked nearly across (dashes) and the
    recogniser reads at least two letters or digits in it that no stroke or
    cross makes, or it has one such letter beside such a word. Solid curves
    are long connected strokes and never split into words.
    """
    mask = np.zeros(scene.ink.shape, dtype=bool)
    heights = [w.height for w in ticks]
    if not heights:
        return mask
    tall = float(np.median(heights))
    candidates = [
        word
        for word in scene.words
        if inside(word, scene)
        and _TEXT_HEIGHT[0] * tall <= word.height <= _TEXT_HEIGHT[1] * tall
        and word.width >= _TEXT_WIDTH * word.height
        and not _has_rule(scene.ink[word.row0 : word.row1, word.col0 : word.col1])
    ][:_MOST_CANDIDATES]
    if not candidates:
        return mask
    read = read_words(scene.grey, scene.image, candidates)
    text = [
        word.confidence >= _TEXT_CONFIDENCE
        and len([ch for ch in word.text if ch.isalnum() and ch not in _STROKE_LIKE]) >= 2
        for word in read
    ]
    sure = list(text)
    for i, word in enumerate(read):  # a short word ("HR") beside a sure word of text is text
        letters = [ch for ch in word.text if ch.isalnum() and ch not in _STROKE_LIKE]
        beside = any(t and _same_line(word, read[j]) for j, t in enumerate(sure))
        text[i] = text[i] or (beside and bool(letters))
    for word, is_text in zip(read, text, strict=True):
        if is_text:
            mask[word.row0 - 1 : word.row1 + 1, word.col0 - 1 : word.col1 + 1] = True
    return mask


def _same_line(a: Word, b: Word) -> bool:
    """Whether two words sit side by side on one line of text."""
    overlap = min(a.row1, b.row1) - max(a.row0, b.row0)
    gap = max(a.col0, b.col0) - min(a.col1, b.col1)
    height = max(a.height, b.height)
    return overlap >= 0.5 * min(a.height, b.height) and gap <= 1.5 * height


def _has_rule(box: FloatArray) -> bool:
    """Whether one row of a box is inked across nearly all of its width (a dashed line)."""
    inked = box >= _INKED
    return bool(box.size) and float(np.max(np.mean(inked, axis=1))) >= _RULE_SHARE


def is_rising(coverage: FloatArray, first_row: int = 0) -> bool:
    """Whether the ink climbs from left to right (a cumulative incidence curve); ``first_row``:
    the image row of ``coverage``'s first (a crop's)."""
    inked = coverage >= 0.25
    cols = np.flatnonzero(inked.any(axis=0))
    if cols.size < 20:
        return False
    rows = np.arange(first_row, first_row + coverage.shape[0])[:, None]
    mean_row = (rows * inked).sum(axis=0)[cols] / inked.sum(axis=0)[cols]
    k = max(3, cols.size // 10)
    return bool(np.median(mean_row[-k:]) < np.median(mean_row[:k]) - 3.0)


def _fallback(traces: dict[int, Trace], skip: int, cols: int) -> FloatArray | None:
    """Per column, the level of the other traced curves (the topmost where several)."""
    levels = np.full(cols, np.nan)
    for k, trace in traces.items():
        if k == skip:
            continue
        span = slice(trace.first_col, trace.last_col + 1)
        levels[span] = np.fmin(levels[span], trace.column_rows)
    return levels if np.isfinite(levels).any() else None


def _pen(traces: dict[int, Trace], skip: int) -> float:
    """Thickest pen of the other traced curves (0 if none)."""
    return max((trace.thickness for k, trace in traces.items() if k != skip), default=0.0)


def _restacked(
    labels: npt.NDArray[np.int_], traces: dict[int, Trace], pairs: list[tuple[int, int]]
) -> npt.NDArray[np.int_]:
    """``labels`` with ink of each split pair's solid colour that is the broken curve's
    given to the broken one (see `kmipd.digitize._stacked`)."""
    out = labels
    for solid, broken in pairs:
        if solid in traces and broken in traces:
            moved = stacked_ink(labels, solid, broken, traces[solid], traces[broken])
            if moved.any():
                out = out.copy() if out is labels else out
                out[moved] = broken
    return out


def _crop_box(box: Box, row0: int, col0: int, rows: int, flip: bool) -> Box:
    """An image box in the coordinates of a crop (flipped upside down if ``flip``)."""
    top, left, bottom, right = box[0] - row0, box[1] - col0, box[2] - row0, box[3] - col0
    if flip:
        top, bottom = rows - bottom, rows - top
    return top, left, bottom, right


def _moved(trace: Trace, row0: int, col0: int, rows: int, flip: bool) -> Trace:
    """A trace of a crop (flipped upside down if ``flip``) in image coordinates."""
    tr, cr = trace.rows, trace.column_rows
    if flip:
        tr, cr = rows - 1 - tr, rows - 1 - cr
    return Trace(
        trace.cols + col0,
        tr + row0,
        trace.thickness,
        trace.first_col + col0,
        trace.last_col + col0,
        trace.filled_fraction,
        cr + row0,
        trace.bridged_fraction,
    )


def panel_slices(scene: Scene) -> tuple[slice, slice]:
    """Rows and columns of the panel (with a pixel to spare): every labelled pixel's."""
    f = scene.frame
    rows, cols = scene.ink.shape
    return (
        slice(max(0, int(f.top) - 1), min(rows, int(np.ceil(f.bottom)) + 2)),
        slice(max(0, int(f.left) - 1), min(cols, int(np.ceil(f.right)) + 2)),
    )


def trace_all(
    scene: Scene, hide: BoolArray, rising: bool = False, covers: tuple[Box, ...] = ()
) -> dict[int, Trace]:
    """A trace for every curve colour with ink spanning at least a tenth of the panel.

    Curves are traced twice: the second time, columns where a curve is hidden
    are filled from the curves traced over it.

    Parameters
    ----------
    scene : Scene
    hide : ndarray of bool, shape (rows, cols)
        Pixels to ignore (legend inside the panel).
    rising : bool, optional
        Trace curves that climb (cumulative incidence) by flipping the image.
    covers : tuple of tuple of int, optional
        ``(row0, col0, row1, col1)`` image boxes drawn over the curves (inset
        plots, also in ``hide``): curves are bridged straight across them.

    Returns
    -------
    dict of int to Trace
        By colour index, in image coordinates.
    """
    rs, cs = panel_slices(scene)
    labels = np.where(hide[rs, cs], -1, scene.labels[rs, cs])
    coverage = np.where(hide[rs, cs], 0.0, scene.coverage[rs, cs])
    if rising:
        labels, coverage = labels[::-1], coverage[::-1]
    strong = coverage >= 0.25
    rows = coverage.shape[0]
    crop_covers = tuple(_crop_box(box, rs.start, cs.start, rows, rising) for box in covers)
    width = scene.frame.right - scene.frame.left
    traces: dict[int, Trace] = {}
    paths: dict[int, tuple[BoolArray, Path]] = {}  # the first pass's, by colour
    for second in (False, True):
        if second:  # a broken curve lost in the solid one's ink: given that ink back
            labels = _restacked(labels, traces, split_pairs(scene.colours, scene.styles))
        found = {}
        for k in range(len(scene.colours)):
            mine = labels == k
            ink = np.where(mine, coverage, 0.0)
            if second and np.array_equal(paths[k][0], mine):  # the same ink: the same path
                path = paths[k][1]
            else:
                path = arm_path(ink, strong & ~mine)
                paths[k] = (mine, path)
            fallback = _fallback(traces, k, coverage.shape[1]) if traces else None
            trace = trace_arm(
                ink,
                strong & ~mine,
                0,
                fallback,
                pen=_pen(traces, k),
                covers=crop_covers,
                path=path,
            )
            if trace is not None and trace.last_col - trace.first_col >= 0.1 * width:
                found[k] = trace
        traces = found
    return {k: _moved(t, rs.start, cs.start, coverage.shape[0], rising) for k, t in traces.items()}


def to_curve(
    trace: Trace,
    x: AxisCalibration,
    y: AxisCalibration,
    name: str,
    rising: bool = False,
    warnings: list[str] | None = None,
) -> Curve:
    """Map a pixel trace through the calibration to a survival curve.

    Times below 0 are set to 0 and survival is clipped to [0, 1]; a rising
    (cumulative incidence) curve ``F`` is returned as ``1 - F``. A curve whose
    start is hidden (under another curve or the frame) is taken to start at
    survival 1 at time 0 (with a warning if more than 2 % of the axis is hidden
    and the first visible survival is below 0.9). A curve the tracer took
    along another curve before it is seen on its own (see ``_trace``) is
    warned about on the same terms. A last drop that ends
    within a pen width of 0 ends at 0 (the axis hides its foot).

    The curve is given at every whole pixel column along its flat stretches
    as well as at its step corners: the resolution it was read at, as a
    digitizer's export at a regular step gives it. The points added lie on
    the step function the corners define.
    """
    cols, rows = every_column(trace.cols, trace.rows)
    time = np.maximum(x.value(cols), 0.0)
    value = y.value(rows) / (100.0 if y.percent else 1.0)
    survival = np.clip(1.0 - value if rising else value, 0.0, 1.0)
    pixel = abs(y.slope) / (100.0 if y.percent else 1.0)  # one row, as survival
    if cols.size >= 2 and cols[-1] == cols[-2]:
        # a last drop whose foot is within a pen width of 0 is hidden by the axis: it is to 0
        if survival[-1] <= trace.thickness * pixel:
            survival[-1] = 0.0
    span = max(float(time[-1]), 1e-9) if time.size else 1.0
    unseen = float(x.value(float(trace.first_col))) - float(time[0]) if time.size else 0.0
    seen_at = np.searchsorted(time, time[0] + unseen) if time.size else 0
    low = bool(time.size) and survival[min(seen_at, time.size - 1)] < 0.9
    if unseen > 0.02 * span and low and warnings is not None:
        warnings.append(
            f"arm {name!r}: the curve is not seen apart from another before time "
            f"{time[0] + unseen:.4g}; taken to run along it there"
        )
    if time.size and time[0] > 0:
        if time[0] <= 0.005 * span:
            time[0] = 0.0
        else:
            if time[0] > 0.02 * span and survival[0] < 0.9 and warnings is not None:
                warnings.append(
                    f"arm {name!r}: the curve is hidden before time {time[0]:.4g}; "
                    "taken to start at survival 1"
                )
            time = np.concatenate(([0.0, time[0]], time))
            survival = np.concatenate(([1.0, 1.0], survival))
    precision = pixel if valid_precision(pixel) else None  # a sane y axis spans many pixels
    return Curve(time=time, survival=survival, arm=name, precision=precision)


def off_the_panel(
    curve: Curve, y: AxisCalibration, rows: tuple[float, float], rising: bool, pen: float
) -> str | None:
    """A warning when the curve runs out through the panel's floor (or, rising, its ceiling).

    A y axis cut short (survival from 0.5 or 0.7, as adjuvant trials draw it)
    hides where a curve goes below it: the curve then ends at the panel's
    edge before the other arms do, and nothing after is shown.

    Parameters
    ----------
    curve : Curve
    y : AxisCalibration
    rows : (float, float)
        The panel's top and bottom pixel rows.
    rising : bool
        A cumulative incidence curve (it leaves through the top).
    pen : float
        The curve's pen width in pixels: its last point must lie within two
        pen widths of the edge.

    Returns
    -------
    str or None
    """
    scale = 100.0 if y.percent else 1.0
    reach = 2.0 * pen * abs(y.slope) / scale
    edge = float(y.value(rows[0] if rising else rows[1])) / scale
    edge = 1.0 - edge if rising else edge
    if edge <= 0.02 or not len(curve.time):  # the axis reaches 0: nothing is cut off
        return None
    last = float(np.asarray(curve.survival)[-1])
    if last - edge > reach:
        return None
    return (
        f"arm {curve.arm!r}: the curve leaves the plot through its "
        f"{'top' if rising else 'bottom'} edge (survival {edge:.2f}) at time "
        f"{float(np.asarray(curve.time)[-1]):.4g}; the figure does not show it after that"
    )


def every_column(cols: FloatArray, rows: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Step corners with a point added at every whole column inside each flat stretch.

    Examples
    --------
    >>> cols, rows = every_column(np.array([0.0, 3.5, 3.5, 5.0]), np.array([2.0, 2.0, 7.0, 7.0]))
    >>> cols.tolist(), rows.tolist()
    ([0.0, 1.0, 2.0, 3.0, 3.5, 3.5, 4.0, 5.0], [2.0, 2.0, 2.0, 2.0, 2.0, 7.0, 7.0, 7.0])
    """
    cols, rows = np.asarray(cols, dtype=float), np.asarray(rows, dtype=float)
    if cols.size < 2:
        return cols, rows
    flat = np.flatnonzero((rows[1:] == rows[:-1]) & (cols[1:] > cols[:-1]))
    if not flat.size:
        return cols, rows
    added = [np.arange(np.floor(cols[i]) + 1.0, np.ceil(cols[i + 1])) for i in flat]
    levels = [np.full(c.size, rows[i]) for c, i in zip(added, flat, strict=True)]
    all_cols = np.concatenate([cols, *added])
    all_rows = np.concatenate([rows, *levels])
    order = np.argsort(all_cols, kind="stable")
    return all_cols[order], all_rows[order]
