"""Backups that are verified before anyone relies on them.

SQLite: sqlite3's online backup API, read inside one read transaction so the row counts and
the copy come from the same snapshot; the copy is reopened, integrity-checked and its row
counts compared with the source before it gets its final name. PostgreSQL: pg_dump in custom
format (see pg_backups.py). Restoring verifies the backup first and the result afterwards.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url

from novamind_desktop.domain.errors import DomainError
from novamind_desktop.domain.maintenance import BackupReport

log = logging.getLogger(__name__)


class BackupError(DomainError):
    """A backup or restore could not be made or verified. str() is a sentence for the user."""


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str | URL) -> Path:
    """The database file of a SQLite URL; in-memory databases cannot be backed up."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database.removeprefix("file:").split("?", 1)[0])


def backup(engine: Engine, destination: Path) -> BackupReport:
    """Copy the database to `destination` (which must not exist yet) and verify the copy."""
    destination = Path(destination)
    if destination.exists():
        raise BackupError(f"{destination} already exists; choose a new file name for the backup.")
    if not destination.parent.is_dir():
        raise BackupError(f"The folder {destination.parent} does not exist.")
    if is_sqlite(engine.url):
        return backup_sqlite(sqlite_path(engine.url), destination)
    from novamind_desktop.infrastructure import pg_backups

    return pg_backups.backup(engine, destination)


def restore(engine: Engine, source: Path) -> BackupReport:
    """Replace the database's contents with the verified backup at `source`.

    Pooled connections are closed first; other workstations should be signed out.
    """
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} does not exist or is not a file.")
    engine.dispose()
    if is_sqlite(engine.url):
        return restore_sqlite(sqlite_path(engine.url), source)
    from novamind_desktop.infrastructure import pg_backups

    return pg_backups.restore(engine, source)


# --- SQLite ----------------------------------------------------------------------------------


def _connect(path: Path, *, read_only: bool) -> sqlite3.Connection:
    mode = "ro" if read_only else "rw"
    try:
        return sqlite3.connect(f"file:{path}?mode={mode}", uri=True, isolation_level=None)
    except sqlite3.OperationalError:
        raise BackupError(f"The SQLite database {path} cannot be opened.") from None


def sqlite_row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: conn.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchone()[0] for name in names
    }


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _check_sqlite_file(path: Path) -> dict[str, int]:
    """Integrity check and row counts of a SQLite file; BackupError if it is not usable."""
    try:
        conn = _connect(path, read_only=True)
        try:
            verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
            counts = sqlite_row_counts(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise BackupError(f"{path} is not a SQLite database.") from None
    if verdict != "ok":
        raise BackupError(f"{path} is damaged (SQLite integrity check failed).")
    if "alembic_version" not in counts:
        raise BackupError(f"{path} is not a NOVAMIND database (it has no schema version).")
    return counts


def backup_sqlite(db_path: Path, destination: Path) -> BackupReport:
    if not db_path.is_file():
        raise BackupError(f"The SQLite database {db_path} does not exist.")
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    source = _connect(db_path, read_only=True)
    try:
        # One read transaction: the counts and the copy see the same snapshot.
        source.execute("BEGIN")
        expected = sqlite_row_counts(source)
        target = sqlite3.connect(partial, isolation_level=None)
        try:
            source.backup(target)
            # A backup is one self-contained file: no -wal beside it to lose on a copy.
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
        source.execute("COMMIT")
    except sqlite3.DatabaseError:
        partial.unlink(missing_ok=True)
        raise BackupError(f"The backup to {destination} failed; nothing was changed.") from None
    finally:
        source.close()
    try:
        found = _check_sqlite_file(partial)
        _compare(expected, found, destination)
        _fsync(partial)
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    log.info("sqlite backup verified: %d tables, %d rows", len(found), sum(found.values()))
    return BackupReport(destination, found)


def restore_sqlite(db_path: Path, source: Path) -> BackupReport:
    expected = _check_sqlite_file(source)
    if not db_path.parent.is_dir():
        raise BackupError(f"The folder {db_path.parent} does not exist.")
    backup_conn = _connect(source, read_only=True)
    try:
        live = sqlite3.connect(db_path, isolation_level=None)
        try:
            # The backup API replaces the whole destination inside one write transaction.
            backup_conn.backup(live)
            found = sqlite_row_counts(live)
        finally:
            live.close()
    except sqlite3.OperationalError:
        raise BackupError(
            f"The database {db_path} is in use; close NOVAMIND on other windows and try again."
        ) from None
    finally:
        backup_conn.close()
    _compare(expected, found, db_path)
    log.info("sqlite restore verified: %d tables, %d rows", len(found), sum(found.values()))
    return BackupReport(source, found)


def _compare(expected: Mapping[str, int], found: Mapping[str, int], where: Path) -> None:
    if dict(expected) != dict(found):
        differing = sorted(
            name for name in set(expected) | set(found) if expected.get(name) != found.get(name)
        )
        raise BackupError(
            f"Verification of {where} failed: row counts differ in {', '.join(differing)}."
        )


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
