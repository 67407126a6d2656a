"""Write results atomically: a complete file or none at all."""

from __future__ import annotations

import csv
import json
import math
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from itertools import repeat
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

__all__ = ["atomic_write", "write_curve_csv", "write_ipd", "write_json", "write_risk_csv"]


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; on success it replaces ``path``.

    If the ``with`` block raises, the temporary file is removed and ``path``
    is left as it was (absent, or with its old content).

    Parameters
    ----------
    path : str or path-like
        The file to write.
    mode : {"w", "wb"}
        Text (UTF-8, ``\\n`` line ends written as given) or binary.

    Yields
    ------
    file object
        The open temporary file.

    Examples
    --------
    >>> with atomic_write("summary.txt") as handle:  # doctest: +SKIP
    ...     handle.write("done\\n")
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"mode must be 'w' or 'wb', not {mode!r}")
    target = Path(path)
    temporary, descriptor = _create_temporary(target)
    try:
        if mode == "wb":
            handle: IO[Any] = open(descriptor, "wb")
        else:
            handle = open(descriptor, "w", encoding="utf-8", newline="")
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise


def _create_temporary(target: Path) -> tuple[Path, int]:
    """A new file beside ``target``, created with the usual permissions (umask applies)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return temporary, os.open(temporary, flags, 0o666)
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue


def write_ipd(
    path: str | os.PathLike[str],
    arms: Iterable[tuple[str, npt.ArrayLike, npt.ArrayLike]],
) -> None:
    """Write patient-level data as CSV ``arm,time,event``.

    Parameters
    ----------
    path : str or path-like
        The file to write (atomically).
    arms : iterable of (str, array_like, array_like)
        Per arm its name, times and events (1 = event, 0 = censored).
        Times are written with the shortest text that reads back exactly.

    Raises
    ------
    ValueError
        Times and events of different lengths, a non-finite time or an event
        other than 0 or 1; no file is written.

    Examples
    --------
    >>> write_ipd("ipd.csv", [("A", [1.5, 2.0], [1, 0])])  # doctest: +SKIP
    """
    with atomic_write(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("arm", "time", "event"))
        for name, time, event in arms:
            times = _finite(name, time, "time")
            events = np.asarray(event).reshape(-1)
            if events.shape != times.shape:
                raise ValueError(f"arm {name!r}: {times.size} times but {events.size} events")
            if not np.isin(events, (0, 1)).all():
                raise ValueError(f"arm {name!r}: events must be 0 or 1")
            writer.writerows(zip(repeat(name), times.tolist(), events.astype(int).tolist()))


def write_curve_csv(
    path: str | os.PathLike[str], curves: Mapping[str, Any] | Iterable[Any]
) -> None:
    """Write curves as CSV ``arm,time,survival`` (readable by :func:`read_curve`).

    Parameters
    ----------
    path : str or path-like
        The file to write (atomically).
    curves : mapping of str to Curve, or iterable of Curve
        Anything with ``time`` and ``survival`` (e.g. ``CleanedCurve``); the
        arm name is the mapping key, else the object's ``arm``.
    """
    with atomic_write(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("arm", "time", "survival"))
        for name, curve in _named(curves):
            time = _finite(name, curve.time, "time")
            survival = _finite(name, curve.survival, "survival")
            writer.writerows(zip(repeat(name), time.tolist(), survival.tolist()))


def write_risk_csv(path: str | os.PathLike[str], tables: Mapping[str, Any] | Iterable[Any]) -> None:
    """Write numbers at risk as CSV ``arm,time,n_at_risk`` (readable by :func:`read_risk_table`).

    Parameters
    ----------
    path : str or path-like
        The file to write (atomically).
    tables : mapping of str to RiskTable, or iterable of RiskTable
        The arm name is the mapping key, else the table's ``arm``.
    """
    with atomic_write(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("arm", "time", "n_at_risk"))
        for name, table in _named(tables):
            time = _finite(name, table.time, "time")
            counts = np.asarray(table.n_at_risk, dtype=np.int64).reshape(-1).tolist()
            writer.writerows(zip(repeat(name), time.tolist(), counts))


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write ``obj`` as JSON (indent 2, keys in given order), NaN and infinity as null.

    NumPy scalars and arrays, tuples, paths and objects with a ``to_dict()``
    method are converted; anything else JSON cannot hold raises ``TypeError``
    and no file is written.

    Examples
    --------
    >>> write_json("result.json", {"n": 61, "hr": float("nan")})  # doctest: +SKIP
    """
    with atomic_write(path) as handle:
        json.dump(_jsonable(obj), handle, indent=2, sort_keys=False, allow_nan=False)
        handle.write("\n")


def _jsonable(obj: Any) -> Any:
    """``obj`` with NaN/inf as None and NumPy and other types as plain JSON types."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, str | int | bool):
        return obj
    if isinstance(obj, Mapping):
        return {str(key): _jsonable(value) for key, value in obj.items()}
    if isinstance(obj, np.ndarray | np.generic):
        return _jsonable(obj.tolist())
    if isinstance(obj, list | tuple):
        return [_jsonable(item) for item in obj]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if callable(getattr(obj, "to_dict", None)):
        return _jsonable(obj.to_dict())
    return obj  # json.dump raises TypeError naming the type


def _named(items: Mapping[str, Any] | Iterable[Any]) -> Iterable[tuple[str, Any]]:
    if isinstance(items, Mapping):
        return items.items()
    return ((str(getattr(item, "arm", "arm")), item) for item in items)


def _finite(name: str, values: npt.ArrayLike, what: str) -> npt.NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.isfinite(array).all():
        raise ValueError(f"arm {name!r}: {what} holds NaN or infinity; cannot write it")
    return array
