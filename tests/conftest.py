"""Fixtures every test tier may use: real keys, SQLite files, a real PostgreSQL server.

`db_url` runs a test on both databases; `migrated_db` gives a database at head, with the key
check done, that is also a UnitOfWorkFactory (`migrated_db(actor)` opens a unit of work).
PostgreSQL tests never skip: if the server cannot start, they fail with the reason.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Before anything creates a QApplication: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg_server import PostgresServer

from novamind_desktop.domain.users import Actor
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.keys import KEY_VAR, generate_key, load_keyring
from novamind_desktop.services.ports import UnitOfWork, UnitOfWorkFactory

DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if {"pg_server", "pg_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


# --- keys and time -----------------------------------------------------------------------


@pytest.fixture
def key_environ() -> dict[str, str]:
    """An environment holding a fresh master key, as bootstrap would read it."""
    return {KEY_VAR: generate_key()}


@pytest.fixture
def cipher(key_environ: dict[str, str]) -> FieldCipher:
    return FieldCipher(load_keyring(key_environ))


class SteppingClock:
    """A Clock that stands still until told to move (timezone-aware UTC)."""

    def __init__(self, start: datetime):
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(datetime(2030, 3, 4, 9, 0, tzinfo=UTC))


@pytest.fixture
def admin_actor() -> Actor:
    return Actor.command_line("tests")


# --- databases ---------------------------------------------------------------------------


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'novamind.sqlite3'}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
    except Exception:
        server.stop()
        raise
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresServer) -> str:
    """A database migrated to head once per session by the real migrations; `migrated_db`
    clones it (CREATE DATABASE ... TEMPLATE) instead of migrating every test's database."""
    from novamind_desktop.infrastructure import migrations

    name = pg_server.create_database("novamind_head_template")
    migrations.upgrade(pg_server.url(name))
    return name


@pytest.fixture
def pg_url(pg_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database on the test server, dropped after the test: empty, or already at
    head when the test also uses `migrated_db`."""
    template = None
    if "migrated_db" in request.fixturenames:
        template = request.getfixturevalue("pg_template")
    name = pg_server.create_database(template=template)
    try:
        yield pg_server.url(name)
    finally:
        pg_server.drop_database(name)


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest) -> str:
    """An empty database: a SQLite file, then a PostgreSQL database."""
    fixture = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(fixture)
    return url


@dataclass
class MigratedDatabase:
    """A database at head revision with the key recorded. Call it like a UnitOfWorkFactory."""

    url: str
    engine: Engine
    cipher: FieldCipher
    clock: SteppingClock
    uow_factory: UnitOfWorkFactory = field(repr=False)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def __call__(self, actor: Actor, *, reading: bool = False) -> UnitOfWork:
        return self.uow_factory(actor, reading=reading)


@pytest.fixture
def migrated_db(
    db_url: str, cipher: FieldCipher, clock: SteppingClock
) -> Iterator[MigratedDatabase]:
    from novamind_desktop.infrastructure import migrations
    from novamind_desktop.infrastructure.database import make_engine
    from novamind_desktop.infrastructure.key_check import verify_key
    from novamind_desktop.infrastructure.unit_of_work import make_uow_factory

    migrations.upgrade(db_url)  # a no-op for PostgreSQL clones of pg_template
    engine = make_engine(db_url)
    try:
        verify_key(engine, cipher, clock)
        yield MigratedDatabase(
            db_url, engine, cipher, clock, make_uow_factory(engine, cipher, clock)
        )
    finally:
        engine.dispose()
