"""Overlay of a reconstruction on its input: curves on top, numbers at risk below."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from kmipd.errors import OptionError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from kmipd.types import ArmReconstruction, ReconstructionResult

__all__ = ["figure_format", "plot_reconstruction", "save_figure"]

# Okabe & Ito colour-blind-safe palette, yellow left out (too pale on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
LINESTYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
HIGHLIGHT = "#F0E442"  # Okabe-Ito yellow behind a rebuilt number that differs from the given one
_ROW_HEIGHT = 0.22  # inches per row of the numbers-at-risk panel
_MAX_TICKS = 16  # more risk-table times than this keep matplotlib's own ticks


def plot_reconstruction(
    result: ReconstructionResult,
    *,
    ax: Axes | None = None,
    arms: Sequence[str] | None = None,
) -> Figure:
    """Draw digitized points over the rebuilt Kaplan-Meier curves, with a risk-table check.

    The top panel shows, per arm, the cleaned input points (small markers)
    and the Kaplan-Meier step curve of the rebuilt patient-level data, in the
    same colour and a distinct line style. If any arm has a risk table, a
    panel below lists, at each risk-table time, the given and the rebuilt
    numbers at risk (rows ``ARM given`` and ``ARM rebuilt``); rebuilt numbers
    that differ are bold on a yellow background.

    Parameters
    ----------
    result : ReconstructionResult
        The output of :func:`kmipd.reconstruct`.
    ax : matplotlib Axes, optional
        Axes for the curves; the risk-table panel is added below it and,
        for 3 to 16 risk-table times, the time ticks are put at those times.
        By default a new figure is made.
    arms : sequence of str, optional
        Arms to draw, in this order (default: all, in the result's order).

    Returns
    -------
    matplotlib Figure
        The figure holding the axes (``fig.axes[0]`` the curves, ``fig.axes[1]``
        the numbers at risk when drawn).

    Raises
    ------
    OptionError
        If ``arms`` names an arm that is not in ``result``.

    Examples
    --------
    >>> fig = plot_reconstruction(result)  # doctest: +SKIP
    >>> save_figure(fig, "overlay.png")  # doctest: +SKIP
    """
    chosen = _choose_arms(result, arms)
    if ax is None:
        ax = _new_axes(len(chosen))
    for k, arm in enumerate(chosen):
        _draw_arm(ax, arm, k)
    _style_curve_axes(ax, chosen)
    with_tables = [(k, arm) for k, arm in enumerate(chosen) if arm.risk_table is not None]
    if with_tables:
        _draw_risk_panel(ax, with_tables)
    return ax.figure  # type: ignore[return-value]


def _choose_arms(
    result: ReconstructionResult, arms: Sequence[str] | None
) -> list[ArmReconstruction]:
    if arms is None:
        return list(result.arms.values())
    missing = [name for name in arms if name not in result.arms]
    if missing:
        known = ", ".join(repr(name) for name in result.arms)
        raise OptionError(f"arms: {missing[0]!r} is not in the result; arms there: {known}")
    return [result.arms[name] for name in arms]


def _new_axes(n_arms: int) -> Axes:
    _use_agg_without_display()
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8.0, 5.0 + 2 * n_arms * _ROW_HEIGHT))
    return fig.add_subplot()


def _use_agg_without_display() -> None:
    """Switch to the Agg backend on a Linux machine with no display, before pyplot loads."""
    if "matplotlib.pyplot" in sys.modules or os.environ.get("MPLBACKEND"):
        return
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        import matplotlib

        matplotlib.use("Agg")


def _style(k: int) -> dict[str, Any]:
    return {"color": PALETTE[k % len(PALETTE)], "linestyle": LINESTYLES[k % len(LINESTYLES)]}


def _draw_arm(ax: Axes, arm: ArmReconstruction, k: int) -> None:
    """Input points as markers, then the rebuilt Kaplan-Meier step curve."""
    style = _style(k)
    ax.plot(
        arm.curve.time,
        arm.curve.survival,
        linestyle="none",
        marker=MARKERS[k % len(MARKERS)],
        markersize=3,
        alpha=0.6,
        color=style["color"],
        label="_nolegend_",
    )
    x, y = _km_steps(arm.time, arm.event)
    ax.step(x, y, where="post", linewidth=1.5, label=arm.arm, **style)


def _km_steps(
    time: npt.ArrayLike, event: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Kaplan-Meier estimate as step vertices starting at (0, 1), ending at the last time."""
    time = np.asarray(time, dtype=np.float64)
    event = np.asarray(event, dtype=np.int64)
    if time.size == 0:
        return np.array([0.0]), np.array([1.0])
    unique, inverse = np.unique(time, return_inverse=True)
    deaths = np.bincount(inverse, weights=event, minlength=unique.size)
    leaving = np.bincount(inverse, minlength=unique.size)
    at_risk = time.size - np.concatenate(([0], np.cumsum(leaving)[:-1]))
    survival = np.cumprod(1.0 - deaths / at_risk)
    return np.concatenate(([0.0], unique)), np.concatenate(([1.0], survival))


def _style_curve_axes(ax: Axes, arms: Sequence[ArmReconstruction]) -> None:
    from matplotlib.lines import Line2D

    handles = [
        Line2D([], [], marker=MARKERS[k % len(MARKERS)], markersize=4, label=arm.arm, **_style(k))
        for k, arm in enumerate(arms)
    ]
    ax.legend(
        handles=handles,
        title="points: digitized, lines: rebuilt",
        fontsize="small",
        title_fontsize="small",
        frameon=False,
    )
    ax.set_xlabel("Time")
    ax.set_ylabel("Survival probability")
    ax.set_ylim(0.0, 1.02)
    ax.set_xlim(0.0, _time_end(arms) * 1.02 or 1.0)
    ax.grid(alpha=0.3)


def _time_end(arms: Sequence[ArmReconstruction]) -> float:
    ends = [0.0]
    for arm in arms:
        ends.append(arm.curve.end)
        if arm.time.size:
            ends.append(float(arm.time.max()))
        if arm.risk_table is not None and len(arm.risk_table):
            ends.append(float(arm.risk_table.time.max()))
    return max(ends)


def _draw_risk_panel(ax: Axes, arms: Sequence[tuple[int, ArmReconstruction]]) -> None:
    """Given and rebuilt numbers at risk under ``ax``, aligned to its time axis."""
    from mpl_toolkits.axes_grid1 import make_axes_locatable

    rows = 2 * len(arms)
    panel = make_axes_locatable(ax).append_axes(
        "bottom", size=rows * _ROW_HEIGHT + 0.1, pad=0.8, sharex=ax
    )
    ax.tick_params(labelbottom=True)
    _ticks_at_risk_times(ax, arms)
    labels = []
    for j, (k, arm) in enumerate(arms):
        assert arm.risk_table is not None
        given_row, rebuilt_row = rows - 1 - 2 * j, rows - 2 - 2 * j
        _risk_row(panel, arm, given_row, rebuilt_row, PALETTE[k % len(PALETTE)])
        labels += [(given_row, f"{arm.arm} given", k), (rebuilt_row, f"{arm.arm} rebuilt", k)]
    _style_risk_panel(panel, labels, rows)


def _ticks_at_risk_times(ax: Axes, arms: Sequence[tuple[int, ArmReconstruction]]) -> None:
    """Put the time ticks at the risk-table times, as under a published figure."""
    tables = [arm.risk_table.time for _, arm in arms if arm.risk_table is not None]
    times = np.unique(np.concatenate(tables))
    if 3 <= times.size <= _MAX_TICKS:
        ax.set_xticks(times, [f"{t:g}" for t in times.tolist()])


def _risk_row(
    panel: Axes, arm: ArmReconstruction, given_y: int, rebuilt_y: int, color: str
) -> None:
    """One arm's given numbers at risk and, below, the rebuilt ones (at risk: time >= t)."""
    assert arm.risk_table is not None
    times = arm.risk_table.time
    given_counts = arm.risk_table.n_at_risk.tolist()
    rebuilt = np.count_nonzero(arm.time[None, :] >= times[:, None], axis=1).tolist()
    text: dict[str, Any] = {"ha": "center", "va": "center", "fontsize": "small", "clip_on": False}
    for t, given, built in zip(times.tolist(), given_counts, rebuilt, strict=True):
        panel.text(t, given_y, str(given), color=color, **text)
        if built != given:
            box = {"boxstyle": "round,pad=0.15", "facecolor": HIGHLIGHT, "edgecolor": "none"}
            panel.text(t, rebuilt_y, str(built), color="black", weight="bold", bbox=box, **text)
        else:
            panel.text(t, rebuilt_y, str(built), color=color, **text)


def _style_risk_panel(panel: Axes, labels: list[tuple[int, str, int]], rows: int) -> None:
    panel.set_ylim(-0.5, rows - 0.5)
    panel.set_yticks([y for y, _, _ in labels], [text for _, text, _ in labels])
    for tick, (_, _, k) in zip(panel.get_yticklabels(), labels, strict=True):
        tick.set_color(PALETTE[k % len(PALETTE)])
    panel.tick_params(left=False, bottom=False, labelbottom=False, labelsize="small", pad=14)
    for spine in panel.spines.values():
        spine.set_visible(False)
    panel.set_title(
        "Number at risk (rebuilt numbers that differ are highlighted)",
        fontsize="small",
        loc="left",
    )


def figure_format(path: str | os.PathLike[str]) -> str:
    """The image format matplotlib should write for ``path``, from its suffix.

    Raises
    ------
    ValueError
        If the suffix is missing or not a format matplotlib can write.

    Examples
    --------
    >>> figure_format("overlay.PNG")
    'png'
    """
    from matplotlib.backend_bases import FigureCanvasBase

    supported = FigureCanvasBase.get_supported_filetypes()
    suffix = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if suffix not in supported:
        choices = ", ".join(sorted(supported))
        what = f"the suffix '.{suffix}' is not" if suffix else "no suffix is"
        raise ValueError(f"{what} an image format matplotlib can write; use one of {choices}")
    return suffix


def save_figure(fig: Figure, path: str | os.PathLike[str], **kwargs: Any) -> None:
    """Save ``fig`` to ``path`` atomically: the complete file or none at all.

    The figure is written to a temporary file beside ``path`` in the format
    given by the suffix, which then replaces ``path``.

    Parameters
    ----------
    fig : matplotlib Figure
        The figure.
    path : str or path-like
        Output file; its suffix (``.png``, ``.pdf``, ``.svg``, ...) sets the format.
    **kwargs
        Passed to ``Figure.savefig`` (default ``dpi=150, bbox_inches="tight"``).

    Raises
    ------
    ValueError
        If the suffix is not an image format matplotlib can write.

    Examples
    --------
    >>> save_figure(plot_reconstruction(result), "overlay.pdf")  # doctest: +SKIP
    """
    from kmipd.io import atomic_write

    options = {"dpi": 150, "bbox_inches": "tight", **kwargs, "format": figure_format(path)}
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, **options)
