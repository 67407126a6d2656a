"""``digitize()``: a raster Kaplan-Meier figure to per-arm curves, marks and risk tables."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from kmipd.digitize._arm_rows import coloured_rows, cut_short, events_by_end, names_from_rows
from kmipd.digitize._arms import ArmDraft, choose_arms
from kmipd.digitize._bracketed import events_in_parentheses
from kmipd.digitize._calibrate import AxisCalibration, calibrate_axis
from kmipd.digitize._censor import find_marks
from kmipd.digitize._crowded import read_rows
from kmipd.digitize._curves import (
    is_rising,
    legend_mask,
    off_the_panel,
    panel_slices,
    text_mask,
    to_curve,
    trace_all,
)
from kmipd.digitize._hidden_tail import along_covering_curves, ink_cover
from kmipd.digitize._image import LoadedImage, Measures, enlarge, load_image, measure
from kmipd.digitize._inline import with_inline_names
from kmipd.digitize._inset import find_insets, inset_mask
from kmipd.digitize._legend import LegendEntry, key_box, size_notes
from kmipd.digitize._legend_counts import with_stated_events
from kmipd.digitize._lines import line_mask
from kmipd.digitize._median_lines import median_lines
from kmipd.digitize._overprint import leaving_limits
from kmipd.digitize._panels import PanelChoice, check_panel, choose_panel, in_original
from kmipd.digitize._reading import FigureText, read_figure_text
from kmipd.digitize._result import ArmResult, DigitizationResult
from kmipd.digitize._risk import snap_time, tick_step
from kmipd.digitize._row_fit import deal_by_fit
from kmipd.digitize._scene import Scene, look
from kmipd.digitize._split_pen import PenMerge, merge_split_pens
from kmipd.digitize._styles import line_style
from kmipd.digitize._tables import assign_rows, regroup, repeats_times, to_table
from kmipd.digitize._text import lower_case_legend
from kmipd.digitize._turned import turned_y_axis
from kmipd.digitize._twice import (
    LEGEND_UNSEEN,
    TINY_TEXT,
    fewer_names,
    more_arms_named,
    named_fewer_arms,
    same_arms,
    text_height,
)
from kmipd.errors import DigitizationError, InputError, KmipdError
from kmipd.types import CensorMarks

__all__ = ["digitize"]

SMALL_FIGURE = 1_000_000
"""Pixels up to which a figure whose axes cannot be read is read again at twice its size."""

_HELP = "give the axis ranges with --x-range and --y-range (x_range=, y_range= in Python)"


def _check_range(name: str, value: Any) -> tuple[float, float] | None:
    """Validate an ``x_range``/``y_range`` option."""
    if value is None:
        return None
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be two numbers (low, high); got {value!r}") from None
    if not np.isfinite([lo, hi]).all() or lo == hi:
        raise InputError(f"{name} must be two different finite numbers; got {value!r}")
    return lo, hi


def _check_arms(arms: Any) -> int | list[str] | None:
    """Validate the ``arms`` option: a positive count or a list of names."""
    if arms is None:
        return None
    if isinstance(arms, int) and not isinstance(arms, bool) and arms >= 1:
        return arms
    if isinstance(arms, list | tuple) and arms and all(isinstance(a, str) and a for a in arms):
        if len(set(arms)) != len(arms):
            raise InputError(f"arms: names must differ; got {list(arms)!r}")
        return list(arms)
    raise InputError(f"arms must be a positive number or a list of names; got {arms!r}")


def _user_axis(axis: str, value_range: tuple[float, float], scene: Scene) -> AxisCalibration:
    """Calibration from a range the user gave: its ends at the panel's ends."""
    frame = scene.frame
    lo, hi = value_range
    p0, p1 = (frame.left, frame.right) if axis == "x" else (frame.bottom, frame.top)
    slope = (hi - lo) / (p1 - p0)
    return AxisCalibration(axis, slope, lo - slope * p0, (), 0.0, 1.0, False, "user")


class _AxesNotRead(DigitizationError):
    """No calibration for an axis: no axes found, or their tick labels not read."""


