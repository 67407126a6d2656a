"""Where the web app keeps its data (no FastAPI import here: ``kmipd serve --help`` stays fast)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["default_data_dir"]


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    """The folder of the web app's store, by the platform's convention.

    Parameters
    ----------
    environ : mapping, optional
        Environment variables (default ``os.environ``).

    Returns
    -------
    Path
        ``$XDG_DATA_HOME/kmipd`` or ``~/.local/share/kmipd`` on Linux and other
        Unix systems, ``~/Library/Application Support/kmipd`` on macOS and
        ``%LOCALAPPDATA%\\kmipd`` on Windows.

    Examples
    --------
    >>> default_data_dir({"XDG_DATA_HOME": "/data"}).as_posix()  # doctest: +SKIP
    '/data/kmipd'
    """
    env = os.environ if environ is None else environ
    if sys.platform == "win32":
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "kmipd"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "kmipd"
    xdg = env.get("XDG_DATA_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "kmipd"
    return Path.home() / ".local" / "share" / "kmipd"
