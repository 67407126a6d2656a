"""API of studies: create, settings, the comparison across figures, report and study files."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response

from kmipd.errors import InputError
from kmipd.study import normalize_unit
from kmipd.web._api_figures import attachment, summary
from kmipd.web._bundle import run_bundle, study_bundle, study_zip
from kmipd.web._context import Context, context
from kmipd.web._models import StudyEdit
from kmipd.web._store import NotFound
from kmipd.web._uploads import UploadError

__all__ = ["new_study", "router"]

router = APIRouter(prefix="/api/studies", tags=["studies"])
Ctx = Annotated[Context, Depends(context)]
Doc = dict[str, Any]
DEFAULTS: Doc = {
    "title": "Untitled study",
    "time_unit": "months",
    "landmarks": [6.0, 12.0],
    "tau": None,
    "show_pvalue": False,
    "arms": [],
    "comparison": None,
}


def new_study(title: str | None = None) -> Doc:
    """A new study document (not stored)."""
    doc = {**DEFAULTS, "created": time.time()}
    if title and title.strip():
        doc["title"] = title.strip()[:120]
    return doc


def _full(ctx: Context, study_id: str) -> Doc:
    """The study with its figures (summaries) and whether its comparison is out of date."""
    study = ctx.store.get_study(study_id)
    figures = ctx.store.list_figures(study_id)
    comparison = study.get("comparison")
    if comparison:
        revisions = {doc["id"]: doc.get("revision") for doc in figures}
        used = comparison.get("revisions", {})
        comparison["stale"] = comparison.get("settings") != _settings(study) or any(
            revisions.get(fid) != rev for fid, rev in used.items()
        )
    return {**study, "figures": [summary(doc) for doc in figures]}


def _settings(study: Doc) -> Doc:
    keys = ("title", "time_unit", "landmarks", "tau", "show_pvalue", "arms")
    return {key: study.get(key) for key in keys}


@router.get("", summary="List the studies")
def list_studies(ctx: Ctx) -> list[Doc]:
    """Every study in the store, most recently changed first."""
    keys = ("id", "title", "updated", "figures")
    return [{key: doc.get(key) for key in keys} for doc in ctx.store.list_studies()]


@router.post("", status_code=201, summary="Create a study")
def create_study(
    ctx: Ctx, title: Annotated[str | None, Body(embed=True, max_length=120)] = None
) -> Doc:
    """A new, empty study (landmarks 6 and 12, times in months: change them with PUT)."""
    doc = ctx.store.create_study(new_study(title))
    return {**doc, "figures": []}


@router.get("/{study_id}", summary="A study with its figures and comparison")
def get_study(study_id: str, ctx: Ctx) -> Doc:
    """The study's settings, the arms it compares, its figures and its last comparison."""
    return _full(ctx, study_id)


@router.put("/{study_id}", summary="Change a study's settings and compared arms")
def edit_study(study_id: str, edit: StudyEdit, ctx: Ctx) -> Doc:
    """Set the title, time unit, landmarks, tau, p-value display and the arms to compare.

    Arms are ``{"figure": id, "key": arm key, "label": text}``, in order; the
    first arm of each endpoint is the reference. Only this study's figures
    can be named.
    """
    given = edit.model_dump(exclude_unset=True)
    if given.get("time_unit"):
        unit = normalize_unit(given["time_unit"])
        if unit is None:
            raise InputError(
                f"time unit {given['time_unit']!r} is unknown; use days, weeks, months or years"
            )
        given["time_unit"] = unit
    if "arms" in given:
        figures = {doc["id"]: doc for doc in ctx.store.list_figures(study_id)}
        for ref in given["arms"]:
            figure = figures.get(ref["figure"])
            if figure is None:
                raise InputError(f"figure {ref['figure']!r} is not in this study")
            if ref["key"] not in {arm["key"] for arm in figure.get("arms", [])}:
                raise InputError(f"figure {figure['name']!r} has no arm {ref['key']!r}")
        pairs = [(ref["figure"], ref["key"]) for ref in given["arms"]]
        if len(set(pairs)) != len(pairs):
            raise InputError("an arm is listed twice in the comparison; list it once")
    ctx.store.update_study(study_id, lambda doc: {**doc, **given})
    return _full(ctx, study_id)