def _calibrate(
    scene: Scene,
    text: FigureText,
    ranges: dict[str, tuple[float, float] | None],
    percent: bool | None,
) -> tuple[AxisCalibration, AxisCalibration]:
    """Both axis calibrations, from the user's ranges or the tick labels."""
    found = {}
    for axis in ("x", "y"):
        given = ranges[axis]
        calibration = (
            _user_axis(axis, given, scene)
            if given is not None
            else calibrate_axis(text.ticks, scene.ink, scene.frame, axis)
        )
        if axis == "y" and given is None and (calibration is None or calibration.confidence < 0.5):
            turned = turned_y_axis(scene)  # labels reading upwards (Stata)
            if turned is not None and (
                calibration is None or turned.confidence > calibration.confidence
            ):
                calibration = turned
        if calibration is None:
            what = "no axes found" if scene.frame.kind == "none" else "tick labels not read"
            raise _AxesNotRead(
                f"{what}: could not calibrate the {axis} axis from its tick labels; {_HELP}"
            )
        found[axis] = calibration
    y_axis = found["y"]
    if percent is not None:
        y_axis = replace(y_axis, percent=bool(percent))
    return found["x"], y_axis


def _pick(
    drafts: list[ArmDraft], arms: int | list[str] | None, warnings: list[str]
) -> list[ArmDraft]:
    """Apply the ``arms`` option: keep that many arms (most ink first)."""
    want = arms if isinstance(arms, int) else len(arms) if arms else None
    if want is None or len(drafts) == want:
        return drafts
    if len(drafts) < want:
        warnings.append(f"{want} arms expected but {len(drafts)} found")
        return drafts

    def extent(d: ArmDraft) -> float:
        return float(d.trace.last_col - d.trace.first_col) if d.trace else 0.0

    keep = sorted(sorted(range(len(drafts)), key=lambda i: -extent(drafts[i]))[:want])
    warnings.append(f"{len(drafts)} curves found; kept the {want} longest")
    return [drafts[i] for i in keep]


def _names(
    drafts: list[ArmDraft], text: FigureText, arms: Any
) -> list[tuple[str, str | None, float]]:
    """Per arm: name, legend label as read, label confidence."""
    labels = {key_box(entry): (label, conf) for entry, label, conf in text.legend}
    out: list[tuple[str, str | None, float]] = []
    for i, draft in enumerate(drafts):
        label, conf = labels.get(key_box(draft.entry), ("", 0.0)) if draft.entry else ("", 0.0)
        name = arms[i] if isinstance(arms, list) and i < len(arms) else label or f"arm {i + 1}"
        out.append((name, label or None, conf))
    seen: dict[str, int] = {}
    for i, (name, label_read, conf) in enumerate(out):  # make names unique
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            out[i] = (f"{name} ({seen[name]})", label_read, conf)
    return out


def _with_counts(
    results: list[ArmResult], drafts: list[ArmDraft], text: FigureText
) -> list[ArmResult]:
    """Arms with the patients and events their legend entry's table row states."""
    out = []
    for result, draft in zip(results, drafts, strict=True):
        counts = text.counts.get(key_box(draft.entry)) if draft.entry else None
        if counts is not None:
            result = replace(result, stated_n=counts.n, stated_events=counts.events)
        out.append(result)
    return out


def _leaving(
    results: list[ArmResult],
    drafts: list[ArmDraft],
    scene: Scene,
    y_axis: AxisCalibration,
    rising: bool,
    warnings: list[str],
) -> list[bool]:
    """Per arm, whether its curve runs out through the panel's floor (a warning says so)."""
    rows = (scene.frame.top, scene.frame.bottom)
    out = []
    for result, draft in zip(results, drafts, strict=True):
        pen = draft.trace.thickness if draft.trace is not None else 1.0
        cut = off_the_panel(result.curve, y_axis, rows, rising, pen)
        if cut is not None:
            warnings.append(cut)
        out.append(cut is not None)
    return out


