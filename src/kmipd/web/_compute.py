"""Reconstruct and analyse one figure, draw its KM plot and write its CSV downloads.

The same library functions as the command line: :func:`kmipd.reconstruct`,
:func:`kmipd.analysis.analyze`, :func:`kmipd.plot.plot_km` and the
:mod:`kmipd.io` writers. matplotlib and ``warnings.catch_warnings`` are not
thread-safe, so every computation runs under :data:`COMPUTE_LOCK`.
"""

from __future__ import annotations

import tempfile
import threading
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kmipd.errors import DataQualityWarning, InputError
from kmipd.types import CensorMarks, Curve, RiskTable

__all__ = [
    "COMPUTE_LOCK",
    "arm_inputs",
    "curves_csv",
    "ipd_csv",
    "km_plot",
    "read_events",
    "reconstruct_arms",
    "reconstruct_figure",
    "risk_csv",
]

COMPUTE_LOCK = threading.RLock()
Doc = dict[str, Any]


def arm_inputs(doc: Doc) -> dict[str, dict[str, Any]]:
    """Curves, risk tables, censor marks, n and events of each arm, checked for the web user."""
    out: dict[str, dict[str, Any]] = {}
    for arm in doc["arms"]:
        name = arm["name"]
        if len(arm["points"]) < 2:
            raise InputError(
                f"arm {name!r} has {len(arm['points'])} curve point(s); add points by clicking "
                "on its curve (at least 2), or delete the arm"
            )
        empty = [e["time"] for e in arm["risk"] if e["n"] is None]
        if empty:
            raise InputError(
                f"arm {name!r}: the number at risk at time {empty[0]:g} is empty; "
                "type it in, or remove that time from the table"
            )
        risk = [e for e in arm["risk"] if e["n"] is not None]
        if arm.get("n") is None and not any(e["time"] == 0 for e in risk):
            raise InputError(
                f"arm {name!r}: the number of patients is unknown; enter n (patients at time 0) "
                "or the number at risk at time 0"
            )
        points = np.asarray(arm["points"], dtype=float)
        out[name] = {
            "curve": Curve(
                points[:, 0],
                points[:, 1],
                arm=name,
                source=f"arm {name!r}",
                precision=arm.get("precision"),
            ),
            "risk": None if not risk else RiskTable(_times(risk), _counts(risk), arm=name),
            "marks": CensorMarks(arm["censor"], arm=name) if arm["censor"] else None,
            "n": arm.get("n"),
            "events": arm.get("events"),
        }
    return out


def _times(risk: list[Doc]) -> Any:
    return np.array([e["time"] for e in risk], dtype=float)


def _counts(risk: list[Doc]) -> Any:
    return np.array([e["n"] for e in risk], dtype=np.int64)


def _given(inputs: Mapping[str, Mapping[str, Any]], key: str) -> dict[str, Any] | None:
    found = {name: item[key] for name, item in inputs.items() if item[key] is not None}
    return found or None


def reconstruct_figure(doc: Doc, study: Doc) -> Doc:
    """Reconstruct a figure's arms (IPD figures: use the data) and analyse them.

    Parameters
    ----------
    doc : dict
        The figure.
    study : dict
        Its study (landmarks, tau, confidence level).

    Returns
    -------
    dict
        ``arms`` (per arm n, events, diagnostics and the reconstructed KM
        steps), ``analysis`` (:meth:`AnalysisResult.to_dict`), ``ipd`` and
        ``warnings``.

    Raises
    ------
    InputError, ReconstructionError
        The inputs cannot be used, or their counts cannot all hold.
    """
    from kmipd.analysis import analyze

    with COMPUTE_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data, diagnostics = _patient_data(doc)
        landmarks = list(study.get("landmarks") or [])
        analysis = analyze(data, landmarks=landmarks, tau=study.get("tau"), confidence_level=0.95)
        arms = [_arm_result(arm, data[arm["name"]], diagnostics) for arm in doc["arms"]]
    notes = [str(item.message) for item in caught]
    for diag in diagnostics.values():
        notes.extend(diag.get("warnings", []))
    ipd = {
        arm["key"]: {
            "time": np.asarray(data[arm["name"]][0], float).tolist(),
            "event": np.asarray(data[arm["name"]][1], int).tolist(),
        }
        for arm in doc["arms"]
    }
    return {
        "revision": doc.get("revision", 0),
        "arms": arms,
        "analysis": analysis.to_dict(),
        "landmarks": landmarks,
        "ipd": ipd,
        "warnings": list(dict.fromkeys(_web_words(note) for note in notes)),
    }


def _patient_data(doc: Doc) -> tuple[dict[str, tuple[Any, Any]], dict[str, Any]]:
    """Times and events per arm (reconstructed unless given) and the reconstruction diagnostics."""
    if doc["kind"] == "ipd":
        data = {
            arm["name"]: (np.asarray(arm["ipd"]["time"]), np.asarray(arm["ipd"]["event"]))
            for arm in doc["arms"]
        }
        return data, {}
    result, note = reconstruct_arms(doc)
    if note is not None:
        warnings.warn(note, DataQualityWarning, stacklevel=2)
    data = {name: (arm.time, arm.event) for name, arm in result.arms.items()}
    return data, {name: arm.diagnostics.to_dict() for name, arm in result.arms.items()}


