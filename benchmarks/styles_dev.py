"""Digitizer accuracy on figure styles unlike figures-dev's, drawn here from kmdata.

figures-dev is drawn by R survminer only. This benchmark draws two-arm kmdata
sets that are *not* in figures-dev with matplotlib and lifelines in the
styles below and scores them as ``digitize_dev.py`` scores the figures-dev PNGs:

* ``lifelines``: lifelines' defaults: shaded 95 % confidence bands, '+'
  censor marks, legend in the panel, and ``add_at_risk_counts`` with the
  arm's name over "At risk", "Censored" and "Events" rows;
* ``percent``: survival in per cent, a hazard-ratio box inside the panel,
  '|' censor marks, grid lines, one "At risk" row per arm;
* ``failure``: cumulative incidence rising from 0;
* ``bw``: black only, one arm solid and one dashed;
* ``inline``: no legend: each arm's name written beside its curve;
* ``inside``: the numbers at risk printed inside the plot, above the x
  axis, in each arm's colour (as SAS does), none under it;
* ``jpeg``: the ``percent`` figure at 80 % size saved as JPEG of quality 70;
* ``arial``: as journals draw them, in Liberation Sans (Arial's metrics):
  survival in per cent without a "%" sign, no legend box (the names in a
  frameless legend), a "No. at Risk" table whose rows are labelled with the
  arms' names right-aligned beside the y axis;
* ``serif``: the same in Liberation Serif (Times' metrics), black and grey
  curves, grid lines;
* ``hires``: the ``arial`` figure at 300 dpi (1920 x 1500 pixels, as a page
  rendered for print), the times printed again over the table's rows;
* ``limits``: the ``arial`` figure with each arm's 95 % confidence limits
  drawn as thin dashed lines in its colour (the legend keys stay solid);
* ``sized``: no risk table; each legend label gives the arm's size, with
  signs in it ("arm + chemo (n = 212)"): the truth's arm names are those
  labels, and the size is all a reconstruction has to start from;
* ``close``: the ``percent`` figure with a tick (and a number at risk) at
  every half step, which lifelines right-aligns at its tick, so a wide
  number's first digits reach past the middle to the tick before;
* ``zoom``: as NEJM draws cumulative incidence: the curves rising from 0
  with a small inset plot of the same curves on a magnified y axis (its
  own axes and tick labels, curves in the arms' colours), placed above the
  curves, or over them where they climb too high to leave room (session 18);
* ``medians``: survival with each median marked, as survminer's
  ``surv.median.line = "hv"`` draws it: a dashed line across at 0.5 from
  time 0 to the median and down from there to 0, in the arm's colour
  (session 18);
* ``foot``: the ``arial`` figure with its legend framed across the foot of
  the figure, under the table, with a black "Censored" entry, as SAS draws
  it (session 19);
* ``bottom``: the ``arial`` figure with its legend across the figure under
  the x axis title, above the table, as survminer's ``legend = "bottom"``
  draws it (session 19);
* ``ggplot``: the ``lifelines`` figure under matplotlib's ``ggplot`` style
  sheet: a grey panel with white grid lines and no axis lines, confidence
  bands over the grey (session 20);
* ``classic``: the ``percent`` figure under matplotlib's ``classic`` style
  sheet: ticks inside the panel, the legend framed in black inside it
  (session 20);
* ``stata``: as Stata's ``sts graph`` draws it: a blue-grey figure round a
  white plot region, y tick labels turned to read upwards, the legend
  framed under the plot, numbers at risk in rows labelled with the arms'
  names (session 20);
* ``wrapped``: the default figure with each legend label on two lines
  ("arm +" over "chemotherapy"), matplotlib centring the key between them,
  and the table's rows labelled with the names on one line; the truth's
  arm names are those labels (session 23);
* ``wrapped2``: the same labels broken before the "+" ("arm" over
  "+ chemotherapy"; session 24);
* ``ribbons``: each arm's 95 % band drawn translucent (alpha 0.2) *over* the
  curves, in ggplot2's default hues, as R packages that add the interval as a
  later ggplot2 layer draw it (ggsurvfit's ``add_confidence_interval()``):
  a curve inside the other arm's band is seen through it (session 26);
* ``sas``, ``prism`` and ``baser``: as SAS, GraphPad Prism and base R draw
  them (``styles_software.py``; session 21);
* ``panels``: the ``percent`` figure as panel B, beside the ``percent``
  figure of the next data set as panel A, read with ``panel=2``.

``arial``, ``serif``, ``hires``, ``limits``, ``foot`` and ``bottom`` need the Liberation fonts
(Debian: ``fonts-liberation``). Styles drawn without a risk table are left
out of the numbers-at-risk columns.

lifelines prints as "at risk" at a tick those still at risk just after it,
so the true numbers at risk here are the patients with time > t (all at 0);
the ``inside`` style prints those with time >= t.
The first 12 data sets (by a seeded draw) are the ones the digitizer was
looked at on (``dev``); the next 12 are held out.

Usage::

    python benchmarks/styles_dev.py [--data DIR] [--out DIR] [--styles a,b]
                                    [--degrade SCALE,QUALITY]

``--degrade 0.6,60`` reads every figure shrunk to 60 % and saved as JPEG of
quality 60, like a screenshot (as in ``digitize_dev.py``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import digitize_dev  # noqa: E402
from styles_software import NO_TABLE as SOFTWARE_NO_TABLE  # noqa: E402
from styles_software import SOFTWARE, percent_axes, render_software  # noqa: E402

STYLES = (
    "lifelines",
    "percent",
    "failure",
    "bw",
    "inline",
    "inside",
    "jpeg",
    "arial",
    "serif",
    "hires",
    "limits",
    "sized",
    "close",
    "panels",
    "zoom",
    "medians",
    "foot",
    "bottom",
    "ggplot",
    "classic",
    "stata",
    "wrapped",
    "wrapped2",
    "ribbons",
    *SOFTWARE,
)
NO_TABLE = ("sized", *SOFTWARE_NO_TABLE)  # styles drawn without numbers at risk
FONTS = {
    "arial": "LiberationSans-Regular.ttf",
    "serif": "LiberationSerif-Regular.ttf",
    "hires": "LiberationSans-Regular.ttf",
    "limits": "LiberationSans-Regular.ttf",
    "foot": "LiberationSans-Regular.ttf",
    "bottom": "LiberationSans-Regular.ttf",
}
FONT_DIR = Path("/usr/share/fonts/truetype/liberation")
SEED, PER_HALF = 7, 12
COLOURS = ("#1f4e9c", "#c0392b")
HUES = ("#F8766D", "#00BFC4")  # ggplot2's default hues for two groups
SHEETS = {"ggplot": ("ggplot", "lifelines"), "classic": ("classic", "percent")}


def pick_sets(data: Path) -> list[tuple[str, str]]:
    """(name, half) of the kmdata two-arm sets not in figures-dev, in a seeded order."""
    key = pd.read_csv(data / "kmdata" / "kmdata_key.csv")
    seen = set(json.loads((data / "figures-dev" / "sources.json").read_text()))
    have = key.name.map(lambda n: (data / "kmdata" / f"{n}.csv").exists())
    pool = key[have & ~key.name.isin(seen) & (key.NumberOfArms == 2)]
    names = pool.sample(len(pool), random_state=SEED).name.tolist()[: 2 * PER_HALF]
    return [(n, "dev" if i < PER_HALF else "held-out") for i, n in enumerate(names)]


def _step(x_max: float) -> float:
    """A tick step giving at most 10 intervals."""
    for step in (1, 2, 3, 6, 12, 24, 5, 10, 20):
        if x_max / step <= 10:
            return float(step)
    return 50.0


def render(ipd: pd.DataFrame, unit: str, style: str, path: Path) -> dict[str, Any]:
    """Draw one figure; returns its x end and risk-table step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter
    from lifelines.plotting import add_at_risk_counts
    from matplotlib.ticker import PercentFormatter

    if style in FONTS:
        return _journal(ipd, unit, style, path)
    if style in SHEETS:
        sheet, base = SHEETS[style]
        with plt.style.context(sheet):
            return render(ipd, unit, base, path)
    if style == "stata":
        return _stata(ipd, unit, path)
    arms = list(dict.fromkeys(ipd.arm))
    x_max = float(np.quantile(ipd.time, 0.97))
    step = _step(x_max)
    x_end = step * max(1, int(x_max // step))
    if style in SOFTWARE:
        return render_software(ipd, unit, style, path, step, x_end)
    if style == "close":
        step /= 2.0
    fig, ax = plt.subplots(figsize=(7, 5.2), dpi=110)
    fitters = []
    for i, arm in enumerate(arms):
        group = ipd[ipd.arm == arm]
        fitter = KaplanMeierFitter(label=str(arm)).fit(group.time, group.event)
        fitters.append(fitter)
        marks = {"marker": "|", "ms": 6}
        if style == "lifelines":
            fitter.plot_survival_function(ax=ax, ci_show=True, show_censors=True)
        elif style == "ribbons":
            fitter.plot_survival_function(
                ax=ax, ci_show=False, show_censors=True, color=HUES[i], lw=1.2
            )
            band = fitter.confidence_interval_survival_function_
            ax.fill_between(
                band.index,
                band.iloc[:, 0],
                band.iloc[:, 1],
                step="post",
                color=HUES[i],
                alpha=0.2,
                lw=0,
                zorder=3,
            )
        elif style in ("failure", "zoom"):
            fitter.plot_cumulative_density(
                ax=ax, ci_show=False, show_censors=True, censor_styles=marks, color=COLOURS[i]
            )
        else:
            colour = "black" if style == "bw" else COLOURS[i]
            fitter.plot_survival_function(
                ax=ax,
                ci_show=False,
                show_censors=True,
                censor_styles=marks,
                color=colour,
                lw=1.6,
                ls="--" if style == "bw" and i else "-",
                legend=style != "inline",
            )
    if style == "zoom":
        _zoom(ax, fitters, x_end)
    if style in ("wrapped", "wrapped2"):  # each legend label on two lines, the key centred
        handles, labels = ax.get_legend_handles_labels()
        broken = " +\n" if style == "wrapped" else "\n+ "
        ax.legend(handles, [label.replace(" + ", broken, 1) for label in labels], loc="best")
    if style == "medians":
        for i, fitter in enumerate(fitters):
            median = float(fitter.median_survival_time_)
            if np.isfinite(median) and median < x_end:
                ax.plot([0, median, median], [0.5, 0.5, 0], ls="--", lw=1, color=COLOURS[i])
    if style == "inline":  # each name beside its curve: the upper one above, the lower below
        at = 0.5 * x_end
        levels = [float(f.predict(at)) for f in fitters]
        for i, (arm, level) in enumerate(zip(arms, levels, strict=True)):
            above = level >= max(levels)
            ax.text(
                at,
                level + (0.06 if above else -0.06),
                str(arm),
                color=COLOURS[i],
                va="bottom" if above else "top",
            )
    ax.set_xlim(0, x_end)
    ax.set_xticks(np.arange(0, x_end + 1e-9, step))
    ax.set_xlabel(f"Time ({unit})")
    ax.set_ylim(0, 1.02)
    failure = style in ("failure", "zoom")
    ax.set_ylabel("Cumulative incidence" if failure else "Survival probability")
    if style in ("percent", "jpeg", "close"):
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.grid(alpha=0.3)
        ax.text(0.55, 0.85, "HR 0.82 (95% CI 0.70-0.96)\nlog-rank p=0.01", transform=ax.transAxes)
    if style == "inside":  # at risk at t: those with time >= t, as the benchmark counts them
        for i, arm in enumerate(arms):
            times = ipd.time[ipd.arm == arm].to_numpy()
            for t in np.arange(0, x_end + 1e-9, step):
                count = str(int(np.sum(times >= t)))
                level = 0.03 + 0.05 * (len(arms) - 1 - i)
                ax.text(float(t), level, count, ha="center", fontsize=8, color=COLOURS[i])
    elif style not in NO_TABLE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = None if style == "lifelines" else ["At risk"]
            add_at_risk_counts(*fitters, ax=ax, rows_to_show=rows)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    if style == "jpeg":
        from PIL import Image

        image = Image.open(path).convert("RGB")
        size = (int(image.width * 0.8), int(image.height * 0.8))
        image.resize(size, Image.Resampling.LANCZOS).save(path, "JPEG", quality=70)
    return {"x_end": x_end, "risk_step": step}


def _stata(ipd: pd.DataFrame, unit: str, path: Path) -> dict[str, Any]:
    """The ``stata`` style (see the module docstring)."""
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter
    from matplotlib.transforms import blended_transform_factory

    arms = list(dict.fromkeys(ipd.arm))
    x_max = float(np.quantile(ipd.time, 0.97))
    step = _step(x_max)
    x_end = step * max(1, int(x_max // step))
    ticks = np.arange(0, x_end + 1e-9, step)
    fig = plt.figure(figsize=(7.5, 5), dpi=110, facecolor="#EAF2F3")
    ax = fig.add_axes((0.3, 0.36, 0.66, 0.56), facecolor="white")
    below = blended_transform_factory(ax.transData, ax.transAxes)
    beside = blended_transform_factory(ax.transAxes, ax.transAxes)
    ax.text(0.0, -0.22, "Number at risk", transform=beside, ha="right", fontsize=9)
    for i, (arm, colour) in enumerate(zip(arms, ("#1a476f", "#90353b"), strict=False)):
        group = ipd[ipd.arm == arm]
        frame = KaplanMeierFitter().fit(group.time, group.event).survival_function_
        ax.step(frame.index, frame.iloc[:, 0], where="post", color=colour, lw=1.3, label=arm)
        times, row = group.time.to_numpy(), -0.29 - 0.07 * i
        ax.text(-0.07, row, str(arm), transform=beside, ha="right", fontsize=9)
        for t in ticks:
            count = str(int(np.sum(times >= t)))
            ax.text(float(t), row, count, transform=below, ha="center", fontsize=9)
    ax.set_xlim(0, x_end)
    ax.set_ylim(0, 1)
    ax.set_xticks(ticks)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    plt.setp(ax.get_yticklabels(), rotation=90, ha="center", va="bottom", rotation_mode="anchor")
    ax.yaxis.grid(True, color="#eaf2f3")
    ax.set_axisbelow(True)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlabel(f"analysis time ({unit})")
    ax.set_title("Kaplan-Meier survival estimates", fontsize=11)
    fig.legend(loc="lower center", ncol=2, fontsize=9, facecolor="white", edgecolor="black")
    fig.savefig(path, facecolor=fig.get_facecolor())
    plt.close(fig)
    return {"x_end": x_end, "risk_step": step}


def _zoom(ax: Any, fitters: list[Any], x_end: float) -> None:
    """An inset of the cumulative incidence curves on a magnified y axis, above them."""
    highest = max(float(f.cumulative_density_.iloc[:, 0].max()) for f in fitters)
    bottom = min(max(highest + 0.08, 0.4), 0.6)  # above the curves where they leave room
    inset = ax.inset_axes((0.1, bottom, 0.5, 0.95 - bottom))
    for i, fitter in enumerate(fitters):
        fitter.plot_cumulative_density(
            ax=inset, ci_show=False, show_censors=False, color=COLOURS[i], lw=1.2, legend=False
        )
    inset.set_xlim(0, x_end)
    inset.set_ylim(0, min(1.0, 1.15 * highest))
    inset.set_xlabel("")
    inset.tick_params(labelsize=8)
    inset.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper right")


def _sized_labels(ipd: pd.DataFrame) -> dict[str, str]:
    """Each arm's legend label for the ``sized`` style: its name, a sign and its size."""
    return {arm: f"{arm} + chemo (n = {int((ipd.arm == arm).sum())})" for arm in ipd.arm.unique()}


def _wrapped_labels(ipd: pd.DataFrame) -> dict[str, str]:
    """Each arm's label for the ``wrapped`` style: its name and a second line, "+ chemotherapy"
    (the legend breaks it after the "+"; the table's rows print it on one line)."""
    return {arm: f"{arm} + chemotherapy" for arm in ipd.arm.unique()}


def _panels(data: Path, key: pd.DataFrame, names: tuple[str, str], path: Path) -> dict[str, Any]:
    """The ``percent`` figures of two data sets side by side; the second's source."""
    from PIL import Image

    sources, images = [], []
    for name in names:
        part = path.with_name(f"{path.stem}-{name}.png")
        ipd = pd.read_csv(data / "kmdata" / f"{name}.csv")
        sources.append(render(ipd, str(key.Units[name]), "percent", part))
        images.append(Image.open(part).convert("RGB"))
        part.unlink()
    size = (sum(i.width for i in images), max(i.height for i in images))
    canvas = Image.new("RGB", size, "white")
    canvas.paste(images[0], (0, 0))
    canvas.paste(images[1], (images[0].width, 0))
    canvas.save(path)
    return sources[1]


def _journal(ipd: pd.DataFrame, unit: str, style: str, path: Path) -> dict[str, Any]:
    """The ``arial`` and ``serif`` styles (see the module docstring)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines import KaplanMeierFitter
    from matplotlib import font_manager
    from matplotlib.transforms import blended_transform_factory

    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)  # no bold face: fine
    font_manager.fontManager.addfont(str(FONT_DIR / FONTS[style]))
    family = font_manager.FontProperties(fname=str(FONT_DIR / FONTS[style])).get_name()
    arms = list(dict.fromkeys(ipd.arm))
    x_max = float(np.quantile(ipd.time, 0.97))
    step = _step(x_max)
    x_end = step * max(1, int(x_max // step))
    colours = ("black", "#8c8c8c") if style == "serif" else ("#d95f02", "#1b9e77")
    with plt.rc_context({"font.family": family, "font.size": 9}):
        fig, ax = plt.subplots(figsize=(6.4, 5.0), dpi=300 if style == "hires" else 120)
        for i, arm in enumerate(arms):
            group = ipd[ipd.arm == arm]
            fitter = KaplanMeierFitter(label=str(arm)).fit(group.time, group.event)
            frame = fitter.survival_function_
            ax.step(
                frame.index,
                100 * frame.iloc[:, 0],
                where="post",
                color=colours[i],
                lw=1.4,
                label=str(arm),
            )
            censored = group.time[group.event == 0]
            censored = censored[censored <= x_end]
            ax.plot(censored, 100 * fitter.predict(censored), "|", color=colours[i], ms=5)
            if style == "limits":
                bounds = fitter.confidence_interval_survival_function_
                for column in bounds.columns:
                    ax.step(
                        bounds.index,
                        100 * bounds[column],
                        where="post",
                        color=colours[i],
                        lw=0.7,
                        ls="--",
                    )
        xlabel = f"{unit.capitalize()} since Randomization"
        ticks = percent_axes(ax, x_end, step, 20, xlabel, "Overall Survival (%)")
        if style == "serif":
            ax.grid(color="#dddddd", lw=0.6)
        drop = 0.08 if style == "bottom" else 0.0  # the table moved down under the legend
        fig.subplots_adjust(left=0.22, bottom=0.32 + 0.06 * (drop > 0), right=0.96, top=0.97)
        _legend(fig, ax, style, len(arms))
        below = blended_transform_factory(ax.transData, ax.transAxes)
        label = blended_transform_factory(ax.transAxes, ax.transAxes)
        ax.text(-0.06, -0.2 - drop, "No. at Risk", transform=label, ha="right", weight="bold")
        if style == "hires":  # the times again, on the table's heading line
            for t in ticks:
                ax.text(float(t), -0.2, f"{t:g}", transform=below, ha="center", style="italic")
        for i, arm in enumerate(arms):
            times = ipd.time[ipd.arm == arm].to_numpy()
            y = -0.27 - 0.07 * i - drop
            ax.text(-0.06, y, str(arm), transform=label, ha="right")
            for t in ticks:
                count = str(int(np.sum(times >= t)))
                ax.text(float(t), y, count, transform=below, ha="center")
        fig.savefig(path)
        plt.close(fig)
    return {"x_end": x_end, "risk_step": step}


def _legend(fig: Any, ax: Any, style: str, arms: int) -> None:
    """The journal styles' legend: in the panel, or across the figure (``foot``, ``bottom``)."""
    from matplotlib.lines import Line2D

    if style not in ("foot", "bottom"):
        ax.legend(frameon=False, loc="upper right")
        return
    handles, labels = ax.get_legend_handles_labels()
    if style == "foot":  # SAS: framed, at the very foot, censor marks listed too
        handles.append(Line2D([], [], color="black", marker="|", ls="none", ms=6))
        labels.append("Censored")
        fig.legend(handles, labels, loc="lower center", ncol=arms + 1, frameon=True)
    else:  # survminer's legend = "bottom": under the axis title, over the table
        anchor = (0.59, 0.305)
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=anchor, ncol=arms)
        fig.legends[-1].set_frame_on(False)


def main(argv: list[str] | None = None) -> int:
    """Draw the figures (once), read and score them; write the CSV and Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--styles", default=",".join(STYLES))
    parser.add_argument(
        "--degrade", default="", help="SCALE,QUALITY: read each figure shrunk and JPEG-compressed"
    )
    args = parser.parse_args(argv)
    import kmipd
    from kmipd.digitize import digitize

    if args.degrade:
        scale, quality = (float(v) for v in args.degrade.split(","))
        digitize = digitize_dev.degraded(digitize, scale, int(quality))

    styles = [s for s in args.styles.split(",") if s not in FONTS or (FONT_DIR / FONTS[s]).exists()]
    skipped = sorted(set(args.styles.split(",")) - set(styles))
    if skipped:
        print(f"skipped (no Liberation fonts in {FONT_DIR}): {', '.join(skipped)}")
    figures = args.out / "styles"
    truth = figures / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    key = pd.read_csv(args.data / "kmdata" / "kmdata_key.csv").set_index("name")
    cases = []
    sets = pick_sets(args.data)
    for k, (name, half) in enumerate(sets):
        ipd = pd.read_csv(args.data / "kmdata" / f"{name}.csv")
        ipd.to_csv(truth / f"{name}.csv", index=False)
        for style in styles:
            path = figures / f"{name}-{style}.png"
            read, drawn = name, ipd
            if style in ("sized", "wrapped", "wrapped2"):  # the truth's names are the labels
                read = f"{name}-{style}"
                labels = _sized_labels(ipd) if style == "sized" else _wrapped_labels(ipd)
                drawn = ipd.assign(arm=ipd.arm.map(labels))
                drawn.to_csv(truth / f"{read}.csv", index=False)
            if style == "panels":
                other = sets[(k + 1) % len(sets)][0]
                source = _panels(args.data, key, (other, name), path)
            else:
                source = render(drawn, str(key.Units[name]), style, path)
            cases.append((f"{name}-{style}", (read, style, half, path, source)))

    def score(case: tuple[str, str, str, Path, dict[str, Any]]) -> dict[str, Any]:
        name, style, half, path, source = case
        panel = 2 if style == "panels" else None
        row = digitize_dev.score_case(
            kmipd,
            lambda: digitize(path, panel=panel),
            figures,
            name,
            source,
            at_risk_after=style not in ("inside", "stata", "sas", "nejm", "lancet", *FONTS),
        )
        return {**row, "trial": name, "style": style, "half": half, "table": style not in NO_TABLE}

    rows = digitize_dev.run_set("styles", cases, score)
    for row, (_, (name, style, half, _, _)) in zip(rows, cases, strict=True):
        row.update(trial=name, style=style, half=half, table=style not in NO_TABLE)
    frame = pd.DataFrame(rows)
    frame.to_csv(args.out / "styles_dev_cases.csv", index=False)
    text = "\n".join(table(frame)) + "\n"
    (args.out / "styles_dev.md").write_text(text)
    print(text)
    return 0


def table(frame: pd.DataFrame) -> list[str]:
    """Markdown summary by half and by style (the figures-dev columns)."""
    return [
        "# Digitizer on other figure styles",
        "",
        "Produced by `benchmarks/styles_dev.py`: kmdata two-arm sets not in figures-dev, "
        "drawn with matplotlib and lifelines (styles in its docstring). `dev`: the sets "
        "looked at while developing; `held-out`: the others.",
        "",
        *digitize_dev.dev_table(frame),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
