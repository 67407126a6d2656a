"""``kmipd extract``: patient-level data straight from Kaplan-Meier figures.

Digitize a figure (or every figure in a folder, in parallel) and rebuild the
patient-level data from the curves, the numbers at risk read under the plot (or
given), the censoring marks and any reported counts.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping
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
    IMAGE_SUFFIXES,
    add_reading_options,
    digitize_figure,
    figure_input,
    overlay_png,
    reading_options,
)
from kmipd.errors import InputError, KmipdError, OptionError

__all__ = ["add_arguments", "run"]

TIMEOUT = 60.0  # seconds per figure in folder mode

_EPILOG = f"""\
a figure or a folder:
  FIGURE        one image (PNG, JPEG, TIFF, BMP, WebP), SVG or PDF page (--page);
                --out names the IPD CSV to write.
  FOLDER        every image, SVG and PDF in the folder, read in parallel; --out names a
                folder (created) that receives <stem>.ipd.csv per figure and
                summary.csv (figure, status, arms, names, risk_rows, panels,
                seconds, message; panels: the plot panels the figure holds, the
                first of which, or --panel, was read). One figure failing does
                not stop the others; exit status
                0 if any figure succeeded. Each figure gets at most {int(TIMEOUT)} s.

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
    options = reading_options(args)
    if options["panel"] == ALL_PANELS:
        raise OptionError(
            "--panel all: kmipd extract reads one panel; give --panel N, or read every panel "
            "with kmipd digitize --panel all"
        )
    if Path(args.figure).is_dir():
        return _run_folder(args, options, out)
    check_outputs(
        (args.figure, args.risk_table),
        {"--out": args.out, "--report": args.report, "--plot": args.plot},
    )
    if args.plot and Path(args.plot).suffix.lower() != ".png":
        raise OptionError(f"--plot {args.plot!r}: end the file name in .png")
    extras = _extras(args)
    outcome = _extract(args.figure, args.page, options, extras, args.report is not None, args.plot)
    _write(args.out, args.report, args.plot, outcome, args)
    if not args.quiet:
        _print_summary(outcome, out)
        written = [path for path in (args.out, args.report, args.plot) if path]
        out.write(f"wrote {', '.join(written)}\n")
    return EXIT_OK


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


def _extract(
    figure: str,
    page: int | None,
    options: dict[str, Any],
    extras: dict[str, Any],
    want_report: bool,
    plot: str | None,
) -> dict[str, Any]:
    """Digitize and reconstruct one figure; everything needed to write its outputs."""
    from kmipd.pipeline import reconstruct

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
    if digitized.events and "risk_table" not in extras:  # read with the table used; --events wins
        kwargs["events"] = {**digitized.events, **kwargs.get("events", {})}
    try:
        result = reconstruct(digitized.curves, warn=False, **kwargs)
    except KmipdError as exc:
        if figure in str(exc):
            raise
        raise type(exc)(f"{figure}: {exc}") from None
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


