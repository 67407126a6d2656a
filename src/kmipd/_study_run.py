"""Run a study file: read, reconstruct, analyse, draw and report, writing all outputs or none.

Re-exported by :mod:`kmipd.pipeline`. Heavy modules (analysis, plotting, the
report) are imported inside the functions so that ``import kmipd`` stays cheap.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from kmipd.errors import DataQualityWarning, InputError, KmipdError, ReconstructionError
from kmipd.study import (
    ArmInput,
    Study,
    StudyFileError,
    StudyWarning,
    endpoint_slug,
    read_arm_inputs,
    read_study,
)
from kmipd.study._landmarks import follow_up, rekey_landmarks
from kmipd.study._output import commit_outputs, discard_staging, new_staging

__all__ = ["StudyRun", "run_study"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ArmData = dict[str, tuple[FloatArray, IntArray]]
Progress = Callable[[str], None]
PH_DOUBTFUL = 0.05  # a proportional-hazards test p below this asks for piecewise hazard ratios


@dataclass(frozen=True, eq=False)
class StudyRun:
    """What :func:`run_study` did.

    Attributes
    ----------
    study : Study
        The validated study.
    results : dict
        The content of ``results.json``.
    out : Path
        The output folder.
    files : tuple of Path
        The files written, relative to ``out``.
    """

    study: Study
    results: dict[str, Any]
    out: Path
    files: tuple[Path, ...]

    def __repr__(self) -> str:
        name, out = self.study.path.name, str(self.out)
        return f"StudyRun(study={name!r}, out={out!r}, files={len(self.files)})"


def run_study(
    study: str | os.PathLike[str] | Study,
    out: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    generated: datetime | None = None,
) -> StudyRun:
    """Run a study file and write its results, figures, IPD and report into ``out``.

    Everything is read and checked first; curve arms are reconstructed; each
    endpoint's arms are analysed together (reference: the endpoint's first
    arm) and each ``[[comparison]]`` on its own two arms (reference: the first
    arm listed). Outputs are built in a temporary folder beside ``out`` and
    then moved into place: a new ``out`` appears whole; in an existing ``out``
    each file this run writes is replaced atomically and other files are left
    alone. On any error nothing is written.

    Parameters
    ----------
    study : str, path-like or Study
        The study file (TOML) or a study read with :func:`kmipd.study.read_study`.
    out : str or path-like
        The output folder; its parent folder must exist.
    progress : callable, optional
        Called with one line of text per stage.
    generated : datetime, optional
        The timestamp written into ``results.json`` and the report (default:
        now, UTC, whole seconds). The outputs depend on nothing else that
        changes between runs.

    Returns
    -------
    StudyRun
        The results and the files written.

    Raises
    ------
    StudyFileError
        An invalid study file or data file (nothing is written).
    ReconstructionError
        A curve arm's counts cannot all hold.

    Examples
    --------
    >>> run = run_study("examples/her2-mbc/study.toml", "her2-results")  # doctest: +SKIP
    >>> sorted(str(path) for path in run.files)[:2]  # doctest: +SKIP
    ['ipd/th3resa_pc.csv', 'ipd/th3resa_tdm1.csv']
    """
    say = progress or _silent
    spec = study if isinstance(study, Study) else read_study(study)
    say(f"read {spec.path.name}: {len(spec.arms)} arms, endpoints {', '.join(spec.endpoints)}")
    target = _check_out(spec, Path(out))
    inputs = read_arm_inputs(spec)
    say("read the data of every arm")
    data, diagnostics = _arm_data(spec, inputs, say)
    notes: list[tuple[str, type[Warning]]] = [
        (note, StudyWarning) for note in _follow_up_notes(spec, data)
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        endpoints, comparisons = _analyze_all(spec, data, say)
    notes += [(str(item.message), item.category) for item in caught]
    notes = list(dict.fromkeys(notes))  # each once: comparisons repeat the endpoints' notes
    for note, category in notes:
        warnings.warn(note, category, stacklevel=2)
    results = build_results(spec, endpoints, comparisons, diagnostics, [n for n, _ in notes])
    results["generated"] = _timestamp(generated)
    staging = new_staging(target)
    try:
        files = _write_outputs(staging, spec, results, endpoints, data, say)
    except BaseException:
        discard_staging(staging)
        raise
    commit_outputs(staging, target, files)
    say(f"wrote {len(files)} files into {target}")
    return StudyRun(study=spec, results=results, out=target, files=tuple(files))


def _silent(message: str) -> None:
    """Progress sink that says nothing."""


def _timestamp(generated: datetime | None) -> str:
    moment = generated or datetime.now(UTC)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def _check_out(study: Study, out: Path) -> Path:
    """The output folder, checked before any work; inputs may not be overwritten."""
    if out.exists() and not out.is_dir():
        raise InputError(f"output folder {str(out)!r} is a file; give a folder")
    if not out.parent.is_dir():
        raise InputError(
            f"output folder {str(out)!r}: the folder {str(out.parent)!r} does not exist; create it"
        )
    root = out.resolve()
    outputs = {root / "results.json", root / "report.html"}
    outputs |= {root / "ipd" / f"{arm.id}.csv" for arm in study.arms}
    for arm in study.arms:
        for key in ("ipd", "curve", "risk_table", "censor_marks"):
            path = getattr(arm, key)
            if path is not None and path.resolve() in outputs:
                raise StudyFileError(
                    f"{study.path}, arm {arm.id!r}, key {key!r}: the run would overwrite this "
                    f"input with its output; choose another output folder than {str(out)!r}"
                )
    return out


# --------------------------------------------------------------------------- data


def _arm_data(
    study: Study, inputs: Mapping[str, ArmInput], say: Progress
) -> tuple[ArmData, dict[str, dict[str, Any]]]:
    """Times and events of every arm; curve arms are reconstructed (with diagnostics)."""
    from kmipd.pipeline import reconstruct_with_read_events

    data: ArmData = {}
    diagnostics: dict[str, dict[str, Any]] = {}
    for arm_id, given in inputs.items():
        if given.curve is None:
            data[arm_id] = (np.asarray(given.time, float), np.asarray(given.event, np.int64))
            continue
        arm = given.arm
        key = "figure" if arm.figure is not None else "curve"
        say(f"reconstructing {arm_id} from {arm.files.get(key)}")
        read = {} if arm.events is not None or given.events is None else {arm_id: given.events}
        try:
            result, note = reconstruct_with_read_events(
                {arm_id: given.curve},
                read,
                risk_table=None if given.risk_table is None else {arm_id: given.risk_table},
                n=_count(arm.n, given.n, arm_id),
                events=_count(arm.events, None, arm_id),
                censor_marks=None if given.censor_marks is None else {arm_id: given.censor_marks},
                warn=True,
            )
            if note is not None:
                warnings.warn(f"arm {arm_id!r}: {note}", DataQualityWarning, stacklevel=2)
        except InputError as exc:
            raise StudyFileError(f"{study.path}, arm {arm_id!r}, key {key!r}: {exc}") from None
        except ReconstructionError as exc:
            raise ReconstructionError(f"{study.path}, arm {arm_id!r}: {exc}") from None
        rebuilt = result.arms[arm_id]
        data[arm_id] = (np.asarray(rebuilt.time, float), np.asarray(rebuilt.event, np.int64))
        diagnostics[arm_id] = rebuilt.diagnostics.to_dict()
    return data, diagnostics


def _count(given: int | None, read: int | None, arm_id: str) -> dict[str, int] | None:
    """A count of the arm (its size or event total): the study file's, else the one read
    from its figure (its legend's "(N=410)", its table's row of events)."""
    total = given if given is not None else read
    return None if total is None else {arm_id: total}


def _follow_up_notes(study: Study, data: ArmData) -> list[str]:
    """Warnings for landmarks beyond an arm's follow-up (the analysis warns about tau)."""
    unit = f" {study.time_unit}" if study.time_unit else ""
    notes = []
    for arm in study.arms:
        end = follow_up(data[arm.id][0])
        for label, value in zip(study.landmark_labels, study.landmarks, strict=True):
            if value > end:
                notes.append(
                    f"arm {arm.id!r} ({arm.endpoint}): landmark {label}{unit} is beyond its "
                    f"follow-up (last time {end:g}{unit}); reported as not estimable"
                )
    return notes


