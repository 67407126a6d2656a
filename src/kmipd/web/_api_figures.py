"""API of a study's figures: upload, check and correct, reconstruct, download."""

from __future__ import annotations

import re
import tempfile
import warnings
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile

from kmipd.errors import InputError, KmipdError
from kmipd.web._compute import (
    COMPUTE_LOCK,
    curves_csv,
    ipd_csv,
    km_plot,
    reconstruct_figure,
    risk_csv,
)
from kmipd.web._context import Context, context, submit_read
from kmipd.web._figures import (
    apply_calibration,
    apply_edit,
    curve_figure,
    image_figure,
    ipd_figure,
    merge_arms,
)
from kmipd.web._models import CalibrationEdit, DigitizeOptions, FigureEdit, MergeRequest
from kmipd.web._uploads import UploadError, check_table, prepare_figure, safe_name

__all__ = ["attachment", "router", "summary"]

router = APIRouter(prefix="/api/studies/{study_id}/figures", tags=["figures"])
Ctx = Annotated[Context, Depends(context)]
Doc = dict[str, Any]
MaybeFile = Annotated[UploadFile | None, File()]


def summary(doc: Doc) -> Doc:
    """A figure without its points and results, for lists."""
    arms = [
        {"key": a["key"], "name": a["name"], "colour": a.get("colour"), "n": a.get("n")}
        for a in doc.get("arms", [])
    ]
    keys = ("id", "name", "kind", "status", "stage", "error", "trial", "endpoint", "time_unit")
    out = {key: doc.get(key) for key in keys}
    out.update(arms=arms, reconstructed=bool(doc.get("result")), revision=doc.get("revision", 0))
    return out


