"""Units of work that only read and audit (UnitOfWorkFactory(actor, reading=True)), on both
databases: they read without a transaction of their own and commit their audit events alone,
atomically; they refuse to write anything else; a refused audit write leaves the pooled
connection usable."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from sqlalchemy import func, select
from storage_samples import drop_connections, new_patient

from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.infrastructure.records import AuditEventRecord, PatientRecord

DESK = Actor(uuid4(), "frontdesk.ines", Role.FRONTDESK)


def _event(clock, entity_id: str, event_id=None) -> AuditEvent:
    return AuditEvent(
        event_id or uuid4(), clock.now(), DESK.user_id, DESK.username, AuditAction.READ,
        "patient", entity_id, "found by date of birth",
    )  # fmt: skip


def _audit_count(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(AuditEventRecord)) or 0


def _record_two_events_with_one_id(uow, clock, patient) -> None:
    """Events the database will refuse (the second repeats the first's id)."""
    clash = uuid4()
    uow.audit.record(_event(clock, str(patient.id), clash))
    uow.audit.record(_event(clock, "another", clash))


def _refused():
    return pytest.raises(Exception, match=r"(?i)unique|duplicate")


def _someone(**changes):
    return new_patient(email=f"{uuid4().hex[:12]}@example.org", **changes)


def _stored(migrated_db, *patients):
    with migrated_db(DESK) as uow:
        added = [uow.patients.add(patient) for patient in patients]
        uow.commit()
    return added


def test_its_audit_events_are_stored_when_it_commits(migrated_db, clock) -> None:
    born = date(1984, 2, 29)
    ada, _other = _stored(migrated_db, _someone(date_of_birth=born), _someone())
    before = _audit_count(migrated_db.engine)
    # Stored exactly as recorded: the time to the microsecond (on PostgreSQL the events
    # travel as JSON text), a non-ASCII detail, the actor's stamps.
    at = datetime(2026, 3, 1, 9, 30, 15, 123457, tzinfo=UTC)
    with migrated_db(DESK, reading=True) as uow:
        found = uow.patients.find_by_date_of_birth(born)
        recorded = [
            replace(_event(clock, str(p.id)), at=at, detail="gefunden über Geburtsdatum")
            for p in found
        ]
        for event in recorded:
            uow.audit.record(event)
        uow.commit()
    assert [p.id for p in found] == [ada.id] and found[0] == ada
    with migrated_db(DESK) as uow:
        events = uow.audit.query(entity_id=str(ada.id))
    assert events == recorded
    t = AuditEventRecord.__table__.c
    with migrated_db.engine.connect() as connection:
        stamps = connection.execute(
            select(t.created_by, t.updated_by, t.version).where(t.id == recorded[0].id)
        ).one()
    assert tuple(stamps) == (DESK.username, DESK.username, 1)
    assert _audit_count(migrated_db.engine) == before + 1


def test_left_without_commit_it_stores_nothing(migrated_db, clock) -> None:
    (ada,) = _stored(migrated_db, _someone())
    before = _audit_count(migrated_db.engine)
    with migrated_db(DESK, reading=True) as uow:
        assert uow.patients.get(ada.id) == ada
        uow.audit.record(_event(clock, str(ada.id)))
    assert _audit_count(migrated_db.engine) == before


def test_it_refuses_to_write_a_record(migrated_db) -> None:
    with (
        migrated_db(DESK, reading=True) as uow,
        pytest.raises(RuntimeError, match="only its audit events"),
    ):
        uow.patients.add(_someone())
        uow.commit()
    with migrated_db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(PatientRecord)) == 0


