"""Publication-grade Kaplan-Meier figure: several arms on one axes, numbers at risk below.

Layout, in short:

- curves are post-step lines from (0, 1), one Okabe-Ito colour *and* one line
  style per arm (they stay apart in greyscale), 2 pt wide;
- the numbers-at-risk table is a second axes under the curves that shares
  their time axis, so every number sits at its tick time in data coordinates
  and stays under the tick in any output format or resolution; row labels and
  line-style samples are offset from the table's left edge in points;
- the legend (and the p-value) go to the first corner of the axes where they
  cover no curve, band, censor mark or each other; a legend that fits nowhere
  goes under the table (or right of the axes without a table), a p-value that
  fits nowhere goes top right above the axes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from kmipd.errors import OptionError
from kmipd.plot._overlay import PALETTE

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.text import Text
    from matplotlib.transforms import Affine2DBase, Bbox, Transform

    from kmipd.analysis._results import KaplanMeierResult

__all__ = ["LINESTYLES", "format_pvalue", "median_survival", "plot_km"]

FloatArray = npt.NDArray[np.float64]

# Solid, dashed, dotted, dash-dot, dash-dot-dot, long dash, sparse dots, dash-dash-dot.
LINESTYLES: tuple[Any, ...] = (
    "-",
    "--",
    ":",
    "-.",
    (0, (4.0, 1.5, 1.0, 1.5, 1.0, 1.5)),
    (0, (8.0, 2.5)),
    (0, (1.0, 3.0)),
    (0, (4.0, 1.5, 4.0, 1.5, 1.0, 1.5)),
)
LINEWIDTH = 2.0  # points: thick enough for print
_WIDTH = 7.0  # inches: a double-column figure
_CURVE_HEIGHT = 4.2  # inches for the curves, with their axis labels
_ROW_HEIGHT = 0.24  # inches per row of the numbers-at-risk table
_SAMPLE = (-46.0, -17.0)  # line-style sample, points left of the time-0 column
_LABEL_X = -51.0  # right end of the row labels, points left of the time-0 column
_MIN_AXES_WIDTH = 5.0  # inches kept for the curves when the table's labels are long
_CENSOR_MARKS: dict[str, Any] = {
    "linestyle": "none",
    "marker": "|",
    "markersize": 7,
    "markeredgewidth": 1.4,
    "label": "_censor marks",
    "zorder": 4,
}
_DROP_LINE: dict[str, Any] = {
    "linestyle": ":",
    "linewidth": 1.0,
    "label": "_median line",
    "zorder": 2,
}
_TABLE_TEXT: dict[str, Any] = {"va": "center", "fontsize": "small", "clip_on": False}
_LEGEND: dict[str, Any] = {
    "frameon": False,
    "fontsize": "small",
    "handlelength": 3.2,
    "borderaxespad": 0.6,
    "labelspacing": 0.35,
}
# Corners tried in turn, for a survival curve (failure curves: upper and lower swapped).
_LEGEND_CORNERS = (
    "upper right",
    "lower left",
    "lower right",
    "center right",
    "lower center",
    "upper center",
    "center left",
)
_PVALUE_CORNERS = ("lower left", "lower right", "upper right", "center left", "center right")


@dataclass(frozen=True)
class _Arm:
    key: str
    label: str
    curve: KaplanMeierResult
    color: str
    linestyle: Any


def plot_km(
    curves: Sequence[KaplanMeierResult] | Mapping[str, KaplanMeierResult],
    *,
    labels: Mapping[str, str] | None = None,
    ax: Axes | None = None,
    risk_table: bool = True,
    risk_times: Sequence[float] | None = None,
    confidence_bands: bool = False,
    censor_marks: bool = True,
    medians: bool = True,
    median_lines: bool = False,
    pvalue: float | None = None,
    pvalue_label: str = "Log-rank",
    title: str | None = None,
    time_unit: str | None = None,
    ylabel: str = "Survival probability",
    xmax: float | None = None,
    failure: bool = False,
) -> Figure:
    """Draw Kaplan-Meier curves of several arms on one axes, with numbers at risk below.

    Each arm is a post-step curve from (0, 1) in its own colour-blind-safe
    (Okabe-Ito) colour and its own line style, with censor marks ``|`` in
    its colour. The legend reads ``label (m 6.8)``, the median survival
    time (R's rule: the first time S <= 0.5; where S is exactly 0.5 over a
    flat stretch, its midpoint), or ``label (NR)`` when not reached. The
    legend and p-value go to a free corner of the axes; a legend that fits
    in no corner goes below the table.

    Parameters
    ----------
    curves : sequence or mapping of KaplanMeierResult
        The arms, drawn in this order. A mapping's keys name the arms (use
        one when two trials have an arm of the same name); a sequence is
        keyed by each result's ``arm``, which must then be distinct.
    labels : mapping of str to str, optional
        Arm key to legend and table label, e.g. ``{"T-DM1": "EMILIA: T-DM1"}``;
        default the key.
    ax : matplotlib Axes, optional
        Axes for the curves; the table is a new axes appended under it.
        By default a new 7-inch-wide figure (constrained layout) is made.
    risk_table : bool
        Draw the numbers-at-risk table (one row per arm, numbers at the ticks).
    risk_times : sequence of float, optional
        Times of the table columns, which also become the time ticks;
        default "nice" ticks (multiples of 3, 6 or 12 for months).
    confidence_bands : bool
        Shade each arm's pointwise confidence band (``lower``-``upper``).
    censor_marks : bool
        Mark censoring times on the curves.
    medians : bool
        Append the median (or NR) to each legend label.
    median_lines : bool
        Draw dotted drop lines from 0.5 down to each reached median (off by
        default: with several arms they clutter the figure).
    pvalue : float, optional
        A p-value to annotate, e.g. ``Log-rank p = 0.044`` (``p < 0.001``).
    pvalue_label : str
        Name of the test put before the p-value.
    title : str, optional
        Title, left-aligned above the curves.
    time_unit : str, optional
        Unit of time, for the label ``Time (months)``.
    ylabel : str
        Label of the probability axis (``Cumulative incidence`` by default
        when ``failure``).
    xmax : float, optional
        End of the time axis (default the last time of any arm).
    failure : bool
        Draw 1 - S (cumulative incidence) instead of S.

    Returns
    -------
    matplotlib Figure
        The figure; its axes are the curves and, when drawn, the table.

    Raises
    ------
    OptionError
        No curves, two curves with one name, ``xmax`` <= 0 or a p-value
        outside [0, 1].

    Examples
    --------
    >>> fig = plot_km({"DB03: T-DXd": km_a, "DB03: T-DM1": km_b},
    ...               pvalue=0.0001, time_unit="months")  # doctest: +SKIP
    >>> save_figures(fig, "figure2")  # doctest: +SKIP
    """
    arms = _arms(curves, labels)
    ptext = None if pvalue is None else format_pvalue(pvalue, pvalue_label)
    xend = _time_end(arms, xmax, risk_times)
    created = ax is None
    if ax is None:
        ax, table = _new_axes(len(arms), risk_table)
    else:
        table = _axes_under(ax, len(arms)) if risk_table else None
    marks = {"bands": confidence_bands, "censor": censor_marks, "drop": median_lines}
    handles = [_draw_arm(ax, arm, failure, medians, marks) for arm in arms]
    ticks = _time_axis(ax, xend, risk_times, time_unit)
    if failure and ylabel == "Survival probability":
        ylabel = "Cumulative incidence"
    _probability_axis(ax, ylabel)
    if title:
        ax.set_title(title, loc="left", fontweight="bold")
    if table is not None:
        column = _draw_risk_table(table, arms, ticks)
        if created:
            _widen_for_labels(table.figure, column)  # type: ignore[arg-type]
    _place_legend_and_pvalue(ax, table, handles, ptext, failure=failure, resize=created)
    return _root_figure(ax)


def median_survival(curve: KaplanMeierResult) -> float:
    """Median survival time of a Kaplan-Meier estimate, by R's rule; NaN if not reached.

    The first time at which S <= 0.5 (with a tolerance of sqrt(machine
    epsilon)); when S equals 0.5 there and drops lower later, the midpoint
    of that time and the time of the next drop, as ``survfit`` reports.

    Examples
    --------
    >>> median_survival(km)  # doctest: +SKIP
    6.8
    """
    time = np.asarray(curve.time, dtype=float)
    survival = np.asarray(curve.survival, dtype=float)
    tolerance = math.sqrt(np.finfo(float).eps)
    below = np.flatnonzero(survival < 0.5 + tolerance)
    if below.size == 0:
        return math.nan
    first = below[0]
    if abs(survival[first] - 0.5) < tolerance:
        lower = np.flatnonzero(survival < survival[first])
        if lower.size:
            return float(time[first] + time[lower[0]]) / 2.0
    return float(time[first])


def format_pvalue(pvalue: float, label: str = "Log-rank") -> str:
    """The annotation of a p-value: 3 decimals below 0.1, 2 above, ``p < 0.001`` below that.

    Raises
    ------
    OptionError
        If ``pvalue`` is not a number in [0, 1].

    Examples
    --------
    >>> format_pvalue(0.0441)
    'Log-rank p = 0.044'
    >>> format_pvalue(2e-5, "Stratified log-rank")
    'Stratified log-rank p < 0.001'
    """
    p = float(pvalue)
    if not 0.0 <= p <= 1.0:
        raise OptionError(f"pvalue must be a number from 0 to 1, not {pvalue!r}")
    if p < 0.001:
        text = "p < 0.001"
    elif round(p, 3) < 0.1:
        text = f"p = {p:.3f}"
    else:
        text = f"p = {p:.2f}"
    return f"{label} {text}" if label else text


def _arms(
    curves: Sequence[KaplanMeierResult] | Mapping[str, KaplanMeierResult],
    labels: Mapping[str, str] | None,
) -> list[_Arm]:
    if isinstance(curves, Mapping):
        pairs = [(str(key), curve) for key, curve in curves.items()]
    else:
        pairs = [(str(curve.arm), curve) for curve in curves]
    if not pairs:
        raise OptionError("curves: give at least one KaplanMeierResult")
    keys = [key for key, _ in pairs]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise OptionError(
            f"curves: arm {twice[0]!r} appears twice; pass a mapping such as "
            "{'EMILIA: T-DM1': km1, 'DB03: T-DM1': km2} to name the curves apart"
        )
    names = labels or {}
    return [
        _Arm(key, str(names.get(key, key)), curve, _color(k), LINESTYLES[k % len(LINESTYLES)])
        for k, (key, curve) in enumerate(pairs)
    ]


def _color(k: int) -> str:
    return PALETTE[k % len(PALETTE)]


def _time_end(
    arms: Sequence[_Arm], xmax: float | None, risk_times: Sequence[float] | None
) -> float:
    if xmax is not None:
        if not xmax > 0:
            raise OptionError(f"xmax must be a positive time, not {xmax!r}")
        return float(xmax)
    ends = [float(arm.curve.time[-1]) for arm in arms if arm.curve.time.size]
    if risk_times is not None and len(risk_times):
        ends.append(float(max(risk_times)))
    return max(ends, default=0.0) or 1.0


def _new_axes(n_arms: int, risk_table: bool) -> tuple[Axes, Axes | None]:
    """A new figure (no pyplot): curves on top, a table of ``n_arms`` rows + heading below."""
    from matplotlib.figure import Figure

    table_height = (n_arms + 1) * _ROW_HEIGHT if risk_table else 0.0
    fig = Figure(figsize=(_WIDTH, _CURVE_HEIGHT + table_height + 0.3), layout="constrained")
    if not risk_table:
        return fig.add_subplot(), None
    grid = fig.add_gridspec(2, 1, height_ratios=(_CURVE_HEIGHT, table_height + 0.15))
    ax = fig.add_subplot(grid[0])
    return ax, fig.add_subplot(grid[1], sharex=ax)


def _axes_under(ax: Axes, n_arms: int) -> Axes:
    """A table axes appended under ``ax``, sharing its time axis, below its time labels."""
    from matplotlib import rcParams
    from matplotlib.font_manager import FontProperties
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    tick_size = FontProperties(size=rcParams["xtick.labelsize"]).get_size_in_points()
    label_size = ax.xaxis.label.get_fontsize()
    pad = (1.3 * (float(tick_size) + float(label_size)) + 14.0) / 72.0  # ticks + label, inches
    divider = make_axes_locatable(ax)
    size = (n_arms + 1) * _ROW_HEIGHT
    table: Axes = divider.append_axes("bottom", size=size, pad=pad, sharex=ax)
    ax.tick_params(labelbottom=True)
    return table


def _steps(time: FloatArray, values: FloatArray, start: float) -> tuple[FloatArray, FloatArray]:
    """Vertices of the post-step curve from (0, ``start``) through each (time, value)."""
    before = np.concatenate(([start], values[:-1]))
    x = np.concatenate(([0.0], np.repeat(time, 2)))
    y = np.concatenate(([start], np.column_stack((before, values)).ravel()))
    return x, y


def _draw_arm(
    ax: Axes, arm: _Arm, failure: bool, medians: bool, marks: Mapping[str, bool]
) -> Line2D:
    """One arm's step curve (returned, for the legend), band, censor marks and drop line."""
    curve = arm.curve
    values = 1.0 - curve.survival if failure else curve.survival
    x, y = _steps(curve.time, np.asarray(values, dtype=float), 0.0 if failure else 1.0)
    median = median_survival(curve)
    label = arm.label + (_median_text(median) if medians else "")
    style = {"color": arm.color, "linestyle": arm.linestyle, "linewidth": LINEWIDTH}
    (line,) = ax.plot(x, y, label=label, zorder=3, **style)
    _unclip_vertically(ax, line)
    if marks["bands"]:
        _draw_band(ax, arm, failure)
    if marks["censor"]:
        at = curve.at(curve.censor_times)
        (censored,) = ax.plot(curve.censor_times, 1.0 - at if failure else at, **_CENSOR_MARKS)
        censored.set_color(arm.color)
        _unclip_vertically(ax, censored)
    if marks["drop"] and math.isfinite(median):
        ax.plot([0.0, median, median], [0.5, 0.5, 0.0], color=arm.color, **_DROP_LINE)
    return line


