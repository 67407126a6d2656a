"""A y axis cut short (survival from 0.5, as adjuvant trials draw it) hides a curve below it.

The figures are drawn here from the arms of ``test_digitize``: Control falls
from 0.55 to 0.47 at 13 months, under a floor at 0.5; Treatment stays above.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from kmipd.digitize import digitize
from kmipd.digitize._calibrate import AxisCalibration
from kmipd.digitize._curves import off_the_panel
from kmipd.types import Curve
from test_digitize import ARMS, TICKS, X_END, step_points


def _draw(path: Path, floor: float) -> None:
    fig, ax = plt.subplots(figsize=(8, 6), dpi=100)
    for name, colour in zip(ARMS, ("tab:blue", "tab:red"), strict=True):
        ax.plot(*step_points(name), color=colour, lw=2, label=name)
    ax.set_xlim(0, X_END)
    ax.set_ylim(floor, 1)
    ax.set_xticks(TICKS)
    ax.legend(loc="upper right")
    fig.savefig(path)
    plt.close(fig)


@pytest.mark.parametrize("suffix", ["png", "pdf"])
def test_a_curve_running_out_through_the_floor_is_named_in_a_warning(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"floor.{suffix}"
    _draw(path, 0.5)
    result = digitize(path)
    cut = [w for w in result.warnings if "leaves the plot" in w]
    assert len(cut) == 1 and "'Control'" in cut[0] and "bottom edge (survival 0.50)" in cut[0]
    time = float(cut[0].split("at time ")[1].split(";")[0])
    assert abs(time - 13.0) < 0.3
    _draw(path, 0.0)
    assert not [w for w in digitize(path).warnings if "leaves the plot" in w]


def test_the_edge_is_the_top_for_a_rising_curve() -> None:
    y = AxisCalibration("y", slope=-0.001, intercept=0.4, confidence=1.0)  # F: 0.4 at row 0
    falling = Curve(np.array([0.0, 5.0]), np.array([1.0, 0.9]), arm="a")
    assert off_the_panel(falling, y, (0.0, 400.0), rising=True, pen=2.5) is None
    # rising to F = 0.4 (survival 0.6) at the top row, where the axis ends at 0.4
    climbing = Curve(np.array([0.0, 5.0]), np.array([1.0, 0.6]), arm="a")
    note = off_the_panel(climbing, y, (0.0, 400.0), rising=True, pen=2.5)
    assert note is not None and "top edge (survival 0.60)" in note
