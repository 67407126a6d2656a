"""``digitize_pdf()``: read a Kaplan-Meier figure on a PDF page from its drawing.

A vector page is read from its paths and text: exact curve coordinates, tick
labels and numbers at risk as the PDF spells them. A page without a vector
plot (a scanned or pasted image, text drawn as outlines) is rendered and read
by the raster reader, with a warning saying so.
"""

from __future__ import annotations

import difflib
import time
from dataclasses import replace
from typing import Any

import numpy as np

from kmipd.digitize._arm_rows import cut_short, renamed
from kmipd.digitize._bracketed import events_in_parentheses
from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._curves import off_the_panel
from kmipd.digitize._legend import size_notes
from kmipd.digitize._legend_counts import with_stated_events
from kmipd.digitize._panels import check_panel, panel_crop
from kmipd.digitize._pdf import (
    PDF_DPI,
    VectorPage,
    check_page,
    figure_image_box,
    page_has_jpeg,
    read_vector_page,
    render_pdf_page,
)
from kmipd.digitize._result import ArmResult, DigitizationResult
from kmipd.digitize._row_fit import best_order
from kmipd.digitize._vector_axes import VectorAxes, find_axes
from kmipd.digitize._vector_curves import VectorCurve, find_curves, glyph_marks
from kmipd.digitize._vector_text import LegendEntry, RiskRowRead, find_legend, find_risk_rows
from kmipd.errors import DigitizationError
from kmipd.types import CensorMarks, Curve, RiskTable

__all__ = ["digitize_pdf", "read_vector"]


def _user_axis(axis: str, value_range: Any, panel: tuple[float, ...]) -> AxisCalibration:
    top, left, bottom, right = panel
    lo, hi = (float(v) for v in value_range)
    p0, p1 = (left, right) if axis == "x" else (bottom, top)
    slope = (hi - lo) / (p1 - p0)
    return AxisCalibration(axis, slope, lo - slope * p0, (), 0.0, 1.0, False, "user")


def _colour_distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    return float(max(abs(x - y) for x, y in zip(a, b, strict=True)))


def _match_legend(curves: list[VectorCurve], legend: list[LegendEntry]) -> list[int | None]:
    """Legend entry of each curve: same colour (within 40), then closest width and dash."""
    out: list[int | None] = [None] * len(curves)
    taken: set[int] = set()
    pairs = []
    for i, curve in enumerate(curves):
        colour, width, dash = curve.style
        for j, entry in enumerate(legend):
            d = _colour_distance(colour, entry.colour)
            if d <= 40:
                pairs.append((d + 50 * (entry.dash != dash) + abs(entry.width - width), i, j))
    for _, i, j in sorted(pairs):
        if out[i] is None and j not in taken:
            out[i] = j
            taken.add(j)
    return out


def _order(curves: list[VectorCurve], keys: list[int | None]) -> list[int]:
    """Arms in legend order; unmatched curves after, top to bottom at their start."""
    return sorted(
        range(len(curves)),
        key=lambda i: (keys[i] is None, keys[i] or 0, curves[i].rows[0]),
    )


VECTOR_PRECISION = 1e-4  # a drawing's coordinates are exact but for the file's rounding


def _curve(vc: VectorCurve, axes: tuple[AxisCalibration, AxisCalibration], name: str) -> Curve:
    x_axis, y_axis = axes
    t = np.maximum(np.asarray(x_axis.value(vc.cols), dtype=float), 0.0)
    v = np.asarray(y_axis.value(vc.rows), dtype=float) / (100.0 if y_axis.percent else 1.0)
    s = np.clip(1.0 - v if vc.rising else v, 0.0, 1.0)
    if t[0] > 0:
        t, s = np.concatenate(([0.0], t)), np.concatenate(([s[0] if s[0] >= 0.98 else 1.0], s))
    return Curve(time=t, survival=s, arm=name, precision=VECTOR_PRECISION)


