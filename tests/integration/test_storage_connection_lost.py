"""A database the app cannot use at the moment: the server dropped the connection (a restart,
the network), the server is not there, a SQLite file stays locked or cannot be opened. Each
is told as StorageUnavailable, a sentence that says what happened and what to do (not
"Something went wrong"), with nothing of the patient in it or in the logs; and the app carries
on once the database is back."""

from __future__ import annotations

import socket
import sqlite3
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import make_url
from storage_samples import drop_connections, new_patient

from novamind_desktop.domain.errors import StorageUnavailable
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.infrastructure import database
from novamind_desktop.infrastructure.database import make_engine
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory

pytestmark = pytest.mark.usefixtures("storage_logs_hold_no_phi")

DESK = Actor(uuid4(), "frontdesk.ines", Role.FRONTDESK)
PG = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)


def _stored(migrated_db):
    with migrated_db(DESK) as uow:
        patient = uow.patients.add(new_patient(email=f"{uuid4().hex[:10]}@example.org"))
        uow.commit()
    return patient


def _lookup_refused(engine, cipher, clock, match: str) -> StorageUnavailable:
    """What a lookup through `engine` is refused with (it must be StorageUnavailable)."""
    with (
        pytest.raises(StorageUnavailable, match=match) as refused,
        make_uow_factory(engine, cipher, clock)(DESK, reading=True) as uow,
    ):
        uow.patients.find_by_email("ada@example.org")
    return refused.value


@PG
@pytest.mark.postgres
@pytest.mark.parametrize("reading", [True, False], ids=["lookup", "read and write"])
def test_a_dropped_connection_is_told_plainly_and_the_next_try_works(migrated_db, reading) -> None:
    ada = _stored(migrated_db)
    migrated_db.engine.dispose()
    with migrated_db(DESK, reading=reading) as uow:
        assert uow.patients.get(ada.id) == ada  # a pooled connection from here on
    drop_connections(migrated_db.url)
    with pytest.raises(StorageUnavailable) as refused, migrated_db(DESK, reading=reading) as uow:
        uow.patients.get(ada.id)
    sentence = str(refused.value)
    assert refused.value.kind == "lost" and not refused.value.saving
    assert sentence.startswith("The connection to the database was lost, so this was not done.")
    assert "database server is running" in sentence
    with migrated_db(DESK, reading=reading) as uow:
        assert uow.patients.get(ada.id) == ada


@PG
@pytest.mark.postgres
def test_a_connection_lost_while_saving_says_the_change_may_not_be_stored(migrated_db) -> None:
    """Lost during the commit, the change may or may not have reached the server: the
    person is told to check, not that nothing was saved. (Here it was not stored.)"""
    ada = _stored(migrated_db)
    migrated_db.engine.dispose()
    newcomer = new_patient(email="newcomer@example.org")
    with pytest.raises(StorageUnavailable) as refused, migrated_db(DESK) as uow:
        assert uow.patients.get(ada.id) == ada
        uow.patients.add(newcomer)  # sent; the COMMIT (and its audit events) to come
        drop_connections(migrated_db.url)
        uow.commit()
    assert refused.value.saving
    assert "not known whether the change was stored. Reload to check" in str(refused.value)
    with migrated_db(DESK) as uow:
        assert uow.patients.get(newcomer.id) is None


@PG
@pytest.mark.postgres
def test_a_server_that_is_not_there_is_told_plainly(migrated_db, cipher, clock) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = make_url(migrated_db.url).set(port=port)
    engine = make_engine(url)
    try:
        assert _lookup_refused(engine, cipher, clock, "was lost").kind == "lost"
    finally:
        engine.dispose()


