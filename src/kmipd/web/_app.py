"""The FastAPI application: routes, guards, error answers and the static front end."""

from __future__ import annotations

import mimetypes
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from kmipd import __version__
from kmipd.web import _api_figures, _api_studies, _transfer
from kmipd.web._context import Context, DigitizeReader, Reader
from kmipd.web._guard import Guard, install_error_handlers
from kmipd.web._paths import default_data_dir
from kmipd.web._store import Store
from kmipd.web._uploads import MAX_PIXELS

__all__ = ["LOOPBACK_HOSTS", "MAX_UPLOAD", "create_app"]

MAX_UPLOAD = 25 * 2**20
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
STATIC = Path(__file__).parent / "static"
_DESCRIPTION = """\
Turn published Kaplan-Meier figures into patient-level data, locally.

Typical use: create a study (`POST /api/studies`), upload a figure
(`POST /api/studies/{study_id}/figures`, then poll the figure until its
`status` is `ready`), correct what was read (`PUT .../figures/{figure_id}`,
`PUT .../calibration`, `POST .../merge`), reconstruct
(`POST .../reconstruct`), choose the arms to compare (`PUT /api/studies/{id}`),
build the comparison (`POST .../compare`) and download the report, the study
file and the data.

Every error is JSON `{"error": "..."}`: 404 unknown id, 413 too large,
415 wrong file type, 422 invalid request or data (kmipd's own messages).
"""


def create_app(
    data_dir: str | Path | None = None,
    *,
    allowed_hosts: Sequence[str] | None = LOOPBACK_HOSTS,
    max_upload: int = MAX_UPLOAD,
    max_pixels: int = MAX_PIXELS,
    reader: Reader | None = None,
) -> FastAPI:
    """The web app.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder of the SQLite store; default :func:`kmipd.web.default_data_dir`.
    allowed_hosts : sequence of str or None
        Host names the app answers to (default: loopback names only); None: any.
    max_upload : int
        Largest request body in bytes (default 25 MB; study imports 64 MB).
    max_pixels : int
        Largest figure in pixels (width times height).
    reader : Reader, optional
        Automatic figure reading (default: :mod:`kmipd.digitize` when installed).

    Returns
    -------
    fastapi.FastAPI
    """
    import matplotlib

    from kmipd.digitize._parallel import warm

    matplotlib.use("Agg")
    mimetypes.add_type("text/javascript", ".js")  # some systems map .js to text/plain
    store = Store(data_dir if data_dir is not None else default_data_dir())
    store.fail_pending("the server stopped while reading this figure; read it again")
    ctx = Context(store=store, reader=reader or DigitizeReader(), max_pixels=max_pixels)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warm(eager=True)  # the helper process for crowded tables (``digitize._parallel``)
        yield
        ctx.executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="kmipd",
        version=__version__,
        description=_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.kmipd = ctx
    install_error_handlers(app)
    _routes(app, ctx)
    app.include_router(_transfer.router)  # before /{study_id} routes: /import is a fixed path
    app.include_router(_api_studies.router)
    app.include_router(_api_figures.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(
        Guard,
        limit=max_upload,
        large_paths={"/api/studies/import": max(max_upload, _transfer.IMPORT_LIMIT)},
        hosts=None if allowed_hosts is None else list(allowed_hosts),
    )
    return app


def _routes(app: FastAPI, ctx: Context) -> None:
    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/api", include_in_schema=False)
    def api_page() -> FileResponse:
        return FileResponse(STATIC / "api.html")

    @app.get("/api/health", tags=["app"], summary="Version and figure-reading status")
    def health() -> dict[str, Any]:
        """Whether the app runs, its version and whether figures can be read automatically."""
        return {"status": "ok", "version": __version__, "reader": ctx.reader.status()}