def _events_from_legend(
    results: list[ArmResult], cut: list[bool], axis_end: float, warnings: list[str]
) -> list[ArmResult]:
    """Arms given the event totals their legend's table states, where usable (``cut``: the
    arms whose curve runs out through the panel's floor, whose follow-up it hides)."""
    return [
        with_stated_events(result, axis_end, warnings, cut=leaves)
        for result, leaves in zip(results, cut, strict=True)
    ]


def _hidden(drafts: list[ArmDraft], warnings: list[str]) -> list[ArmDraft]:
    """Give legend arms without a visible curve the curve of the arm drawn over them."""
    visible = [d for d in drafts if d.trace is not None]
    out = []
    for draft in drafts:
        if draft.trace is None and len(visible) == 1:
            warnings.append(f"{LEGEND_UNSEEN}; it is taken to lie under the other arm's curve")
            draft = replace(draft, trace=visible[0].trace)
        if draft.trace is not None:
            out.append(draft)
        else:
            warnings.append(f"{LEGEND_UNSEEN} and was left out")
    return out


def _arm_result(
    draft: ArmDraft,
    name: str,
    label: str | None,
    label_conf: float,
    scene: Scene,
    axes: tuple[AxisCalibration, AxisCalibration],
    rising: bool,
    warnings: list[str],
) -> ArmResult:
    """Curve and censoring marks of one arm (its risk table comes later)."""
    trace = draft.trace
    assert trace is not None
    x_axis, y_axis = axes
    curve = to_curve(trace, x_axis, y_axis, name, rising, warnings)
    ink = (scene.labels == draft.colour) & (scene.coverage >= 0.25)
    dashes = np.isin(scene.labels, draft.limits) & (scene.coverage >= 0.25)
    marks = find_marks(ink | dashes, trace)  # marks split off with its limits' dashes
    mark_times = np.sort(np.maximum(x_axis.value(marks.cols), 0.0))
    confidence = {
        "curve": round(
            min(x_axis.confidence, y_axis.confidence)
            * (1 - trace.filled_fraction)
            * (1 - trace.bridged_fraction),
            3,
        ),
        "label": round(label_conf, 3),
        "censor_marks": round(0.5 if marks.dense else 0.9, 3),
    }
    if draft.limits and draft.entry is not None:  # its broken lines are its limits: the
        style = draft.entry.swatch.style  # legend key gives its style
    else:
        others = (scene.labels >= 0) & (scene.labels != draft.colour) & (scene.coverage >= 0.25)
        style = line_style(ink, others, scene.frame.right - scene.frame.left, trace.thickness)
    return ArmResult(
        name,
        curve,
        CensorMarks(time=mark_times, arm=name),
        None,
        scene.colours[draft.colour].rgb,
        style,
        label,
        confidence,
        (trace.cols, trace.rows),
        (marks.cols, marks.rows),
    )