def test_a_sqlite_file_locked_too_long_is_told_as_busy(tmp_path, cipher, clock, monkeypatch):
    from novamind_desktop.infrastructure import migrations

    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    migrations.upgrade(url)
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 200)
    engine = make_engine(url)
    other = sqlite3.connect(tmp_path / "clinic.sqlite3", isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        with (
            pytest.raises(StorageUnavailable) as refused,
            make_uow_factory(engine, cipher, clock)(DESK) as uow,
        ):
            uow.patients.add(new_patient())
            uow.commit()
        assert refused.value.kind == "busy"
        assert str(refused.value).startswith("The database is too busy at the moment")
        other.execute("ROLLBACK")
        with make_uow_factory(engine, cipher, clock)(DESK) as uow:
            uow.patients.add(new_patient(email="after@example.org"))
            uow.commit()
    finally:
        other.close()
        engine.dispose()


def test_a_sqlite_file_whose_folder_went_away_says_to_check_the_folder(tmp_path, cipher, clock):
    """A network share unmounted under a running app: told, and fine once it is back."""
    from novamind_desktop.infrastructure import migrations

    share = tmp_path / "share"
    share.mkdir()
    url = f"sqlite:///{share / 'clinic.sqlite3'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    uow_factory = make_uow_factory(engine, cipher, clock)
    try:
        share.rename(tmp_path / "unmounted")
        engine.dispose()  # the next unit of work opens the file again
        _lookup_refused(engine, cipher, clock, "folder holding the database file")
        (tmp_path / "unmounted").rename(share)
        with uow_factory(DESK, reading=True) as uow:
            assert uow.patients.find_by_email("ada@example.org") is None
    finally:
        engine.dispose()


def test_other_failures_keep_their_own_errors(migrated_db) -> None:
    """A refused duplicate email (a constraint, not the database's state) is not this."""
    ada = _stored(migrated_db)
    with pytest.raises(Exception) as refused, migrated_db(DESK) as uow:
        uow.patients.add(new_patient(email=ada.details.email))
        uow.commit()
    assert not isinstance(refused.value, StorageUnavailable)


@PG
@pytest.mark.postgres
def test_a_server_with_no_connection_to_spare_is_told_as_busy(migrated_db, cipher, clock):
    """PostgreSQL refusing a connection for want of resources (here the role's connection
    limit; max_connections on a crowded server) is the server being busy, not a bug."""
    parts = make_url(migrated_db.url)
    with migrated_db.engine.connect() as connection:
        connection.exec_driver_sql("CREATE ROLE crowded_desk LOGIN CONNECTION LIMIT 0")
        connection.commit()
    engine = make_engine(parts.set(username="crowded_desk"))
    try:
        assert _lookup_refused(engine, cipher, clock, "too busy").kind == "busy"
    finally:
        engine.dispose()
        with migrated_db.engine.connect() as connection:
            connection.exec_driver_sql("DROP ROLE crowded_desk")
            connection.commit()


@PG
@pytest.mark.postgres
def test_a_connection_refused_for_who_it_is_says_to_ask_an_administrator(
    migrated_db, cipher, clock
):
    """A user or password the server no longer accepts will not pass by itself: not "the app
    reconnects by itself"."""
    engine = make_engine(make_url(migrated_db.url).set(username="no_such_desk"))
    try:
        assert _lookup_refused(engine, cipher, clock, "ask an administrator").kind == "refused"
    finally:
        engine.dispose()


def test_an_import_into_a_locked_sqlite_file_stops_and_says_where(
    tmp_path, cipher, clock, monkeypatch
):
    """Through the real import and units of work: the held lock makes the first chunk's
    write fail, the import stops there with nothing done, no row refused for it."""
    from novamind_desktop.infrastructure import migrations
    from novamind_desktop.services.imports import ImportService

    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    migrations.upgrade(url)
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 200)
    engine = make_engine(url)
    other = sqlite3.connect(tmp_path / "clinic.sqlite3", isolation_level=None)
    rows = [
        (line, {"first_name": "Ana", "last_name": f"Núñez {line}", "date_of_birth": "1990-01-02",
                "email": f"ana{line}@example.org", "phone": "600111222"})
        for line in range(2, 6)
    ]  # fmt: skip
    admin = Actor(None, "cli:test", Role.ADMIN)
    try:
        other.execute("BEGIN IMMEDIATE")
        imports = ImportService(make_uow_factory(engine, cipher, clock), clock, ZoneInfo("UTC"))
        report = imports.import_patients(admin, rows)
        assert (report.accepted, report.refused) == (0, [])
        assert report.stopped is not None and report.stopped.line == 2
        assert report.nothing_done and "too busy" in report.stopped.reason
    finally:
        other.close()
        engine.dispose()
