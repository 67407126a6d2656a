"""Parse command-line count options such as ``--n ARM=N``."""

from __future__ import annotations

from collections.abc import Sequence

from kmipd.errors import OptionError

__all__ = ["parse_arm_counts"]


def parse_arm_counts(values: Sequence[str], *, option: str) -> dict[str | None, int]:
    """Parse ``ARM=N`` option values (or one bare ``N``) into a dictionary.

    Parameters
    ----------
    values : sequence of str
        Values as typed, e.g. ``["Placebo=206", "Pembrolizumab=410"]`` or ``["206"]``.
    option : str
        Option name for messages, e.g. ``"--n"``.

    Returns
    -------
    dict
        Count per arm name; a bare number has the key None.

    Raises
    ------
    OptionError
        A malformed, negative or non-integer value, a repeated arm, or a bare
        number mixed with other values.

    Examples
    --------
    >>> parse_arm_counts(["A=200", "B=210"], option="--n")
    {'A': 200, 'B': 210}
    >>> parse_arm_counts(["61"], option="--n")
    {None: 61}
    """
    counts: dict[str | None, int] = {}
    for value in values:
        arm, count = _arm_count(value, option)
        if arm in counts:
            what = "a bare number" if arm is None else f"arm {arm!r}"
            raise OptionError(f"{option} {value!r}: {what} is given twice; give each arm once")
        counts[arm] = count
    if None in counts and len(counts) > 1:
        raise OptionError(
            f"{option}: a bare number can only be used alone (one arm); write ARM=N for each arm"
        )
    return counts


def _arm_count(value: str, option: str) -> tuple[str | None, int]:
    name, equals, count = value.rpartition("=")
    arm = name.strip() if equals else None
    count = count.strip()
    if arm == "":
        raise OptionError(f"{option} {value!r}: the arm name is empty; write ARM=N")
    if count.startswith("-") and count[1:].isdecimal():
        raise OptionError(f"{option} {value!r}: {count} is negative; give a count of 0 or more")
    if not (count.isascii() and count.isdecimal()):
        raise OptionError(
            f"{option} {value!r}: {count!r} is not a whole number; write ARM=N, e.g. {option} A=120"
        )
    return arm, int(count)
