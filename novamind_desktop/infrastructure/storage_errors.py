"""Driver failures that come from the database's state, not from the program: a connection
the server or the network dropped (or that could not be made), a SQLite file that stayed
locked. The unit of work turns them into StorageUnavailable, a sentence for the person at the
desk, instead of "Something went wrong", which says neither what happened nor what to do.

Only the kind of failure is taken from it (its SQLSTATE, or the words of a refused
connection); the driver's message is never shown or logged (it may quote a statement and
its values).
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from typing import Any, Literal

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from novamind_desktop.domain.errors import StorageUnavailable

log = logging.getLogger(__name__)

# SQLSTATEs that mean the connection itself failed: class 08 (connection exception), and
# the server shutting down or starting up (57P01 admin_shutdown, 57P02 crash_shutdown,
# 57P03 cannot_connect_now).
_LOST_STATES = ("57P01", "57P02", "57P03")
_TOO_MANY_CONNECTIONS = "53300"
# A refusal at connection time carries no SQLSTATE, only the server's words (English unless
# the server is set to another language; then it is told as a lost connection).
_CROWDED = ("too many connections", "too many clients", "connection slots are reserved")
# Refused for who it is: these will not pass by themselves, so not "reconnects by itself".
_REFUSED = ("password authentication failed", "no pg_hba.conf entry", "does not exist")
_SQLITE_BUSY = ("database is locked", "database table is locked")
_SQLITE_UNREACHABLE = ("unable to open database file", "disk i/o error")

_WHERE = {
    "postgresql": "Check the network connection and that the database server is running",
    "sqlite": "Check that the folder holding the database file can be reached",
}


def storage_failure(
    error: BaseException, backend: str, saving: bool = False
) -> StorageUnavailable | None:
    """The StorageUnavailable that `error` amounts to, or None if it is something else (a
    constraint, a bug: those keep their own handling)."""
    kind = _kind(error)
    if kind is None:
        return None
    log.warning(
        "Database %s on %s (%s)%s.",
        {"lost": "connection lost", "busy": "busy", "refused": "connection refused"}[kind],
        backend,
        type(getattr(error, "orig", None) or error).__name__,
        " while committing" if saving else "",
    )
    return StorageUnavailable(kind, saving=saving and kind == "lost", where=_WHERE.get(backend, ""))


def _kind(error: BaseException) -> Literal["lost", "busy", "refused"] | None:
    original: Any = error
    if isinstance(error, PoolTimeout):  # every pooled connection busy for pool_timeout
        return "busy"
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return "lost"
        original = error.orig
    psycopg2 = sys.modules.get("psycopg2")  # not loaded: not a PostgreSQL error
    if psycopg2 is not None:
        if isinstance(original, psycopg2.InterfaceError):  # "connection already closed"
            return "lost"
        if isinstance(original, psycopg2.OperationalError):
            state = original.pgcode
            if state is None and _said(original, _REFUSED):
                return "refused"
            if state == _TOO_MANY_CONNECTIONS or (state is None and _said(original, _CROWDED)):
                return "busy"
            if state is None or state.startswith("08") or state in _LOST_STATES:
                return "lost"
            return None
    if isinstance(original, sqlite3.OperationalError):
        text = str(original).lower()
        if text.startswith(_SQLITE_BUSY):
            return "busy"
        if text.startswith(_SQLITE_UNREACHABLE):
            return "lost"
    return None


def _said(error: BaseException, phrases: tuple[str, ...]) -> bool:
    text = str(error).lower()
    return any(words in text for words in phrases)