def _with_tables(
    results: list[ArmResult],
    drafts: list[ArmDraft],
    text: FigureText,
    x_axis: AxisCalibration,
    warnings: list[str],
    name_from_rows: bool = True,
    beside: frozenset[int] = frozenset(),
) -> list[ArmResult]:
    """Read the risk table and attach each row to its arm.

    With ``name_from_rows``, an arm no legend named takes the label of its
    risk-table row, if it has one: also over a name read beside its curve
    (arms ``beside``), as a curve often crosses such a name while the table's
    labels stand on clear paper.
    """
    leaving = leaving_limits(
        [(r.curve.time, r.curve.survival, np.asarray(r.censor_marks.time)) for r in results]
    )
    read = read_rows(text.lines, x_axis, text.ink, text.ticks, leaving)
    read = [row for row in read if not repeats_times(row)]
    if not read and text.inner:  # no table under the plot: one printed inside it
        read = coloured_rows(read_rows(text.inner, x_axis, text.ink, text.ticks), results)
        if read:
            warnings.append("the numbers at risk were read from inside the plot area")
    rows, other, event_rows = regroup(read, text.lines, text.ink)
    labels = [row.label for row in rows]  # arm names, in the case the table writes them
    cased = dict(zip(labels, lower_case_legend(labels), strict=True))
    rows = [replace(row, label=cased[row.label]) for row in rows]
    event_rows = [replace(row, label=cased.get(row.label, row.label)) for row in event_rows]
    if other:
        warnings.append(
            f"{other} table row(s) of other counts (censored, events) are not numbers at risk; "
            "a row of events, when read surely, gives its arm's event total"
        )
    if not rows:
        warnings.append("no numbers-at-risk table found under the plot")
        return results
    guessed: set[int] = set()
    loosely: set[int] = set()
    names = [r.name for r in results]
    assigned = assign_rows(rows, drafts, names, warnings, guessed, loosely)
    assigned = deal_by_fit(assigned, guessed, [r.curve for r in results], warnings, loosely)
    out = list(results)
    for i, row in assigned.items():
        table, confidence = to_table(row, results[i].name, warnings)
        conf = dict(results[i].confidence, risk_table=round(confidence, 3))
        out[i] = replace(results[i], risk_table=table, confidence=conf, risk_cells=row.cells)
    if name_from_rows:
        out = names_from_rows(out, assigned, beside, guessed, warnings)
    for i, row in assigned.items():
        events = next((r for r in event_rows if row.label and r.label == row.label), None)
        if events is not None:
            out[i] = replace(out[i], events=events_by_end(events, out[i], warnings))
        if out[i].events is None:  # "120 (5)": censored (or events) so far
            out[i] = replace(out[i], events=events_in_parentheses(row.cells, out[i], warnings))
    for i, result in enumerate(out):
        if i not in assigned:
            warnings.append(f"arm {result.name!r}: no risk-table row found")
    warnings.extend(_missing_numbers(out, x_axis))
    return out


def _missing_numbers(results: list[ArmResult], x_axis: AxisCalibration) -> list[str]:
    """Warnings for times where another row of the table has a number and this row none.

    A number OCR read nothing in leaves no cell at all, so no other warning
    names it; the other rows show that the table has a column there. Cells
    read but left out (unsure, or not a number) are warned about already and
    count as seen, at the tick under them.
    """
    if tick_step(x_axis) is None:  # times not snapped to ticks: rows cannot agree
        return []
    columns = sorted(
        {round(float(t), 9) for r in results if r.risk_table is not None for t in r.risk_table.time}
    )
    out = []
    for result in results:
        if result.risk_table is None:
            continue
        seen = {round(snap_time(c.col, x_axis)[0], 9) for c in result.risk_cells}
        seen |= {round(float(t), 9) for t in result.risk_table.time}
        missing = [t for t in columns if t not in seen]
        if missing:
            shown = ", ".join(f"{t:g}" for t in missing[:5]) + (", ..." if len(missing) > 5 else "")
            out.append(
                f"arm {result.name!r}: no number at risk read at time(s) {shown}, where the "
                "table's other rows have one; check the overlay or give --risk-table"
            )
    return out


def _traces(
    scene: Scene,
    text: FigureText,
    axes: tuple[AxisCalibration, AxisCalibration],
    warnings: list[str],
) -> tuple[PenMerge, bool]:
    """Traces of every curve colour (legend, text, insets and median lines masked out),
    with a thin pen's two shades merged, and whether curves rise."""
    hide = legend_mask(scene.ink, [entry for entry, _, _ in text.legend])
    hide |= text_mask(scene, text.ticks)
    medians = median_lines(scene, *axes)
    if medians:
        hide |= line_mask(scene.ink.shape, medians, pad=1)
        warnings.append(
            "lines marking the medians (across from time 0, then down to 0) were left out "
            "of the curves"
        )
    insets = find_insets(scene)
    if insets:
        hide |= inset_mask(scene.ink.shape, insets)
        boxes = "; ".join(
            f"rows {i.axes[0]}-{i.axes[2]}, columns {i.axes[1]}-{i.axes[3]}" for i in insets
        )
        warnings.append(
            f"an inset plot ({boxes}) was left out of the curves; where it covers them "
            "they are bridged across it: check the overlay"
        )
    rising = _rising(scene, hide)
    covers = tuple(i.axes for i in insets)
    traces = trace_all(scene, hide, rising, covers)
    retrace = lambda s: trace_all(s, hide, rising, covers)  # noqa: E731
    return merge_split_pens(scene, traces, retrace, hide), rising