def _median_text(median: float) -> str:
    return f" (m {median:.1f})" if math.isfinite(median) else " (NR)"


def _unclip_vertically(ax: Axes, artist: Artist) -> None:
    """Clip at the time limits only, so a curve along S = 1 or 0 is not cut in half."""
    from matplotlib.transforms import Bbox, TransformedBbox

    artist.set_clip_box(TransformedBbox(Bbox.from_extents(0.0, -0.05, 1.0, 1.05), ax.transAxes))


def _draw_band(ax: Axes, arm: _Arm, failure: bool) -> None:
    curve = arm.curve
    survival = np.asarray(curve.survival, float)
    # Undefined limits (R gives NA where S is 0 or 1): a band of zero width there.
    lower = np.where(np.isnan(curve.lower), survival, curve.lower)
    upper = np.where(np.isnan(curve.upper), survival, curve.upper)
    if failure:
        lower, upper = 1.0 - upper, 1.0 - lower
    start = 0.0 if failure else 1.0
    time = np.concatenate(([0.0], curve.time))
    ax.fill_between(
        time,
        np.concatenate(([start], lower)),
        np.concatenate(([start], upper)),
        step="post",
        color=arm.color,
        alpha=0.15,
        linewidth=0.0,
        zorder=1,
        label="_confidence band",
    )