def _risk(
    rows: list[RiskRowRead],
    arms: list[ArmResult],
    warnings: list[str],
) -> list[ArmResult]:
    """Give each risk row to its arm (colour, then label, then fit to the curves or order)."""
    assigned: dict[int, RiskRowRead] = {}
    loose = []
    for row in rows:
        arm = None
        if row.colour is not None:
            dists = [_colour_distance(row.colour, a.colour) for a in arms]
            if dists and min(dists) <= 40 and dists.count(min(dists)) == 1:
                arm = int(np.argmin(dists))
        if arm is None and row.label:
            scores = [
                difflib.SequenceMatcher(None, row.label.lower(), a.name.lower()).ratio()
                for a in arms
            ]
            if scores and max(scores) >= 0.6:
                arm = int(np.argmax(scores))
        if arm is None or arm in assigned:
            loose.append(row)
        else:
            assigned[arm] = row
    free = [i for i in range(len(arms)) if i not in assigned]
    fitted: set[int] = set()
    if loose and len(loose) == len(free):
        tables = [_table(row, "")[0] for row in loose]
        order = None
        if all(t is not None for t in tables):
            order = best_order([arms[i].curve for i in free], [t for t in tables if t])
        if order is None:
            warnings.append("risk-table rows matched to arms by their order (no colour or label)")
            assigned.update(zip(free, loose, strict=True))
        else:
            warnings.append(
                f"risk-table rows given to arms by how their numbers fit the curves "
                f"({len(loose)} rows; no colour or label tied them); check the arm order"
            )
            assigned.update({i: loose[j] for i, j in zip(free, order, strict=True)})
            fitted = set(free)
    elif loose:
        warnings.append(f"{len(loose)} risk-table row(s) could not be matched to an arm")
    out = list(arms)
    for i, row in assigned.items():
        table, dropped = _table(row, arms[i].name)
        if dropped:
            warnings.append(
                f"arm {arms[i].name!r}: {dropped} number(s) left of time 0 "
                "in the risk table ignored"
            )
        if table is None:
            continue
        if np.any(np.diff(table.n_at_risk) > 0):
            warnings.append(f"arm {arms[i].name!r}: numbers at risk rise along the row; check them")
        cells = [c for c in row.cells if c.value is not None and c.time is not None and c.time >= 0]
        conf = min(c.confidence for c in cells) * (0.7 if row.colour is None else 1.0)
        confidence = dict(out[i].confidence, risk_table=round(conf, 3))
        out[i] = replace(
            out[i], risk_table=table, risk_cells=row.cells, confidence=confidence, name=out[i].name
        )
        taken = {a.name for a in out}
        if i in fitted and out[i].label is None and row.label and row.label not in taken:
            out[i] = renamed(out[i], row.label)  # the row's label names the arm it fits
        if out[i].events is None:  # "120 (5)": censored (or events) so far
            out[i] = replace(out[i], events=events_in_parentheses(row.cells, out[i], warnings))
    for i, result in enumerate(out):
        if i not in assigned:
            warnings.append(f"arm {result.name!r}: no risk-table row found")
    return out


def _table(row: RiskRowRead, name: str) -> tuple[RiskTable | None, int]:
    """The row's numbers at risk at times 0 and on, and how many were left of time 0."""
    cells = [c for c in row.cells if c.value is not None and c.time is not None]
    kept = [c for c in cells if c.time is not None and c.time >= 0]
    if not kept:
        return None, len(cells) - len(kept)
    table = RiskTable(
        time=np.array([c.time for c in kept]),
        n_at_risk=np.array([c.value for c in kept]),
        arm=name,
    )
    return table, len(cells) - len(kept)


def _pick(curves: list[VectorCurve], arms: Any, warnings: list[str]) -> list[VectorCurve]:
    want = arms if isinstance(arms, int) else len(arms) if isinstance(arms, list) else None
    if want is None or len(curves) == want:
        return curves
    if len(curves) < want:
        warnings.append(f"{want} arms expected but {len(curves)} found")
        return curves
    warnings.append(f"{len(curves)} curves found; kept the {want} longest")
    return curves[:want]


