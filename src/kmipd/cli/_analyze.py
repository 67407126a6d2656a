"""``kmipd analyze``: survival statistics of patient-level data."""

from __future__ import annotations

import argparse
import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from kmipd import __version__
from kmipd.cli._common import (
    EXIT_OK,
    Formatter,
    arm_list,
    check_outputs,
    figure_format,
    print_table,
    use_agg,
    writing,
)
from kmipd.errors import OptionError

__all__ = ["add_arguments", "run"]

_ANALYZE_EPILOG = """\
input:
  IPD.csv       CSV with a header naming the columns arm, time and event, in any order
                (kmdata's files are time,event,arm); one row per patient; event 1 = event,
                0 = censored; times >= 0. Delimiter ',', ';' or tab.

outputs:
  --json        {"kmipd_version", "input", "arms": {ARM: {n, events, median, landmarks,
                rmst}}, "comparisons": [each arm vs the reference: hazard_ratio, logrank,
                rmst_difference, proportional_hazards, piecewise_hazard_ratios],
                "logrank_overall", "tau", "reference", "confidence_level"}; landmark keys
                are the times as given on the command line. Landmarks beyond an arm's
                follow-up are reported as not estimable (with a warning).
  --plot        the Kaplan-Meier curves of all arms with numbers at risk (png, svg or
                pdf, from the suffix).
  Nothing is written unless the whole analysis succeeds.

exit status: 0 success; 2 bad input or option (an 'error:' line; nothing written);
1 internal error.

examples:
  kmipd analyze TH3RESA_2A.csv --json th3resa.json --reference physicians_choice \\
      --landmarks 2,6,12 --tau 18 --plot th3resa_km.png --time-unit months
"""

_PLOT_FORMATS = ("png", "svg", "pdf")