def _rising(scene: Scene, hide: npt.NDArray[np.bool_]) -> bool:
    """Whether the curves climb: two thirds of the curve ink votes so, each colour by its
    ink (specks of a colour that is no curve, such as text's anti-aliased grey, weigh
    little; they once outvoted two rising curves)."""
    votes, weights = [], []
    rows, cols = panel_slices(scene)  # no pixel outside is labelled
    labels, hidden, cover = scene.labels[rows, cols], hide[rows, cols], scene.coverage[rows, cols]
    for k in range(len(scene.colours)):
        coverage = np.where((labels == k) & ~hidden, cover, 0.0)
        votes.append(is_rising(coverage, rows.start))
        weights.append(float(np.count_nonzero(coverage >= 0.25)))
    total = sum(weights)
    return total > 0 and sum(w for w, v in zip(weights, votes, strict=True) if v) >= 2 * total / 3


def _check_axes(axes: tuple[AxisCalibration, AxisCalibration], warnings: list[str]) -> None:
    """Warn about calibrations that rest on few labels or fit them badly."""
    for axis in axes:
        used = sum(label.used for label in axis.labels)
        if axis.source == "labels" and axis.confidence < 0.5:
            warnings.append(
                f"{axis.axis} axis: calibration confidence {axis.confidence:.2f} "
                f"({used} of {len(axis.labels)} tick labels agree); check it on the overlay "
                f"or {_HELP}"
            )


def _drafts(
    scene: Scene,
    text: FigureText,
    axes: tuple[AxisCalibration, AxisCalibration],
    arms: int | list[str] | None,
    warnings: list[str],
    scale: float = 1.0,
) -> tuple[list[ArmDraft], bool, Scene]:
    """The arms to report (traced, matched to the legend, as many as asked), if they rise,
    and the scene with a thin pen's two shades merged into one colour (``scale``: the
    working image's pixels per figure pixel)."""
    pens, rising = _traces(scene, text, axes, warnings)
    width = scene.frame.right - scene.frame.left
    entries = [_merged_key(entry, pens.into) for entry, _, _ in text.legend]
    found = choose_arms(pens.traces, entries, scene.colours, width, warnings, zoom=max(1.0, scale))
    drafts = _hidden(_pick(found, arms, warnings), warnings)
    if not drafts:
        raise DigitizationError(
            "no curve found inside the plot area; check the crop and the axis ranges"
        )
    if rising:
        warnings.append(
            "the curves rise from 0: read as cumulative incidence and returned as survival (1 - F)"
        )
    return drafts, rising, pens.scene


def _merged_key(entry: LegendEntry, into: dict[int, int]) -> LegendEntry:
    """A legend entry whose key's colour was merged into another: given that colour."""
    colour = into.get(entry.swatch.colour)
    if colour is None:
        return entry
    return replace(entry, swatch=replace(entry.swatch, colour=colour))


