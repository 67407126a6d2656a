"""Read and validate a study file (TOML)."""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from kmipd.study._errors import StudyFileError
from kmipd.study._spec import Study, StudyArm, StudyComparison, endpoint_slug
from kmipd.study._units import TIME_UNITS, normalize_unit, time_factor
from kmipd.types import valid_precision

__all__ = ["read_study"]

_TOP_KEYS = (
    "title",
    "time_unit",
    "landmarks",
    "tau",
    "cuts",
    "confidence_level",
    "show_pvalue",
    "arm",
    "comparison",
)
_CURVE_ONLY = (  # keys of curve (and figure) arms only
    "risk_table",
    "censor_marks",
    "events",
    "n",
    "percent",
    "failure",
    "page",
    "panel",
    "precision",
)
_ARM_KEYS = (
    "id",
    "trial",
    "label",
    "endpoint",
    "ipd",
    "curve",
    "figure",
    "select",
    "time_unit",
    *_CURVE_ONLY,
)
_COMPARISON_KEYS = ("arms", "label")
_ARM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")


class _Where:
    """Builds error messages that start with the study file and the place in it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, message: str, *, place: str = "", key: str = "") -> NoReturn:
        parts = [str(self.path)]
        if place:
            parts.append(place)
        if key:
            parts.append(f"key {key!r}")
        raise StudyFileError(f"{', '.join(parts)}: {message}")


def read_study(path: str | os.PathLike[str]) -> Study:
    """Read a study file and check everything that can be checked without reading data.

    Parameters
    ----------
    path : str or path-like
        The TOML file. Paths in it are relative to its folder.

    Returns
    -------
    Study
        The validated study.

    Raises
    ------
    StudyFileError
        Invalid TOML (with its line), unknown keys (with the closest known
        one), missing or mistyped values, duplicate arm ids, comparisons of
        unknown arms or of arms of different endpoints, files that do not
        exist, or an arm time unit that cannot be converted to the study's.

    Examples
    --------
    >>> study = read_study("examples/her2-mbc/study.toml")  # doctest: +SKIP
    >>> [arm.id for arm in study.arms]  # doctest: +SKIP
    ['th3resa_tdm1', 'th3resa_pc']
    """
    where = _Where(Path(path))
    raw = _load(where)
    _check_keys(where, raw, _TOP_KEYS, "")
    unit = _text(where, raw, "time_unit", "", required=False)
    arms = _arms(where, raw, unit)
    landmarks = _numbers(where, raw, "landmarks", increasing=False)
    cuts = _numbers(where, raw, "cuts", increasing=True)
    tau = _positive(where, raw.get("tau"), "", "tau")
    level = _confidence(where, raw.get("confidence_level", 0.95))
    show = _flag(where, raw, "show_pvalue", "", default=False)
    return Study(
        path=where.path,
        title=_text(where, raw, "title", "", required=False) or where.path.stem,
        time_unit=unit,
        landmarks=tuple(float(value) for value in landmarks),
        landmark_labels=tuple(str(value) for value in landmarks),
        tau=tau,
        cuts=tuple(float(value) for value in cuts),
        confidence_level=level,
        show_pvalue=bool(show),
        arms=arms,
        comparisons=_comparisons(where, raw, arms),
    )


def _load(where: _Where) -> dict[str, Any]:
    try:
        data = where.path.read_bytes()
    except FileNotFoundError:
        where.fail("study file not found; check the path")
    except OSError as exc:
        where.fail(f"cannot read the study file ({exc.strerror or exc})")
    try:
        return tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        where.fail("not a UTF-8 text file; save the study file as UTF-8")
    except tomllib.TOMLDecodeError as exc:
        where.fail(f"not valid TOML: {exc}; fix the syntax there")


def _check_keys(where: _Where, table: dict[str, Any], known: Sequence[str], place: str) -> None:
    for key in table:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
        where.fail(f"unknown key; {hint}", place=place, key=key)


def _text(where: _Where, table: dict[str, Any], key: str, place: str, *, required: bool) -> Any:
    value = table.get(key)
    if value is None:
        if required:
            where.fail("missing; add it, e.g. " + _example(key), place=place, key=key)
        return None
    if not isinstance(value, str) or not value.strip():
        where.fail(f"must be a non-empty text in quotes, not {value!r}", place=place, key=key)
    return value.strip()


def _example(key: str) -> str:
    examples = {
        "id": 'id = "trial_arm"',
        "trial": 'trial = "TH3RESA"',
        "endpoint": 'endpoint = "PFS"',
    }
    return examples.get(key, f'{key} = "..."')


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _positive(where: _Where, value: Any, place: str, key: str) -> float | None:
    if value is None:
        return None
    if not _is_number(value) or value <= 0:
        where.fail(f"must be a number > 0, not {value!r}", place=place, key=key)
    return float(value)


def _numbers(where: _Where, raw: dict[str, Any], key: str, *, increasing: bool) -> list[Any]:
    values = raw.get(key, [])
    if not isinstance(values, list):
        where.fail(f"must be a list of numbers, e.g. {key} = [6, 12], not {values!r}", key=key)
    for value in values:
        _positive(where, value, "", key)
    if len(set(values)) != len(values):
        where.fail(f"lists a time twice ({values}); list each once", key=key)
    if increasing and values != sorted(values):
        where.fail(f"must be increasing, not {values}", key=key)
    return list(values)


def _confidence(where: _Where, value: Any) -> float:
    if not _is_number(value) or not 0 < value < 1:
        where.fail(
            f"must be a number between 0 and 1 (e.g. 0.95), not {value!r}", key="confidence_level"
        )
    return float(value)


def _flag(where: _Where, table: dict[str, Any], key: str, place: str, *, default: Any) -> Any:
    value = table.get(key, default)
    if value is not default and not isinstance(value, bool):
        where.fail(f"must be true or false (no quotes), not {value!r}", place=place, key=key)
    return value


def _precision(where: _Where, table: dict[str, Any], place: str) -> float | None:
    value = table.get("precision")
    if value is None:
        return None
    if not _is_number(value) or not valid_precision(value):
        where.fail(
            f"must be a survival difference between 0 and 0.5 (e.g. 0.0025, one pixel of a "
            f"400-pixel axis), not {value!r}",
            place=place,
            key="precision",
        )
    return float(value)


def _count(where: _Where, table: dict[str, Any], key: str, place: str, least: int) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        where.fail(f"must be a whole number ≥ {least}, not {value!r}", place=place, key=key)
    return int(value)


def _tables(where: _Where, raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = raw.get(key, [])
    if isinstance(value, dict) or not all(isinstance(item, dict) for item in value):
        where.fail(f"write each {key} as a table headed [[{key}]] (two brackets)", key=key)
    return list(value)


# --------------------------------------------------------------------------- arms


def _arms(where: _Where, raw: dict[str, Any], unit: str | None) -> tuple[StudyArm, ...]:
    tables = _tables(where, raw, "arm")
    if not tables:
        where.fail("the study has no arms; add at least one [[arm]] table", key="arm")
    arms: list[StudyArm] = []
    for number, table in enumerate(tables, 1):
        arm = _arm(where, table, number, unit)
        if any(other.id == arm.id for other in arms):
            where.fail(
                "duplicate arm id; give every arm its own id",
                place=f"arm {arm.id!r} ([[arm]] number {number})",
                key="id",
            )
        arms.append(arm)
    _check_slugs(where, arms)
    return tuple(arms)


def _arm(where: _Where, table: dict[str, Any], number: int, unit: str | None) -> StudyArm:
    place = f"[[arm]] number {number}"
    arm_id = _text(where, table, "id", place, required=True)
    if not _ARM_ID.match(arm_id):
        where.fail(
            f"{arm_id!r} cannot name a file; use letters, digits, '_', '-' and '.'",
            place=place,
            key="id",
        )
    place = f"arm {arm_id!r}"
    _check_keys(where, table, _ARM_KEYS, place)
    source = _source(where, table, place)
    for key in ("page", "panel"):
        if key in table and "figure" not in table:
            where.fail(
                "applies to figure arms only; remove it or use figure = ...", place=place, key=key
            )
    needs_counts = source == "curve" and "figure" not in table  # a figure has its own table
    if needs_counts and "risk_table" not in table and "n" not in table:
        where.fail(
            'a curve arm needs its numbers at risk (risk_table = "FILE.csv") or at least '
            "its size (n = ...)",
            place=place,
            key="risk_table",
        )
    if source == "ipd":
        for key in _CURVE_ONLY:
            if key in table:
                where.fail(
                    "applies to curve arms only; remove it or use curve = ...", place=place, key=key
                )
    files: dict[str, str] = {
        key: table[key]
        for key in ("ipd", "curve", "figure", "risk_table", "censor_marks")
        if key in table
    }
    paths = {key: _file(where, table, key, place) for key in files}
    arm_unit = _text(where, table, "time_unit", place, required=False)
    return StudyArm(
        id=arm_id,
        trial=_text(where, table, "trial", place, required=True),
        label=_text(where, table, "label", place, required=False) or arm_id,
        endpoint=_text(where, table, "endpoint", place, required=True),
        ipd=paths.get("ipd"),
        curve=paths.get("curve"),
        figure=paths.get("figure"),
        page=_count(where, table, "page", place, 1),
        panel=_count(where, table, "panel", place, 1),
        risk_table=paths.get("risk_table"),
        censor_marks=paths.get("censor_marks"),
        select=_text(where, table, "select", place, required=False),
        time_unit=arm_unit,
        time_factor=_unit_factor(where, arm_unit, unit, place),
        events=_count(where, table, "events", place, 0),
        n=_count(where, table, "n", place, 1),
        percent=_flag(where, table, "percent", place, default=None),
        failure=bool(_flag(where, table, "failure", place, default=False)),
        precision=_precision(where, table, place),
        files=files,
    )


def _source(where: _Where, table: dict[str, Any], place: str) -> str:
    given = [key for key in ("ipd", "curve", "figure") if key in table]
    if len(given) > 1:
        where.fail(
            "give one of ipd = ... (patient-level data), curve = ... (a digitized curve) "
            f"or figure = ... (a KM figure to read), not {' and '.join(given)}",
            place=place,
            key=given[1],
        )
    if not given:
        where.fail(
            'no data: add ipd = "FILE.csv" (columns arm,time,event), '
            'curve = "FILE.csv" with risk_table = "FILE.csv", or figure = "FIG.png"',
            place=place,
            key="ipd",
        )
    return "ipd" if given[0] == "ipd" else "curve"


def _file(where: _Where, table: dict[str, Any], key: str, place: str) -> Path:
    value = _text(where, table, key, place, required=True)
    path = where.path.parent / value
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "not found"
        where.fail(
            f"file {value!r} {what} (looked for {path}; paths are relative to the "
            "study file's folder)",
            place=place,
            key=key,
        )
    return path


def _unit_factor(where: _Where, arm_unit: str | None, unit: str | None, place: str) -> float:
    if arm_unit is None or (unit is not None and arm_unit.lower() == unit.lower()):
        return 1.0
    known = ", ".join(TIME_UNITS)
    if unit is None:
        where.fail(
            f"the arm is in {arm_unit!r} but the study sets no time_unit; add "
            f'time_unit = "..." at the top of the study file (one of {known})',
            place=place,
            key="time_unit",
        )
    for name in (arm_unit, unit):
        if normalize_unit(name) is None:
            where.fail(
                f"cannot convert {arm_unit!r} to the study's {unit!r}: unknown unit "
                f"{name!r}; use one of {known}",
                place=place,
                key="time_unit",
            )
    return time_factor(arm_unit, unit)


def _check_slugs(where: _Where, arms: list[StudyArm]) -> None:
    seen: dict[str, str] = {}
    for arm in arms:
        slug = endpoint_slug(arm.endpoint)
        other = seen.setdefault(slug, arm.endpoint)
        if other != arm.endpoint:
            where.fail(
                f"endpoints {other!r} and {arm.endpoint!r} would share the figure "
                f"km_{slug}; rename one",
                place=f"arm {arm.id!r}",
                key="endpoint",
            )


# --------------------------------------------------------------------------- comparisons


def _comparisons(
    where: _Where, raw: dict[str, Any], arms: tuple[StudyArm, ...]
) -> tuple[StudyComparison, ...]:
    by_id = {arm.id: arm for arm in arms}
    out: list[StudyComparison] = []
    for number, table in enumerate(_tables(where, raw, "comparison"), 1):
        place = f"[[comparison]] number {number}"
        _check_keys(where, table, _COMPARISON_KEYS, place)
        ids = table.get("arms")
        if (
            not isinstance(ids, list)
            or len(ids) != 2
            or not all(isinstance(item, str) for item in ids)
        ):
            where.fail(
                f'must list two arm ids, the reference first: arms = ["REF", "OTHER"], not {ids!r}',
                place=place,
                key="arms",
            )
        for arm_id in ids:
            if arm_id not in by_id:
                close = difflib.get_close_matches(arm_id, list(by_id), n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}?" if close else f"arms: {', '.join(by_id)}"
                where.fail(f"unknown arm {arm_id!r}; {hint}", place=place, key="arms")
        if ids[0] == ids[1]:
            where.fail(
                f"compares arm {ids[0]!r} with itself; name two arms", place=place, key="arms"
            )
        first, second = by_id[ids[0]], by_id[ids[1]]
        if first.endpoint != second.endpoint:
            where.fail(
                f"arm {first.id!r} is {first.endpoint} but arm {second.id!r} is "
                f"{second.endpoint}; compare arms of one endpoint",
                place=place,
                key="arms",
            )
        comparison = StudyComparison(
            reference=ids[0], arm=ids[1], label=_text(where, table, "label", place, required=False)
        )
        if any(c.arm == comparison.arm and c.reference == comparison.reference for c in out):
            where.fail(f"{comparison.name} is listed twice; keep one", place=place, key="arms")
        out.append(comparison)
    return tuple(out)