def reconstruct_arms(doc: Doc) -> tuple[Any, str | None]:
    """The ``ReconstructionResult`` of a figure's arms as the page holds them, and a note.

    The note (None if none) says that the event totals read from the figure
    could not be met and were left out.
    """
    from kmipd.pipeline import reconstruct_with_read_events

    inputs = arm_inputs(doc)
    read = read_events(doc)
    given = {k: v for k, v in (_given(inputs, "events") or {}).items() if k not in read}
    return reconstruct_with_read_events(
        {name: item["curve"] for name, item in inputs.items()},
        read,
        risk_table=_given(inputs, "risk"),
        n=_given(inputs, "n"),
        events=given or None,
        censor_marks=_given(inputs, "marks"),
        warn=False,
    )


def read_events(doc: Doc) -> dict[str, int]:
    """Event totals the digitizer read and the user left as read, by arm name.

    These are used only while the curve and numbers at risk can hold them
    (:func:`kmipd.pipeline.reconstruct_with_read_events`); a total the user
    typed is used as given.
    """
    return {
        arm["name"]: int(arm["events"])
        for arm in doc["arms"]
        if arm.get("events") is not None and arm.get("events") == arm.get("events_read")
    }


def _arm_result(arm: Doc, data: tuple[Any, Any], diagnostics: dict[str, Any]) -> Doc:
    """One arm's n, events, diagnostics and Kaplan-Meier steps (for drawing over the figure)."""
    from kmipd.analysis import kaplan_meier

    time, event = data
    km = kaplan_meier(time, event, arm=arm["name"])
    return {
        "key": arm["key"],
        "name": arm["name"],
        "n": len(time),
        "events": int(np.sum(event)),
        "diagnostics": diagnostics.get(arm["name"]),
        "km": {"time": km.time.tolist(), "survival": km.survival.tolist()},
    }


def _web_words(note: str) -> str:
    """A library note with the command-line options named as the page names them."""
    for option, words in (("--events", "the events total"), ("--n ARM=N", "n"), ("--n", "n")):
        note = note.replace(f"give {option}", f"enter {words}").replace(option, words)
    return note


def _result(doc: Doc) -> Doc:
    result = doc.get("result")
    if not result:
        raise InputError("nothing reconstructed yet (or changed since); press Reconstruct first")
    return dict(result)


def _ipd_arms(doc: Doc) -> list[tuple[str, Any, Any]]:
    ipd = _result(doc)["ipd"]
    return [
        (arm["name"], ipd[arm["key"]]["time"], ipd[arm["key"]]["event"])
        for arm in doc["arms"]
        if arm["key"] in ipd
    ]


def _written(write: Any, *args: Any) -> bytes:
    """Bytes of a file written by one of the :mod:`kmipd.io` writers."""
    with tempfile.TemporaryDirectory(prefix="kmipd-web-") as folder:
        path = Path(folder) / "out.csv"
        write(path, *args)
        return path.read_bytes()


def ipd_csv(doc: Doc) -> bytes:
    """The reconstructed patient-level data as CSV ``arm,time,event``."""
    from kmipd.io import write_ipd

    return _written(write_ipd, _ipd_arms(doc))


def curves_csv(doc: Doc) -> bytes:
    """The (corrected) digitized curves as CSV ``arm,time,survival``."""
    from kmipd.io import write_curve_csv

    curves = {}
    for arm in doc["arms"]:
        if arm.get("points"):
            points = np.asarray(arm["points"], dtype=float)
            curves[arm["name"]] = Curve(points[:, 0], points[:, 1], arm=arm["name"])
    if not curves:
        raise InputError("this figure has no curve points (patient-level data or nothing read)")
    return _written(write_curve_csv, curves)


def risk_csv(doc: Doc) -> bytes:
    """The (corrected) numbers at risk as CSV ``arm,time,n_at_risk`` (empty cells left out)."""
    from kmipd.io import write_risk_csv

    tables = {}
    for arm in doc["arms"]:
        risk = [e for e in arm.get("risk", []) if e["n"] is not None]
        if risk:
            tables[arm["name"]] = RiskTable(_times(risk), _counts(risk), arm=arm["name"])
    if not tables:
        raise InputError("this figure has no numbers at risk; type them into the table first")
    return _written(write_risk_csv, tables)


def km_plot(doc: Doc, fmt: str) -> bytes:
    """The clean Kaplan-Meier figure of the reconstructed arms, as PNG or SVG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from kmipd.analysis import kaplan_meier
    from kmipd.plot import plot_km, save_figures

    arms = _ipd_arms(doc)
    with COMPUTE_LOCK, tempfile.TemporaryDirectory(prefix="kmipd-web-") as folder:
        curves = {name: kaplan_meier(np.asarray(t), np.asarray(e), arm=name) for name, t, e in arms}
        title = " ".join(part for part in (doc.get("trial"), doc.get("endpoint")) if part)
        figure = plot_km(curves, time_unit=doc.get("time_unit"), title=title or None)
        try:
            (path,) = save_figures(figure, Path(folder) / "km", formats=(fmt,), dpi=150)
        finally:
            plt.close(figure)
        return path.read_bytes()