def _write(
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


# --------------------------------------------------------------------------- folder

_SUMMARY = ("figure", "status", "arms", "names", "risk_rows", "panels", "seconds", "message")


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def _process(
    figure: str, ipd: str, page: int | None, options: dict[str, Any], timeout: float
) -> dict[str, Any]:
    """Worker: extract one figure into ``ipd``; a summary row, never an exception."""
    import signal
    import warnings

    start = time.perf_counter()
    row: dict[str, Any] = {"figure": Path(figure).name, "status": "error", "arms": 0}
    row.update({"names": "", "risk_rows": 0, "panels": "", "seconds": 0.0, "message": ""})
    use_alarm = hasattr(signal, "SIGALRM")
    if use_alarm:
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outcome = _extract(
                figure, page if is_pdf_name(figure) else None, options, {}, False, None
            )
            _write(ipd, None, None, outcome, None)
        digitized = outcome["digitized"]
        row.update(
            status="ok",
            arms=len(digitized.arms),
            names=";".join(digitized.curves),
            risk_rows=sum(len(t.time) for t in digitized.risk_tables.values()),
            panels=digitized.panels,
            message=" | ".join(" ".join(w.split()) for w in digitized.warnings),
        )
    except _Timeout:
        row["message"] = f"timed out after {timeout:g} s"
    except KmipdError as exc:
        row["message"] = " ".join(str(exc).split())
    except Exception as exc:  # a bug on one figure must not stop the others
        row["message"] = f"internal error: {type(exc).__name__}: {exc}"
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
    row["seconds"] = round(time.perf_counter() - start, 2)
    return row


def is_pdf_name(figure: str) -> bool:
    return Path(figure).suffix.lower() == ".pdf"


def _figures(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file()
        and path.suffix.lower() in IMAGE_SUFFIXES
        and not path.name.startswith(".")
    )


def _run_folder(args: argparse.Namespace, options: dict[str, Any], out: TextIO) -> int:
    """Extract every figure of a folder in parallel; write per-figure IPD and summary.csv."""
    from concurrent.futures import ProcessPoolExecutor

    folder = Path(args.figure)
    for option, value in (
        ("--report", args.report),
        ("--plot", args.plot),
        ("--risk-table", args.risk_table),
        ("--events", args.events),
        ("--n", args.n),
    ):
        if value:
            raise OptionError(f"{option} applies to a single figure, not to the folder {folder}")
    figures = _figures(folder)
    if not figures:
        suffixes = ", ".join(IMAGE_SUFFIXES)
        raise InputError(f"{folder}: no figures in the folder (files ending in {suffixes})")
    target = Path(args.out)
    if target.exists() and not target.is_dir():
        raise OptionError(f"--out {args.out!r} is a file; with a FOLDER of figures give a folder")
    with writing(args.out):
        target.mkdir(parents=True, exist_ok=True)
    stems = [path.stem for path in figures]
    names = [
        f"{path.stem}.ipd.csv" if stems.count(path.stem) == 1 else f"{path.name}.ipd.csv"
        for path in figures
    ]
    workers = max(1, min(os.cpu_count() or 1, len(figures)))
    rows: dict[int, dict[str, Any]] = {}
    executor = ProcessPoolExecutor(max_workers=workers)
    try:
        futures = {
            executor.submit(
                _process, str(path), str(target / name), args.page, options, TIMEOUT
            ): index
            for index, (path, name) in enumerate(zip(figures, names, strict=True))
        }
        rows = _collect(futures, figures, workers)
    finally:
        _shutdown(executor)
    ordered = [rows[index] for index in range(len(figures))]
    _write_summary(target / "summary.csv", ordered)
    ok = sum(row["status"] == "ok" for row in ordered)
    if not args.quiet:
        print_table(
            [("figure", "status", "arms", "seconds")]
            + [(r["figure"], r["status"], str(r["arms"]), f"{r['seconds']:.1f}") for r in ordered],
            out,
        )
        out.write(f"{ok} of {len(ordered)} figures ok; wrote {target / 'summary.csv'}\n")
    if not ok:
        raise InputError(
            f"{folder}: none of the {len(ordered)} figures could be read; see "
            f"{target / 'summary.csv'}"
        )
    return EXIT_OK


def _collect(
    futures: dict[Any, int], figures: list[Path], workers: int
) -> dict[int, dict[str, Any]]:
    """Summary rows by figure index, with a progress line per figure on stderr."""
    from concurrent.futures import TimeoutError as FutureTimeout
    from concurrent.futures import as_completed

    rounds = -(-len(figures) // workers)
    deadline = rounds * (TIMEOUT + 15) + 30  # the workers' own alarms should fire first
    rows: dict[int, dict[str, Any]] = {}
    try:
        for future in as_completed(futures, timeout=deadline):
            index = futures[future]
            try:
                row = future.result()
            except Exception as exc:  # the worker process died
                row = _failed(figures[index], f"worker failed: {type(exc).__name__}: {exc}")
            rows[index] = row
            _progress(len(rows), len(figures), row)
    except FutureTimeout:
        for index in set(futures.values()) - set(rows):
            rows[index] = _failed(figures[index], f"timed out after {deadline:g} s")
            _progress(len(rows), len(figures), rows[index])
    return rows


def _failed(path: Path, message: str) -> dict[str, Any]:
    return {
        "figure": path.name,
        "status": "error",
        "arms": 0,
        "names": "",
        "risk_rows": 0,
        "seconds": 0.0,
        "message": message,
    }


def _progress(done: int, total: int, row: dict[str, Any]) -> None:
    if row["status"] == "ok":
        detail = f"ok, {row['arms']} arms ({row['names']}), {row['seconds']:.1f} s"
    else:
        detail = f"error: {row['message']}"
    sys.stderr.write(f"[{done}/{total}] {row['figure']}: {detail}\n")
    sys.stderr.flush()


def _shutdown(executor: Any) -> None:
    """Stop the pool; end worker processes that are still busy (a hung figure)."""
    processes = list(getattr(executor, "_processes", {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.join(timeout=1)
        if process.is_alive():
            process.terminate()


def _write_summary(path: Path, rows: list[dict[str, Any]]) -> None:
    import csv

    from kmipd import io

    with writing(str(path)), io.atomic_write(path) as handle:
        writer = csv.DictWriter(handle, fieldnames=_SUMMARY, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
