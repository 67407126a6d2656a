"""Reconstruction accuracy on the recon-dev cases: kmipd against IPDfromKM.

Scores, side by side, for every case under ``<data>/cases/<case>/``:

(a) ``ipdfromkm``       IPDfromKM's reconstruction (``ipdfromkm_ipd.csv``);
(b) ``kmipd_rt_events`` kmipd with the risk table and the total events;
(c) ``kmipd_rt``        kmipd with the risk table only;
(d) ``kmipd_n_events``  kmipd without risk table, with n and the total events;
(e) ``kmipd_n``         kmipd without risk table, with n only.

The metrics are defined in ``benchmarks/scoring.py`` (and the README). Writes
``<out>/recon_dev_cases.csv`` (one row per case and method) and
``<out>/recon_dev.md`` (summary tables and the targets check), and prints the
Markdown. If ``kmipd`` cannot be imported only IPDfromKM is scored.

Usage::

    python benchmarks/recon_dev.py [--data DIR] [--out DIR] [--cases PATTERN]
                                   [--precision P]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import math
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from scoring import score_case  # noqa: E402

METHODS = {
    "ipdfromkm": "(a) IPDfromKM",
    "kmipd_rt_events": "(b) kmipd, risk table + events",
    "kmipd_rt": "(c) kmipd, risk table",
    "kmipd_n_events": "(d) kmipd, n + events",
    "kmipd_n": "(e) kmipd, n only",
}
KMIPD_METHODS = [m for m in METHODS if m != "ipdfromkm"]


def import_kmipd() -> tuple[Any, str | None]:
    """Import kmipd from this checkout's ``<repo>/src`` (whatever is installed); (module, error)."""
    sys.path.insert(0, str(REPO / "src"))
    try:
        import kmipd
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if not hasattr(kmipd, "reconstruct"):
        return None, "kmipd has no reconstruct()"
    return kmipd, None