def _time_axis(
    ax: Axes, xend: float, risk_times: Sequence[float] | None, time_unit: str | None
) -> FloatArray:
    """Fix the time limits and ticks (the table columns); return the tick times."""
    from matplotlib.ticker import MaxNLocator

    chosen: Sequence[float]
    if risk_times is not None:
        chosen = risk_times
    elif time_unit and time_unit.lower().startswith("month"):  # multiples of 3, 6, 12 months
        chosen = MaxNLocator(nbins=9, steps=[1, 1.2, 2, 3, 6, 10], integer=True).tick_values(
            0, xend
        )
    else:
        chosen = MaxNLocator(nbins=9).tick_values(0.0, xend)
    ticks: FloatArray = np.unique(np.asarray(chosen, dtype=float))
    ticks = ticks[(ticks >= 0.0) & (ticks <= xend * (1.0 + 1e-9))]
    ax.set_xlim(0.0, xend)
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks.tolist()])
    ax.set_xlabel(f"Time ({time_unit})" if time_unit else "Time")
    return np.asarray(ticks, dtype=float)


def _probability_axis(ax: Axes, ylabel: str) -> None:
    ticks = np.linspace(0.0, 1.0, 6)
    ax.set_ylim(0.0, 1.0)
    ax.set_yticks(ticks, [f"{v:.1f}" for v in ticks.tolist()])
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)


