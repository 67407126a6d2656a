"""``kmipd extract``: patient-level data straight from Kaplan-Meier figures.

Digitize a figure (or every figure in a folder, in parallel) and rebuild the
patient-level data from the curves, the numbers at risk read under the plot (or
given), the censoring marks and any reported counts.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from kmipd import __version__
from kmipd.cli._common import (
    EXIT_OK,
    Formatter,
    add_count_options,
    arm_list,
    check_outputs,
    print_table,
    writing,
)
from kmipd.cli._digitize import (
    ALL_PANELS,
    add_reading_options,
    digitize_figure,
    figure_input,
    overlay_png,
    reading_options,
)
from kmipd.cli._folder import TIMEOUT
from kmipd.errors import InputError, KmipdError, OptionError

__all__ = [
    "add_arguments",
    "extract_figure",
    "extract_panels",
    "panel_path",
    "run",
    "write_outputs",
]

_EPILOG = f"""\
a figure or a folder:
  FIGURE        one image (PNG, JPEG, TIFF, BMP, WebP), SVG or PDF page (--page);
                --out names the IPD CSV to write.
  FOLDER        every image, SVG and PDF in the folder, read in parallel; --out names a
                folder (created) that receives <stem>.ipd.csv per figure and
                summary.csv (figure, panel, status, arms, names, risk_rows, panels,
                seconds, message; panel: the plot panel read, of the figure's
                panels). One figure failing does not stop the others; exit status
                0 if any figure succeeded. Each figure gets at most {int(TIMEOUT)} s.

--panel all reads every plot panel of a figure (PFS and OS side by side, say) and
writes one set of outputs per panel, numbered from 1 left to right, then top to
bottom: --out ipd.csv gives ipd-panel-1.csv, ipd-panel-2.csv, ... (likewise
--report and --plot); in a FOLDER, <stem>-panel-N.ipd.csv. Every panel is read
before anything is written; a figure of one panel keeps the names as given.
--risk-table, --events and --n describe one panel: give --panel N with them.

--x-range A,B / --y-range A,B are the data values at the edges of the plot panel
(left/right, bottom/top), for figures whose tick labels cannot be read.

outputs:
  --out         CSV arm,time,event (event 1 = event, 0 = censored), one row per
                patient; arms named from the legend (or --arms).
  --report      JSON: inputs, what was read (digitization) and per-arm diagnostics.
  --plot        PNG of what was read drawn over the figure.

exit status: 0 success; 2 bad input or option (an 'error:' line says what;
nothing written); 1 internal error (please report it).

examples:
  kmipd extract km.png --out ipd.csv --report diag.json --plot overlay.png
  kmipd extract km.png --out ipd.csv --events Drug=120 Placebo=151
  kmipd extract figure2.png --panel all --out ipd.csv   (ipd-panel-1.csv, ...)
  kmipd extract figures/ --out ipd_folder