def add_arguments(commands: Any, name: str) -> None:
    """Register ``kmipd analyze``."""
    sub = commands.add_parser(
        name,
        help="survival statistics of patient-level data (arm,time,event)",
        description=(
            "Kaplan-Meier estimates, medians, landmark survival and early-event proportions,\n"
            "RMST, hazard ratios, log-rank and proportional-hazards tests of every arm in a\n"
            "CSV of patient-level data, each arm against the reference arm."
        ),
        epilog=_ANALYZE_EPILOG,
        formatter_class=Formatter,
    )
    sub.add_argument("ipd", metavar="IPD.csv", help="patient-level data (columns arm,time,event)")
    options = sub.add_argument_group("analysis")
    options.add_argument(
        "--reference", metavar="ARM", help="reference arm (default: the first arm in the file)"
    )
    options.add_argument(
        "--landmarks",
        action="extend",
        nargs="+",
        default=[],
        metavar="T1,T2",
        help="times at which to report survival and the proportion with an event",
    )
    options.add_argument("--tau", metavar="T", help="restriction time of the RMST")
    options.add_argument(
        "--cuts",
        action="extend",
        nargs="+",
        default=[],
        metavar="C1,C2",
        help="increasing times that split follow-up for piecewise hazard ratios",
    )
    options.add_argument("--confidence-level", default="0.95", metavar="LEVEL", help="default 0.95")
    options.add_argument(
        "--time-unit", metavar="UNIT", help="unit of the times, for labels (e.g. months)"
    )
    outputs = sub.add_argument_group("outputs")
    outputs.add_argument("--json", required=True, metavar="OUT.json", help="write the results")
    outputs.add_argument("--plot", metavar="KM.png", help="write the Kaplan-Meier figure")
    outputs.add_argument(
        "--no-pvalue", action="store_true", help="leave the log-rank p-value off the figure"
    )
    outputs.add_argument("-q", "--quiet", action="store_true", help="print no table")


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``kmipd analyze``: read, analyse, draw, then write."""
    landmarks = _times(args.landmarks, "--landmarks")
    cuts = _times(args.cuts, "--cuts", increasing=True)
    tau = _times([args.tau], "--tau")[0][1] if args.tau else None
    level = _level(args.confidence_level)
    check_outputs((args.ipd,), {"--json": args.json, "--plot": args.plot})
    if args.plot:
        figure_format(args.plot, _PLOT_FORMATS)
    from kmipd.io import read_ipd

    data = read_ipd(args.ipd)
    reference = args.reference or next(iter(data))
    if reference not in data:
        raise OptionError(
            f"--reference {reference!r}: no such arm in {args.ipd}; arms: {arm_list(data)}"
        )
    data = {reference: data[reference], **data}  # the reference first
    from kmipd.analysis import analyze
    from kmipd.study._landmarks import follow_up, rekey_landmarks

    values = tuple(value for _, value in landmarks)
    result = analyze(
        data,
        reference=reference,
        landmarks=values,
        tau=tau,
        cuts=tuple(value for _, value in cuts),
        confidence_level=level,
    )
    ends = {arm: follow_up(time) for arm, (time, _) in data.items()}
    _warn_follow_up(landmarks, ends, args.time_unit)
    labels = tuple(text for text, _ in landmarks)
    content = {
        "kmipd_version": __version__,
        "input": {
            "file": args.ipd,
            "arms": list(data),
            "reference": reference,
            "landmarks": list(values),
            "tau": tau,
            "cuts": [value for _, value in cuts],
            "confidence_level": level,
            "time_unit": args.time_unit,
        },
        **rekey_landmarks(result.to_dict(), labels, values, ends),
    }
    _write_analysis(args, result, content)
    if not args.quiet:
        _print_analysis(content, out)
        out.write(f"wrote {', '.join(path for path in (args.json, args.plot) if path)}\n")
    return EXIT_OK


def _times(values: Sequence[str], option: str, *, increasing: bool = False) -> list[Any]:
    """``(text, value)`` of comma- or space-separated times > 0, each given once."""
    texts = [text.strip() for value in values for text in value.split(",") if text.strip()]
    out: list[tuple[str, float]] = []
    for text in texts:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not (value > 0 and value < float("inf")):
            raise OptionError(f"{option} {text!r}: give times as numbers > 0, e.g. {option} 6,12")
        if any(value == seen for _, seen in out):
            raise OptionError(f"{option}: {text} is given twice; give each time once")
        if increasing and out and value < out[-1][1]:
            raise OptionError(f"{option}: times must increase ({out[-1][0]} then {text})")
        out.append((text, value))
    return out


def _level(text: str) -> float:
    try:
        level = float(text)
    except ValueError:
        level = float("nan")
    if not 0 < level < 1:
        raise OptionError(f"--confidence-level {text!r}: give a number between 0 and 1, e.g. 0.95")
    return level


def _warn_follow_up(
    landmarks: Sequence[tuple[str, float]], ends: Mapping[str, float], unit: str | None
) -> None:
    from kmipd.study import StudyWarning

    units = f" {unit}" if unit else ""
    for arm, end in ends.items():
        for text, value in landmarks:
            if value > end:
                warnings.warn(
                    f"arm {arm!r}: landmark {text}{units} is beyond its follow-up (last time "
                    f"{end:g}{units}); reported as not estimable",
                    StudyWarning,
                    stacklevel=2,
                )


def _write_analysis(args: argparse.Namespace, result: Any, content: dict[str, Any]) -> None:
    """Draw the figure into a temporary folder, write the JSON, then move the figure in place."""
    import tempfile

    from kmipd import io

    if not args.plot:
        with writing(args.json):
            io.write_json(args.json, content)
        return
    target = Path(args.plot)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".kmipd-") as folder:
        drawn = _save_km(result, args, Path(folder) / target.stem)
        with writing(args.json):
            io.write_json(args.json, content)
        with writing(args.plot):
            os.replace(drawn, target)


def _save_km(result: Any, args: argparse.Namespace, stem: Path) -> Path:
    use_agg()
    import matplotlib.pyplot as plt

    from kmipd.plot import plot_km, save_figures

    overall = getattr(result, "logrank_overall", None)
    pvalue = None if args.no_pvalue or len(result.arms) < 2 else getattr(overall, "pvalue", None)
    figure = plot_km(
        {arm: summary.km for arm, summary in result.arms.items()},
        pvalue=pvalue,
        time_unit=args.time_unit,
    )
    try:
        paths = save_figures(figure, stem, formats=(figure_format(args.plot, _PLOT_FORMATS),))
    finally:
        plt.close(figure)
    return Path(paths[0])


def _print_analysis(content: Mapping[str, Any], out: TextIO) -> None:
    from kmipd.report._format import ci_text, hr_text, pvalue, time_text

    level = f"{100 * content['input']['confidence_level']:g}% CI"
    arms = content.get("arms", {})
    rows: list[tuple[str, ...]] = [("arm", "n", "events", f"median ({level})")]
    for name, arm in arms.items():
        median = arm.get("median") or {}
        text = f"{time_text(median.get('estimate'))} {ci_text(median.get('ci'), dash='-')}"
        rows.append((name, str(arm.get("n")), str(arm.get("events")), text.strip()))
    print_table(rows, out)
    comparisons = content.get("comparisons") or []
    if comparisons:
        out.write("\n")
        rows = [("comparison", f"HR ({level})", "log-rank p")]  # a new table
        for item in comparisons:
            hr = item.get("hazard_ratio") or {}
            ratio = f"{hr_text(hr.get('estimate'))} {ci_text(hr.get('ci'), hr_text, dash='-')}"
            p = pvalue((item.get("logrank") or {}).get("pvalue"))
            rows.append((f"{item.get('arm')} vs {item.get('reference')}", ratio.strip(), p))
        print_table(rows, out)
