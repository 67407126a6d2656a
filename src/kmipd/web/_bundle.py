"""A study as files: ``study.toml`` and its data, run with :func:`kmipd.pipeline.run_study`.

The comparison the page shows is built exactly as ``kmipd run`` builds it,
from the files the user downloads, so the download reproduces the page.
"""

from __future__ import annotations

import io
import re
import tempfile
import warnings
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from kmipd.errors import InputError, KmipdError
from kmipd.types import Curve, RiskTable
from kmipd.web._compute import COMPUTE_LOCK

__all__ = ["run_bundle", "study_bundle", "study_zip", "toml_string"]

Doc = dict[str, Any]
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
_README = """kmipd study exported from the web app.

Run it with:  kmipd run study.toml --out results
It rebuilds every arm from the data in data/, analyses each endpoint and each
comparison, and writes results.json, the figures, the IPD and report.html.
"""


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string (quotes, backslashes and control characters escaped)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} to TOML")


def _table(header: str, values: Mapping[str, Any]) -> str:
    lines = [header] if header else []
    lines += [f"{key} = {_value(value)}" for key, value in values.items() if value is not None]
    return "\n".join(lines) + "\n"


def _arm_id(trial: str, name: str, taken: set[str]) -> str:
    base = _UNSAFE.sub("_", f"{trial}_{name}" if trial else name).strip("_.-").lower()
    base = base[:40] or "arm"
    if not base[0].isalnum():
        base = "a" + base
    arm_id, k = base, 2
    while arm_id in taken:
        arm_id, k = f"{base}_{k}", k + 1
    taken.add(arm_id)
    return arm_id


def _write(write: Any, *args: Any) -> bytes:
    with tempfile.TemporaryDirectory(prefix="kmipd-web-") as folder:
        path = Path(folder) / "file.csv"
        write(path, *args)
        return path.read_bytes()


def _arm_files(arm_id: str, figure: Doc, arm: Doc) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The ``[[arm]]`` keys naming the arm's data, and the data files."""
    from kmipd import io as kio
    from kmipd.web._compute import arm_inputs

    if figure["kind"] == "ipd":
        path = f"data/{arm_id}_ipd.csv"
        data = _write(kio.write_ipd, [(arm["name"], arm["ipd"]["time"], arm["ipd"]["event"])])
        return {"ipd": path, "select": arm["name"]}, {path: data}
    arm_inputs({"arms": [arm]})  # the same checks as Reconstruct, with messages for the page
    points = np.asarray(arm["points"], dtype=float)
    keys: dict[str, Any] = {"curve": f"data/{arm_id}_curve.csv"}
    files = {
        keys["curve"]: _write(kio.write_curve_csv, {arm_id: Curve(points[:, 0], points[:, 1])})
    }
    risk = [e for e in arm["risk"] if e["n"] is not None]
    if risk:
        keys["risk_table"] = f"data/{arm_id}_risk.csv"
        table = RiskTable(
            np.array([e["time"] for e in risk], float), np.array([e["n"] for e in risk], np.int64)
        )
        files[keys["risk_table"]] = _write(kio.write_risk_csv, {arm_id: table})
    if arm["censor"]:
        keys["censor_marks"] = f"data/{arm_id}_censor.csv"
        text = "time\n" + "".join(f"{float(t)!r}\n" for t in sorted(arm["censor"]))
        files[keys["censor_marks"]] = text.encode()
    keys.update(n=arm.get("n"), events=_events(arm), percent=False, precision=arm.get("precision"))
    return keys, files


def _events(arm: Doc) -> int | None:
    """The arm's event total for the study file: typed in, or read and met by the curve."""
    from kmipd.web._compute import read_events, reconstruct_arms

    if not read_events({"arms": [arm]}):
        return arm.get("events")
    _, note = reconstruct_arms({"arms": [arm]})
    return None if note is not None else arm.get("events")


