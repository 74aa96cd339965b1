"""Engines for SQLite (one workstation) and PostgreSQL (several), set up the same way everywhere.

SQLite: foreign keys on every connection, WAL, a busy timeout, and transactions that start
with BEGIN IMMEDIATE: a unit of work takes the write lock up front, so the booking check and
the insert that follows cannot interleave with another process, and a transaction never fails
half-way because another writer committed after it started reading.
PostgreSQL: remote servers get sslmode=require unless the URL chooses otherwise, and a pooled
connection that sat idle is pinged before it is used again (see PING_AFTER_IDLE_S).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Dialect, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InvalidatePoolError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

DATABASE_URL_VAR = "DATABASE_URL"
SQLITE_FILE_NAME = "novamind.sqlite3"
SQLITE_BUSY_TIMEOUT_MS = 10_000
# A pooled PostgreSQL connection idle at least this long is pinged (one round trip) before it
# is handed out; one used moments ago is not. A connection the server dropped meanwhile is
# replaced, and the whole pool too, as pool_pre_ping would; pinging on every checkout added
# a round trip to every unit of work, a third of a short lookup's.
PING_AFTER_IDLE_S = 2.0
STUCK_TRANSACTION_TIMEOUT = "60s"  # PostgreSQL: see _end_stuck_transactions
# The execution option (and Session.info key) of a unit of work that only reads and audits
# (services.ports.UnitOfWorkFactory; see reading_bind).
READING = "novamind_reading"
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class DatabaseUnreachable(Exception):
    """The database cannot be opened. str() is a sentence for the user, password masked."""


def default_database_url() -> URL:
    """A SQLite file in the platform's user data folder (created when missing)."""
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("novamind-desktop", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return URL.create("sqlite", database=str(folder / SQLITE_FILE_NAME))


def database_url(environ: Mapping[str, str]) -> URL:
    """DATABASE_URL from the environment, or the default SQLite file."""
    text = environ.get(DATABASE_URL_VAR, "").strip()
    if not text:
        return default_database_url()
    try:
        return make_url(text)
    except Exception:  # the parser raises several types; none is actionable
        raise DatabaseUnreachable(
            f"{DATABASE_URL_VAR} is not a valid database URL; use e.g. "
            "postgresql://user:password@host/dbname or sqlite:////path/to/file.sqlite3."
        ) from None


def describe(url: str | URL) -> str:
    """The URL as it may be shown to a person: the password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # never let describing an error raise another
        return "(an invalid database URL)"


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgresql(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def is_loopback(host: str | None) -> bool:
    """True for a Unix socket (no host, or a path) or a loopback name or address."""
    if not host or host.startswith("/") or host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def postgres_connect_args(url: str | URL) -> dict[str, Any]:
    """sslmode=require for a server that is not on this machine, unless the URL sets sslmode."""
    url = make_url(url)
    if "sslmode" in url.query:
        return {}
    query_host = url.query.get("host")
    host = url.host or (query_host if isinstance(query_host, str) else None)
    return {} if is_loopback(host) else {"sslmode": "require"}


def make_engine(url: str | URL | None = None, *, for_migrations: bool = False) -> Engine:
    """An engine for `url` (default: the SQLite file in the user data folder).

    `for_migrations`: SQLite foreign keys stay off (table rebuilds in batch migrations would
    otherwise cascade), and no pool is kept.
    """
    url = default_database_url() if url is None else make_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, for_migrations)
    if backend == "postgresql":
        if url.drivername == "postgresql":
            # SQLAlchemy 2.1 would pick psycopg 3 for a bare postgresql://; we ship psycopg2.
            url = url.set(drivername="postgresql+psycopg2")
        kwargs: dict[str, Any] = {"connect_args": postgres_connect_args(url)}
        if for_migrations:
            kwargs["poolclass"] = NullPool
        else:
            kwargs.update(pool_size=5, max_overflow=5)
        engine = create_engine(url, **kwargs)
        if not for_migrations:
            _ping_when_idle(engine)
            _autocommit_when_reading(engine)
            _end_stuck_transactions(engine)
        return engine
    raise DatabaseUnreachable(
        f"{describe(url)} is neither SQLite nor PostgreSQL; NOVAMIND Desktop supports only those."
    )


def reading_bind(engine: Engine) -> Engine:
    """`engine` (same pool) for the sessions of units of work that only read and audit: their
    statements run without a transaction, each seeing the latest committed data, and their
    audit events bring a transaction of their own (repositories.audit). That saves the round
    trips of BEGIN and COMMIT on PostgreSQL and the write lock of BEGIN IMMEDIATE on SQLite
    (see _autocommit_when_reading and _sqlite_engine's "begin" hook)."""
    return engine.execution_options(**{READING: True})


# Session.info: the pooled connection a reading unit of work's driver-level statements use.
_DRIVER = "novamind_driver_connection"


def driver_connection(session: Session) -> tuple[Any, Dialect]:
    """The DBAPI connection (and dialect) for statements handed to the driver as they are
    (lookups, the day's book, a reader's audit events).

    A unit of work that only reads (READING), with no ORM transaction begun: a connection
    checked out from the pool on first use and kept for the unit of work, which gives it back
    when it ends (release_driver_connection). Its statements run without a transaction, as
    reading_bind's do (on PostgreSQL in psycopg2's autocommit, reset when the pool takes the
    connection back). Going through the session instead, its transaction bookkeeping (begin,
    then rollback and release at the end) cost ~0.1-0.2 ms, a tenth of a lookup.

    Otherwise: the session's own connection, in its transaction, after a flush so that this
    unit of work's writes are seen."""
    bind = session.get_bind()
    if not (session.info.get(READING) and isinstance(bind, Engine)) or session.in_transaction():
        session.flush()
        connection = session.connection()
        return connection.connection.dbapi_connection, connection.dialect
    pooled = session.info.get(_DRIVER)
    if pooled is None:
        pooled = session.info[_DRIVER] = bind.raw_connection()
        if bind.dialect.name == "postgresql":
            cast(Any, pooled.dbapi_connection).autocommit = True
    return pooled.dbapi_connection, bind.dialect


def release_driver_connection(session: Session) -> None:
    """Give back to the pool the connection driver_connection checked out for `session`."""
    pooled = session.info.pop(_DRIVER, None)
    if pooled is not None:
        pooled.close()


def _end_stuck_transactions(engine: Engine) -> None:
    """The server ends a transaction of ours left idle for STUCK_TRANSACTION_TIMEOUT (a
    workstation that froze or lost its network mid-save) and so frees what it held: a
    clinician's book that other desks wait for (repositories.appointments), rows it was
    changing. The app never waits on the person inside a transaction, so none of its own
    runs idle that long. Set per connection (one round trip when the pool opens it), not as
    a startup option, which connection poolers refuse."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.autocommit = True  # a SET outside any transaction
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(
                    "SET idle_in_transaction_session_timeout = %s", (STUCK_TRANSACTION_TIMEOUT,)
                )
        finally:
            dbapi_connection.autocommit = False


def _autocommit_when_reading(engine: Engine) -> None:
    """PostgreSQL: a reading session's connection runs each statement on its own (psycopg2's
    autocommit, switched on and off in the client: no round trip) and is back in transaction
    mode before the pool hands it to anyone else. SQLAlchemy's AUTOCOMMIT isolation level
    did the same, but restored the isolation level at check-in with a SET statement: one
    more round trip for every read."""

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READING):
            connection.connection.dbapi_connection.autocommit = True

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None and dbapi_connection.autocommit:
            dbapi_connection.autocommit = False


def _ping_when_idle(engine: Engine) -> None:
    """pool_pre_ping, for connections that sat in the pool at least PING_AFTER_IDLE_S."""
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")  # None: a new connection (info is per DBAPI one)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # The pool replaces this connection (and every older one) and retries.
                raise InvalidatePoolError("the server closed this pooled connection") from None
            raise


def _sqlite_engine(url: URL, for_migrations: bool) -> Engine:
    database = url.database or ""
    if database in ("", ":memory:") or url.query.get("mode") == "memory":
        raise DatabaseUnreachable(
            "An in-memory SQLite database cannot be shared between connections; use a file."
        )
    if not database.startswith("file:") and not Path(database).parent.is_dir():
        raise DatabaseUnreachable(
            f"Cannot open the database {describe(url)}: the folder "
            f"{Path(database).parent} does not exist."
        )
    engine = create_engine(url, poolclass=NullPool) if for_migrations else create_engine(url)
    foreign_keys = "OFF" if for_migrations else "ON"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from sqlite3 (it would skip BEGIN before SELECT and
        # DDL); the "begin" hook below emits BEGIN IMMEDIATE itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute(f"PRAGMA foreign_keys = {foreign_keys}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not connection.get_execution_options().get(READING):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def check_reachable(engine: Engine) -> None:
    """Open one connection; raise DatabaseUnreachable with a sentence if that fails."""
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except (OperationalError, DBAPIError) as error:
        raise unreachable(engine.url, error) from None


def unreachable(url: URL, error: BaseException) -> DatabaseUnreachable:
    """Turn a driver error into a sentence that names the database but never its password."""
    original = getattr(error, "orig", None) or error
    reason = str(original).strip().splitlines()[0] if str(original).strip() else ""
    if url.password:
        reason = reason.replace(str(url.password), "***")
    reason = re.sub(r"password=\S+", "password=***", reason)
    log.warning("Database %s unreachable: %s", describe(url), reason)
    detail = f" ({reason.rstrip('.')})" if reason else ""
    return DatabaseUnreachable(
        f"Cannot connect to the database {describe(url)}{detail}. Check that the server is "
        f"running and that {DATABASE_URL_VAR} is correct."
    )
