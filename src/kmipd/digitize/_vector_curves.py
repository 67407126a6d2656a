"""Vector PDF figures: each arm's step curve and censoring marks from the stroked paths.

Strokes are clipped to the plot panel and grouped by style (colour, width,
dash). Within a style, pieces joined end to end form one curve; small
free-standing pieces (``|``, ``+``, circles) are censoring marks. Frame, axis
and grid lines (long straight strokes on the panel edge or across it) and
legend keys are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from kmipd.digitize._pdf_types import Stroke, TextRun
from kmipd.digitize._vector_axes import Segment, segments

__all__ = ["VectorCurve", "find_curves", "glyph_marks"]

FloatArray = npt.NDArray[np.float64]
Style = tuple[tuple[int, int, int], float, tuple[float, ...]]
_MARK_GLYPHS = set("+|×xX†*Il")


@dataclass(frozen=True, eq=False)
class VectorCurve:
    """One arm's curve as drawn: vertices ``(cols, rows)`` in drawing order along time."""

    cols: FloatArray
    rows: FloatArray
    style: Style
    mark_cols: FloatArray
    mark_rows: FloatArray
    rising: bool

    @property
    def colour(self) -> tuple[int, int, int]:
        return self.style[0]

    def with_mark(self, col: float, row: float) -> VectorCurve:
        """This curve with one more censoring mark at ``(col, row)``."""
        return replace(
            self, mark_cols=np.append(self.mark_cols, col), mark_rows=np.append(self.mark_rows, row)
        )

    @property
    def span(self) -> float:
        return float(self.cols.max() - self.cols.min())

    def row_at(self, col: float) -> float:
        """Row of the curve at ``col`` (the value after a drop there)."""
        index = int(np.searchsorted(self.cols, col, side="right")) - 1
        return float(self.rows[min(max(index, 0), len(self.rows) - 1)])


def _clip(seg: Segment, box: tuple[float, float, float, float]) -> Segment | None:
    """Liang-Barsky clipping of a segment to ``(top, left, bottom, right)``."""
    top, left, bottom, right = box
    dc, dr = seg.c1 - seg.c0, seg.r1 - seg.r0
    lo, hi = 0.0, 1.0
    for p, q in (
        (-dc, seg.c0 - left),
        (dc, right - seg.c0),
        (-dr, seg.r0 - top),
        (dr, bottom - seg.r0),
    ):
        if p == 0:
            if q < 0:
                return None
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
    if lo > hi:
        return None
    return Segment(
        seg.c0 + lo * dc, seg.r0 + lo * dr, seg.c0 + hi * dc, seg.r0 + hi * dr, seg.stroke
    )


def _is_frame(seg: Segment, panel: tuple[float, float, float, float], grey: bool) -> bool:
    """Frame, axis or grid line: long and straight, on the panel edge or across the panel."""
    top, left, bottom, right = panel
    width, height = right - left, bottom - top
    tol = max(1.0, 0.004 * min(width, height))
    if seg.horizontal:
        across = abs(seg.c1 - seg.c0) >= 0.97 * width
        edge = min(abs(seg.r0 - top), abs(seg.r0 - bottom)) <= tol
        return across or (edge and grey and abs(seg.c1 - seg.c0) >= 0.3 * width)
    if seg.vertical:
        across = abs(seg.r1 - seg.r0) >= 0.97 * height
        edge = min(abs(seg.c0 - left), abs(seg.c0 - right)) <= tol
        return across or (edge and grey and abs(seg.r1 - seg.r0) >= 0.3 * height)
    return False


def _outside(seg: Segment, panel: tuple[float, float, float, float]) -> bool:
    """Whether the segment's middle lies outside the panel (a tick mark's stub)."""
    top, left, bottom, right = panel
    c, r = (seg.c0 + seg.c1) / 2.0, (seg.r0 + seg.r1) / 2.0
    tol = 0.01
    return not (left - tol <= c <= right + tol and top - tol <= r <= bottom + tol)


def _on_edge(
    box: tuple[float, float, float, float], panel: tuple[float, float, float, float], tol: float
) -> bool:
    """Whether a piece's box touches the panel edge (an inward tick mark)."""
    top, left, bottom, right = panel
    c0, r0, c1, r1 = box
    return min(abs(c0 - left), abs(c1 - right), abs(r0 - top), abs(r1 - bottom)) <= tol