def study_bundle(study: Doc, figures: list[Doc]) -> dict[str, bytes]:
    """The study's files: ``study.toml``, ``data/*.csv`` and a README, by path.

    Parameters
    ----------
    study : dict
        The study (title, time unit, landmarks, tau, the arms it compares).
    figures : list of dict
        The study's figures (arms refer to them by id; others are not seen).

    Raises
    ------
    InputError
        No arms chosen, an arm that is gone, or an arm that cannot be reconstructed.
    """
    refs = study.get("arms") or []
    if not refs:
        raise InputError("the comparison has no arms yet; tick the arms to compare first")
    by_id = {figure["id"]: figure for figure in figures}
    unit, taken = study.get("time_unit"), set[str]()
    blocks: list[str] = []
    files: dict[str, bytes] = {}
    endpoints: dict[str, list[str]] = {}
    for ref in refs:
        figure = by_id.get(ref["figure"])
        arm = next((a for a in (figure or {}).get("arms", []) if a["key"] == ref["key"]), None)
        if figure is None or arm is None or figure.get("status") != "ready":
            raise InputError("an arm of the comparison is gone or not ready; untick it and retry")
        trial = figure.get("trial") or figure["name"]
        arm_id = _arm_id(figure.get("trial") or "", arm["name"], taken)
        keys, data = _arm_files(arm_id, figure, arm)
        files.update(data)
        own = figure.get("time_unit")
        head = {"id": arm_id, "trial": trial, "label": ref.get("label") or arm["name"]}
        head["endpoint"] = figure.get("endpoint") or "OS"
        head["time_unit"] = own if unit and own and own != unit else None
        blocks.append(_table("[[arm]]", {**head, **keys}))
        endpoints.setdefault(head["endpoint"], []).append(arm_id)
    for ids in endpoints.values():
        blocks += [_table("[[comparison]]", {"arms": [ids[0], other]}) for other in ids[1:]]
    top = {
        "title": study.get("title") or "kmipd study",
        "time_unit": unit,
        "landmarks": [float(v) for v in study.get("landmarks") or []],
        "tau": study.get("tau"),
        "show_pvalue": bool(study.get("show_pvalue", False)),
    }
    text = "# Written by the kmipd web app; run it with: kmipd run study.toml --out results\n"
    text += _table("", top) + "\n" + "\n".join(blocks)
    return {"study.toml": text.encode(), "README.txt": _README.encode(), **files}


def study_zip(files: Mapping[str, bytes]) -> bytes:
    """The study's files in one zip archive, under ``kmipd-study/``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"kmipd-study/{path}", date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[path])
    return out.getvalue()


def run_bundle(files: Mapping[str, bytes], generated: datetime | None = None) -> Doc:
    """Run the study files with :func:`kmipd.pipeline.run_study`.

    Returns
    -------
    dict
        ``results`` (the content of ``results.json``), ``report`` (HTML text),
        ``figures`` (per endpoint slug, ``{"png": bytes, "svg": bytes}``),
        ``ipd`` (every arm's IPD in one CSV, ``arm`` its id) and ``warnings``.

    Raises
    ------
    KmipdError
        As ``run_study`` raises it, with the temporary folder left out of the message.
    """
    import matplotlib

    matplotlib.use("Agg")
    from kmipd.pipeline import run_study

    with tempfile.TemporaryDirectory(prefix="kmipd-web-") as name, COMPUTE_LOCK:
        folder = Path(name)
        for path, data in files.items():
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(data)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                run = run_study(folder / "study.toml", folder / "out", generated=generated)
            except KmipdError as exc:
                message = str(exc).replace(f"{folder}/", "").replace(str(folder), "")
                raise type(exc)(message) from None
        out = folder / "out"
        figures: dict[str, dict[str, bytes]] = {}
        for drawn in out.glob("km_*.*"):
            if drawn.suffix in (".png", ".svg"):
                figures.setdefault(drawn.stem[3:], {})[drawn.suffix[1:]] = drawn.read_bytes()
        ipd = ["arm,time,event\n"]
        for arm_id in run.results["arms"]:
            lines = (out / "ipd" / f"{arm_id}.csv").read_text(encoding="utf-8").splitlines(True)
            ipd.extend(lines[1:])
        return {
            "results": run.results,
            "ipd": "".join(ipd).encode(),
            "report": (out / "report.html").read_text(encoding="utf-8"),
            "figures": figures,
            "warnings": list(dict.fromkeys(str(item.message) for item in caught)),
        }
