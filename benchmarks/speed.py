"""Speed of kmipd: the command-line tool on all recon-dev arms, and scaling.

Part 1 (CLI). All arms of all recon-dev cases go into ONE curve CSV and ONE
risk-table CSV (arm names ``<case>/<arm>``) in a temporary folder; the command

    kmipd reconstruct --curve C --risk-table R --out IPD.csv

(``python -m kmipd ...`` when the console script is not installed) is timed
wall-clock, interpreter start-up included, 3 times (best and median).

Part 2 (scaling). One simulated arm (exponential event times, uniform
censoring, fixed seed) with n = 1,000, 10,000 and 100,000 patients; its KM
curve is written as a curve CSV either as every step corner (points grow
with n) or as a pixel-like trace of 2,000 points (points fixed), with a risk
table at 10 times; ``kmipd.reconstruct`` is timed in-process (in a child
process, so a run over the time limit can be stopped). A points sweep at
n = 10,000 isolates the cost per input point.

Parts that cannot run (no kmipd yet, CLI missing, error, time limit) are
reported as "not available" with the reason instead of crashing. Writes
``<out>/speed.md`` and prints it.

Usage::

    python benchmarks/speed.py [--data DIR] [--out DIR] [--repeats 3] [--timeout 300]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

SIZES = (1_000, 10_000, 100_000)
TRACE_POINTS = 2_000
SWEEP_N = 10_000
SWEEP_POINTS = (500, 2_000, 8_000, 32_000)
RISK_TIMES = 10
SEED = 20240601
X_END = 36.0  # months
MEDIAN = 12.0  # exponential median, months
CENSOR_MAX = 48.0  # uniform censoring on [0, CENSOR_MAX]


def kmipd_env() -> dict[str, str]:
    """Environment in which ``import kmipd`` imports this checkout (<repo>/src first)."""
    env = dict(os.environ)
    src = str(REPO / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""


def fmt_s(values: list[float]) -> tuple[str, str]:
    return f"{min(values):.3f}", f"{statistics.median(values):.3f}"


# ---------------------------------------------------------------- part 1: CLI


def combined_inputs(data: Path, folder: Path) -> tuple[Path, Path, int, int]:
    """Write all cases' arms into one curve CSV and one risk CSV."""
    curves, risks = [], []
    for case in sorted(p for p in (data / "cases").iterdir() if (p / "curve.csv").is_file()):
        curve = pd.read_csv(case / "curve.csv")
        risk = pd.read_csv(case / "risk.csv")
        curve["arm"] = case.name + "/" + curve["arm"].astype(str)
        risk["arm"] = case.name + "/" + risk["arm"].astype(str)
        curves.append(curve)
        risks.append(risk)
    curve_all = pd.concat(curves, ignore_index=True)
    risk_all = pd.concat(risks, ignore_index=True)
    curve_path, risk_path = folder / "all_curves.csv", folder / "all_risk.csv"
    curve_all.to_csv(curve_path, index=False)
    risk_all.to_csv(risk_path, index=False)
    return curve_path, risk_path, int(curve_all["arm"].nunique()), len(curve_all)


def cli_command() -> tuple[list[str], dict[str, str], str]:
    exe = shutil.which("kmipd")
    if exe:
        return [exe], kmipd_env(), "kmipd"
    return [sys.executable, "-m", "kmipd"], kmipd_env(), "python -m kmipd"