def attachment(data: bytes, content_type: str, filename: str, *, inline: bool = False) -> Response:
    """A download answer (``inline`` shows it in the browser instead)."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", filename).strip("_") or "download"
    how = "inline" if inline else "attachment"
    headers = {"Content-Disposition": f'{how}; filename="{name}"', "Cache-Control": "no-store"}
    return Response(content=data, media_type=content_type, headers=headers)


def _stem(doc: Doc) -> str:
    return Path(doc.get("name") or "figure").stem or "figure"


@router.get("", summary="List the study's figures")
def list_figures(study_id: str, ctx: Ctx) -> list[Doc]:
    """Every figure of the study (without points), in upload order."""
    return [summary(doc) for doc in ctx.store.list_figures(study_id)]


@router.post("", status_code=201, summary="Upload a figure, curve CSVs or patient-level data")
def upload(
    study_id: str,
    ctx: Ctx,
    figure: MaybeFile = None,
    curve: MaybeFile = None,
    risk_table: MaybeFile = None,
    censor_marks: MaybeFile = None,
    ipd: MaybeFile = None,
    trial: Annotated[str, Form(max_length=80)] = "",
    endpoint: Annotated[str, Form(max_length=80)] = "OS",
    time_unit: Annotated[str, Form(max_length=20)] = "",
    page: Annotated[int, Form(ge=1, le=9999)] = 1,
) -> Doc:
    """Add a figure to the study.

    Send exactly one of: ``figure`` (PNG, JPEG, TIFF, WebP, BMP, SVG or PDF with
    ``page``; read in the background: poll the figure until ``status`` is
    ``ready``); ``curve`` (digitized points CSV) with optional ``risk_table``
    and ``censor_marks``; or ``ipd`` (CSV ``arm,time,event``, analysed at once).
    """
    ctx.store.get_study(study_id)
    meta = {"trial": trial.strip(), "endpoint": endpoint.strip() or "OS", "time_unit": time_unit}
    given = [f for f in (figure, curve, ipd) if f is not None]
    if len(given) != 1 or (figure is None and curve is None and (risk_table or censor_marks)):
        raise UploadError(
            "send one figure, or one curve CSV (with its numbers at risk), or one patient-level "
            "data CSV"
        )
    if figure is not None:
        return _upload_figure(ctx, study_id, figure, meta, page)
    if ipd is not None:
        return _upload_ipd(ctx, study_id, ipd, meta)
    assert curve is not None
    return _upload_curves(ctx, study_id, curve, risk_table, censor_marks, meta)


def _upload_figure(ctx: Context, study_id: str, upload: UploadFile, meta: Doc, page: int) -> Doc:
    name = safe_name(upload.filename, "figure")
    image = prepare_figure(
        upload.file.read(), upload.content_type, name, page=page, max_pixels=ctx.max_pixels
    )
    doc = image_figure(name, image.width, image.height, meta)
    if image.note:
        doc["notes"] = [image.note]
    stored = {"image": (image.content_type, image.data)}
    if image.drawing:  # a PDF page or SVG: read from its drawing, in the rendered image's pixels
        doc["drawing"] = {"kind": image.kind, "page": image.page, "dpi": image.dpi}
        stored["drawing"] = ("application/octet-stream", image.drawing)
    doc = ctx.store.add_figure(study_id, doc, stored)
    submit_read(ctx, study_id, doc["id"], {})
    return doc


def _read_tables(files: dict[str, UploadFile | None], read: Any) -> Any:
    """Save the uploaded tables under safe names in a temporary folder and read them."""
    with tempfile.TemporaryDirectory(prefix="kmipd-web-") as name:
        folder = Path(name)
        paths: dict[str, Path | None] = {}
        for role, upload in files.items():
            if upload is None:
                paths[role] = None
                continue
            data = upload.file.read()
            shown = safe_name(upload.filename, f"{role}.csv")
            check_table(data, upload.content_type, shown)
            paths[role] = folder / role / re.sub(r"[^A-Za-z0-9_.-]+", "_", shown)
            paths[role].parent.mkdir()  # type: ignore[union-attr]
            paths[role].write_bytes(data)  # type: ignore[union-attr]
        try:
            with COMPUTE_LOCK, warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = read(paths)
        except KmipdError as exc:
            raise type(exc)(_unplace(str(exc), folder)) from None
        return value, [_unplace(str(item.message), folder) for item in caught]


def _unplace(message: str, folder: Path) -> str:
    """A message without the temporary folder (file names stay)."""
    return re.sub(re.escape(str(folder)) + r"/[a-z_]+/", "", message).replace(str(folder), "")


def _upload_curves(
    ctx: Context,
    study_id: str,
    curve: UploadFile,
    risk_table: UploadFile | None,
    censor_marks: UploadFile | None,
    meta: Doc,
) -> Doc:
    from kmipd import io as kio

    def read(paths: dict[str, Path | None]) -> Any:
        curves = kio.read_curve(paths["curve"])  # type: ignore[arg-type]
        arm = next(iter(curves)) if len(curves) == 1 else None
        tables = {} if paths["risk"] is None else kio.read_risk_table(paths["risk"], arm=arm)
        marks = {} if paths["marks"] is None else kio.read_censor_marks(paths["marks"], arm=arm)
        return curves, tables, marks

    files = {"curve": curve, "risk": risk_table, "marks": censor_marks}
    (curves, tables, marks), notes = _read_tables(files, read)
    doc = curve_figure(safe_name(curve.filename, "curve.csv"), curves, tables, marks, meta)
    doc["warnings"] = notes
    return ctx.store.add_figure(study_id, doc, {})


def _upload_ipd(ctx: Context, study_id: str, upload: UploadFile, meta: Doc) -> Doc:
    from kmipd.io import read_ipd

    def read(paths: dict[str, Path | None]) -> Any:
        return read_ipd(paths["ipd"], require_arm=False)  # type: ignore[arg-type]

    ipd, notes = _read_tables({"ipd": upload}, read)
    doc = ipd_figure(safe_name(upload.filename, "ipd.csv"), ipd, meta)
    doc["warnings"] = notes
    doc["result"] = reconstruct_figure(doc, ctx.store.get_study(study_id))
    return ctx.store.add_figure(study_id, doc, {})


@router.get("/{figure_id}", summary="A figure with everything read and corrected")
def get_figure(study_id: str, figure_id: str, ctx: Ctx) -> Doc:
    """The figure: status, calibration, arms (points, censor marks, numbers at risk), result."""
    return ctx.store.get_figure(study_id, figure_id)


@router.put("/{figure_id}", summary="Correct a figure's arms, names and counts")
def edit_figure(study_id: str, figure_id: str, edit: FigureEdit, ctx: Ctx) -> Doc:
    """Replace the arms (names, points, censor marks, numbers at risk, n, events) and the labels."""
    return ctx.store.update_figure(study_id, figure_id, lambda doc: apply_edit(doc, edit))


@router.put("/{figure_id}/calibration", summary="Set the axis calibration")
def edit_calibration(study_id: str, figure_id: str, edit: CalibrationEdit, ctx: Ctx) -> Doc:
    """Move the calibration points or change their values; the curve points move with them."""
    return ctx.store.update_figure(study_id, figure_id, lambda doc: apply_calibration(doc, edit))


@router.post("/{figure_id}/merge", summary="Merge arms")
def merge(study_id: str, figure_id: str, request: MergeRequest, ctx: Ctx) -> Doc:
    """Merge the listed arms into the first (points, censor marks and counts joined)."""
    return ctx.store.update_figure(study_id, figure_id, lambda doc: merge_arms(doc, request))


@router.post("/{figure_id}/read", status_code=202, summary="Read a figure again")
def read_again(study_id: str, figure_id: str, options: DigitizeOptions, ctx: Ctx) -> Doc:
    """Read the figure again with options (axis ranges, number of arms, crop, plot panel);
    replaces the arms."""

    def change(doc: Doc) -> Doc:
        if doc.get("kind") != "image":
            raise InputError("only an uploaded image can be read again")
        if doc.get("status") == "pending":
            raise InputError("the figure is being read already; wait until it is ready")
        return dict(doc, status="pending", stage="waiting to be read", error=None)

    doc = ctx.store.update_figure(study_id, figure_id, change)
    submit_read(ctx, study_id, figure_id, options.model_dump())
    return doc


@router.post("/{figure_id}/reconstruct", summary="Reconstruct and analyse a figure")
def reconstruct(study_id: str, figure_id: str, ctx: Ctx) -> Doc:
    """Rebuild patient-level data of every arm and analyse it; the figure with its ``result``."""
    study = ctx.store.get_study(study_id)
    doc = ctx.store.get_figure(study_id, figure_id)
    if doc.get("status") != "ready":
        raise InputError("the figure is not ready yet; wait until it has been read")
    result = reconstruct_figure(doc, study)

    def change(current: Doc) -> Doc:
        if current.get("revision") != doc.get("revision"):
            raise InputError("the figure changed while it was being reconstructed; try again")
        return dict(current, result=result)

    return ctx.store.update_figure(study_id, figure_id, change)


@router.delete("/{figure_id}", status_code=204, summary="Delete a figure")
def delete_figure(study_id: str, figure_id: str, ctx: Ctx) -> Response:
    """Remove the figure, its files and its arms from the study's comparison."""
    ctx.store.delete_figure(study_id, figure_id)

    def drop(study: Doc) -> Doc:
        arms = [ref for ref in study.get("arms", []) if ref["figure"] != figure_id]
        return dict(study, arms=arms)

    ctx.store.update_study(study_id, drop)
    return Response(status_code=204)