def _draw_risk_table(table: Axes, arms: Sequence[_Arm], ticks: FloatArray) -> float:
    """Numbers at risk at ``ticks``, one row per arm (first on top), labelled on the left.

    Returns the width of the label column (labels, samples, gap), in points.
    """
    n = len(arms)
    offset = _points_left_of(table)
    labels = [_risk_row(table, n - 1 - row, arm, ticks, offset) for row, arm in enumerate(arms)]
    # Right-aligned over the labels and samples: text widths vary with the output's
    # resolution, so nothing is placed by a measured width.
    heading = table.text(
        _SAMPLE[1],
        n,
        "Number at risk",
        transform=offset,
        ha="right",
        fontweight="bold",
        **_TABLE_TEXT,
    )
    dpi = _root_figure(table).dpi
    widths = [_width_points(text, dpi) for text in labels]
    widths.append(_width_points(heading, dpi) + _SAMPLE[1])
    table.set_ylim(-0.5, n + 0.5)
    table.tick_params(left=False, bottom=False, labelleft=False, labelbottom=False)
    table.spines[:].set_visible(False)
    table.patch.set_visible(False)
    return max(widths) - _LABEL_X


def _risk_row(table: Axes, y: int, arm: _Arm, ticks: FloatArray, offset: Transform) -> Text:
    """One arm's numbers at the tick times, its label and line-style sample at the left."""
    from matplotlib.lines import Line2D

    for t, count in zip(ticks.tolist(), arm.curve.at_risk(ticks).tolist(), strict=True):
        table.text(t, y, str(count), ha="center", color=arm.color, **_TABLE_TEXT)
    sample = Line2D(
        _SAMPLE,
        (y, y),
        transform=offset,
        color=arm.color,
        linestyle=arm.linestyle,
        linewidth=LINEWIDTH,
        clip_on=False,
    )
    table.add_artist(sample)
    return table.text(
        _LABEL_X, y, arm.label, transform=offset, ha="right", color=arm.color, **_TABLE_TEXT
    )