def read_inputs(kmipd: Any, case_dir: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """Curves and risk tables of a case, via kmipd.io when it exists."""
    try:
        from kmipd.io import read_curve, read_risk_table

        return read_curve(case_dir / "curve.csv"), read_risk_table(case_dir / "risk.csv")
    except ImportError:
        pass
    from kmipd.types import Curve, RiskTable

    curve = pd.read_csv(case_dir / "curve.csv")
    risk = pd.read_csv(case_dir / "risk.csv")
    curves, tables = {}, {}
    for arm in dict.fromkeys(curve["arm"].astype(str)):
        part = curve[curve["arm"].astype(str) == arm]
        curves[arm] = Curve(time=part["time"], survival=part["survival"], arm=arm)
    for arm in dict.fromkeys(risk["arm"].astype(str)):
        part = risk[risk["arm"].astype(str) == arm]
        tables[arm] = RiskTable(time=part["time"], n_at_risk=part["n_at_risk"], arm=arm)
    return curves, tables


def kmipd_runner(
    kmipd: Any, method: str, precision: float | None = None
) -> Callable[[Path, dict[str, Any]], tuple[pd.DataFrame, int]]:
    """Function (case_dir, meta) -> (reconstructed IPD, number of warnings raised).

    ``precision`` is given to every curve (as ``kmipd reconstruct --precision``).
    """

    def run(case_dir: Path, meta: dict[str, Any]) -> tuple[pd.DataFrame, int]:
        curves, risk = read_inputs(kmipd, case_dir)
        if precision is not None:
            curves = {arm: replace(c, precision=precision) for arm, c in curves.items()}
        n = {arm: int(v["n"]) for arm, v in meta["arms"].items()}
        events = {arm: int(v["events_in_range"]) for arm, v in meta["arms"].items()}
        kwargs: dict[str, Any] = {}
        if method in ("kmipd_rt_events", "kmipd_rt"):
            kwargs["risk_table"] = risk
        else:
            kwargs["n"] = n
        if method in ("kmipd_rt_events", "kmipd_n_events"):
            kwargs["events"] = events
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = kmipd.reconstruct(curves, **kwargs)
        return pd.DataFrame(result.ipd)[["arm", "time", "event"]], len(caught)

    return run


def call_with_timeout(
    func: Callable[..., pd.DataFrame], seconds: float, *args: Any
) -> pd.DataFrame:
    """Run ``func(*args)``; raise TimeoutError after ``seconds`` (SIGALRM, Unix main thread)."""
    if seconds <= 0 or not hasattr(signal, "setitimer"):
        return func(*args)

    def alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"over {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return func(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def select_cases(data: Path, pattern: str | None) -> list[Path]:
    cases = sorted(p for p in (data / "cases").iterdir() if (p / "meta.json").is_file())
    if pattern:
        if any(ch in pattern for ch in "*?["):
            cases = [p for p in cases if fnmatch.fnmatchcase(p.name, pattern)]
        else:
            cases = [p for p in cases if pattern in p.name]
    return cases


def score_one(
    case_dir: Path,
    meta: dict[str, Any],
    arms: list[str],
    truth: pd.DataFrame,
    method: str,
    rec: pd.DataFrame | None,
    seconds: float,
    error: str | None,
) -> dict[str, Any]:
    """One CSV row: case-level scores, per-arm details, failure info."""
    x_end = float(meta["x_end"])
    row: dict[str, Any] = {
        "case": case_dir.name,
        "variant": meta.get("variant", case_dir.name.rsplit("-", 1)[-1]),
        "method": method,
        "x_end": x_end,
        "seconds": seconds,
        "failed": rec is None,
        "error": error or "",
    }
    if rec is None:
        return row
    score = score_case(truth, rec, arms, x_end)
    row.update(score.summary())
    for other in arms[1:]:
        row["log_hr_true"] = score.log_hr_true[other]
        row["log_hr_rec"] = score.log_hr_rec[other]
    exact = 0
    for i, arm in enumerate(arms, start=1):
        given = int(meta["arms"][arm]["events_in_range"])
        row[f"arm{i}"] = arm
        row[f"arm{i}_mean_abs_ds"] = score.mean_abs_ds[arm]
        row[f"arm{i}_max_abs_ds"] = score.max_abs_ds[arm]
        row[f"arm{i}_median_err"] = score.median_err[arm]
        row[f"arm{i}_events_true"] = score.events_true[arm]
        row[f"arm{i}_events_rec"] = score.events_rec[arm]
        row[f"arm{i}_events_given"] = given
        exact += int(score.events_rec[arm] == given)
    row["n_arms"] = len(arms)
    row["arms_events_exact"] = exact
    return row


# ---------------------------------------------------------------- summary


def _med(values: pd.Series) -> float:
    return float(np.median(values.to_numpy(dtype=float))) if len(values) else math.nan


def _max(values: pd.Series) -> float:
    return float(np.max(values.to_numpy(dtype=float))) if len(values) else math.nan


def summarise(cases: pd.DataFrame) -> pd.DataFrame:
    """Per-method summary. A failed case counts as +inf (a miss) in medians and
    maxima, as a log-rank disagreement and as events not exact."""
    rows = []
    for method, label in METHODS.items():
        part = cases[cases["method"] == method]
        if part.empty:
            continue
        failed = part["failed"].astype(bool)
        miss = part.copy()
        for col in ("abs_dloghr", "mean_abs_ds", "max_abs_ds", "median_err", "events_err"):
            miss[col] = pd.to_numeric(miss.get(col), errors="coerce")
            miss.loc[failed, col] = math.inf
        disagree = miss["logrank_disagrees"].where(~failed, True).astype(bool)
        n_arms = int(pd.to_numeric(part.get("n_arms"), errors="coerce").fillna(2).sum())
        rows.append(
            {
                "method": label,
                "cases": len(part),
                "median |ΔlogHR|": _med(miss["abs_dloghr"]),
                "max |ΔlogHR|": _max(miss["abs_dloghr"]),
                "median mean|ΔS|": _med(miss["mean_abs_ds"]),
                "median max|ΔS|": _med(miss["max_abs_ds"]),
                "median |Δmedian|/x_end": _med(miss["median_err"]),
                "median |Δevents|/n": _med(miss["events_err"]),
                "log-rank flips": f"{int(disagree.sum())}/{len(part)}",
                "events exact (arms)": (
                    f"{int(part['arms_events_exact'].fillna(0).sum())}/{n_arms}"
                ),
                "failures": int(failed.sum()),
                "calls with warnings": int(
                    (pd.to_numeric(part.get("warnings"), errors="coerce").fillna(0) > 0).sum()
                ),
                "seconds": float(part["seconds"].sum()),
            }
        )
    return pd.DataFrame(rows)


def markdown_table(frame: pd.DataFrame) -> str:
    def fmt(value: Any, col: str) -> str:
        if isinstance(value, float):
            if col == "seconds":
                return f"{value:.1f}"
            return "inf" if math.isinf(value) else f"{value:.4f}"
        return str(value)

    def esc(text: str) -> str:
        return text.replace("|", "\\|")

    head = "| " + " | ".join(esc(c) for c in frame.columns) + " |"
    rule = "|" + "|".join(" --- " for _ in frame.columns) + "|"
    body = [
        "| " + " | ".join(esc(fmt(v, c)) for v, c in zip(row, frame.columns, strict=True)) + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([head, rule, *body])


def targets(cases: pd.DataFrame) -> list[str]:
    """PASS/FAIL lines of the acceptance targets."""
    summary = summarise(cases).set_index("method")
    a, b, d = METHODS["ipdfromkm"], METHODS["kmipd_rt_events"], METHODS["kmipd_n_events"]
    lines = []

    def check(name: str, ok: bool | None, detail: str) -> None:
        status = "n/a " if ok is None else ("PASS" if ok else "FAIL")
        lines.append(f"- [{status}] {name}: {detail}")

    have_a, have_b, have_d = a in summary.index, b in summary.index, d in summary.index
    if have_a and have_b:
        sa, sb = summary.loc[a], summary.loc[b]
        for col, factor in (
            ("median |ΔlogHR|", 0.5),
            ("max |ΔlogHR|", 0.5),
            ("median mean|ΔS|", 0.7),
        ):
            check(
                f"(b) {col} <= {factor} x IPDfromKM",
                bool(sb[col] <= factor * sa[col]),
                f"{sb[col]:.4f} vs {factor} x {sa[col]:.4f} = {factor * sa[col]:.4f}",
            )
    else:
        check("(b) vs IPDfromKM", None, "kmipd not available")
    if have_b:
        sb = summary.loc[b]
        flips = int(str(sb["log-rank flips"]).split("/")[0])
        check("(b) log-rank disagreements == 0", flips == 0, str(sb["log-rank flips"]))
        got, total = (int(x) for x in str(sb["events exact (arms)"]).split("/"))
        check("(b) events exact in all arms", got == total, f"{got}/{total}")
    if have_d:
        sd = summary.loc[d]
        check(
            "(d) median |ΔlogHR| <= 0.015",
            bool(sd["median |ΔlogHR|"] <= 0.015),
            f"{sd['median |ΔlogHR|']:.4f}",
        )
    else:
        check("(d) median |ΔlogHR| <= 0.015", None, "kmipd not available")
    return lines


def report(cases: pd.DataFrame, note: str | None) -> str:
    out = ["# Reconstruction accuracy on recon-dev", ""]
    if note:
        out += [f"> {note}", ""]
    n_cases = cases["case"].nunique()
    out += [
        f"{n_cases} cases. Per case: |ΔlogHR| = max over comparisons vs the first arm "
        "(Cox, Efron); mean|ΔS| / max|ΔS| = worst arm, on 2001 grid points over "
        "[0, x_end]; |Δmedian|/x_end and |Δevents|/n = worst arm; log-rank flips = "
        "cases where p < 0.05 differs from the truth; events exact = arms whose "
        "events in [0, x_end] equal meta `events_in_range`. Failures count as misses "
        "(inf, a flip, not exact). Seconds = total reconstruction time (IPDfromKM: "
        "sum of `ipdfromkm_seconds`; kmipd: in-process `reconstruct` incl. reading "
        "the inputs).",
        "",
        "## All cases",
        "",
        markdown_table(summarise(cases)),
        "",
    ]
    for variant in sorted(cases["variant"].unique()):
        out += [
            f"## Variant `{variant}`",
            "",
            markdown_table(summarise(cases[cases["variant"] == variant])),
            "",
        ]
    out += ["## Targets", "", *targets(cases), ""]
    failures = cases[cases["failed"].astype(bool)]
    if not failures.empty:
        out += ["## Failures", ""]
        for row in failures.itertuples(index=False):
            msg = str(row.error).strip().splitlines()
            out.append(f"- {row.method} / {row.case}: {msg[-1] if msg else ''}")
        out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared/data/recon-dev")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument(
        "--cases",
        default=None,
        help="glob (with * ? [) or substring of the case names to run",
    )
    parser.add_argument(
        "--methods",
        default=",".join(METHODS),
        help="comma-separated subset of: " + ", ".join(METHODS),
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds per kmipd call before it counts as a failure (0: none)",
    )
    parser.add_argument(
        "--precision",
        type=float,
        default=None,
        help="give every curve this precision, as kmipd reconstruct --precision does "
        "(e.g. 0.0025, about a pixel of the -pixel traces); default none, as a CSV has none",
    )
    args = parser.parse_args(argv)

    cases = select_cases(args.data, args.cases)
    if not cases:
        print(f"no cases under {args.data / 'cases'} match {args.cases!r}", file=sys.stderr)
        return 2
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = set(methods) - set(METHODS)
    if unknown:
        parser.error(f"unknown methods: {sorted(unknown)}")

    kmipd, import_error = import_kmipd()
    note = None
    if kmipd is None and any(m in KMIPD_METHODS for m in methods):
        note = f"kmipd not importable ({import_error}); only IPDfromKM scored."
        print(note, file=sys.stderr)
        methods = [m for m in methods if m not in KMIPD_METHODS]
    runners = {m: kmipd_runner(kmipd, m, args.precision) for m in methods if m in KMIPD_METHODS}

    rows = []
    for case_dir in cases:
        meta = json.loads((case_dir / "meta.json").read_text())
        arms = list(dict.fromkeys(pd.read_csv(case_dir / "curve.csv")["arm"].astype(str)))
        truth = pd.read_csv(case_dir / "truth_ipd.csv")
        for method in methods:
            rec, error, seconds, n_warn = None, None, 0.0, 0
            if method == "ipdfromkm":
                rec = pd.read_csv(case_dir / "ipdfromkm_ipd.csv")
                sec_file = case_dir / "ipdfromkm_seconds"
                seconds = float(sec_file.read_text().strip()) if sec_file.exists() else math.nan
            else:
                start = time.perf_counter()
                try:
                    rec, n_warn = call_with_timeout(runners[method], args.timeout, case_dir, meta)
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
                seconds = time.perf_counter() - start
            try:
                rows.append(score_one(case_dir, meta, arms, truth, method, rec, seconds, error))
                rows[-1]["warnings"] = n_warn
            except Exception as exc:  # e.g. malformed output: a scored miss
                err = f"scoring failed: {type(exc).__name__}: {exc}"
                rows.append(score_one(case_dir, meta, arms, truth, method, None, seconds, err))
        done = [r for r in rows if r["case"] == case_dir.name]
        brief = "  ".join(
            f"{r['method']}={'FAIL' if r['failed'] else format(r['abs_dloghr'], '.4f')}"
            for r in done
        )
        print(f"{case_dir.name:28s} |ΔlogHR| {brief}", file=sys.stderr)

    frame = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out / "recon_dev_cases.csv", index=False)
    text = report(frame, note)
    (args.out / "recon_dev.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
