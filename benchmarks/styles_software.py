"""Figures drawn as other statistics software draws them, for ``styles_dev.py``.

* ``sas``: SAS ODS Graphics' ``PROC LIFETEST`` survival plot: a title and a
  subtitle over the plot, the plot region boxed on four sides, '+' censor
  marks in the arms' colours, the numbers at risk under the x axis in rows
  labelled with the arms' names in their colours, and one framed legend at
  the foot with a black "+ Censored" entry and the arms under a heading;
* ``prism``: GraphPad Prism's survival graph: thick lines, the axes set off
  from the plot region and from each other, outward ticks, "Percent
  survival" from 0 to 100 in steps of 25, vertical censor ticks, a bold
  font and the legend beside the plot, outside it; no risk table;
* ``baser``: R's ``plot(survfit(...))``: the plot region boxed, each axis
  reaching 4 % past the data (``xaxs = "r"``), y tick labels turned to read
  upwards (``las = 0``), black solid and red dashed curves with '+' censor
  marks, a framed legend at the top right; no risk table;
* ``greys``: a greyscale figure telling arms apart by grey and line style:
  a black dashed and a dark grey dotted curve, '+' censor marks, the legend
  in the panel and lifelines' "At risk" rows under it;
* ``nejm``: as NEJM prints them: the x axis running to the end of
  follow-up, the legend a small table inside the plot (key and name, "No.
  of Patients", "No. of Events", the median with its unit), placed where
  the curves leave room (top right or bottom left), and a "No. at Risk"
  table with rows labelled in the arms' colours (session 22);
* ``lancet``: as the Lancet prints them: the legend in the plot, and
  "Number at risk (number censored)" rows under it, each number followed
  by the patients censored so far in parentheses, ``134 (5)`` (session 22).

All use Liberation Sans (Arial's metrics).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FONT = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")
BOLD = FONT.with_name("LiberationSans-Bold.ttf")
SOFTWARE = ("sas", "prism", "baser", "greys", "nejm", "lancet")
NO_TABLE = ("prism", "baser")
SAS_COLOURS = ("#445694", "#A23A2E", "#01665E")
PRISM_COLOURS = ("black", "#E41A1C")
BASE_R = ("black", "#DF536B")
_NAME_WIDTH = 0.012  # share of the axes' width a 7-point character takes (about)


def render_software(
    ipd: pd.DataFrame, unit: str, style: str, path: Path, step: float, x_end: float
) -> dict[str, Any]:
    """Draw ``ipd`` in one of the ``SOFTWARE`` styles; returns its x end and table step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    for face in (FONT, BOLD):
        if face.exists():
            font_manager.fontManager.addfont(str(face))
    family = font_manager.FontProperties(fname=str(FONT)).get_name()
    draw = {
        "sas": _sas,
        "prism": _prism,
        "baser": _base_r,
        "greys": _greys,
        "nejm": _nejm,
        "lancet": _lancet,
    }[style]
    if style == "nejm":  # the axis runs to the end of follow-up
        step, x_end = _full_axis(float(ipd.time.max()))
    with plt.rc_context({"font.family": family, "font.size": 9}):
        fig = draw(ipd, unit, step, x_end)
        fig.savefig(path, facecolor="white")
        plt.close(fig)
    return {"x_end": x_end, "risk_step": step}


def percent_axes(
    ax: Any, x_end: float, step: float, y_step: int, xlabel: str, ylabel: str
) -> np.ndarray:
    """Journal axes: time from 0 to ``x_end`` ticked every ``step``, survival 0-100 %
    ticked every ``y_step``, no top or right spine. Returns the time ticks."""
    ticks = np.arange(0, x_end + 1e-9, step)
    ax.set_xlim(0, x_end)
    ax.set_xticks(ticks)
    ax.set_ylim(0, 100)
    ax.set_yticks(np.arange(0, 101, y_step))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    return ticks