def _width_points(text: Text, dpi: float) -> float:
    return float(text.get_window_extent().width) * 72.0 / dpi


def _widen_for_labels(fig: Figure, column_points: float) -> None:
    """Widen a new figure so that a long label column leaves the curves their width."""
    needed = column_points / 72.0 + _MIN_AXES_WIDTH + 0.35
    if needed > fig.get_figwidth():
        fig.set_figwidth(needed)


def _points_left_of(table: Axes) -> Transform:
    """x in points from the table's left edge (time 0), y in table rows."""
    from matplotlib.transforms import Affine2D, ScaledTranslation, blended_transform_factory

    fig = _root_figure(table)
    corner = ScaledTranslation(0, 0, cast("Affine2DBase", table.transAxes))  # moves with the axes
    x = Affine2D().scale(1.0 / 72.0) + fig.dpi_scale_trans + corner
    return blended_transform_factory(x, table.transData)


def _place_legend_and_pvalue(
    ax: Axes,
    table: Axes | None,
    handles: list[Line2D],
    ptext: str | None,
    *,
    failure: bool,
    resize: bool,
) -> None:
    """Legend and p-value in free corners; otherwise below (legend) or above (p-value)."""
    from matplotlib.offsetbox import AnchoredText

    fig = _root_figure(ax)
    fig.draw_without_rendering()  # final layout, so that extents are right
    flip = _flip if failure else str
    legend = _first_free(
        ax,
        lambda loc: ax.legend(handles=handles, **{**_LEGEND, "loc": loc}),
        [flip(loc) for loc in _LEGEND_CORNERS],
        [],
    )
    if legend is None:
        _legend_outside(ax, table, handles, resize)
        fig.draw_without_rendering()
    if ptext is None:
        return

    def anchored(loc: str) -> Artist:
        box = AnchoredText(ptext, loc=loc, frameon=False, prop={"fontsize": "small"}, pad=0.3)
        return ax.add_artist(box)

    avoid = [] if legend is None else [legend.get_window_extent()]
    if _first_free(ax, anchored, [flip(loc) for loc in _PVALUE_CORNERS], avoid) is None:
        ax.set_title(ptext, loc="right", fontsize="small")


