"""Export a study (settings, figures, images) to one JSON file, and import it as a new study.

An import is checked like an upload: every figure's arms are validated as
corrections are, every image by its bytes and size; the new study gets new
ids, so importing twice gives two independent studies.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kmipd import __version__
from kmipd.errors import InputError
from kmipd.web._api_figures import attachment
from kmipd.web._api_studies import _full, _slug, new_study
from kmipd.web._context import Context, context
from kmipd.web._figures import apply_edit
from kmipd.web._models import ArmEdit, CalibrationEdit, FigureEdit, StudyEdit
from kmipd.web._uploads import UploadError, prepare_figure

__all__ = ["IMPORT_LIMIT", "router"]

IMPORT_LIMIT = 64 * 2**20
FORMAT = "kmipd-web-study"
router = APIRouter(prefix="/api/studies", tags=["studies"])
Ctx = Annotated[Context, Depends(context)]
Doc = dict[str, Any]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)


class _Image(_Loose):
    content_type: str = Field(max_length=40)
    base64: str


class _ImportedArm(ArmEdit):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)
    ipd: dict[str, list[float]] | None = None


class _ImportedFigure(_Loose):
    id: str = Field(max_length=40)
    name: str = Field(min_length=1, max_length=80)
    kind: Literal["image", "curve", "ipd"]
    trial: str = Field(default="", max_length=80)
    endpoint: str = Field(default="OS", min_length=1, max_length=80)
    time_unit: str | None = None
    calibration: dict[str, Any] | None = None
    arms: list[_ImportedArm] = Field(min_length=1, max_length=12)
    warnings: list[str] = Field(default_factory=list, max_length=100)
    image: _Image | None = None


class _Export(_Loose):
    format: Literal["kmipd-web-study"]
    version: Literal[1]
    study: dict[str, Any]
    figures: list[_ImportedFigure] = Field(default_factory=list, max_length=100)


@router.get("/{study_id}/export", summary="Export a study to one JSON file")
def export_study(study_id: str, ctx: Ctx) -> Response:
    """The study, its figures, corrections and images, to import again later or elsewhere."""
    study = ctx.store.get_study(study_id)
    figures = []
    for doc in ctx.store.list_figures(study_id):
        if doc.get("status") != "ready":
            continue
        item = {key: value for key, value in doc.items() if key not in ("result", "study")}
        if doc["kind"] == "image":
            content_type, data = ctx.store.get_file(doc["id"], "image")
            item["image"] = {
                "content_type": content_type,
                "base64": base64.b64encode(data).decode(),
            }
        figures.append(item)
    keys = ("title", "time_unit", "landmarks", "tau", "show_pvalue", "arms")
    payload = {
        "format": FORMAT,
        "version": 1,
        "kmipd_version": __version__,
        "exported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "study": {key: study.get(key) for key in keys},
        "figures": figures,
    }
    data = json.dumps(payload, indent=1).encode()
    return attachment(data, "application/json", _slug(study) + ".kmipd.json")


@router.post("/import", status_code=201, summary="Import an exported study as a new study")
def import_study(ctx: Ctx, file: Annotated[UploadFile, File()]) -> Doc:
    """Create a new study from a file written by ``export`` (checked like an upload)."""
    raw = file.file.read()
    try:
        exported = _Export.model_validate(_clean(json.loads(raw.decode("utf-8"))))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UploadError("not a kmipd study export (expected a .kmipd.json file)", 415) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = " → ".join(str(part) for part in first["loc"])
        raise InputError(f"not a valid kmipd study export: {where}: {first['msg']}") from None
    settings = StudyEdit.model_validate(
        {k: v for k, v in exported.study.items() if k != "arms" and v is not None}
    )
    study = ctx.store.create_study({**new_study(), **settings.model_dump(exclude_none=True)})
    ids: dict[str, str] = {}
    for figure in exported.figures:
        doc, files = _figure(figure, ctx.max_pixels)
        ids[figure.id] = ctx.store.add_figure(study["id"], doc, files)["id"]
    arms = [
        dict(ref, figure=ids[ref["figure"]])
        for ref in exported.study.get("arms") or []
        if isinstance(ref, dict) and ref.get("figure") in ids
    ]
    if arms:
        refs = StudyEdit.model_validate({"arms": arms}).model_dump()["arms"]
        ctx.store.update_study(study["id"], lambda doc: {**doc, "arms": refs})
    return _full(ctx, study["id"])


def _clean(raw: Any) -> Any:
    """The export with each number at risk reduced to ``time`` and ``n`` (confidences dropped)."""
    figures = raw.get("figures") if isinstance(raw, dict) else None
    for figure in figures if isinstance(figures, list) else []:
        arms = figure.get("arms") if isinstance(figure, dict) else None
        for arm in arms if isinstance(arms, list) else []:
            if isinstance(arm, dict) and isinstance(arm.get("risk"), list):
                arm["risk"] = [
                    {"time": e.get("time"), "n": e.get("n")}
                    for e in arm["risk"]
                    if isinstance(e, dict)
                ]
    return raw


def _figure(figure: _ImportedFigure, max_pixels: int) -> tuple[Doc, dict[str, tuple[str, bytes]]]:
    """A checked figure document and its files."""
    files: dict[str, tuple[str, bytes]] = {}
    canvas = None
    if figure.kind == "image":
        if figure.image is None or figure.calibration is None:
            raise InputError(f"figure {figure.name!r}: the export lacks its image or calibration")
        try:
            data = base64.b64decode(figure.image.base64, validate=True)
        except (binascii.Error, ValueError):
            raise InputError(f"figure {figure.name!r}: the image is not valid base64") from None
        image = prepare_figure(data, figure.image.content_type, figure.name, max_pixels=max_pixels)
        files["image"] = (image.content_type, image.data)
        canvas = {"width": image.width, "height": image.height}
    calibration = _calibration(figure)
    arms = [_arm(arm, figure.kind) for arm in figure.arms]
    doc = {
        "name": figure.name,
        "kind": figure.kind,
        "status": "ready",
        "stage": "",
        "error": None,
        "trial": figure.trial,
        "endpoint": figure.endpoint,
        "time_unit": None,
        "warnings": figure.warnings,
        "notes": ["imported"],
        "reader": None,
        "revision": 0,
        "result": None,
        "canvas": canvas,
        "calibration": calibration,
        "arms": arms,
    }
    if figure.kind == "curve":
        doc["canvas"] = {"width": 900, "height": 520}
    edit = FigureEdit(
        trial=figure.trial,
        endpoint=figure.endpoint,
        time_unit=figure.time_unit,
        arms=[ArmEdit.model_validate(arm.model_dump(exclude={"ipd"})) for arm in figure.arms],
    )
    return apply_edit(doc, edit), files


def _calibration(figure: _ImportedFigure) -> Doc | None:
    if figure.kind == "ipd":
        return None
    given = figure.calibration or {}
    checked = CalibrationEdit.model_validate(
        {"x": given.get("x"), "y": given.get("y"), "percent": bool(given.get("percent", False))}
    )
    out = {**given, **checked.model_dump()}
    out["failure"] = bool(given.get("failure", False))
    out["ticks"] = [t for t in given.get("ticks", []) if isinstance(t, dict)][:200]
    return out


def _arm(arm: _ImportedArm, kind: str) -> Doc:
    doc: Doc = {
        "key": arm.key,
        "name": arm.name,
        "colour": arm.colour or "#0072b2",
        "label_read": None,
        "confidence": {},
        "points": [],
        "censor": [],
        "risk": [],
        "n": None,
        "events": None,
    }
    if kind == "ipd":
        ipd = arm.ipd or {}
        time, event = ipd.get("time", []), ipd.get("event", [])
        if not time or len(time) != len(event) or any(e not in (0, 1) for e in event):
            raise InputError(f"arm {arm.name!r}: its patient-level data are missing or invalid")
        if any(t < 0 for t in time):
            raise InputError(f"arm {arm.name!r}: a patient time is negative")
        doc["ipd"] = {"time": [float(t) for t in time], "event": [int(e) for e in event]}
    return doc
