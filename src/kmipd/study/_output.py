"""A study's output folder: build the files in a staging folder, then move them into place."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path

__all__ = ["commit_outputs", "discard_staging", "new_staging"]


def new_staging(out: Path) -> Path:
    """A new empty folder beside ``out`` (same file system, so moves are atomic).

    Created with the usual permissions (the umask applies), so that a new
    ``out`` made by renaming it looks like any other folder.
    """
    while True:
        staging = out.parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
        try:
            staging.mkdir()
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
        return staging


def discard_staging(staging: Path) -> None:
    """Remove a staging folder and everything in it (errors ignored)."""
    shutil.rmtree(staging, ignore_errors=True)


def commit_outputs(staging: Path, out: Path, files: Iterable[Path]) -> None:
    """Move ``files`` (relative to ``staging``) into ``out``, then remove ``staging``.

    If ``out`` does not exist, the staging folder is renamed to it: the whole
    folder appears at once. Otherwise each file replaces its namesake in
    ``out`` atomically (``os.replace``); files of ``out`` that this run did not
    write are left as they are.
    """
    try:
        if not out.exists():
            try:
                os.rename(staging, out)
                return
            except OSError:
                if not out.is_dir():  # not a race with another run creating ``out``
                    raise
        for relative in files:
            target = out / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / relative, target)
    finally:
        discard_staging(staging)