def digitize(
    image_or_path: Any,
    *,
    x_range: tuple[float, float] | None = None,
    y_range: tuple[float, float] | None = None,
    percent: bool | None = None,
    arms: int | list[str] | None = None,
    crop: tuple[int, int, int, int] | None = None,
    panel: int | None = None,
) -> DigitizationResult:
    """Read the curves, censoring marks and numbers at risk of a Kaplan-Meier figure.

    Parameters
    ----------
    image_or_path : path, bytes, PIL image or array
        The figure (PNG, JPEG, TIFF, BMP, WebP). A PDF is handed to
        :func:`~kmipd.digitize.digitize_pdf` (its first page; call that for
        another page), which reads a vector drawing from its paths; an SVG
        to :func:`~kmipd.digitize.digitize_svg`.
    x_range, y_range : tuple of float, optional
        Data values at the panel's left/right (bottom/top) edges, instead of
        reading the tick labels.
    percent : bool, optional
        Force the y axis to be read as percent (True) or probability (False).
    arms : int or list of str, optional
        Number of arms, or their names in legend order (overriding the legend).
    crop : tuple of int, optional
        ``(row0, col0, row1, col1)``: the part of the image holding the figure.
    panel : int, optional
        Which plot panel to read (1 = top left, in reading order) of a figure
        of several panels side by side or stacked (a paper's "A" and "B");
        each is read with the labels and tables around it. Without it the
        first panel is read and a warning says how many there are.

    Returns
    -------
    DigitizationResult
        A raster figure of at most ``SMALL_FIGURE`` pixels whose axes cannot
        be read at its own size is read again at twice its size (text a few
        pixels high); the result then says so in a warning, and its pixel
        positions refer to the enlarged image (``scale`` 2). So is one whose
        words under the panel are under ``TINY_TEXT`` pixels high, where the
        enlarged reading agrees with the first (the same arms; or more, or
        fewer, every one named by its legend) and names no fewer arms (see
        ``_twice``); otherwise a warning says its own size was kept.

    Raises
    ------
    InputError
        If the file is not a readable image or an option is invalid (a
        ``panel`` the figure does not have).
    DigitizationError
        If no axes or no curve could be found.
    """
    from kmipd.digitize._pdf import is_pdf
    from kmipd.digitize._svg import is_svg

    options: dict[str, Any] = {
        "x_range": x_range,
        "y_range": y_range,
        "percent": percent,
        "arms": arms,
        "crop": crop,
        "panel": panel,
    }
    if is_svg(image_or_path):
        from kmipd.digitize._svg import digitize_svg

        return digitize_svg(image_or_path, **options)
    if is_pdf(image_or_path):
        from kmipd.digitize._vector import digitize_pdf

        return digitize_pdf(image_or_path, 1, **options)
    start = time.perf_counter()
    ranges = {"x": _check_range("x_range", x_range), "y": _check_range("y_range", y_range)}
    arms = _check_arms(arms)
    loaded, choice, measured = _panel(image_or_path, crop, panel)
    small = loaded.image.shape[0] * loaded.image.shape[1] <= SMALL_FIGURE
    try:
        result, height = _read(loaded, ranges, percent, arms, measured)
        if small and height < TINY_TEXT:
            result = _read_larger(loaded, result, ranges, percent, arms)
    except _AxesNotRead as first:
        if not small:
            raise
        try:  # tick labels a few pixels high: read the figure again at twice its size
            result, _ = _read(enlarge(loaded, 2.0), ranges, percent, arms)
        except (KmipdError, ValueError, IndexError, ArithmeticError):  # the first says what to do
            raise first from None
        result = replace(
            result,
            warnings=(
                *result.warnings,
                "the figure was too small to read at its own size and was read at twice its "
                "size (pixel positions refer to the enlarged image)",
            ),
        )
    return replace(
        result,
        warnings=(*choice.notes, *result.warnings),
        panel=choice.panel,
        panels=choice.panels,
        seconds=time.perf_counter() - start,
    )


def _panel(
    source: Any, crop: tuple[int, int, int, int] | None, panel: int | None
) -> tuple[LoadedImage, PanelChoice, Measures | None]:
    """The figure loaded and, if it has several plot panels, cut to panel ``panel`` (default
    the first); with the loaded image's measures when it is the image the panels were
    sought in."""
    loaded = load_image(source, crop=crop)
    measured = measure(loaded.image)
    choice = choose_panel(loaded.image, check_panel(panel), loaded.source or "the figure", measured)
    if choice.box is None:
        return loaded, choice, measured
    crop = in_original(choice.box, loaded.offset, loaded.scale)
    return load_image(source, crop=crop), choice, None