"""


def add_arguments(commands: Any, name: str) -> None:
    """Register ``kmipd extract``."""
    sub = commands.add_parser(
        name,
        help="patient-level data straight from Kaplan-Meier figures (digitize + reconstruct)",
        description=(
            "Read a Kaplan-Meier figure (or every figure in a folder) and rebuild the\n"
            "patient-level data: one row per patient with arm, time and event."
        ),
        epilog=_EPILOG,
        formatter_class=Formatter,
    )
    sub.add_argument("figure", metavar="FIGURE|FOLDER", help="an image or PDF, or a folder of them")
    outputs = sub.add_argument_group("outputs")
    outputs.add_argument(
        "--out",
        required=True,
        metavar="IPD.csv|DIR",
        help="the IPD CSV to write (a folder for a FOLDER of figures)",
    )
    outputs.add_argument("--report", metavar="DIAG.json", help="write a JSON report (one figure)")
    outputs.add_argument(
        "--plot", metavar="OVERLAY.png", help="write the overlay of what was read (one figure)"
    )
    counts = sub.add_argument_group("counts (one figure; repeat the option or list several)")
    add_count_options(
        counts,
        n_help="patients at time 0 per arm, when no risk-table row at 0 was read",
        events_help="reported total events per arm, matched exactly",
    )
    counts.add_argument(
        "--risk-table",
        metavar="RISK",
        help="numbers at risk (CSV arm,time,n_at_risk) instead of those read from the figure",
    )
    add_reading_options(sub)
    sub.add_argument(
        "-q", "--quiet", action="store_true", help="print no summary (warnings still go to stderr)"
    )


def run(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``kmipd extract`` on a figure or a folder of figures."""
    from kmipd.cli._folder import run_folder

    options = reading_options(args)
    if Path(args.figure).is_dir():
        return run_folder(args, options, out)
    every = options["panel"] == ALL_PANELS
    if every:
        _check_one_panel_options(args)
    check_outputs(
        (args.figure, args.risk_table),
        {"--out": args.out, "--report": args.report, "--plot": args.plot},
    )
    if args.plot and Path(args.plot).suffix.lower() != ".png":
        raise OptionError(f"--plot {args.plot!r}: end the file name in .png")
    if every:
        outcomes = extract_panels(
            args.figure, args.page, options, args.report is not None, args.plot
        )
    else:
        extras = _extras(args)
        want_report = args.report is not None
        outcomes = [extract_figure(args.figure, args.page, options, extras, want_report, args.plot)]
    several = every and len(outcomes) > 1
    for outcome in outcomes:  # every panel read before any is written
        number = outcome["digitized"].panel if several else None
        paths = [panel_path(path, number) for path in (args.out, args.report, args.plot)]
        write_outputs(str(paths[0]), paths[1], paths[2], outcome, args)
        if not args.quiet:
            if several:
                out.write(f"panel {number} of {len(outcomes)}:\n")
            _print_summary(outcome, out)
            out.write(f"wrote {', '.join(path for path in paths if path)}\n")
    return EXIT_OK


def _check_one_panel_options(args: argparse.Namespace) -> None:
    """``--panel all`` with options that describe one panel is refused."""
    for option, value in (
        ("--risk-table", args.risk_table),
        ("--events", args.events),
        ("--n", args.n),
    ):
        if value:
            raise OptionError(
                f"{option} describes one panel, not all of them: give --panel N with it "
                "(N from 1, left to right, then top to bottom)"
            )


def panel_path(path: str | None, panel: int | None) -> str | None:
    """``ipd.csv`` to ``ipd-panel-2.csv``: panel 2's output with ``--panel all``.

    None (no panel number, or no path) leaves the path as given.
    """
    if path is None or panel is None:
        return path
    name = Path(path)
    return str(name.with_name(f"{name.stem}-panel-{panel}{name.suffix}"))


# --------------------------------------------------------------------------- one figure


def _extras(args: argparse.Namespace) -> dict[str, Any]:
    """Risk table and counts given on the command line (arm names checked later)."""
    from kmipd import io

    extras: dict[str, Any] = {}
    if args.risk_table:
        try:
            extras["risk_table"] = io.read_risk_table(args.risk_table)
        except OSError as exc:
            raise InputError(f"cannot read {args.risk_table}: {exc.strerror or exc}") from None
    for option, values in (("n", args.n), ("events", args.events)):
        if values:
            extras[option] = io.parse_arm_counts(values, option=f"--{option}")
    return extras


def _match(items: Mapping[Any, Any], arms: list[str], what: str) -> dict[str, Any]:
    """Key ``items`` by the arms read; a single unnamed item fits a single arm."""
    if len(arms) == 1 and len(items) == 1:
        return {arms[0]: next(iter(items.values()))}
    matched = {}
    for name, value in items.items():
        if name is None or name not in arms:
            label = "a bare value" if name is None else f"arm {name!r}"
            raise OptionError(
                f"{what}: {label} matches no arm read; arms: {arm_list(dict.fromkeys(arms))}"
            )
        matched[name] = value
    return matched


