"""Reconstruction from figures read by kmipd when the risk table is left out.

Many published figures print no numbers at risk. Here each figure is read
by ``kmipd.digitize`` as usual, and then rebuilt with ``kmipd.reconstruct``
from its curves, each arm's size (the table's count at time 0, or the size
its legend states) and the censor marks read, but no risk table and no
event total. Scored as in ``digitize_dev.py``: the largest ``|dlogHR|``
(Cox, each arm against the first truth arm) over [0, x_end], and the
largest error in an arm's events over [0, x_end] as a share of its patients.

Sets:

* ``figures-dev``: the 120 PNGs of ``../shared/data/figures-dev`` (R
  survminer, 4 styles, censor marks drawn);
* ``kmgpt-sim``: the 240 single-arm figures of ``../shared/data/kmgpt-sim``
  (events only: one arm has no hazard ratio);
* ``sized``: the 24 figures of ``styles_dev.py``'s ``sized`` style (no risk
  table; each legend label gives the arm's size), read from the folder that
  ``styles_dev.py --out DIR`` wrote (``DIR/styles``), if given.

Writes ``<out>/without_table_cases.csv`` and ``<out>/without_table.md``.

Usage::

    python benchmarks/without_table.py [--data DIR] [--styles DIR/styles] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(HERE))

import digitize_dev  # noqa: E402
from scoring import cox_log_hr, truncate  # noqa: E402


def cases(data: Path, styles: Path | None) -> list[tuple[str, str, Path, Path, float | None]]:
    """(set, case, figure, truth CSV, x end or None to take the curves' end) of each figure."""
    root = data / "figures-dev"
    sources = json.loads((root / "sources.json").read_text())
    out: list[tuple[str, str, Path, Path, float | None]] = [
        (
            "figures-dev",
            f"{name}-{style}",
            root / f"{name}-{style}.png",
            root / "truth" / f"{name}.csv",
            float(sources[name]["x_end"]),
        )
        for name in sorted(sources)
        for style in ("jco", "lancet", "nejm", "grey")
    ]
    kmgpt = data / "kmgpt-sim"
    out += [
        ("kmgpt-sim", path.stem, path, kmgpt / "ipd" / f"{path.stem}.csv", None)
        for path in sorted((kmgpt / "figures").glob("*.png"))
    ]
    if styles is not None:
        for path in sorted(styles.glob("*-sized.png")):
            out.append(("sized", path.stem, path, styles / "truth" / f"{path.stem}.csv", None))
    return out


def sizes_of(result: Any) -> dict[str, int]:
    """Each arm's size: its table's count at time 0, else the size its legend states."""
    out = {}
    for arm in result.arms:
        table = arm.risk_table
        if table is not None and table.time[0] == 0:
            out[arm.name] = int(table.n_at_risk[0])
        elif arm.n:
            out[arm.name] = int(arm.n)
    return out


def truth_of(path: Path) -> pd.DataFrame:
    """The true patients as ``arm, time, event`` (kmgpt-sim's ``ID, Time, Event``: one arm)."""
    truth = pd.read_csv(path)
    if "arm" not in truth:
        truth = pd.DataFrame({"arm": "arm", "time": truth.Time, "event": truth.Event})
    return truth


def score(kmipd: Any, result: Any, truth: pd.DataFrame, x_end: float | None) -> tuple[float, float]:
    """Largest |dlogHR| and largest |dEvents| / n over the arms, rebuilt from curves, sizes and
    marks only (nan, nan: no sizes read; dlogHR nan for one arm)."""
    if x_end is None:
        x_end = max(float(arm.curve.time.max()) for arm in result.arms)
    steps = {
        a: digitize_dev.km_steps(g.time.to_numpy(), g.event.to_numpy())
        for a, g in truth.groupby("arm", sort=False)
    }
    pairs = digitize_dev.match_arms(result, steps, np.linspace(0.0, x_end, 2001))
    sizes = sizes_of(result)
    if len(sizes) < len(result.arms):
        return float("nan"), float("nan")
    marks = {name: m for name, m in result.censor_marks.items() if len(m)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rebuilt = kmipd.reconstruct(
            result.curves, n=sizes, censor_marks=marks or None, warn=False
        ).ipd
    names = {a.name: t for t, a in pairs.items()}
    rebuilt = rebuilt[rebuilt.arm.isin(names)].assign(arm=lambda d: d.arm.map(names))
    rebuilt, true = truncate(rebuilt, x_end), truncate(truth, x_end)
    arms = list(dict.fromkeys(truth.arm))
    events = max(
        abs(int(rebuilt.event[rebuilt.arm == a].sum()) - int(true.event[true.arm == a].sum()))
        / max(int((truth.arm == a).sum()), 1)
        for a in arms
    )
    if len(arms) < 2:
        return float("nan"), events
    hr = max(
        abs(cox_log_hr(rebuilt, arms[0], other) - cox_log_hr(true, arms[0], other))
        for other in arms[1:]
    )
    return hr, events


def table(frame: pd.DataFrame) -> list[str]:
    """Markdown rows per set: figures, not rebuilt, |dlogHR| and |dEvents| / n summaries."""
    lines = [
        "| set | figures | not rebuilt | median abs dlogHR | mean | max | "
        "median abs dEvents / n | mean |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, rows in frame.groupby("set", sort=False):
        events = rows.events_error.dropna()
        hr = rows.abs_dloghr.dropna()
        cells = f"{hr.median():.4f} | {hr.mean():.4f} | {hr.max():.3f}" if len(hr) else "- | - | -"
        lines.append(
            f"| {name} | {len(rows)} | {len(rows) - len(events)} | {cells} | "
            f"{events.median():.4f} | {events.mean():.4f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--styles", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    import kmipd
    from kmipd.digitize import digitize

    rows = []
    for i, (group, case, figure, truth_path, x_end) in enumerate(cases(args.data, args.styles)):
        row: dict[str, Any] = {"set": group, "case": case}
        try:
            row["abs_dloghr"], row["events_error"] = score(
                kmipd, digitize(figure), truth_of(truth_path), x_end
            )
        except Exception as exc:  # a failed figure is reported, not fatal
            row["abs_dloghr"] = row["events_error"] = np.nan
            row["error"] = f"{type(exc).__name__}: {exc}"[:200]
        rows.append(row)
        if (i + 1) % 20 == 0:
            print(f"  {i + 1} figures", file=sys.stderr)
    frame = pd.DataFrame(rows)
    args.out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out / "without_table_cases.csv", index=False)
    text = "\n".join(
        [
            "# Reconstruction without the risk table",
            "",
            "Produced by `benchmarks/without_table.py` (definitions in its docstring): "
            "curves, sizes and censor marks as read, no numbers at risk, no event totals "
            "(sizes: each table's count at time 0, or the legend's).",
            "",
            *table(frame),
            "",
        ]
    )
    (args.out / "without_table.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