def _closed(stroke: Stroke) -> bool:
    """A closed outline (box, legend frame, band): never a survival curve."""
    p = stroke.points
    return len(p) >= 4 and bool(np.hypot(*(p[0] - p[-1])) <= 1e-6)


def _is_curve(
    chain: list[list[Segment]],
    cols: FloatArray,
    rows: FloatArray,
    rising: bool,
    width: float,
    tol: float,
) -> bool:
    """A survival curve: wide, monotone, and drawn along most of its time span."""
    span = float(cols.max() - cols.min())
    if span < 0.05 * width:
        return False
    steps = np.diff(-rows if rising else rows)
    if np.any(steps < -2.0 * tol):
        return False
    drawn = sum(abs(s.c1 - s.c0) for piece in chain for s in piece)
    return drawn >= 0.5 * span


def _achromatic(colour: tuple[int, int, int]) -> bool:
    return max(colour) - min(colour) <= 24


def _components(segs: list[Segment], tol: float) -> list[list[Segment]]:
    """Pieces joined end to end (union-find on endpoints closer than ``tol``)."""
    parent = list(range(len(segs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    ends = np.array([(s.c0, s.r0) for s in segs] + [(s.c1, s.r1) for s in segs])
    keys = np.round(ends / tol).astype(np.int64)
    cells: dict[tuple[int, int], list[int]] = {}
    for k, (a, b) in enumerate(keys):
        for da in (-1, 0, 1):
            for db in (-1, 0, 1):
                for other in cells.get((int(a) + da, int(b) + db), []):
                    if np.hypot(*(ends[k] - ends[other])) <= tol:
                        ra, rb = find(k % len(segs)), find(other % len(segs))
                        parent[ra] = rb
        cells.setdefault((int(a), int(b)), []).append(k)
    groups: dict[int, list[Segment]] = {}
    for i, seg in enumerate(segs):
        groups.setdefault(find(i), []).append(seg)
    return list(groups.values())


def _box(piece: list[Segment]) -> tuple[float, float, float, float]:
    cols = [v for s in piece for v in (s.c0, s.c1)]
    rows = [v for s in piece for v in (s.r0, s.r1)]
    return min(cols), min(rows), max(cols), max(rows)


def _vertices(pieces: list[list[Segment]]) -> tuple[FloatArray, FloatArray, bool]:
    """Vertices of a staircase in order: by column, then down (falling) or up (rising)."""
    pts = np.array(
        [(s.c0, s.r0) for p in pieces for s in p] + [(s.c1, s.r1) for p in pieces for s in p]
    )
    pts = np.round(pts, 2)
    first, last = pts[pts[:, 0].argmin()], pts[pts[:, 0].argmax()]
    rising = bool(last[1] < first[1] - 1e-6)
    order = np.lexsort((-pts[:, 1] if rising else pts[:, 1], pts[:, 0]))
    pts = pts[order]
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = np.any(np.abs(np.diff(pts, axis=0)) > 1e-6, axis=1)
    pts = pts[keep]
    return pts[:, 0], pts[:, 1], rising


def _chains(pieces: list[list[Segment]], tol: float) -> list[list[list[Segment]]]:
    """Big pieces put end to end along the time axis; pieces overlapping in time start a new
    chain (another curve of the same style)."""
    chains: list[list[list[Segment]]] = []
    for piece in sorted(pieces, key=lambda p: _box(p)[0]):
        start = _box(piece)[0]
        for chain in chains:
            if max(_box(p)[2] for p in chain) <= start + tol:
                chain.append(piece)
                break
        else:
            chains.append([piece])
    return chains


def _style(stroke: Stroke) -> Style:
    return (stroke.colour, round(stroke.width, 1), stroke.dash)


def _mark_centres(marks: list[list[Segment]], size: float) -> list[tuple[float, float]]:
    """Centres of mark pieces; pieces with centres closer than ``size`` / 2 are one mark."""
    centres: list[tuple[float, float]] = []
    for piece in sorted(marks, key=lambda p: _box(p)[0]):
        left, top, right, bottom = _box(piece)
        c, r = (left + right) / 2.0, (top + bottom) / 2.0
        if centres and np.hypot(c - centres[-1][0], r - centres[-1][1]) <= size / 2.0:
            continue
        centres.append((c, r))
    return centres


def find_curves(
    strokes: tuple[Stroke, ...] | list[Stroke],
    panel: tuple[float, float, float, float],
    skip: set[int],
) -> list[VectorCurve]:
    """The curves drawn in the panel, longest first.

    Parameters
    ----------
    strokes : sequence of Stroke
        All strokes of the page.
    panel : tuple of float
        ``(top, left, bottom, right)``.
    skip : set of int
        Indices of strokes that are not curves (legend keys).

    Returns
    -------
    list of VectorCurve
    """
    top, left, bottom, right = panel
    width, height = right - left, bottom - top
    margin = 0.5
    clip_box = (top - margin, left - margin, bottom + margin, right + margin)
    mark_size = 0.05 * min(width, height)
    by_style: dict[Style, list[Segment]] = {}
    for seg in segments(strokes):
        stroke = strokes[seg.stroke]
        if seg.stroke in skip or min(stroke.colour) >= 245 or _closed(stroke):
            continue
        clipped = _clip(seg, clip_box)
        if clipped is None or clipped.length <= 1e-6 or _outside(clipped, panel):
            continue
        if _is_frame(clipped, panel, _achromatic(stroke.colour)):
            continue
        by_style.setdefault(_style(stroke), []).append(clipped)
    curves: list[VectorCurve] = []
    loose: list[tuple[Style, list[tuple[float, float]]]] = []
    for style, segs in by_style.items():
        tol = max(0.3, 0.6 * style[1])
        big: list[list[Segment]] = []
        marks: list[list[Segment]] = []
        for piece in _components(segs, tol):
            c0, r0, c1, r1 = _box(piece)
            small = c1 - c0 <= mark_size and r1 - r0 <= mark_size
            if small and _achromatic(style[0]) and _on_edge((c0, r0, c1, r1), panel, tol):
                continue
            (marks if small and r1 - r0 >= 0.2 * mark_size else big).append(piece)
        centres = _mark_centres(marks, mark_size)
        for chain in _chains(big, tol):
            cols, rows, rising = _vertices(chain)
            if not _is_curve(chain, cols, rows, rising, width, tol):
                continue
            curves.append(VectorCurve(cols, rows, style, np.zeros(0), np.zeros(0), rising))
        loose.append((style, centres))
    for style, centres in loose:
        curves = _give_marks(curves, centres, style)
    return sorted(curves, key=lambda c: -c.span)


def _give_marks(
    curves: list[VectorCurve], centres: list[tuple[float, float]], style: Style
) -> list[VectorCurve]:
    """Attach mark centres of ``style`` to the curve of that style (else of that colour)
    nearest in row."""
    mine = [i for i, c in enumerate(curves) if c.style == style]
    if not mine:
        mine = [i for i, c in enumerate(curves) if _colour_distance(c.colour, style[0]) <= 40]
    if not mine or not centres:
        return curves
    out = list(curves)
    for c, r in centres:
        best = min(mine, key=lambda i: abs(out[i].row_at(c) - r))
        out[best] = out[best].with_mark(c, r)
    return out


def _colour_distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    return float(max(abs(x - y) for x, y in zip(a, b, strict=True)))


def glyph_marks(
    curves: list[VectorCurve],
    texts: tuple[TextRun, ...] | list[TextRun],
    panel: tuple[float, float, float, float],
    exclude: list[tuple[float, float, float, float]],
) -> list[VectorCurve]:
    """Add censoring marks drawn as text glyphs (``+``, ``|``) in a curve's colour.

    Each glyph goes to the curve of nearest colour (within 40 of 255 per
    channel), and among curves of that colour to the one nearest in row.
    Glyphs inside ``exclude`` boxes (legend entries) are skipped.
    """
    top, left, bottom, right = panel
    out = list(curves)
    for run in texts:
        if not run.text or set(run.text) - _MARK_GLYPHS or len(set(run.text)) != 1:
            continue
        c, r = run.centre
        if not (left <= c <= right and top - run.size <= r <= bottom + run.size):
            continue
        if any(b[0] <= c <= b[2] and b[1] <= r <= b[3] for b in exclude):
            continue
        near = [(_colour_distance(run.colour, cur.colour), i) for i, cur in enumerate(out)]
        near = [(d, i) for d, i in near if d <= 40]
        if not near:
            continue
        best_d = min(d for d, _ in near)
        choices = [i for d, i in near if d <= best_d + 1]
        k = len(run.text)
        step = (run.box[2] - run.box[0]) / k
        for j in range(k):
            col = run.box[0] + (j + 0.5) * step
            best = min(choices, key=lambda i: abs(out[i].row_at(col) - r))
            out[best] = out[best].with_mark(col, r)
    return out
