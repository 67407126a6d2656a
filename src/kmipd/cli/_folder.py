"""``kmipd extract FOLDER``: every figure of a folder read in parallel.

Each figure is extracted in a worker process under a time limit; one figure
failing (bad file, time-out, even a bug) does not stop the others. Writes
``<stem>.ipd.csv`` per figure (``<stem>-panel-N.ipd.csv`` per panel with
``--panel all``) and ``summary.csv``, one row per figure or panel read.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from kmipd.cli._common import EXIT_OK, print_table, writing
from kmipd.cli._digitize import ALL_PANELS, IMAGE_SUFFIXES
from kmipd.errors import InputError, KmipdError, OptionError

__all__ = ["SUMMARY", "TIMEOUT", "run_folder"]

TIMEOUT = 60.0  # seconds per figure (all its panels with --panel all)
SUMMARY = (
    "figure",
    "panel",
    "status",
    "arms",
    "names",
    "risk_rows",
    "panels",
    "seconds",
    "message",
)


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def _row(figure: str, message: str = "") -> dict[str, Any]:
    """A summary row of a figure not (yet) read."""
    return dict.fromkeys(SUMMARY, "") | {
        "figure": Path(figure).name,
        "status": "error",
        "arms": 0,
        "risk_rows": 0,
        "seconds": 0.0,
        "message": message,
    }


def _read_row(figure: str, outcome: dict[str, Any]) -> dict[str, Any]:
    """The summary row of one panel extracted."""
    digitized = outcome["digitized"]
    return _row(figure) | {
        "panel": digitized.panel,
        "status": "ok",
        "arms": len(digitized.arms),
        "names": ";".join(digitized.curves),
        "risk_rows": sum(len(t.time) for t in digitized.risk_tables.values()),
        "panels": digitized.panels,
        "seconds": round(outcome["seconds"], 2),
        "message": " | ".join(" ".join(w.split()) for w in digitized.warnings),
    }


def ipd_name(stem: str, panel: int | None) -> str:
    """``<stem>.ipd.csv``, or ``<stem>-panel-N.ipd.csv`` for one panel of several."""
    return f"{stem}.ipd.csv" if panel is None else f"{stem}-panel-{panel}.ipd.csv"


def _process(
    figure: str,
    target: str,
    stem: str,
    page: int | None,
    options: dict[str, Any],
    timeout: float,
) -> list[dict[str, Any]]:
    """Worker: extract one figure (each panel with ``--panel all``); rows, never an exception."""
    import signal
    import warnings

    from kmipd.cli._extract import extract_figure, extract_panels, write_outputs

    start = time.perf_counter()
    rows = [_row(figure)]
    use_alarm = hasattr(signal, "SIGALRM")
    if use_alarm:
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if options["panel"] == ALL_PANELS:
                outcomes = extract_panels(figure, page, options, False, None)
            else:
                outcomes = [extract_figure(figure, page, options, {}, False, None)]
            several = options["panel"] == ALL_PANELS and len(outcomes) > 1
            for outcome in outcomes:  # every panel read before any is written
                panel = outcome["digitized"].panel if several else None
                write_outputs(str(Path(target) / ipd_name(stem, panel)), None, None, outcome, None)
        rows = [_read_row(figure, outcome) for outcome in outcomes]
    except _Timeout:
        rows[0]["message"] = f"timed out after {timeout:g} s"
    except KmipdError as exc:
        rows[0]["message"] = " ".join(str(exc).split())
    except Exception as exc:  # a bug on one figure must not stop the others
        rows[0]["message"] = f"internal error: {type(exc).__name__}: {exc}"
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
    if rows[0]["status"] == "error":
        rows[0]["seconds"] = round(time.perf_counter() - start, 2)
    return rows


def _figures(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.iterdir()
        if path.is_file()
        and path.suffix.lower() in IMAGE_SUFFIXES
        and not path.name.startswith(".")
    )


def _stems(figures: list[Path]) -> list[str]:
    """Output name stems: the file's stem, or its whole name where two stems clash."""
    stems = [path.stem for path in figures]
    return [path.stem if stems.count(path.stem) == 1 else path.name for path in figures]


def run_folder(args: argparse.Namespace, options: dict[str, Any], out: TextIO) -> int:
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
    workers = max(1, min(os.cpu_count() or 1, len(figures)))
    executor = ProcessPoolExecutor(max_workers=workers)
    try:
        futures = {
            executor.submit(
                _process,
                str(path),
                str(target),
                stem,
                args.page if path.suffix.lower() == ".pdf" else None,
                options,
                TIMEOUT,
            ): index
            for index, (path, stem) in enumerate(zip(figures, _stems(figures), strict=True))
        }
        rows = _collect(futures, figures, workers)
    finally:
        _shutdown(executor)
    ordered = [row for index in range(len(figures)) for row in rows[index]]
    _write_summary(target / "summary.csv", ordered)
    ok = sum(row["status"] == "ok" for row in ordered)
    if not args.quiet:
        print_table(
            [("figure", "panel", "status", "arms", "seconds")]
            + [
                (r["figure"], str(r["panel"]), r["status"], str(r["arms"]), f"{r['seconds']:.1f}")
                for r in ordered
            ],
            out,
        )
        read = "figures" if options["panel"] != ALL_PANELS else "panels"
        out.write(f"{ok} of {len(ordered)} {read} ok; wrote {target / 'summary.csv'}\n")
    if not ok:
        raise InputError(
            f"{folder}: none of the {len(figures)} figures could be read; see "
            f"{target / 'summary.csv'}"
        )
    return EXIT_OK


def _collect(
    futures: dict[Any, int], figures: list[Path], workers: int
) -> dict[int, list[dict[str, Any]]]:
    """Summary rows by figure index, with a progress line per figure on stderr."""
    from concurrent.futures import TimeoutError as FutureTimeout
    from concurrent.futures import as_completed

    rounds = -(-len(figures) // workers)
    deadline = rounds * (TIMEOUT + 15) + 30  # the workers' own alarms should fire first
    rows: dict[int, list[dict[str, Any]]] = {}
    try:
        for future in as_completed(futures, timeout=deadline):
            index = futures[future]
            try:
                rows[index] = future.result()
            except Exception as exc:  # the worker process died
                rows[index] = [
                    _row(str(figures[index]), f"worker failed: {type(exc).__name__}: {exc}")
                ]
            _progress(len(rows), len(figures), rows[index])
    except FutureTimeout:
        for index in set(futures.values()) - set(rows):
            rows[index] = [_row(str(figures[index]), f"timed out after {deadline:g} s")]
            _progress(len(rows), len(figures), rows[index])
    return rows


def _progress(done: int, total: int, rows: list[dict[str, Any]]) -> None:
    first = rows[0]
    if first["status"] != "ok":
        detail = f"error: {first['message']}"
    elif len(rows) == 1:
        detail = f"ok, {first['arms']} arms ({first['names']}), {first['seconds']:.1f} s"
    else:
        arms = ", ".join(f"panel {r['panel']}: {r['arms']} arms ({r['names']})" for r in rows)
        detail = f"ok, {arms}, {sum(r['seconds'] for r in rows):.1f} s"
    sys.stderr.write(f"[{done}/{total}] {first['figure']}: {detail}\n")
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
        writer = csv.DictWriter(handle, fieldnames=SUMMARY, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
