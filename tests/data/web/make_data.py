"""Regenerate the web app's test data: ``python tests/data/web/make_data.py``.

Synthetic trials (exponential event times, uniform censoring, fixed seeds); no
real patient data. Writes, beside this file:

- ``alpha_curve.csv`` / ``alpha_risk.csv``: trial ALPHA, two arms, exact KM corners
  and numbers at risk every 3 months;
- ``beta_curve.csv`` / ``beta_risk.csv``: trial BETA, two arms, likewise;
- ``gamma_ipd.csv``: trial GAMMA, patient-level data ``arm,time,event``;
- ``km_figure.png`` and ``km_figure.pdf``: a journal-style KM figure of trial
  DELTA (two arms, legend, numbers at risk) drawn with ``kmipd.plot.plot_km``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np

HERE = Path(__file__).parent
RISK_TIMES = np.arange(0.0, 25.0, 3.0)


def simulate(seed: int, n: int, mean: float) -> tuple[np.ndarray, np.ndarray]:
    """Times (months, 0.01) and events of ``n`` simulated patients."""
    rng = np.random.default_rng(seed)
    t_event = rng.exponential(mean, n)
    t_censor = rng.uniform(2.0, 24.0, n)
    time = np.maximum(np.round(np.minimum(t_event, t_censor), 2), 0.01)
    return time, (t_event <= t_censor).astype(int)


def corners(time: np.ndarray, event: np.ndarray) -> tuple[list[float], list[float]]:
    """Step corners of the exact KM curve, from (0, 1) to the last time."""
    ts, ss, s = [0.0], [1.0], 1.0
    for t in np.unique(time[event == 1]):
        d = int(np.sum((time == t) & (event == 1)))
        r = int(np.sum(time >= t))
        ts += [float(t), float(t)]
        ss += [s, s * (1 - d / r)]
        s *= 1 - d / r
    ts.append(float(time.max()))
    ss.append(s)
    return ts, ss


def write_trial(stem: str, arms: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """``<stem>_curve.csv`` and ``<stem>_risk.csv`` of the arms."""
    with open(HERE / f"{stem}_curve.csv", "w", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["arm", "time", "survival"])
        for name, (time, event) in arms.items():
            for t, s in zip(*corners(time, event), strict=True):
                out.writerow([name, f"{t:.2f}", f"{s:.4f}"])
    with open(HERE / f"{stem}_risk.csv", "w", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["arm", "time", "n_at_risk"])
        for name, (time, _) in arms.items():
            for t in RISK_TIMES[RISK_TIMES <= time.max()]:
                out.writerow([name, f"{t:g}", int(np.sum(time >= t))])


def main() -> None:
    """Write every file."""
    write_trial("alpha", {"Control": simulate(1, 60, 8.0), "Drug A": simulate(2, 60, 14.0)})
    write_trial("beta", {"Placebo": simulate(3, 50, 7.0), "Drug B": simulate(4, 50, 11.0)})
    with open(HERE / "gamma_ipd.csv", "w", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["arm", "time", "event"])
        for name, seed, mean in (("Standard", 5, 9.0), ("Drug C", 6, 13.0)):
            time, event = simulate(seed, 40, mean)
            out.writerows([name, f"{t:.2f}", int(e)] for t, e in zip(time, event, strict=True))
    figure()


def figure() -> None:
    """The DELTA figure as PNG (100 dpi) and PDF."""
    from kmipd.analysis import kaplan_meier
    from kmipd.plot import plot_km

    arms = {"Chemotherapy": simulate(7, 120, 7.0), "Immunotherapy": simulate(8, 120, 12.0)}
    curves = {name: kaplan_meier(*data, arm=name) for name, data in arms.items()}
    fig = plot_km(curves, time_unit="months", medians=False, risk_times=list(RISK_TIMES))
    fig.savefig(HERE / "km_figure.png", dpi=100, metadata={"Software": None})
    fig.savefig(
        HERE / "km_figure.pdf", metadata={"Creator": None, "Producer": None, "CreationDate": None}
    )


if __name__ == "__main__":
    main()