def _read_larger(
    loaded: LoadedImage,
    first: DigitizationResult,
    ranges: dict[str, tuple[float, float] | None],
    percent: bool | None,
    arms: int | list[str] | None,
) -> DigitizationResult:
    """The figure read again at twice its size, if that reading agrees with ``first`` (the
    same arms, or more or fewer each named by the legend: see ``_twice``); else ``first``,
    with a warning saying so."""
    try:
        larger, _ = _read(enlarge(loaded, 2.0), ranges, percent, arms)
    except (KmipdError, ValueError, IndexError, ArithmeticError):
        larger = None
    more = fewer = agree = False
    if larger is not None:
        more, fewer = more_arms_named(first, larger), named_fewer_arms(first, larger)
        agree = more or fewer or same_arms(first, larger)
    if larger is not None and agree and not fewer_names(first, larger):
        found = (
            "the same arms and more, each named by the legend,"
            if more
            else "the arms its legend names, and not the others,"
            if fewer
            else "the same arms"
        )
        note = (
            f"the figure's text is a few pixels high: it was read at twice its size, where {found}"
            " were found (pixel positions refer to the enlarged image)"
        )
        return replace(larger, warnings=(*larger.warnings, note))
    differ = "its legend names fewer arms" if agree else "its arms differ from those found"
    note = (
        f"the figure's text is a few pixels high, but read at twice its size {differ}; the "
        "reading at its own size is kept (check the numbers at risk and the arm names)"
    )
    return replace(first, warnings=(*first.warnings, note))


def _read(
    loaded: LoadedImage,
    ranges: dict[str, tuple[float, float] | None],
    percent: bool | None,
    arms: int | list[str] | None,
    measured: Measures | None = None,
) -> tuple[DigitizationResult, float]:
    """Digitize a loaded raster figure (``seconds`` is this call's time; ``measured``:
    ``measure(loaded.image)`` if already done), with the median height of its words under
    the panel."""
    start = time.perf_counter()
    scene = look(loaded, measured, ahead=True)
    try:
        return _read_scene(scene, loaded, ranges, percent, arms, start), text_height(scene)
    finally:
        if scene.ahead is not None:
            scene.ahead.close(wait=True)  # the words read ahead are read, or not needed


def _read_scene(
    scene: Scene,
    loaded: LoadedImage,
    ranges: dict[str, tuple[float, float] | None],
    percent: bool | None,
    arms: int | list[str] | None,
    start: float,
) -> DigitizationResult:
    """Digitize a figure from its first look (``start``: when the reading began)."""
    warnings: list[str] = []
    text = read_figure_text(scene)
    axes = _calibrate(scene, text, ranges, percent)
    _check_axes(axes, warnings)
    drafts, rising, scene = _drafts(scene, text, axes, arms, warnings, loaded.scale)
    names = _names(drafts, text, arms)
    beside: frozenset[int] = frozenset()
    if not isinstance(arms, list):  # arms without a legend entry: labels beside the curves
        unnamed = [i for i, (_, label, _) in enumerate(names) if label is None]
        names = with_inline_names(scene, drafts, names)
        beside = frozenset(i for i in unnamed if names[i][1] is not None)
    results = [
        _arm_result(d, n, lab, conf, scene, axes, rising, warnings)
        for d, (n, lab, conf) in zip(drafts, names, strict=True)
    ]
    cut = _leaving(results, drafts, scene, axes[1], rising, warnings)
    results = _with_counts(results, drafts, text)
    results = _with_tables(
        results,
        drafts,
        text,
        axes[0],
        warnings,
        name_from_rows=not isinstance(arms, list),
        beside=beside,
    )
    owners = [(d.colour, *d.limits) for d in drafts]
    broken = [scene.styles[d.colour] != "solid" for d in drafts]
    covered = None if rising else ink_cover(scene.labels, owners, broken)
    results = along_covering_curves(results, axes[0], warnings, cut, covered)
    axis_end = float(axes[0].value(scene.frame.right))
    results = _events_from_legend(results, cut, axis_end, warnings)
    warnings.extend(size_notes(results))
    warnings.extend(cut_short(results, cut))
    f = scene.frame
    result = DigitizationResult(
        arms=tuple(results),
        x_axis=axes[0],
        y_axis=axes[1],
        plot_area=(f.top, f.left, f.bottom, f.right),
        warnings=tuple(warnings),
        source=loaded.source,
        image_shape=(int(scene.ink.shape[0]), int(scene.ink.shape[1])),
        scale=loaded.scale,
        offset=loaded.offset,
        failure=rising,
        seconds=time.perf_counter() - start,
    )
    return result