def time_cli(data: Path, repeats: int, timeout: float) -> list[str]:
    lines = ["## 1. Command-line tool on all recon-dev arms", ""]
    if not (data / "cases").is_dir():
        return [*lines, f"not available: no data at {data}", ""]
    with tempfile.TemporaryDirectory(prefix="kmipd-speed-") as tmp:
        folder = Path(tmp)
        curve, risk, n_arms, n_points = combined_inputs(data, folder)
        base, env, how = cli_command()
        out = folder / "IPD.csv"
        cmd = [*base, "reconstruct", "--curve", str(curve), "--risk-table", str(risk)]
        cmd += ["--out", str(out)]
        shown = f"{how} reconstruct --curve all_curves.csv --risk-table all_risk.csv --out IPD.csv"
        lines += [
            f"Command: `{shown}`",
            "",
            f"Input: {n_arms} arms, {n_points:,} curve points.",
            "",
        ]
        times: list[float] = []
        for _ in range(repeats):
            out.unlink(missing_ok=True)
            start = time.perf_counter()
            try:
                proc = subprocess.run(
                    cmd, env=env, capture_output=True, text=True, timeout=timeout, check=False
                )
            except subprocess.TimeoutExpired:
                return [*lines, f"not available: timed out after {timeout:.0f} s", ""]
            elapsed = time.perf_counter() - start
            if proc.returncode != 0 or not out.is_file():
                reason = last_line(proc.stderr) or last_line(proc.stdout) or "no output file"
                return [*lines, f"not available: exit code {proc.returncode}: {reason}", ""]
            times.append(elapsed)
        try:
            ipd = pd.read_csv(out)
            rows = f"{len(ipd):,} patients, {int(ipd['arm'].nunique())} arms"
        except Exception as exc:
            rows = f"output unreadable ({type(exc).__name__})"
        best, median = fmt_s(times)
        lines += [
            "| arms | curve points | runs | best (s) | median (s) | per arm (ms) | output |",
            "| --- | --- | --- | --- | --- | --- | --- |",
            f"| {n_arms} | {n_points:,} | {len(times)} | {best} | {median} | "
            f"{1000 * statistics.median(times) / n_arms:.1f} | {rows} |",
            "",
            "Wall-clock including interpreter start-up and reading/writing the CSVs.",
            "",
        ]
    return lines


# ---------------------------------------------------------------- part 2: scaling