def _analyze_all(study: Study, data: ArmData, say: Progress) -> tuple[dict[str, Any], list[Any]]:
    """The analysis of each endpoint's arms and of each comparison's two arms."""
    endpoints = {}
    for endpoint, arms in study.endpoints.items():
        say(f"analysing {endpoint}: {len(arms)} arms")
        endpoints[endpoint] = _analyze(study, {arm.id: data[arm.id] for arm in arms})
    comparisons = []
    for comparison in study.comparisons:
        say(f"comparing {comparison.name}")
        pair = {key: data[key] for key in (comparison.reference, comparison.arm)}
        result = _analyze(study, pair)
        cuts, reason = study.cuts, "given in the study" if study.cuts else None
        pvalue = result.comparisons[0].proportional_hazards.pvalue if result.comparisons else None
        if not cuts and pvalue is not None and pvalue < PH_DOUBTFUL:
            cuts = _default_cuts(study, pair)
            reason = f"proportional-hazards test p < {PH_DOUBTFUL}"
            result = _analyze(study, pair, cuts=cuts)
        comparisons.append((result, cuts, reason))
    return endpoints, comparisons


def _default_cuts(study: Study, pair: ArmData) -> tuple[float, ...]:
    """Cuts for piecewise hazard ratios when the study gives none.

    The study's landmarks within both arms' follow-up, else the median of the
    pooled event times (one cut, rounded to 3 significant digits).
    """
    end = min(follow_up(time) for time, _ in pair.values())
    inside = tuple(value for value in study.landmarks if 0 < value < end)
    if inside:
        return inside
    events = np.concatenate([time[event == 1] for time, event in pair.values()])
    if events.size == 0:
        return ()
    return (float(f"{float(np.median(events)):.3g}"),)