def extract_figure(
    figure: str,
    page: int | None,
    options: dict[str, Any],
    extras: dict[str, Any],
    want_report: bool,
    plot: str | None,
) -> dict[str, Any]:
    """Digitize and reconstruct one figure; everything needed to write its outputs."""
    from kmipd.pipeline import reconstruct_with_read_events

    start = time.perf_counter()
    digitized, image = digitize_figure(figure, page, options)
    arms = list(digitized.curves)
    kwargs: dict[str, Any] = {}
    if "risk_table" in extras:
        kwargs["risk_table"] = _match(extras["risk_table"], arms, "--risk-table")
    elif digitized.risk_tables:
        kwargs["risk_table"] = digitized.risk_tables
    marks = {name: m for name, m in digitized.censor_marks.items() if len(m)}
    if marks:
        kwargs["censor_marks"] = marks
    for option in ("n", "events"):
        if option in extras:
            kwargs[option] = _match(extras[option], arms, f"--{option}")
    if digitized.sizes and "risk_table" not in extras:  # "(N=410)" in the legend; --n wins
        kwargs["n"] = {**digitized.sizes, **kwargs.get("n", {})}
    read_events = digitized.events if "risk_table" not in extras else {}  # read with the table
    try:
        result, note = reconstruct_with_read_events(
            digitized.curves, read_events, warn=False, **kwargs
        )
    except KmipdError as exc:
        if figure in str(exc):
            raise
        raise type(exc)(f"{figure}: {exc}") from None
    if note is not None:
        digitized = replace(digitized, warnings=(*digitized.warnings, note))
    report = None
    if want_report:
        report = {
            "kmipd_version": __version__,
            "digitization": digitized.to_dict(),
            "arms": {name: arm.diagnostics.to_dict() for name, arm in result.arms.items()},
        }
    return {
        "figure": figure,
        "digitized": digitized,
        "result": result,
        "report": report,
        "overlay": overlay_png(digitized, image) if plot else None,
        "seconds": time.perf_counter() - start,
    }


def extract_panels(
    figure: str,
    page: int | None,
    options: dict[str, Any],
    want_report: bool,
    plot: str | None,
) -> list[dict[str, Any]]:
    """``extract_figure`` of every plot panel of ``figure``, in order (``--panel all``)."""
    first = extract_figure(figure, page, {**options, "panel": 1}, {}, want_report, plot)
    outcomes = [first]
    for number in range(2, first["digitized"].panels + 1):
        options = {**options, "panel": number}
        outcomes.append(extract_figure(figure, page, options, {}, want_report, plot))
    return outcomes


def write_outputs(
    ipd: str,
    report_path: str | None,
    plot: str | None,
    outcome: dict[str, Any],
    args: argparse.Namespace | None,
) -> None:
    """Overlay, report, then the IPD last (its presence means success)."""
    from kmipd import io

    if plot and outcome["overlay"] is not None:
        with writing(plot), io.atomic_write(plot, "wb") as handle:
            handle.write(outcome["overlay"])
    if report_path and outcome["report"] is not None:
        report = dict(outcome["report"])
        if args is not None:
            inputs = figure_input(args, outcome["figure"])
            if inputs["panel"] == ALL_PANELS:  # the panel this report is of
                inputs["panel"] = outcome["digitized"].panel
            inputs.update(
                {"risk_table": args.risk_table, "n": list(args.n), "events": list(args.events)}
            )
            report = {"kmipd_version": report.pop("kmipd_version"), "inputs": inputs, **report}
        with writing(report_path):
            io.write_json(report_path, report)
    result = outcome["result"]
    with writing(ipd):
        io.write_ipd(ipd, ((name, arm.time, arm.event) for name, arm in result.arms.items()))


def _print_summary(outcome: dict[str, Any], out: TextIO) -> None:
    digitized, result = outcome["digitized"], outcome["result"]
    header = ("arm", "n", "events", "censored", "risk rows", "max |dS|")
    rows = [header]
    tables = digitized.risk_tables
    for name, arm in result.arms.items():
        d = arm.diagnostics
        risk_rows = len(tables[name].time) if name in tables else 0
        rows.append(
            (
                name,
                str(d.n),
                str(d.n_events),
                str(d.n_censored),
                str(risk_rows),
                f"{d.max_abs_error:.4f}",
            )
        )
    print_table(rows, out)
    for text in digitized.warnings:
        out.write(f"note: {' '.join(text.split())}\n")