def _arms(
    page: VectorPage,
    axes: VectorAxes,
    calib: tuple[AxisCalibration, AxisCalibration],
    arms: Any,
    warnings: list[str],
) -> tuple[list[ArmResult], bool, list[bool]]:
    """The arms read from the drawing, whether the curves rise, and per arm whether its
    curve runs out through the panel's floor (or ceiling; a warning says so)."""
    legend = find_legend(page)
    skip = {e.stroke for e in legend if e.stroke >= 0}
    curves = find_curves(page.strokes, axes.panel, skip)
    curves = glyph_marks(curves, page.texts, axes.panel, [e.box for e in legend])
    curves = _pick(curves, arms, warnings)
    if not curves:
        raise DigitizationError("no curve found among the drawing paths inside the plot panel")
    keys = _match_legend(curves, legend)
    out: list[ArmResult] = []
    leaving: list[bool] = []
    for rank, i in enumerate(_order(curves, keys)):
        vc, key = curves[i], keys[i]
        label = legend[key].label if key is not None else None
        counts = legend[key].counts if key is not None else None
        given = arms[rank] if isinstance(arms, list) and rank < len(arms) else None
        name = str(given or label or f"arm {rank + 1}")
        marks = np.sort(np.maximum(np.asarray(calib[0].value(vc.mark_cols), dtype=float), 0.0))
        conf = {
            "curve": round(min(calib[0].confidence, calib[1].confidence), 3),
            "label": 1.0 if label else 0.0,
            "censor_marks": 0.95,
        }
        style = (
            "solid"
            if not vc.style[2]
            else ("dotted" if max(vc.style[2]) <= 2 * max(vc.style[1], 0.5) else "dashed")
        )
        out.append(
            ArmResult(
                name,
                _curve(vc, calib, name),
                CensorMarks(time=marks, arm=name),
                None,
                vc.colour,
                style,
                label,
                conf,
                (vc.cols, vc.rows),
                (vc.mark_cols, vc.mark_rows),
                stated_n=None if counts is None else counts.n,
                stated_events=None if counts is None else counts.events,
            )
        )
        if key is None and legend:
            warnings.append(f"arm {name!r}: no legend entry in its colour and style")
        rows = (axes.panel[0], axes.panel[2])
        cut = off_the_panel(out[-1].curve, calib[1], rows, vc.rising, 1.0)  # exact: a pixel
        if cut is not None:
            warnings.append(cut)
        leaving.append(cut is not None)
    names = [a.name for a in out]
    for j, a in enumerate(out):
        if names.count(a.name) > 1:
            out[j] = replace(a, name=f"{a.name} ({j + 1})")
    rising = sum(vc.rising for vc in curves) > len(curves) / 2
    if rising:
        warnings.append(
            "the curves rise from 0: read as cumulative incidence and returned as survival (1 - F)"
        )
    return out, rising, leaving


def read_vector(
    page: VectorPage,
    *,
    x_range: Any = None,
    y_range: Any = None,
    percent: bool | None = None,
    arms: Any = None,
    axes: VectorAxes | None = None,
) -> DigitizationResult:
    """Read a Kaplan-Meier plot from the primitives of a vector PDF page.

    ``axes`` (panel and calibrations) replaces the ones found from the tick
    labels, e.g. for a drawing without text whose axis ranges are given.

    Raises
    ------
    DigitizationError
        If no tick labels (as text) or no curve is found.
    """
    start = time.perf_counter()
    warnings: list[str] = []
    axes = axes or find_axes(page)
    if axes is None:
        raise DigitizationError("no numeric tick labels found in the page's text")
    x_axis = _user_axis("x", x_range, axes.panel) if x_range is not None else axes.x_axis
    y_axis = _user_axis("y", y_range, axes.panel) if y_range is not None else axes.y_axis
    if percent is not None:
        y_axis = replace(y_axis, percent=bool(percent))
    for axis in (x_axis, y_axis):
        if axis.source != "user" and axis.confidence < 0.9:
            warnings.append(
                f"{axis.axis} axis: calibration confidence {axis.confidence:.2f} "
                "(tick labels not all on tick marks or not all on one line)"
            )
    results, rising, cut = _arms(page, axes, (x_axis, y_axis), arms, warnings)
    rows: list[RiskRowRead] = []
    if axes.x_labels:
        below = max(t.box[3] for t in axes.x_labels)
        rows = find_risk_rows(page, axes.x_axis, below, {id(t) for t in axes.x_labels})
    if rows:
        results = _risk(rows, results, warnings)
    else:
        warnings.append("no numbers-at-risk table found under the plot")
    axis_end = float(x_axis.value(axes.panel[3]))
    results = [
        with_stated_events(r, axis_end, warnings, cut=c) for r, c in zip(results, cut, strict=True)
    ]
    warnings.extend(size_notes(results))
    warnings.extend(cut_short(results, cut))
    return DigitizationResult(
        arms=tuple(results),
        x_axis=x_axis,
        y_axis=y_axis,
        plot_area=axes.panel,
        warnings=tuple(warnings),
        source=page.source,
        image_shape=page.shape,
        scale=1.0,
        offset=(0, 0),
        failure=rising,
        seconds=time.perf_counter() - start,
    )


def _repaired(image: Any) -> Any:
    """A rendered page holding a JPEG figure, with JPEG's colour damage repaired."""
    from kmipd.digitize._image import background_colour
    from kmipd.digitize._restore import restore_compressed

    pixels = np.asarray(image, dtype=np.uint8)
    return restore_compressed(pixels, background_colour(pixels))


