"""PostgreSQL: workstations writing one clinician's book at the same moment. The database
decides overlaps (exclusion constraint); writers take turns on the clinician's book (an
advisory lock) so they never deadlock; a turn is waited for at most TURN_WAIT, and a
transaction left idle by a frozen workstation is ended by the server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from uuid import UUID

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from storage_samples import MONDAY_9, booking, booking_clinic, wait_until_blocked_on_a_lock

from novamind_desktop.domain.appointments import Appointment
from novamind_desktop.domain.errors import BookBusy, SlotTaken
from novamind_desktop.infrastructure import database
from novamind_desktop.infrastructure.database import make_engine
from novamind_desktop.infrastructure.repositories import appointments as appointment_repository
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db_url", ["postgres"], indirect=True)]


@pytest.fixture
def clinic(migrated_db, admin_actor) -> tuple[UUID, UUID, UUID]:
    return booking_clinic(migrated_db, admin_actor)


@contextmanager
def session_b_booking(migrated_db, actor, wanted: Appointment) -> Iterator[list[object]]:
    """Another workstation (its own engine, named session_b) books `wanted` on a thread; the
    block runs once it waits for a lock we hold. Yields the list its one outcome (the
    appointment, or whatever it raised) is in after the block."""
    engine_b = make_engine(migrated_db.url + "?application_name=session_b")
    outcome: list[object] = []

    def book() -> None:
        with make_uow_factory(engine_b, migrated_db.cipher, migrated_db.clock)(actor) as b:
            try:
                outcome.append(b.appointments.add(wanted))
                b.commit()
            except Exception as refused:  # whatever B got, for the assertions to show
                outcome.append(refused)

    thread = threading.Thread(target=book)
    try:
        thread.start()
        wait_until_blocked_on_a_lock(migrated_db.engine, "session_b")
        yield outcome
    finally:
        thread.join(timeout=60)
        engine_b.dispose()


def test_second_session_waits_then_is_refused(migrated_db, admin_actor, clinic):
    """Session B books while A's overlapping row is uncommitted: B waits, A commits, B
    gets SlotTaken naming A's appointment: the database decided, not a prior read."""
    patient, clinician, _ = clinic
    with migrated_db(admin_actor) as a:
        mine = a.appointments.add(booking(patient, clinician, MONDAY_9 + timedelta(minutes=10)))
        with session_b_booking(migrated_db, admin_actor, booking(patient, clinician)) as outcome:
            a.commit()
    assert len(outcome) == 1 and isinstance(outcome[0], SlotTaken), outcome
    assert outcome[0].conflicting_ids == [mine.id]


def test_crossing_bookings_take_turns_instead_of_deadlocking(migrated_db, admin_actor, clinic):
    """A holds an uncommitted 9:10 booking; B books 9:00 over it and waits; A then books
    8:20-9:10, which overlaps only B's slot. Were B's row already written, each session
    would wait for the other's in the exclusion check, and the server would abort one
    with a deadlock error (an error at the desk, not SlotTaken). Writers for one clinician
    take turns instead: A books both, B is refused naming them."""
    patient, clinician, _ = clinic
    with migrated_db(admin_actor) as a:
        first = a.appointments.add(booking(patient, clinician, MONDAY_9 + timedelta(minutes=10)))
        with session_b_booking(migrated_db, admin_actor, booking(patient, clinician)) as outcome:
            early = a.appointments.add(
                booking(patient, clinician, MONDAY_9 - timedelta(minutes=40))
            )
            a.commit()
    assert len(outcome) == 1 and isinstance(outcome[0], SlotTaken), outcome
    assert sorted(outcome[0].conflicting_ids) == sorted([first.id, early.id])
    with migrated_db(admin_actor) as uow:
        assert {a.id for a in uow.appointments.list_all()} == {first.id, early.id}


def test_a_book_held_too_long_elsewhere_is_refused_as_busy(
    migrated_db, admin_actor, clinic, monkeypatch
):
    """A workstation stuck mid-transaction on a clinician's book must not hang another desk:
    after TURN_WAIT the change is refused with BookBusy, nothing stored; the lock timeout
    does not outlive the turn; once the book is free, the same booking goes through."""
    patient, clinician, _ = clinic
    monkeypatch.setattr(appointment_repository, "TURN_WAIT", "300ms")
    with migrated_db.engine.connect() as holder:
        holder.execute(
            text("SELECT pg_advisory_xact_lock(20045, hashtext(:c))"), {"c": str(clinician)}
        )  # held until this connection's transaction ends
        with migrated_db(admin_actor) as uow, pytest.raises(BookBusy) as caught:
            uow.appointments.add(booking(patient, clinician, MONDAY_9))
        assert caught.value.clinician_id == clinician
        holder.rollback()
    with migrated_db(admin_actor) as uow:
        stored = uow.appointments.add(booking(patient, clinician, MONDAY_9))
        assert uow.session.connection().exec_driver_sql("SHOW lock_timeout").scalar() == "0"
        uow.commit()
    with migrated_db(admin_actor) as uow:
        assert [a.id for a in uow.appointments.list_all()] == [stored.id]


def test_a_desk_that_froze_mid_booking_releases_the_book(
    migrated_db, admin_actor, clinic, monkeypatch
):
    """A workstation stops mid-transaction while it holds a clinician's book: the server
    ends that transaction after STUCK_TRANSACTION_TIMEOUT, so the next desk books instead
    of waiting for it (or being told the book is busy), and the frozen save stores nothing."""
    patient, clinician, _ = clinic
    monkeypatch.setattr(database, "STUCK_TRANSACTION_TIMEOUT", "500ms")
    frozen_engine = make_engine(migrated_db.url)
    try:
        frozen = make_uow_factory(frozen_engine, migrated_db.cipher, migrated_db.clock)
        with frozen(admin_actor) as stuck:
            stuck.appointments.add(booking(patient, clinician, MONDAY_9))  # holds the turn
            with migrated_db(admin_actor) as desk:  # waits until the server ends `stuck`
                later = desk.appointments.add(booking(patient, clinician, MONDAY_9))
                desk.commit()
            with pytest.raises(OperationalError):
                stuck.commit()
    finally:
        frozen_engine.dispose()
    with migrated_db(admin_actor) as uow:
        assert [a.id for a in uow.appointments.list_all()] == [later.id]


def test_one_transaction_takes_a_clinicians_turn_once(migrated_db, admin_actor, clinic):
    """Four bookings of one clinician and one of another in one transaction (a series, an
    import chunk): one turn each, not one round trip per row; the turns are held."""
    patient, clinician, other = clinic
    taken: list[str] = []

    def count(_conn, _cursor, statement, *_rest) -> None:
        if "pg_advisory_xact_lock" in statement:
            taken.append(statement)

    event.listen(migrated_db.engine, "before_cursor_execute", count)
    try:
        with migrated_db(admin_actor) as uow:
            for week in range(4):
                uow.appointments.add(booking(patient, clinician, MONDAY_9 + timedelta(weeks=week)))
            uow.appointments.add(booking(patient, other, MONDAY_9))
            held = uow.session.execute(
                text(
                    "SELECT count(*) FROM pg_locks "
                    "WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                )
            ).scalar()
            uow.commit()
    finally:
        event.remove(migrated_db.engine, "before_cursor_execute", count)
    assert (len(taken), held) == (2, 2)