def simulate(n: int, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """One arm: exponential event times (median MEDIAN), uniform censoring."""
    rng = np.random.default_rng(seed + n)
    event_time = rng.exponential(MEDIAN / np.log(2), n)
    censor_time = rng.uniform(0.0, CENSOR_MAX, n)
    time_ = np.minimum(event_time, censor_time)
    event = (event_time <= censor_time).astype(int)
    late = time_ > X_END
    time_[late] = X_END
    event[late] = 0
    return time_, event


def km(time_: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """KM steps: distinct event times and survival just after each."""
    uniq, inv = np.unique(time_, return_inverse=True)
    deaths = np.bincount(inv, weights=event.astype(float), minlength=uniq.size)
    at_risk = np.bincount(inv, minlength=uniq.size)[::-1].cumsum()[::-1].astype(float)
    keep = deaths > 0
    return uniq[keep], np.cumprod(1.0 - deaths[keep] / at_risk[keep])


def corners(t: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every step corner: (0, 1), then (t_i, S_{i-1}), (t_i, S_i), and (X_END, S_last)."""
    before = np.concatenate([[1.0], s[:-1]])
    times = np.concatenate([[0.0], np.repeat(t, 2), [X_END]])
    surv = np.concatenate([[1.0], np.column_stack([before, s]).ravel(), [s[-1] if s.size else 1.0]])
    return times, surv


def trace(t: np.ndarray, s: np.ndarray, points: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-like trace: the step function read at ``points`` equal times."""
    grid = np.linspace(0.0, X_END, points)
    idx = np.searchsorted(t, grid, side="right") - 1
    surv = np.where(idx >= 0, s[np.clip(idx, 0, None)], 1.0)
    return grid, surv


def risk_table(time_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ticks = np.arange(RISK_TIMES) * (X_END / RISK_TIMES)
    sorted_t = np.sort(time_)
    n_at_risk = sorted_t.size - np.searchsorted(sorted_t, ticks, side="left")
    return ticks, n_at_risk


def _child(curve_csv: str, risk_csv: str, repeats: int, queue: Any) -> None:
    """Child process: read inputs, time ``kmipd.reconstruct`` ``repeats`` times."""
    try:
        sys.path.insert(0, str(REPO / "src"))
        import kmipd

        try:
            from kmipd.io import read_curve, read_risk_table

            curves, risk = read_curve(curve_csv), read_risk_table(risk_csv)
        except ImportError:
            from kmipd.types import Curve, RiskTable

            c, r = pd.read_csv(curve_csv), pd.read_csv(risk_csv)
            curves = {"sim": Curve(time=c["time"], survival=c["survival"], arm="sim")}
            risk = {"sim": RiskTable(time=r["time"], n_at_risk=r["n_at_risk"], arm="sim")}
        times = []
        n_out = events_out = 0
        for _ in range(repeats):
            start = time.perf_counter()
            result = kmipd.reconstruct(curves, risk_table=risk)
            times.append(time.perf_counter() - start)
            ipd = result.ipd
            n_out, events_out = len(ipd), int(ipd["event"].sum())
        queue.put(("ok", times, n_out, events_out))
    except BaseException as exc:
        queue.put(("error", f"{type(exc).__name__}: {exc}", 0, 0))


def time_reconstruct(
    curve_xy: tuple[np.ndarray, np.ndarray],
    risk: tuple[np.ndarray, np.ndarray],
    folder: Path,
    tag: str,
    repeats: int,
    timeout: float,
) -> tuple[list[float] | None, str]:
    curve_csv, risk_csv = folder / f"{tag}_curve.csv", folder / f"{tag}_risk.csv"
    pd.DataFrame({"arm": "sim", "time": curve_xy[0], "survival": curve_xy[1]}).to_csv(
        curve_csv, index=False
    )
    pd.DataFrame({"arm": "sim", "time": risk[0], "n_at_risk": risk[1]}).to_csv(
        risk_csv, index=False
    )
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(str(curve_csv), str(risk_csv), repeats, queue))
    proc.start()
    deadline = time.monotonic() + timeout
    message = None
    while message is None:
        try:
            message = queue.get(timeout=0.5)
        except Exception:  # queue.Empty
            if not proc.is_alive() and queue.empty():
                proc.join()
                return None, f"not available: child exited with code {proc.exitcode}"
            if time.monotonic() > deadline:
                proc.kill()
                proc.join()
                return None, f"not available: over {timeout:.0f} s"
    status, payload, n_out, events_out = message
    proc.join()
    if status != "ok":
        return None, f"not available: {last_line(payload)}"
    return payload, f"{n_out:,} patients, {events_out:,} events"


def scaling(repeats: int, timeout: float) -> list[str]:
    lines = [
        "## 2. Scaling of `kmipd.reconstruct` (in-process, one arm)",
        "",
        f"Exponential events (median {MEDIAN:g}), uniform censoring on [0, {CENSOR_MAX:g}], "
        f"cut at {X_END:g}; seed {SEED}; risk table at {RISK_TIMES} equally spaced times; "
        f"best and median of {repeats} calls (inputs read once, not timed).",
        "",
        "| n | events | input | curve points | best (s) | median (s) | µs per point | "
        "reconstruction |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    gave_up: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="kmipd-scale-") as tmp:
        folder = Path(tmp)
        jobs: list[tuple[int, str, int | None]] = [(n, "corners", None) for n in SIZES]
        jobs += [(n, "trace", TRACE_POINTS) for n in SIZES]
        jobs += [(SWEEP_N, "trace", p) for p in SWEEP_POINTS if p != TRACE_POINTS]
        for n, kind, points in jobs:
            time_, event = simulate(n)
            t, s = km(time_, event)
            xy = corners(t, s) if kind == "corners" else trace(t, s, int(points or 0))
            label = "step corners" if kind == "corners" else "pixel-like trace"
            if kind in gave_up:
                result, info = None, "skipped (smaller input over the limit)"
            else:
                tag = f"{kind}_{n}_{points or 0}"
                result, info = time_reconstruct(
                    xy, risk_table(time_), folder, tag, repeats, timeout
                )
                if result is None and "over" in info:
                    gave_up.add(kind)
            n_pts = len(xy[0])
            if result is None:
                lines.append(
                    f"| {n:,} | {int(event.sum()):,} | {label} | {n_pts:,} | – | – | – | {info} |"
                )
            else:
                best, median = fmt_s(result)
                per = 1e6 * statistics.median(result) / n_pts
                lines.append(
                    f"| {n:,} | {int(event.sum()):,} | {label} | {n_pts:,} | {best} | {median} | "
                    f"{per:.1f} | {info} |"
                )
            print(lines[-1], file=sys.stderr)
    lines += [
        "",
        "Cost vs patients: the `pixel-like trace` rows at 2,000 points "
        f"(n = {', '.join(f'{n:,}' for n in SIZES)}). Cost vs points: the `step corners` rows "
        f"(points grow with n) and the trace rows at n = {SWEEP_N:,} "
        f"({', '.join(f'{p:,}' for p in sorted({*SWEEP_POINTS, TRACE_POINTS}))} points).",
        "",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/recon-dev")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="seconds per timed command / size"
    )
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    args = parser.parse_args(argv)

    lines = ["# kmipd speed", ""]
    lines += [f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs.", ""]
    if not args.skip_cli:
        try:
            lines += time_cli(args.data, args.repeats, args.timeout)
        except Exception as exc:
            lines += [f"CLI timing not available: {type(exc).__name__}: {exc}", ""]
    if not args.skip_scaling:
        try:
            lines += scaling(args.repeats, args.timeout)
        except Exception as exc:
            lines += [f"Scaling not available: {type(exc).__name__}: {exc}", ""]
    text = "\n".join(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