def _flip(loc: str) -> str:
    swap = {"upper": "lower", "lower": "upper"}
    return " ".join(swap.get(word, word) for word in loc.split())


def _first_free(
    ax: Axes, make: Callable[[str], Any], corners: Sequence[str], avoid: Sequence[Bbox]
) -> Any:
    """The artist ``make(corner)`` for the first corner where it covers nothing, else None."""
    pad = 3.0 * _root_figure(ax).dpi / 72.0
    for corner in corners:
        artist = make(corner)
        box = artist.get_window_extent().padded(pad)
        if not _collides(ax, box) and not any(box.overlaps(other) for other in avoid):
            return artist
        artist.remove()
    return None


def _collides(ax: Axes, box: Bbox) -> bool:
    """Whether ``box`` (display units) touches a line, marker or band drawn on ``ax``."""
    for line in ax.lines:
        path = line.get_transform().transform_path(line.get_path())
        if line.get_linestyle() in ("None", "none", "", " "):
            if box.count_contains(path.vertices):
                return True
        elif path.intersects_bbox(box, filled=False):
            return True
    for collection in ax.collections:
        transform = collection.get_transform()
        for path in collection.get_paths():
            if transform.transform_path(path).intersects_bbox(box, filled=True):
                return True
    return False


def _legend_outside(ax: Axes, table: Axes | None, handles: list[Line2D], resize: bool) -> None:
    """The legend under the table (or right of the axes when there is no table).

    With ``resize`` (a figure of our own) the figure is widened by what the
    legend needs beyond the axes, so that the curves keep their width.
    """
    fig = _root_figure(ax)
    if table is None:
        legend = ax.legend(
            handles=handles, **{**_LEGEND, "loc": "upper left", "bbox_to_anchor": (1.02, 1)}
        )
        room = 0.0
    else:
        longest = max(len(str(h.get_label())) for h in handles)
        ncols = 1 if longest > 34 or len(handles) < 2 else 2
        legend = table.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.0, 0.0),
            ncols=ncols,
            **{**_LEGEND, "borderaxespad": 0.3},
        )
        room = table.get_position().width * fig.get_figwidth()
    extra = legend.get_window_extent().width / fig.dpi - room
    if resize and extra > 0:
        fig.set_figwidth(fig.get_figwidth() + extra + 0.1)


def _root_figure(ax: Axes) -> Figure:
    from matplotlib.figure import Figure

    fig: Any = ax.figure
    while not isinstance(fig, Figure):  # a SubFigure: go up to the figure that is saved
        fig = fig.figure
    return fig
