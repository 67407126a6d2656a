"""Read and write kmipd's file formats: curves, risk tables, censor marks, IPD and results.

This is the only place that knows file layouts and column-name aliases. It
imports the standard library and NumPy only (no pandas, no SciPy), so the
command-line tool starts fast.
"""

from kmipd.io._curve import read_curve
from kmipd.io._ipd import read_ipd
from kmipd.io._marks import read_censor_marks
from kmipd.io._options import parse_arm_counts
from kmipd.io._risk import read_risk_table
from kmipd.io._write import (
    atomic_write,
    write_curve_csv,
    write_ipd,
    write_json,
    write_risk_csv,
)

__all__ = [
    "atomic_write",
    "parse_arm_counts",
    "read_censor_marks",
    "read_curve",
    "read_ipd",
    "read_risk_table",
    "write_curve_csv",
    "write_ipd",
    "write_json",
    "write_risk_csv",
]