def test_a_refused_audit_write_stores_none_of_its_events_and_the_connection_works_on(
    migrated_db, clock
) -> None:
    """Two events with one id: the database refuses the second, so neither is kept, and the
    pooled connection (on PostgreSQL, its transaction aborted mid-message) serves the next
    unit of work."""
    (ada,) = _stored(migrated_db, _someone(date_of_birth=date(1990, 5, 17)))
    before = _audit_count(migrated_db.engine)
    with _refused(), migrated_db(DESK, reading=True) as uow:
        _record_two_events_with_one_id(uow, clock, ada)
        uow.commit()
    assert _audit_count(migrated_db.engine) == before
    for _ in range(3):  # more than one pooled connection may be handed out
        with migrated_db(DESK, reading=True) as uow:
            assert [p.id for p in uow.patients.find_by_date_of_birth(date(1990, 5, 17))] == [ada.id]
            uow.audit.record(_event(clock, str(ada.id)))
            uow.commit()
        with migrated_db(DESK) as uow:
            uow.patients.add(_someone())
            uow.commit()
    assert _audit_count(migrated_db.engine) == before + 3


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_a_lookup_after_the_server_dropped_the_connection_gets_a_new_one(
    migrated_db, clock
) -> None:
    """Lookups read through the driver itself, outside SQLAlchemy's execution: a connection
    the server closed must still leave the pool, not fail the next lookup too."""
    born = date(1971, 7, 7)
    (ada,) = _stored(migrated_db, _someone(date_of_birth=born))
    migrated_db.engine.dispose()  # one pooled connection from here on
    with migrated_db(DESK, reading=True) as uow:
        assert [p.id for p in uow.patients.find_by_date_of_birth(born)] == [ada.id]
    drop_connections(migrated_db.url)
    outcomes: list[object] = []
    for _ in range(3):
        try:
            with migrated_db(DESK, reading=True) as uow:
                outcomes.append([p.id for p in uow.patients.find_by_date_of_birth(born)])
        except Exception as error:  # the lookup on the dropped connection may fail, once
            outcomes.append(type(error).__name__)
    assert outcomes[1:] == [[ada.id], [ada.id]], outcomes


def test_a_record_left_unflushed_is_refused_at_commit_with_its_audit_events(
    migrated_db, clock
) -> None:
    """commit() of a reading unit of work skips the session's own commit (and so its flush):
    a record waiting in the session must still be refused, and the events not stored."""
    (ada,) = _stored(migrated_db, _someone())
    before = _audit_count(migrated_db.engine)
    with migrated_db(DESK, reading=True) as uow:
        record = uow.session.get(PatientRecord, ada.id)
        assert record is not None
        record.active = False  # changed, never flushed
        uow.audit.record(_event(clock, str(ada.id)))
        with pytest.raises(RuntimeError, match="only its audit events"):
            uow.commit()
    assert _audit_count(migrated_db.engine) == before
    with migrated_db(DESK) as uow:
        assert uow.patients.get(ada.id).active is True


def test_a_writing_unit_of_work_after_a_reading_one_is_a_transaction_again(migrated_db) -> None:
    """The reading unit of work's connection runs without a transaction; back in the pool it
    must be transactional again: a write left uncommitted on that same connection (the pool
    holds just one here) leaves nothing behind."""
    (ada,) = _stored(migrated_db, _someone())
    migrated_db.engine.dispose()  # from here on, every unit of work gets the same connection
    with migrated_db(DESK, reading=True) as uow:
        assert uow.patients.get(ada.id) == ada
        reader = uow.session.connection().connection.dbapi_connection
    with migrated_db(DESK) as uow:
        assert uow.session.connection().connection.dbapi_connection is reader
        uow.patients.add(_someone())
        uow.session.flush()  # written, never committed
    with migrated_db.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(PatientRecord)) == 1