@router.get("/{figure_id}/image", summary="The figure's image")
def image(study_id: str, figure_id: str, ctx: Ctx) -> Response:
    """The uploaded figure as PNG or JPEG (a PDF page rendered as PNG)."""
    doc = ctx.store.get_figure(study_id, figure_id)
    content_type, data = ctx.store.get_file(figure_id, "image")
    suffix = ".jpg" if content_type == "image/jpeg" else ".png"
    return attachment(data, content_type, _stem(doc) + suffix, inline=True)


_DOWNLOADS = {
    "ipd.csv": (ipd_csv, "text/csv", "_ipd.csv"),
    "curves.csv": (curves_csv, "text/csv", "_curves.csv"),
    "risk.csv": (risk_csv, "text/csv", "_risk.csv"),
}


@router.get("/{figure_id}/download/{what}", summary="Download IPD, curves, risk table or KM plot")
def download(study_id: str, figure_id: str, what: str, ctx: Ctx) -> Response:
    """``what``: ``ipd.csv``, ``curves.csv``, ``risk.csv``, ``km.png`` or ``km.svg``."""
    doc = ctx.store.get_figure(study_id, figure_id)
    if what in ("km.png", "km.svg"):
        fmt = what[3:]
        kind = "image/png" if fmt == "png" else "image/svg+xml"
        return attachment(km_plot(doc, fmt), kind, f"{_stem(doc)}_km.{fmt}")
    if what not in _DOWNLOADS:
        raise UploadError(
            f"no download {what!r}; choose one of {', '.join(_DOWNLOADS)}, km.png, km.svg", 404
        )
    make, content_type, suffix = _DOWNLOADS[what]
    return attachment(make(doc), content_type, _stem(doc) + suffix)