def _km(group: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Times and survival of a group's KM step function, and its censored times and levels."""
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter().fit(group.time, group.event)
    frame = fitter.survival_function_
    censored = np.sort(group.time[group.event == 0].to_numpy(dtype=float))
    levels = np.asarray(fitter.predict(censored), dtype=float) if len(censored) else censored
    return frame.index.to_numpy(float), frame.iloc[:, 0].to_numpy(float), censored, levels


def _sas(ipd: pd.DataFrame, unit: str, step: float, x_end: float) -> Any:
    """The ``sas`` style (see the module docstring)."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.transforms import blended_transform_factory

    arms = list(dict.fromkeys(ipd.arm))
    ticks = np.arange(0, x_end + 1e-9, step)
    fig = plt.figure(figsize=(7.0, 4.8), dpi=120)
    ax = fig.add_axes((0.3, 0.4, 0.66, 0.46))
    below = blended_transform_factory(ax.transData, ax.transAxes)
    beside = blended_transform_factory(ax.transAxes, ax.transAxes)
    handles = [Line2D([], [], color="black", marker="+", ls="none", ms=7)]
    for i, arm in enumerate(arms):
        colour = SAS_COLOURS[i % 3]
        group = ipd[ipd.arm == arm]
        times, surv, censored, levels = _km(group)
        ax.step(times, surv, where="post", color=colour, lw=1.2)
        keep = censored <= x_end
        ax.plot(censored[keep], levels[keep], "+", color=colour, ms=6, mew=0.9)
        handles.append(Line2D([], [], color=colour, lw=1.2))
        row = -0.27 - 0.08 * i
        ax.text(-0.05, row, str(arm), transform=beside, ha="right", color=colour, fontsize=8)
        at = group.time.to_numpy()
        for t in ticks:
            count = str(int(np.sum(at >= t)))
            ax.text(float(t), row, count, transform=below, ha="center", color=colour, fontsize=8)
    ax.set_xlim(0, x_end * 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_xticks(ticks)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.yaxis.set_major_formatter("{x:.1f}")
    ax.set_xlabel(unit, labelpad=2)
    ax.set_ylabel("Survival Probability")
    for spine in ax.spines.values():
        spine.set_color("#404040")
    fig.text(0.58, 0.95, "Product-Limit Survival Estimates", ha="center", weight="bold")
    fig.text(0.58, 0.91, "With Number of Subjects at Risk", ha="center", fontsize=8)
    labels = ["Censored", *(str(a) for a in arms)]
    legend = fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8)
    legend.get_frame().set_edgecolor("#404040")
    legend.get_frame().set_boxstyle("square", pad=0.2)
    return fig


def _prism(ipd: pd.DataFrame, unit: str, step: float, x_end: float) -> Any:
    """The ``prism`` style (see the module docstring)."""
    import matplotlib.pyplot as plt

    arms = list(dict.fromkeys(ipd.arm))
    with plt.rc_context({"font.weight": "bold", "axes.labelweight": "bold", "font.size": 11}):
        fig = plt.figure(figsize=(8.4, 4.4), dpi=110)
        ax = fig.add_axes((0.11, 0.16, 0.48, 0.76))
        for i, arm in enumerate(arms):
            times, surv, censored, levels = _km(ipd[ipd.arm == arm])
            colour = PRISM_COLOURS[i % 2]
            ax.step(times, 100 * surv, where="post", color=colour, lw=2.4, label=str(arm))
            keep = censored <= x_end
            ax.plot(censored[keep], 100 * levels[keep], "|", color=colour, ms=7, mew=1.6)
        ax.set_xlim(0, x_end)
        ax.set_ylim(0, 100)
        ax.set_xticks(np.arange(0, x_end + 1e-9, step))
        ax.set_yticks([0, 25, 50, 75, 100])
        ax.spines[["top", "right"]].set_visible(False)
        ax.spines[["left", "bottom"]].set_linewidth(1.8)
        ax.spines["left"].set_position(("outward", 8))
        ax.spines["bottom"].set_position(("outward", 8))
        ax.tick_params(width=1.8, length=6, direction="out")
        ax.set_xlabel(unit.capitalize())
        ax.set_ylabel("Percent survival")
        ax.legend(loc="center left", bbox_to_anchor=(1.03, 0.5), frameon=False)
        fig.canvas.draw()  # the bold weight is read when drawn
    return fig


def _base_r(ipd: pd.DataFrame, unit: str, step: float, x_end: float) -> Any:
    """The ``baser`` style (see the module docstring)."""
    import matplotlib.pyplot as plt

    arms = list(dict.fromkeys(ipd.arm))
    fig = plt.figure(figsize=(6.0, 5.0), dpi=110)
    ax = fig.add_axes((0.13, 0.13, 0.82, 0.8))
    last, lines = 0.0, []
    for i, arm in enumerate(arms):
        times, surv, censored, levels = _km(ipd[ipd.arm == arm])
        style = "-" if i == 0 else "--"
        lines += ax.step(times, surv, where="post", color=BASE_R[i % 2], lw=1.0, ls=style)
        ax.plot(censored, levels, "+", color=BASE_R[i % 2], ms=5, mew=0.8)
        last = max(last, float(ipd.time[ipd.arm == arm].max()))
    ax.set_xlim(-0.04 * last, 1.04 * last)
    ax.set_ylim(-0.04, 1.04)
    ax.set_xticks(np.arange(0, last + 1e-9, step))
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.yaxis.set_major_formatter("{x:.1f}")
    plt.setp(ax.get_yticklabels(), rotation=90, va="center")
    ax.tick_params(direction="out", length=5)
    ax.set_xlabel(unit.capitalize())
    ax.set_ylabel("Survival")
    ax.legend(
        lines,
        [str(a) for a in arms],
        loc="upper right",
        fancybox=False,
        edgecolor="black",
        framealpha=1,
        handlelength=3,
    )
    return fig


def _greys(ipd: pd.DataFrame, unit: str, step: float, x_end: float) -> Any:
    """The ``greys`` style (see the module docstring)."""
    import warnings

    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts

    fig, ax = plt.subplots(figsize=(7, 5.2), dpi=110)
    fitters = []
    for i, arm in enumerate(dict.fromkeys(ipd.arm)):
        group = ipd[ipd.arm == arm]
        fitter = KaplanMeierFitter(label=str(arm)).fit(group.time, group.event)
        fitter.plot_survival_function(
            ax=ax,
            ci_show=False,
            show_censors=True,
            censor_styles={"marker": "+", "ms": 5},
            color=("black", "#555555")[i % 2],
            ls=("--", ":")[i % 2],
            lw=1.6,
        )
        fitters.append(fitter)
    ax.set_xlim(0, x_end)
    ax.set_xticks(np.arange(0, x_end + 1e-9, step))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"Time ({unit})")
    ax.set_ylabel("Survival probability")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        add_at_risk_counts(*fitters, ax=ax, rows_to_show=["At risk"])
    fig.tight_layout()
    return fig


def _full_axis(last: float) -> tuple[float, float]:
    """Tick step (at most 10 intervals) and x end covering every time up to ``last``."""
    step = next((float(s) for s in (1, 2, 3, 6, 12, 24, 5, 10, 20) if last / s <= 10), 50.0)
    return step, step * float(np.ceil(last / step))


def _room(curves: list[tuple[np.ndarray, np.ndarray]], x_end: float, width: float) -> float:
    """Where a table ``width`` wide (share of the axes) meets fewer curve steps: top right
    (returns its left edge) or, if fewer there, bottom left (returns a negative edge)."""
    cols = np.linspace(0, 1, 400)
    boxes = {0.98 - width: (0.98 - width, 1.0, 0.78, 1.0), -0.05: (0.0, 0.05 + width, 0.0, 0.3)}

    def inside(box: tuple[float, float, float, float]) -> int:
        count = 0
        for time, surv in curves:
            level = np.interp(cols * x_end, time, surv, right=np.nan)
            inked = (cols >= box[0]) & (cols <= box[1]) & (level >= box[2]) & (level <= box[3])
            count += int(np.sum(inked))
        return count

    return min(boxes, key=lambda k: inside(boxes[k]))


def _nejm(ipd: pd.DataFrame, unit: str, step: float, x_end: float) -> Any:
    """The ``nejm`` style (see the module docstring)."""
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter
    from matplotlib.transforms import blended_transform_factory

    fig, ax = plt.subplots(figsize=(6.4, 5.0), dpi=120)
    fig.subplots_adjust(left=0.3, bottom=0.3, right=0.96, top=0.97)
    arms = list(dict.fromkeys(ipd.arm))
    drawn = []
    for i, arm in enumerate(arms):
        group = ipd[ipd.arm == arm]
        time, surv, censored, levels = _km(group)
        ax.step(time, 100 * surv, where="post", color=SAS_COLOURS[i], lw=1.4)
        ax.plot(censored, 100 * levels, "|", color=SAS_COLOURS[i], ms=5)
        drawn.append((np.append(time, group.time.max()), np.append(surv, surv[-1])))
    first = 0.05 + _NAME_WIDTH * max(len(str(a)) for a in arms) + 0.08  # first column's middle
    at = _room(drawn, x_end, first + 0.32)
    at, top = (0.05, 0.12) if at < 0 else (at, 0.86)
    columns = [at + first + 0.13 * k for k in range(3)]
    on_axes = ax.transAxes
    heads = ("No. of\nPatients", "No. of\nEvents", f"Median Overall\nSurvival, {unit[:2]}")
    for x, text in zip(columns, heads, strict=True):
        ax.text(x, top + 0.06, text, transform=on_axes, ha="center", va="bottom", fontsize=7)
    for i, arm in enumerate(arms):
        group = ipd[ipd.arm == arm]
        y = top - 0.05 * i
        ax.plot([at, at + 0.04], [y + 0.012] * 2, color=SAS_COLOURS[i], lw=1.4, transform=on_axes)
        ax.text(at + 0.05, y, str(arm), transform=on_axes, va="bottom", fontsize=7)
        median = KaplanMeierFitter().fit(group.time, group.event).median_survival_time_
        cells = (
            str(len(group)),
            str(int(group.event.sum())),
            f"{median:.1f}" if np.isfinite(median) else "NR",
        )
        for x, text in zip(columns, cells, strict=True):
            ax.text(x, y, text, transform=on_axes, ha="center", va="bottom", fontsize=7)
    ticks = percent_axes(ax, x_end, step, 10, unit.capitalize(), "Overall Survival (%)")
    below = blended_transform_factory(ax.transData, on_axes)
    ax.text(-0.4, -0.2, "No. at Risk", transform=on_axes, weight="bold")
    for i, arm in enumerate(arms):
        times = ipd.time[ipd.arm == arm].to_numpy()
        y = -0.27 - 0.07 * i
        ax.text(-0.4, y, str(arm), transform=on_axes, color=SAS_COLOURS[i])
        for t in ticks:
            ax.text(float(t), y, str(int(np.sum(times >= t))), transform=below, ha="center")
    return fig


def _lancet(ipd: pd.DataFrame, unit: str, step: float, x_end: float) -> Any:
    """The ``lancet`` style (see the module docstring)."""
    import matplotlib.pyplot as plt
    from matplotlib.transforms import blended_transform_factory

    fig, ax = plt.subplots(figsize=(6.4, 5.0), dpi=120)
    fig.subplots_adjust(left=0.31, bottom=0.3, right=0.96, top=0.97)
    arms = list(dict.fromkeys(ipd.arm))
    for i, arm in enumerate(arms):
        time, surv, censored, levels = _km(ipd[ipd.arm == arm])
        ax.step(time, 100 * surv, where="post", color=SAS_COLOURS[i], lw=1.4, label=str(arm))
        kept = censored <= x_end
        ax.plot(censored[kept], 100 * levels[kept], "|", color=SAS_COLOURS[i], ms=5)
    ticks = percent_axes(
        ax, x_end, step, 20, f"Time since randomisation ({unit})", "Overall survival (%)"
    )
    ax.legend(frameon=False, loc="upper right")
    below = blended_transform_factory(ax.transData, ax.transAxes)
    on_axes = ax.transAxes
    ax.text(-0.45, -0.2, "Number at risk (number censored)", transform=on_axes)
    for i, arm in enumerate(arms):
        group = ipd[ipd.arm == arm]
        times, event = group.time.to_numpy(), group.event.to_numpy().astype(bool)
        y = -0.27 - 0.07 * i
        ax.text(-0.45, y, str(arm), transform=on_axes)
        for t in ticks:
            count, gone = int(np.sum(times >= t)), int(np.sum((times < t) & ~event))
            ax.text(float(t), y, f"{count} ({gone})", transform=below, ha="center", fontsize=7)
    return fig
