"""The web app's embedded store: studies, their figures and files, in one SQLite database.

Every figure belongs to one study and is only ever looked up together with
its study's id, so one study never sees another's figures or files. Ids are
generated here (random, URL-safe); nothing a client sends becomes a path.
Each call opens its own connection, so the store can be used from any
thread; updates run in ``BEGIN IMMEDIATE`` transactions (read, change,
write), so two requests never lose each other's changes.
"""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["ID_PATTERN", "NotFound", "Store", "new_id"]

ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{12}\Z")
Doc = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    id TEXT PRIMARY KEY, doc TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS figures (
    id TEXT PRIMARY KEY,
    study_id TEXT NOT NULL REFERENCES studies(id) ON DELETE CASCADE,
    doc TEXT NOT NULL, created REAL NOT NULL, updated REAL NOT NULL);
CREATE INDEX IF NOT EXISTS figures_by_study ON figures(study_id, created);
CREATE TABLE IF NOT EXISTS files (
    owner TEXT NOT NULL, name TEXT NOT NULL, content_type TEXT NOT NULL, data BLOB NOT NULL,
    PRIMARY KEY (owner, name));
"""


class NotFound(LookupError):
    """No study or figure with this id (in this study)."""


def new_id() -> str:
    """A new random id: 12 URL-safe characters (72 random bits)."""
    return secrets.token_urlsafe(9)


class Store:
    """Studies, figures and files in the SQLite database ``<folder>/kmipd-web.sqlite3``.

    Parameters
    ----------
    folder : str or Path
        Created if missing.
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / "kmipd-web.sqlite3"
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys=ON")
            yield db
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    # ------------------------------------------------------------------ studies

    def create_study(self, doc: Doc) -> Doc:
        """Store a new study; its ``id`` is set here. Returns the stored document."""
        now = time.time()
        doc = {**doc, "id": new_id()}
        with self._transaction() as db:
            db.execute(
                "INSERT INTO studies VALUES (?, ?, ?, ?)", (doc["id"], json.dumps(doc), now, now)
            )
        return doc

    def get_study(self, study_id: str) -> Doc:
        """The study's document; :class:`NotFound` if there is none."""
        _check(study_id, "study")
        with self._connect() as db:
            row = db.execute("SELECT doc FROM studies WHERE id = ?", (study_id,)).fetchone()
        if row is None:
            raise NotFound(f"no study {study_id!r}; it may have been deleted")
        return dict(json.loads(row[0]))

    def list_studies(self) -> list[Doc]:
        """Every study (newest change first) with its number of figures."""
        query = (
            "SELECT s.doc, s.updated, (SELECT COUNT(*) FROM figures f WHERE f.study_id = s.id) "
            "FROM studies s ORDER BY s.updated DESC"
        )
        with self._connect() as db:
            rows = db.execute(query).fetchall()
        return [{**json.loads(doc), "updated": updated, "figures": n} for doc, updated, n in rows]

    def update_study(self, study_id: str, change: Callable[[Doc], Doc]) -> Doc:
        """Apply ``change`` to the study's document atomically; the new document."""
        _check(study_id, "study")
        with self._transaction() as db:
            row = db.execute("SELECT doc FROM studies WHERE id = ?", (study_id,)).fetchone()
            if row is None:
                raise NotFound(f"no study {study_id!r}; it may have been deleted")
            doc = {**change(json.loads(row[0])), "id": study_id}
            db.execute(
                "UPDATE studies SET doc = ?, updated = ? WHERE id = ?",
                (json.dumps(doc), time.time(), study_id),
            )
        return doc

    def delete_study(self, study_id: str) -> None:
        """Remove the study with its figures and files."""
        _check(study_id, "study")
        with self._transaction() as db:
            ids = [
                r[0] for r in db.execute("SELECT id FROM figures WHERE study_id = ?", (study_id,))
            ]
            for owner in [*ids, study_id]:
                db.execute("DELETE FROM files WHERE owner = ?", (owner,))
            db.execute("DELETE FROM figures WHERE study_id = ?", (study_id,))
            if db.execute("DELETE FROM studies WHERE id = ?", (study_id,)).rowcount == 0:
                raise NotFound(f"no study {study_id!r}; it may have been deleted")

    # ------------------------------------------------------------------ figures

    def add_figure(self, study_id: str, doc: Doc, files: dict[str, tuple[str, bytes]]) -> Doc:
        """Store a new figure of the study with its files (name -> (content type, bytes))."""
        self.get_study(study_id)
        now = time.time()
        doc = {**doc, "id": new_id(), "study": study_id}
        with self._transaction() as db:
            db.execute(
                "INSERT INTO figures VALUES (?, ?, ?, ?, ?)",
                (doc["id"], study_id, json.dumps(doc), now, now),
            )
            for name, (content_type, data) in files.items():
                db.execute(
                    "INSERT INTO files VALUES (?, ?, ?, ?)", (doc["id"], name, content_type, data)
                )
            db.execute("UPDATE studies SET updated = ? WHERE id = ?", (now, study_id))
        return doc

    def get_figure(self, study_id: str, figure_id: str) -> Doc:
        """The figure's document, if it belongs to the study; else :class:`NotFound`."""
        _check(study_id, "study")
        _check(figure_id, "figure")
        with self._connect() as db:
            row = db.execute(
                "SELECT doc FROM figures WHERE id = ? AND study_id = ?", (figure_id, study_id)
            ).fetchone()
        if row is None:
            raise NotFound(f"no figure {figure_id!r} in study {study_id!r}")
        return dict(json.loads(row[0]))

    def list_figures(self, study_id: str) -> list[Doc]:
        """The study's figures in upload order."""
        self.get_study(study_id)
        with self._connect() as db:
            rows = db.execute(
                "SELECT doc FROM figures WHERE study_id = ? ORDER BY created, rowid", (study_id,)
            ).fetchall()
        return [json.loads(row[0]) for row in rows]

    def update_figure(self, study_id: str, figure_id: str, change: Callable[[Doc], Doc]) -> Doc:
        """Apply ``change`` to the figure's document atomically; the new document."""
        _check(study_id, "study")
        _check(figure_id, "figure")
        with self._transaction() as db:
            row = db.execute(
                "SELECT doc FROM figures WHERE id = ? AND study_id = ?", (figure_id, study_id)
            ).fetchone()
            if row is None:
                raise NotFound(f"no figure {figure_id!r} in study {study_id!r}")
            doc = {**change(json.loads(row[0])), "id": figure_id, "study": study_id}
            now = time.time()
            db.execute(
                "UPDATE figures SET doc = ?, updated = ? WHERE id = ?",
                (json.dumps(doc), now, figure_id),
            )
            db.execute("UPDATE studies SET updated = ? WHERE id = ?", (now, study_id))
        return doc

    def delete_figure(self, study_id: str, figure_id: str) -> None:
        """Remove the figure and its files."""
        self.get_figure(study_id, figure_id)
        with self._transaction() as db:
            db.execute("DELETE FROM files WHERE owner = ?", (figure_id,))
            db.execute("DELETE FROM figures WHERE id = ? AND study_id = ?", (figure_id, study_id))

    def fail_pending(self, message: str) -> int:
        """Mark figures left pending (the server stopped mid-read) as failed; how many."""
        with self._transaction() as db:
            rows = db.execute("SELECT id, doc FROM figures").fetchall()
            changed = 0
            for figure_id, text in rows:
                doc = json.loads(text)
                if doc.get("status") == "pending":
                    doc.update(status="failed", error=message, stage="")
                    db.execute(
                        "UPDATE figures SET doc = ? WHERE id = ?", (json.dumps(doc), figure_id)
                    )
                    changed += 1
        return changed

    # ------------------------------------------------------------------ files

    def put_file(self, owner: str, name: str, content_type: str, data: bytes) -> None:
        """Store (or replace) a file of a study or figure."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                (owner, name, content_type, data),
            )

    def get_file(self, owner: str, name: str) -> tuple[str, bytes]:
        """Content type and bytes of a stored file; :class:`NotFound` if absent.

        Callers check first that ``owner`` belongs to the study in the request.
        """
        with self._connect() as db:
            row = db.execute(
                "SELECT content_type, data FROM files WHERE owner = ? AND name = ?", (owner, name)
            ).fetchone()
        if row is None:
            raise NotFound(f"no file {name!r} yet")
        return str(row[0]), bytes(row[1])

    def delete_files(self, owner: str, prefix: str = "") -> None:
        """Remove an owner's files whose names start with ``prefix``."""
        with self._transaction() as db:
            db.execute(
                "DELETE FROM files WHERE owner = ? AND substr(name, 1, ?) = ?",
                (owner, len(prefix), prefix),
            )


def _check(value: str, what: str) -> None:
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise NotFound(f"no {what} {value!r}: ids are 12 letters, digits, '-' or '_'")