def digitize_pdf(
    source: Any,
    page: int = 1,
    *,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    percent: bool | None = None,
    arms: int | list[str] | None = None,
    crop: tuple[int, int, int, int] | None = None,
    panel: int | None = None,
    vector: bool | None = None,
    dpi: float = PDF_DPI,
) -> DigitizationResult:
    """Read the Kaplan-Meier figure on page ``page`` of a PDF.

    The page's drawing is read first (curves from the paths, tick labels and
    numbers at risk from the PDF's text, exact to the PDF's precision). If the
    page holds no vector plot, it is rendered at ``dpi`` and read as an image
    by :func:`digitize`; a warning says which way was taken.

    Parameters
    ----------
    source : path or bytes
        The PDF file.
    page : int, optional
        Page number, from 1.
    x_range, y_range, percent, arms
        As for :func:`digitize`.
    crop : tuple of int, optional
        ``(row0, col0, row1, col1)`` in pixels of the page rendered at ``dpi``:
        only the drawing inside this box is read.
    panel : int, optional
        As for :func:`digitize`: the plot panel to read when the page (or
        ``crop``) holds several; they are found on the rendered page.
    vector : bool, optional
        True: read the drawing only (error if there is no vector plot); False:
        always render and read the image; None (default): drawing first.
    dpi : float, optional
        Resolution of the rendering; all pixel coordinates in the result
        (curve pixels, plot area, calibrations) refer to the page rendered at
        this resolution, so :func:`draw_overlay` takes
        ``render_pdf_page(source, page, dpi=dpi)``.

    Returns
    -------
    DigitizationResult

    Raises
    ------
    InputError
        If the file is not a readable PDF (or is encrypted) or an option is invalid.
    OptionError
        If there is no page ``page``.
    DigitizationError
        If neither the drawing nor the rendered image gives a plot.

    Examples
    --------
    >>> result = digitize_pdf("figure2.pdf", page=1)  # doctest: +SKIP
    >>> result.curves, result.risk_tables  # doctest: +SKIP
    """
    from kmipd.digitize._digitize import _check_arms, _check_range, digitize

    start = time.perf_counter()
    x_range, y_range = _check_range("x_range", x_range), _check_range("y_range", y_range)
    arms = _check_arms(arms)
    check_page(source, page)
    image = render_pdf_page(source, page, dpi=dpi)
    name = None if isinstance(source, bytes | bytearray) else str(source)
    given = crop
    choice = panel_crop(image, crop, check_panel(panel), name or f"page {page}")
    crop, notes = choice.box, choice.notes
    reason = "reading the drawing was not asked for"
    if vector is not False:
        clip = None
        if crop is not None:
            r0, c0, r1, c1 = crop
            clip = (float(c0), float(r0), float(c1), float(r1))
        try:
            found = read_vector_page(source, page, dpi=dpi, clip=clip)
            result = read_vector(
                found, x_range=x_range, y_range=y_range, percent=percent, arms=arms
            )
            note = f"read from the PDF's drawing (vector) on page {page}"
            return replace(
                result,
                warnings=(note, *notes, *result.warnings),
                seconds=time.perf_counter() - start,
                panel=choice.panel,
                panels=choice.panels,
            )
        except DigitizationError as exc:
            if vector:
                raise DigitizationError(f"page {page}: no vector plot read: {exc}") from None
            reason = str(exc)
    jpeg = page_has_jpeg(source, page)
    if jpeg:
        image = _repaired(image)
    options: dict[str, Any] = {"x_range": x_range, "y_range": y_range, "percent": percent}
    options["arms"] = arms
    box = figure_image_box(source, page, dpi=dpi) if given is None else None
    where = "the page"
    read: DigitizationResult | None = None
    if box is not None:  # the figure image alone, not the paragraphs round it
        try:
            inner = panel_crop(image, box, check_panel(panel), name or f"page {page}")
            read = digitize(image, crop=inner.box, **options)
            choice, where = inner, f"the area of its figure image (crop {','.join(map(str, box))})"
        except DigitizationError:
            read = None
    result = read if read is not None else digitize(image, crop=crop, **options)
    note = (
        f"no vector plot on page {page} ({reason}); {where} was rendered at {dpi:g} dpi "
        "and read as an image" + (" (its JPEG colours repaired first)" if jpeg else "")
    )
    notes = choice.notes
    return replace(
        result,
        warnings=(note, *notes, *result.warnings),
        source=name,
        seconds=time.perf_counter() - start,
        panel=choice.panel,
        panels=choice.panels,
    )