def _analyze(study: Study, data: ArmData, *, cuts: tuple[float, ...] | None = None) -> Any:
    """``kmipd.analysis.analyze`` on ``data``, the first arm the reference."""
    from kmipd.analysis import analyze

    try:
        return analyze(
            data,
            reference=next(iter(data)),
            landmarks=study.landmarks,
            tau=study.tau,
            cuts=study.cuts if cuts is None else cuts,
            confidence_level=study.confidence_level,
        )
    except KmipdError as exc:
        raise type(exc)(f"{study.path}, arms {', '.join(data)}: {exc}") from None


# --------------------------------------------------------------------------- results


def build_results(
    study: Study,
    endpoints: Mapping[str, Any],
    comparisons: list[Any],
    diagnostics: Mapping[str, dict[str, Any]],
    notes: list[str],
) -> dict[str, Any]:
    """The content of ``results.json`` (``"generated"`` is left empty for the caller)."""
    from kmipd import __version__

    endpoint_dicts: dict[str, Any] = {}
    for name, analysis in endpoints.items():
        ends = {arm: follow_up(np.asarray(km.time)) for arm, km in _curves(analysis).items()}
        endpoint_dicts[name] = rekey_landmarks(
            analysis.to_dict(), study.landmark_labels, study.landmarks, ends
        )
    arms: dict[str, Any] = {}
    for arm in study.arms:
        stats = endpoint_dicts[arm.endpoint]["arms"][arm.id]
        entry: dict[str, Any] = {"trial": arm.trial, "label": arm.label, "endpoint": arm.endpoint}
        entry["source"] = arm.source_dict()
        entry.update(stats)
        if arm.id in diagnostics:
            entry["reconstruction"] = diagnostics[arm.id]
        arms[arm.id] = entry
    pairs = [
        _comparison(study, spec, result)
        for spec, result in zip(study.comparisons, comparisons, strict=True)
    ]
    return {
        "kmipd_version": __version__,
        "generated": "",
        "study": study.to_dict(),
        "arms": arms,
        "comparisons": pairs,
        "endpoints": endpoint_dicts,
        "warnings": list(notes),
    }


