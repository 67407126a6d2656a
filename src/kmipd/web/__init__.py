"""Local web app: upload a figure, check and correct it, reconstruct, compare, download.

``kmipd serve`` starts it. The app is a JSON API (FastAPI, OpenAPI schema at
``/openapi.json``, a readable list at ``/api``) over the same library
functions as the command line, a static front end in ``static/`` (plain
HTML, CSS and ES modules; no build step) and an embedded SQLite store.

- :func:`create_app` — the ASGI application (imports FastAPI);
- :func:`default_data_dir` — where the store lives unless told otherwise.

Importing this package does not import FastAPI; :func:`create_app` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kmipd.web._paths import default_data_dir

__all__ = ["create_app", "default_data_dir"]


def create_app(data_dir: str | Path | None = None, **options: Any) -> Any:
    """The web app's ASGI application.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder of the SQLite store (created if missing); default
        :func:`default_data_dir`.
    **options
        Passed to :func:`kmipd.web._app.create_app` (``allowed_hosts``,
        ``max_upload``, ``max_pixels``).

    Returns
    -------
    fastapi.FastAPI
        The application, e.g. for ``uvicorn.run(app)``.
    """
    from kmipd.web._app import create_app as _create

    return _create(data_dir, **options)
