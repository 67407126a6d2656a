"""Time units of a study: names, and conversion factors between them.

One year is 365.25 days and one month is 365.25 / 12 days, as in most
trial reports.
"""

from __future__ import annotations

__all__ = ["TIME_UNITS", "normalize_unit", "time_factor"]

#: Length of each known unit in days.
TIME_UNITS: dict[str, float] = {
    "days": 1.0,
    "weeks": 7.0,
    "months": 365.25 / 12.0,
    "years": 365.25,
}

_ALIASES = {
    "d": "days",
    "day": "days",
    "days": "days",
    "w": "weeks",
    "wk": "weeks",
    "wks": "weeks",
    "week": "weeks",
    "weeks": "weeks",
    "mo": "months",
    "mon": "months",
    "month": "months",
    "months": "months",
    "y": "years",
    "yr": "years",
    "yrs": "years",
    "year": "years",
    "years": "years",
}


def normalize_unit(unit: str | None) -> str | None:
    """The canonical name of a known time unit (``"days"`` ... ``"years"``), else None.

    Examples
    --------
    >>> normalize_unit("Month")
    'months'
    >>> normalize_unit("cycles") is None
    True
    """
    if unit is None:
        return None
    return _ALIASES.get(unit.strip().lower())


def time_factor(from_unit: str, to_unit: str) -> float:
    """Multiply times in ``from_unit`` by this to get times in ``to_unit``.

    Parameters
    ----------
    from_unit, to_unit : str
        Known units (see :data:`TIME_UNITS`; singular, plural and short forms
        such as ``"mo"`` are accepted).

    Returns
    -------
    float
        The factor (exactly 1.0 for the same unit).

    Raises
    ------
    ValueError
        If a unit is not known.

    Examples
    --------
    >>> round(time_factor("days", "months") * 365.25, 6)
    12.0
    >>> time_factor("years", "months")
    12.0
    """
    factors = []
    for unit in (from_unit, to_unit):
        known = normalize_unit(unit)
        if known is None:
            raise ValueError(f"unknown time unit {unit!r}; use one of {', '.join(TIME_UNITS)}")
        factors.append(TIME_UNITS[known])
    if factors[0] == factors[1]:
        return 1.0
    return factors[0] / factors[1]
