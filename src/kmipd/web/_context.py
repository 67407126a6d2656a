"""What every request handler needs (store, figure reader, job queue) and the figure-reading job.

Reading a figure takes seconds, so it runs in a background thread (one at a
time: OCR is heavy); the figure's ``status`` goes ``pending`` -> ``ready``
and its ``stage`` says what is happening, for the page's progress display.
If automatic reading is unavailable or fails, the figure becomes ready for
digitizing by hand, with a warning that says why.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from fastapi import Request

from kmipd.errors import KmipdError
from kmipd.web import _digitizer
from kmipd.web._figures import apply_reading
from kmipd.web._store import NotFound, Store

__all__ = ["Context", "Reader", "context", "submit_read"]

LOG = logging.getLogger("kmipd.web")
_HAND = "set the two calibration points of each axis and click the curve points by hand"


class Reader(Protocol):
    """Automatic figure reading, as the app uses it (see :mod:`kmipd.web._digitizer`)."""

    def status(self) -> dict[str, Any]:
        """``{"available": bool, "reason": str}``."""
        ...  # pragma: no cover

    def read(self, image: bytes, options: dict[str, Any]) -> dict[str, Any]:
        """Calibration, arms, warnings and seconds read from the figure."""
        ...  # pragma: no cover


class DigitizeReader:
    """The reader backed by :mod:`kmipd.digitize` (detected at run time)."""

    def status(self) -> dict[str, Any]:
        """Whether :mod:`kmipd.digitize` can be used."""
        return _digitizer.reader_status()

    def read(self, image: bytes, options: dict[str, Any]) -> dict[str, Any]:
        """Read the figure with :func:`kmipd.digitize.digitize`."""
        return _digitizer.read_figure(image, options)


@dataclass
class Context:
    """The app's shared state."""

    store: Store
    reader: Reader = field(default_factory=DigitizeReader)
    max_pixels: int = 25_000_000
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="kmipd-read")
    )


def context(request: Request) -> Context:
    """The :class:`Context` of the app serving ``request``."""
    ctx: Context = request.app.state.kmipd
    return ctx


def submit_read(ctx: Context, study_id: str, figure_id: str, options: dict[str, Any]) -> None:
    """Queue the reading of a (pending) figure."""
    ctx.executor.submit(_read_job, ctx, study_id, figure_id, options)


def _stage(ctx: Context, study_id: str, figure_id: str, text: str) -> dict[str, Any]:
    def change(doc: dict[str, Any]) -> dict[str, Any]:
        return dict(doc, stage=text, stage_started=time.time())

    return ctx.store.update_figure(study_id, figure_id, change)


def _read_job(ctx: Context, study_id: str, figure_id: str, options: dict[str, Any]) -> None:
    try:
        doc = _stage(ctx, study_id, figure_id, "reading axes, curves, legend and numbers at risk")
        _, image = ctx.store.get_file(figure_id, "image")
        if doc.get("drawing"):  # a PDF page or SVG: the reader takes the file and how to render it
            try:
                _, image = ctx.store.get_file(figure_id, "drawing")
                options = dict(options, drawing=doc["drawing"])
            except NotFound:
                pass
        reading, reader = _reading(ctx, image, options, doc["canvas"])
        ctx.store.update_figure(study_id, figure_id, lambda d: apply_reading(d, reading, reader))
    except NotFound:
        return  # deleted while waiting
    except Exception as exc:  # keep the queue alive whatever happens
        LOG.exception("reading figure %s failed", figure_id)
        message = f"reading the figure failed ({type(exc).__name__}); upload it again"
        try:
            ctx.store.update_figure(
                study_id, figure_id, lambda d: dict(d, status="failed", stage="", error=message)
            )
        except Exception:  # pragma: no cover - the store itself failed
            LOG.exception("could not record the failure of figure %s", figure_id)


def _reading(
    ctx: Context, image: bytes, options: dict[str, Any], canvas: dict[str, int]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What was read (or the start for reading by hand) and how."""
    width, height = canvas["width"], canvas["height"]
    status = ctx.reader.status()
    info = {"available": bool(status.get("available")), "options": options}
    if not info["available"]:
        reason = status.get("reason") or "not installed"
        note = f"automatic figure reading is not available ({reason}): {_HAND}"
        return _digitizer.manual_reading(width, height, note), info | {"automatic": False}
    started = time.perf_counter()
    try:
        reading = ctx.reader.read(image, options)
    except KmipdError as exc:
        note = (
            f"the figure could not be read automatically: {exc}. Crop it and read again, or {_HAND}"
        )
        return _digitizer.manual_reading(width, height, note), info | {"automatic": False}
    except Exception as exc:  # the reader is young; never leave the user stuck
        LOG.exception("the figure reader failed")
        note = f"the figure reader failed ({type(exc).__name__}: {exc}); {_HAND}"
        return _digitizer.manual_reading(width, height, note), info | {"automatic": False}
    info |= {"automatic": True, "seconds": round(time.perf_counter() - started, 2)}
    return reading, info