def test_waiting_events_ride_with_the_next_read_on_postgres_and_wait_for_commit_on_sqlite(
    migrated_db, clock
) -> None:
    """PostgreSQL: a reader that audits ids before reading their records (PatientService.
    find_by_date_of_birth) sends the events ahead of that read, in one message, committed
    before the records come back; its commit then has nothing left to write. SQLite has no
    round trip to save: the events wait for the commit."""
    born = date(1971, 3, 9)
    (ada,) = _stored(migrated_db, _someone(date_of_birth=born))
    before = _audit_count(migrated_db.engine)
    with migrated_db(DESK, reading=True) as uow:
        (found_id,) = uow.patients.ids_born_on(born)
        uow.audit.record(_event(clock, str(found_id)))
        assert [p.id for p in uow.patients.get_many([found_id])] == [ada.id]
        riding = migrated_db.engine.dialect.name == "postgresql"
        assert _audit_count(migrated_db.engine) == before + riding  # seen by another session
        uow.commit()
    assert _audit_count(migrated_db.engine) == before + 1  # once, whichever way it went


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_a_refused_riding_audit_write_fails_the_read_and_the_connection_works_on(
    migrated_db, clock
) -> None:
    """The events ride ahead of the read in one message: refused, they take the read down
    with them (no record handed back unaudited), and the connection serves the next one."""
    born = date(1971, 3, 10)
    (ada,) = _stored(migrated_db, _someone(date_of_birth=born))
    before = _audit_count(migrated_db.engine)
    with _refused(), migrated_db(DESK, reading=True) as uow:
        _record_two_events_with_one_id(uow, clock, ada)
        uow.patients.get_many([ada.id])
    assert _audit_count(migrated_db.engine) == before
    for _ in range(3):  # more than one pooled connection may be handed out
        with migrated_db(DESK, reading=True) as uow:
            ids = uow.patients.ids_born_on(born)
            uow.audit.record(_event(clock, str(ada.id)))
            assert [p.id for p in uow.patients.get_many(ids)] == [ada.id]
            uow.commit()
    assert _audit_count(migrated_db.engine) == before + 3


def test_a_lookup_and_its_audit_share_one_pooled_connection_given_back_at_the_end(
    migrated_db, clock
) -> None:
    """Lookups and a reader's audit events go through one connection checked out for the
    unit of work (database.driver_connection), not the session's transaction; it goes back
    to the pool when the unit of work ends, also when a lookup fails."""
    born = date(1966, 6, 6)
    (ada,) = _stored(migrated_db, _someone(date_of_birth=born))
    pool = migrated_db.engine.pool
    with migrated_db(DESK, reading=True) as uow:
        assert [p.id for p in uow.patients.find_by_date_of_birth(born)] == [ada.id]
        assert uow.patients.find_by_email(ada.details.email) == ada
        uow.audit.record(_event(clock, str(ada.id)))
        uow.commit()
        assert pool.checkedout() == 1
        assert not uow.session.in_transaction()  # the session itself never began one
    assert pool.checkedout() == 0
    with pytest.raises(ZeroDivisionError), migrated_db(DESK, reading=True) as uow:
        uow.patients.find_by_date_of_birth(born)
        assert pool.checkedout() == 1
        1 / 0  # noqa: B018
    assert pool.checkedout() == 0
    with migrated_db(DESK) as uow:  # and the connection is a transactional one again
        assert [e.action for e in uow.audit.query(entity_id=str(ada.id))] == [AuditAction.READ]


def test_an_event_with_a_naive_time_is_refused_and_nothing_is_stored(migrated_db, clock) -> None:
    """Both databases refuse a time without a zone rather than guess one (PostgreSQL would
    read it in its session's zone): UtcDateTime on SQLite, the events' JSON on PostgreSQL."""
    born = date(1990, 7, 14)
    (ada,) = _stored(migrated_db, _someone(date_of_birth=born))
    before = _audit_count(migrated_db.engine)
    naive = datetime(2026, 3, 1, 9, 30)
    refused = pytest.raises(Exception, match="naive datetime")
    with refused, migrated_db(DESK, reading=True) as uow:
        uow.audit.record(replace(_event(clock, str(ada.id)), at=naive))
        uow.patients.get_many([ada.id])  # on PostgreSQL the events ride with this read
        uow.commit()
    assert _audit_count(migrated_db.engine) == before