@router.delete("/{study_id}", status_code=204, summary="Delete a study")
def delete_study(study_id: str, ctx: Ctx) -> Response:
    """Remove the study, its figures and all their files."""
    ctx.store.delete_study(study_id)
    return Response(status_code=204)


@router.post("/{study_id}/compare", summary="Build the comparison across figures")
def compare(study_id: str, ctx: Ctx) -> Doc:
    """Run the study as ``kmipd run`` would: joined KM figures, statistics and the report."""
    study = ctx.store.get_study(study_id)
    figures = ctx.store.list_figures(study_id)
    run = run_bundle(study_bundle(study, figures))
    ctx.store.delete_files(study_id, "comparison/")
    ctx.store.put_file(study_id, "comparison/report.html", "text/html", run["report"].encode())
    ctx.store.put_file(study_id, "comparison/ipd.csv", "text/csv", run["ipd"])
    for slug, images in run["figures"].items():
        for fmt, data in images.items():
            kind = "image/png" if fmt == "png" else "image/svg+xml"
            ctx.store.put_file(study_id, f"comparison/km_{slug}.{fmt}", kind, data)
    used = {ref["figure"] for ref in study.get("arms", [])}
    comparison = {
        "results": run["results"],
        "figures": sorted(run["figures"]),
        "warnings": run["warnings"],
        "built": time.time(),
        "settings": _settings(study),
        "revisions": {doc["id"]: doc.get("revision") for doc in figures if doc["id"] in used},
    }
    ctx.store.update_study(study_id, lambda doc: {**doc, "comparison": comparison})
    return _full(ctx, study_id)


@router.get("/{study_id}/report.html", summary="The comparison's HTML report")
def report(study_id: str, ctx: Ctx, download: bool = False) -> Response:
    """The self-contained report of the last comparison (``download=true`` to save it)."""
    study = ctx.store.get_study(study_id)
    _, data = _comparison_file(ctx, study_id, "report.html")
    answer = attachment(
        data, "text/html; charset=utf-8", _slug(study) + "_report.html", inline=not download
    )
    answer.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
    )
    return answer


@router.get("/{study_id}/km/{name}", summary="A joined KM figure of the comparison")
def joined_figure(study_id: str, name: str, ctx: Ctx, download: bool = False) -> Response:
    """``km_<endpoint>.png`` or ``.svg`` as drawn by the last comparison."""
    study = ctx.store.get_study(study_id)
    content_type, data = _comparison_file(ctx, study_id, name)
    return attachment(data, content_type, f"{_slug(study)}_{name}", inline=not download)


@router.get("/{study_id}/ipd.csv", summary="The IPD of every compared arm")
def study_ipd(study_id: str, ctx: Ctx) -> Response:
    """Patient-level data of every arm of the last comparison, ``arm,time,event`` (arm: its id)."""
    study = ctx.store.get_study(study_id)
    _, data = _comparison_file(ctx, study_id, "ipd.csv")
    return attachment(data, "text/csv", _slug(study) + "_ipd.csv")


@router.get("/{study_id}/study.toml", summary="The study file")
def study_toml(study_id: str, ctx: Ctx) -> Response:
    """The study file of the current comparison (its data files are in ``study.zip``)."""
    study = ctx.store.get_study(study_id)
    files = study_bundle(study, ctx.store.list_figures(study_id))
    return attachment(files["study.toml"], "application/toml", _slug(study) + ".toml")


@router.get("/{study_id}/study.zip", summary="The study file with its data")
def study_archive(study_id: str, ctx: Ctx) -> Response:
    """``study.toml`` and its data in a zip: ``kmipd run study.toml --out DIR`` reproduces all."""
    study = ctx.store.get_study(study_id)
    files = study_bundle(study, ctx.store.list_figures(study_id))
    return attachment(study_zip(files), "application/zip", _slug(study) + "_study.zip")


def _comparison_file(ctx: Context, study_id: str, name: str) -> tuple[str, bytes]:
    if "/" in name or name.startswith("."):
        raise UploadError(f"no file {name!r}", 404)
    try:
        return ctx.store.get_file(study_id, f"comparison/{name}")
    except NotFound:
        raise UploadError("no comparison built yet; press Build comparison first", 404) from None


def _slug(study: Doc) -> str:
    text = "".join(ch if ch.isalnum() else "_" for ch in str(study.get("title") or "study"))
    return "_".join(part for part in text.split("_") if part)[:60] or "study"
