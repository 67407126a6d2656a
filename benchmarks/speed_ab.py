"""Interleaved timing of two versions of kmipd's ``digitize`` on the figures-dev PNGs.

Usage::

    python benchmarks/speed_ab.py OLD_SRC NEW_SRC [--data DIR] [--rounds 2] [--every 1]

``OLD_SRC`` and ``NEW_SRC`` are ``src`` folders of two checkouts (for one,
``git worktree add /tmp/old <commit>``). Each round reads every figure with
the old code, then with the new, each in a fresh process; a figure is read
twice there and the second read timed (the first loads the OCR model and
starts the helper process). Per figure the fastest round is kept, so a
machine's spread between runs of the whole benchmark weighs less; the
table gives per figure old and new seconds and their ratio, then the
totals and the medians.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import kmipd.digitize as kd
out = {}
for path in sys.argv[2:]:
    kd.digitize(path)
    start = time.perf_counter()
    kd.digitize(path)
    out[path] = time.perf_counter() - start
print(json.dumps(out))
"""


def _timed(src: str, files: list[str]) -> dict[str, float]:
    """Seconds of the second read of each figure with the code in ``src``."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, src, *files], capture_output=True, text=True, check=True
    )
    return {k: float(v) for k, v in json.loads(done.stdout.splitlines()[-1]).items()}


def main(argv: list[str] | None = None) -> int:
    """Time both versions, interleaved, and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--every", type=int, default=1, help="read every n-th figure")
    args = parser.parse_args(argv)
    files = [str(p) for p in sorted((args.data / "figures-dev").glob("*.png"))][:: args.every]
    best: dict[str, dict[str, float]] = {"old": {}, "new": {}}
    for _ in range(args.rounds):
        for tag in ("old", "new"):
            for path, seconds in _timed(getattr(args, tag), files).items():
                best[tag][path] = min(seconds, best[tag].get(path, float("inf")))
    print("| figure | old s | new s | new / old |\n| --- | --- | --- | --- |")
    for path in files:
        old, new = best["old"][path], best["new"][path]
        print(f"| {Path(path).stem} | {old:.3f} | {new:.3f} | {new / old:.2f} |")
    old_all, new_all = list(best["old"].values()), list(best["new"].values())
    print(
        f"\ntotal {sum(old_all):.1f} s -> {sum(new_all):.1f} s "
        f"({sum(new_all) / sum(old_all):.3f}); median {statistics.median(old_all):.3f} -> "
        f"{statistics.median(new_all):.3f} s; within 1 s: {sum(t <= 1 for t in old_all)} -> "
        f"{sum(t <= 1 for t in new_all)} of {len(files)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
