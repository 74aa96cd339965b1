"""One administrator at a time may migrate, restore or re-key a database.

PostgreSQL: a session-level advisory lock held on its own connection for the whole
operation (released if the process dies). SQLite: an exclusive lock on a file beside the
database (released by the OS if the process dies). A second attempt fails at once with
MigrationLocked rather than waiting behind the first.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from novamind_desktop.domain.maintenance import MigrationLocked

# An arbitrary constant naming "NOVAMIND maintenance" among advisory locks.
ADVISORY_KEY = 0x4E4F56414D494E44 & 0x7FFFFFFFFFFFFFFF


@contextmanager
def maintenance_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "sqlite":
        from novamind_desktop.infrastructure.backups import sqlite_path

        with _file_lock(sqlite_path(engine.url).with_suffix(".maintenance.lock")):
            yield
        return
    with engine.connect() as connection:
        got = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        connection.commit()
        if not got:
            raise MigrationLocked()
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
                connection.commit()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    handle = open(path, "a+b")  # noqa: SIM115 - held open for the whole operation
    try:
        if not _try_lock(handle.fileno()):
            raise MigrationLocked()
        try:
            yield
        finally:
            _unlock(handle.fileno())
    finally:
        # The file stays: deleting it could let two processes lock two different files.
        handle.close()


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    import fcntl

    fcntl.flock(fd, fcntl.LOCK_UN)
