"""Every exception and warning kmipd raises, in one tree.

::

    KmipdError
     ├─ InputError (also ValueError)     bad user data; names file, row, column
     │   ├─ CurveError                   digitized curve points
     │   ├─ RiskTableError               numbers at risk
     │   ├─ CensorMarkError              censoring tick marks
     │   ├─ OptionError                  a command-line or API option (--n, --events)
     │   └─ StudyFileError               a study file or a file it names
     ├─ DigitizationError                nothing usable found in a figure
     └─ ReconstructionError              infeasible counts for an arm
    KmipdWarning (UserWarning)
     ├─ DataQualityWarning               points dropped or repaired
     ├─ ApproximationWarning             e.g. no risk table: censoring estimated
     └─ StudyWarning                     a study result that needs care

Messages say what was wrong, show the bad value and say what to do.
"""

from __future__ import annotations

__all__ = [
    "ApproximationWarning",
    "CensorMarkError",
    "CurveError",
    "DataQualityWarning",
    "DigitizationError",
    "InputError",
    "KmipdError",
    "KmipdWarning",
    "OptionError",
    "ReconstructionError",
    "RiskTableError",
    "StudyFileError",
    "StudyWarning",
    "located",
]


class KmipdError(Exception):
    """Base class of every error kmipd raises on purpose."""


class InputError(KmipdError, ValueError):
    """User data that kmipd cannot use; the message names where it is."""


class CurveError(InputError):
    """A problem in digitized curve points."""


class RiskTableError(InputError):
    """A problem in a numbers-at-risk table."""


class CensorMarkError(InputError):
    """A problem in censoring tick marks."""


class OptionError(InputError):
    """A bad option value, such as ``--n`` or ``--events``."""


class StudyFileError(InputError):
    """A problem in a study file or in a file it names."""


class DigitizationError(KmipdError):
    """Nothing usable could be read from a figure."""


class ReconstructionError(KmipdError):
    """The counts given for an arm cannot all hold at once."""


class KmipdWarning(UserWarning):
    """Base class of kmipd's warnings."""


class DataQualityWarning(KmipdWarning):
    """Input points were dropped or repaired before use."""


class ApproximationWarning(KmipdWarning):
    """A quantity was estimated because the input did not determine it."""


class StudyWarning(KmipdWarning):
    """A study result that needs care, e.g. a landmark beyond an arm's follow-up."""


def located(
    message: str,
    *,
    source: str | None = None,
    row: int | None = None,
    column: str | None = None,
) -> str:
    """Prefix ``message`` with where the problem is, e.g. ``curve.csv, row 4, column 'time'``.

    Parameters
    ----------
    message : str
        What is wrong and what to do.
    source : str, optional
        File name (or other label) of the input.
    row : int, optional
        1-based line number in the file (the header is line 1).
    column : str, optional
        Column name.

    Returns
    -------
    str
        The located message.

    Examples
    --------
    >>> located("not a number: 'x'", source="curve.csv", row=3, column="time")
    "curve.csv, row 3, column 'time': not a number: 'x'"
    """
    parts = []
    if source:
        parts.append(str(source))
    if row is not None:
        parts.append(f"row {row}")
    if column:
        parts.append(f"column {column!r}")
    return f"{', '.join(parts)}: {message}" if parts else message
