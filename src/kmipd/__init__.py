"""kmipd: rebuild patient-level data from published Kaplan-Meier figures.

The public API is small:

- :func:`reconstruct` — digitized curves (+ risk table, events, censor marks)
  to patient-level data with diagnostics;
- :mod:`kmipd.io` — readers and writers for every input and output format;
- :mod:`kmipd.types` and :mod:`kmipd.errors` — the data types and exceptions.
"""

from kmipd.errors import (
    ApproximationWarning,
    DataQualityWarning,
    InputError,
    KmipdError,
    KmipdWarning,
    ReconstructionError,
)
from kmipd.pipeline import reconstruct
from kmipd.types import CensorMarks, Curve, ReconstructionResult, RiskTable

__version__ = "0.1.0"

__all__ = [
    "ApproximationWarning",
    "CensorMarks",
    "Curve",
    "DataQualityWarning",
    "InputError",
    "KmipdError",
    "KmipdWarning",
    "ReconstructionError",
    "ReconstructionResult",
    "RiskTable",
    "__version__",
    "reconstruct",
]