def _curves(analysis: Any) -> dict[str, Any]:
    return {arm_id: arm.km for arm_id, arm in analysis.arms.items()}


def _comparison(study: Study, spec: Any, analysed: tuple[Any, Any, Any]) -> dict[str, Any]:
    result, cuts, reason = analysed
    reference, arm = study.arm(spec.reference), study.arm(spec.arm)
    full = result.to_dict()
    found = full.get("comparisons") or [{}]
    stats = next((c for c in found if c.get("arm") == arm.id), found[0])
    out: dict[str, Any] = {
        "arm": arm.id,
        "reference": reference.id,
        "label": spec.label,
        "endpoint": arm.endpoint,
        "trials": [reference.trial, arm.trial],
        "within_trial": reference.trial == arm.trial,
    }
    for key, value in stats.items():
        out.setdefault(key, value)
    out["piecewise_cuts"] = list(cuts)
    out["piecewise_reason"] = reason
    out["tau"] = full.get("tau")
    out["confidence_level"] = full.get("confidence_level")
    return out


# --------------------------------------------------------------------------- outputs


def _write_outputs(
    staging: Path,
    study: Study,
    results: dict[str, Any],
    endpoints: Mapping[str, Any],
    data: ArmData,
    say: Progress,
) -> list[Path]:
    """Write every output into ``staging``; the paths written, relative to it."""
    from kmipd import io
    from kmipd.report import render_report

    files: list[Path] = []
    (staging / "ipd").mkdir()
    for arm in study.arms:
        relative = Path("ipd", f"{arm.id}.csv")
        io.write_ipd(staging / relative, [(arm.id, *data[arm.id])])
        files.append(relative)
    figures: dict[str, bytes] = {}
    for endpoint, analysis in endpoints.items():
        say(f"drawing km_{endpoint_slug(endpoint)}")
        paths = [Path(path) for path in _draw(staging, study, endpoint, analysis)]
        files.extend(path.relative_to(staging) for path in paths)
        svg = next((path for path in paths if path.suffix == ".svg"), None)
        figures[endpoint] = svg.read_bytes() if svg is not None else b""
    io.write_json(staging / "results.json", results)
    files.append(Path("results.json"))
    say("writing report.html")
    with io.atomic_write(staging / "report.html") as handle:
        handle.write(render_report(results, figures))
    files.append(Path("report.html"))
    return files


def _draw(staging: Path, study: Study, endpoint: str, analysis: Any) -> list[Any]:
    """The endpoint's joined Kaplan-Meier figure as PNG, SVG and PDF."""
    import matplotlib.pyplot as plt

    from kmipd.plot import plot_km, save_figures

    arms = study.endpoints[endpoint]
    pvalue = None
    if study.show_pvalue and len(arms) > 1:
        pvalue = getattr(getattr(analysis, "logrank_overall", None), "pvalue", None)
    figure = plot_km(
        {arm.id: analysis.arms[arm.id].km for arm in arms},
        labels={arm.id: arm.display for arm in arms},
        pvalue=pvalue,
        ylabel=f"{endpoint} probability",  # the report's heading names the endpoint: no title
        time_unit=study.time_unit,
    )
    try:
        stem = staging / f"km_{endpoint_slug(endpoint)}"
        return list(save_figures(figure, stem, formats=("png", "svg", "pdf")))
    finally:
        plt.close(figure)
