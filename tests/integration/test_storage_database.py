"""Engine set-up: SQLite pragmas on every connection, TLS for remote PostgreSQL, and
unreachable databases reported in one sentence with the password masked."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool
from storage_samples import booking, new_patient, raw_row

from novamind_desktop.infrastructure import database, migrations
from novamind_desktop.infrastructure.database import (
    DatabaseUnreachable,
    check_reachable,
    database_url,
    default_database_url,
    describe,
    make_engine,
    postgres_connect_args,
)
from novamind_desktop.infrastructure.records import AppointmentRecord, PatientRecord


def test_every_sqlite_connection_gets_foreign_keys_wal_and_a_busy_timeout(sqlite_url) -> None:
    engine = make_engine(sqlite_url)
    try:
        for _ in range(2):
            with engine.connect() as connection:
                pragma = {
                    name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                    for name in ("foreign_keys", "journal_mode", "busy_timeout")
                }
                assert pragma == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": 10000}
            engine.dispose()
    finally:
        engine.dispose()


def test_sqlite_refuses_an_appointment_for_an_unknown_patient(migrated_db, admin_actor):
    from storage_samples import add_clinician

    with migrated_db(admin_actor) as uow:
        clinician = add_clinician(uow)
        uow.commit()
    appointment = booking(uuid4(), clinician.id)
    with migrated_db(admin_actor) as uow, pytest.raises(IntegrityError):
        uow.appointments.add(appointment)


def test_sqlite_stores_naive_utc_and_returns_aware_utc(migrated_db, admin_actor, clock) -> None:
    clock.current = datetime(2030, 6, 1, 12, 30, tzinfo=UTC)
    with migrated_db(admin_actor) as uow:
        patient = uow.patients.add(new_patient())
        uow.commit()
    with migrated_db(admin_actor) as uow:
        loaded = uow.patients.get(patient.id)
    assert loaded.created_at == clock.current and loaded.created_at.tzinfo is UTC
    assert raw_row(migrated_db.engine, PatientRecord.__table__, patient.id).created_at.tzinfo is UTC
    if migrated_db.backend == "sqlite":
        with migrated_db.engine.connect() as connection:
            stored = connection.execute(
                text("SELECT created_at FROM patients WHERE id = :id"), {"id": patient.id.hex}
            ).scalar()
        assert stored == "2030-06-01 12:30:00.000000"


def test_naive_datetimes_are_refused(migrated_db, admin_actor) -> None:
    values = {"start_at": datetime(2030, 1, 1, 9), "end_at": datetime(2030, 1, 1, 10)}
    with pytest.raises(Exception, match="naive"), migrated_db.engine.begin() as connection:
        connection.execute(insert(AppointmentRecord.__table__).values(**values))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:p@db.clinic.example/novamind", {"sslmode": "require"}),
        ("postgresql://u:p@10.0.0.5:5432/novamind", {"sslmode": "require"}),
        ("postgresql://u:p@db.clinic.example/novamind?sslmode=verify-full", {}),
        ("postgresql://u:p@db.clinic.example/novamind?sslmode=disable", {}),
        ("postgresql://u:p@localhost/novamind", {}),
        ("postgresql://u:p@127.0.0.1:5433/novamind", {}),
        ("postgresql://u:p@[::1]/novamind", {}),
        ("postgresql://u@/novamind", {}),
        ("postgresql://u@/novamind?host=/var/run/postgresql", {}),
        ("postgresql://u@/novamind?host=db.clinic.example", {"sslmode": "require"}),
    ],
)
def test_remote_postgres_requires_tls_unless_the_url_says_otherwise(url, expected) -> None:
    assert postgres_connect_args(url) == expected


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_server_is_one_sentence_with_the_password_masked() -> None:
    url = f"postgresql://clinic:S3cr3t-pw@127.0.0.1:{closed_port()}/novamind"
    engine = make_engine(url)
    try:
        with pytest.raises(DatabaseUnreachable) as caught:
            check_reachable(engine)
    finally:
        engine.dispose()
    message = str(caught.value)
    assert "S3cr3t-pw" not in message and "***" in message
    assert message.startswith("Cannot connect to the database postgresql+psycopg2://clinic:***@")
    assert "DATABASE_URL" in message and "\n" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_migrations_report_an_unreachable_server_the_same_way() -> None:
    url = f"postgresql://clinic:S3cr3t-pw@127.0.0.1:{closed_port()}/novamind"
    with pytest.raises(DatabaseUnreachable) as caught:
        migrations.status(url)
    assert "S3cr3t-pw" not in str(caught.value)


def test_a_sqlite_file_in_a_missing_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnreachable, match="does not exist"):
        make_engine(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}")
    with pytest.raises(DatabaseUnreachable, match="in-memory"):
        make_engine("sqlite://")
    with pytest.raises(DatabaseUnreachable, match="neither SQLite nor PostgreSQL"):
        make_engine("mysql://u:pw@host/db")


def test_database_url_comes_from_the_environment_or_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    default = default_database_url()
    assert default.get_backend_name() == "sqlite"
    assert Path(default.database).parent.is_dir()
    assert str(tmp_path) in default.database
    assert database_url({}) == default
    chosen = database_url({"DATABASE_URL": "postgresql://a:b@h/db"})
    assert describe(chosen) == "postgresql://a:***@h/db"
    with pytest.raises(DatabaseUnreachable, match="DATABASE_URL is not a valid"):
        database_url({"DATABASE_URL": "not a url"})


@pytest.mark.postgres
def test_a_pooled_connection_the_server_dropped_while_idle_is_replaced(pg_url, monkeypatch):
    """Used moments ago: handed out again without a ping. Idle PING_AFTER_IDLE_S or longer:
    pinged first, and one the server dropped is replaced without the caller seeing an error."""
    engine = make_engine(pg_url)
    admin = create_engine(pg_url, poolclass=NullPool)
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    pid = "SELECT pg_backend_pid()"
    # "Moments ago" must not depend on how loaded the machine running the test is.
    monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 3600.0)
    try:
        with engine.connect() as connection:
            first = connection.exec_driver_sql(pid).scalar()
        with engine.connect() as connection:
            assert connection.exec_driver_sql(pid).scalar() == first
        assert pings == []
        with admin.connect() as connection:
            assert connection.exec_driver_sql(
                f"SELECT pg_terminate_backend({first}, 5000)"
            ).scalar()
        monkeypatch.setattr(database, "PING_AFTER_IDLE_S", 0.0)  # everything counts as idle
        with engine.connect() as connection:
            assert connection.exec_driver_sql(pid).scalar() != first
        assert len(pings) == 1
    finally:
        engine.dispose()
        admin.dispose()
