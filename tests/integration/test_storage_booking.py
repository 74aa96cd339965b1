"""No two blocking appointments of one clinician overlap: refused by PostgreSQL itself, and
inside the booking transaction on SQLite, also when two sessions book at the same moment."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from storage_samples import (
    APPOINTMENT_NOTE,
    MONDAY_9,
    booking,
    booking_clinic,
    raw_row,
)

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.errors import SlotTaken, StaleRecord
from novamind_desktop.infrastructure.database import make_engine
from novamind_desktop.infrastructure.records import AppointmentRecord
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory

APPOINTMENTS = AppointmentRecord.__table__


@pytest.fixture
def clinic(migrated_db, admin_actor) -> tuple[UUID, UUID, UUID]:
    return booking_clinic(migrated_db, admin_actor)


def test_an_overlapping_booking_is_refused_naming_the_conflict(
    migrated_db, admin_actor, clinic
) -> None:
    patient, clinician, _ = clinic
    with migrated_db(admin_actor) as uow:
        first = uow.appointments.add(booking(patient, clinician, MONDAY_9, 50))
        uow.commit()
    with migrated_db(admin_actor) as uow:
        with pytest.raises(SlotTaken) as caught:
            uow.appointments.add(booking(patient, clinician, MONDAY_9 + timedelta(minutes=30)))
        assert caught.value.conflicting_ids == [first.id]
        assert caught.value.clinician_id == clinician
        # The unit of work is still usable after the refusal:
        later = uow.appointments.add(booking(patient, clinician, MONDAY_9 + timedelta(hours=2)))
        uow.commit()
    with migrated_db(admin_actor) as uow:
        assert [a.id for a in uow.appointments.for_patient(patient)] == [first.id, later.id]


def test_back_to_back_other_clinicians_and_cancelled_slots_are_free(
    migrated_db, admin_actor, clinic
) -> None:
    patient, clinician, other = clinic
    with migrated_db(admin_actor) as uow:
        first = uow.appointments.add(booking(patient, clinician, MONDAY_9, 50))
        uow.appointments.add(booking(patient, clinician, first.end, 30))  # starts as first ends
        uow.appointments.add(booking(patient, other, MONDAY_9, 50))
        cancelled = uow.appointments.save(replace(first, status=AppointmentStatus.CANCELLED))
        rebooked = uow.appointments.add(booking(patient, clinician, MONDAY_9, 50))
        uow.commit()
    with migrated_db(admin_actor) as uow:
        overlapping = uow.appointments.overlapping(clinician, MONDAY_9, first.end)
        assert [a.id for a in overlapping] == [rebooked.id]
        assert uow.appointments.get(cancelled.id).status is AppointmentStatus.CANCELLED


def test_reactivating_or_moving_into_a_taken_slot_is_refused(
    migrated_db, admin_actor, clinic
) -> None:
    patient, clinician, _ = clinic
    with migrated_db(admin_actor) as uow:
        no_show = uow.appointments.add(
            booking(patient, clinician, MONDAY_9, 50, status=AppointmentStatus.NO_SHOW)
        )
        taken = uow.appointments.add(booking(patient, clinician, MONDAY_9, 50))
        later = uow.appointments.add(booking(patient, clinician, MONDAY_9 + timedelta(hours=3)))
        uow.commit()
    with migrated_db(admin_actor) as uow:
        with pytest.raises(SlotTaken) as caught:
            uow.appointments.save(replace(no_show, status=AppointmentStatus.SCHEDULED))
        assert caught.value.conflicting_ids == [taken.id]
        with pytest.raises(SlotTaken):
            uow.appointments.save(replace(later, start=MONDAY_9, end=MONDAY_9 + later.duration))
        moved = uow.appointments.save(
            replace(
                later, start=later.start + timedelta(hours=1), end=later.end + timedelta(hours=1)
            )
        )
        uow.commit()
    assert moved.version == 2
    with migrated_db(admin_actor) as uow, pytest.raises(StaleRecord):
        uow.appointments.save(replace(later, notes="stale"))


def test_range_series_and_next_appointment_queries(migrated_db, admin_actor, clinic) -> None:
    patient, clinician, other = clinic
    series = uuid4()
    with migrated_db(admin_actor) as uow:
        weekly = [
            uow.appointments.add(
                booking(patient, clinician, MONDAY_9 + timedelta(weeks=n), series_id=series)
            )
            for n in range(3)
        ]
        elsewhere = uow.appointments.add(booking(patient, other, MONDAY_9 + timedelta(days=1)))
        uow.commit()
    with migrated_db(admin_actor) as uow:
        week = uow.appointments.in_range(MONDAY_9, MONDAY_9 + timedelta(days=7))
        assert [a.id for a in week] == [weekly[0].id, elsewhere.id]
        mine = uow.appointments.in_range(MONDAY_9, MONDAY_9 + timedelta(days=7), [other])
        assert [a.id for a in mine] == [elsewhere.id]
        assert [a.id for a in uow.appointments.in_series(series)] == [a.id for a in weekly]
        after = MONDAY_9 + timedelta(days=2)
        assert uow.appointments.next_for_patients(after) == {patient: weekly[1]}
        assert uow.appointments.next_starts(after) == {patient: weekly[1].start}
        assert uow.appointments.next_starts(weekly[2].end) == {}
        assert uow.appointments.count() == 4 and len(uow.appointments.list_all()) == 4
        assert weekly[0].start.tzinfo is not None and week[0].start == MONDAY_9


def test_end_must_follow_start_in_the_database(migrated_db, admin_actor, clinic) -> None:
    patient, clinician, _ = clinic
    with migrated_db(admin_actor) as uow:
        stored = uow.appointments.add(booking(patient, clinician))
        uow.commit()
    row = raw_row(migrated_db.engine, APPOINTMENTS, stored.id)
    values = dict(row._mapping)
    values |= {"id": uuid4(), "start_at": MONDAY_9 + timedelta(days=9), "end_at": MONDAY_9}
    with pytest.raises(IntegrityError), migrated_db.engine.begin() as connection:
        connection.execute(insert(APPOINTMENTS).values(**values))


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgres_refuses_an_overlap_inserted_with_raw_sql(migrated_db, admin_actor, clinic):
    patient, clinician, _ = clinic
    with migrated_db(admin_actor) as uow:
        stored = uow.appointments.add(booking(patient, clinician, MONDAY_9, 50))
        uow.commit()
    row = raw_row(migrated_db.engine, APPOINTMENTS, stored.id)
    values = dict(row._mapping)
    values |= {"id": uuid4(), "start_at": MONDAY_9 + timedelta(minutes=49)}
    values["end_at"] = values["start_at"] + timedelta(minutes=30)
    with pytest.raises(IntegrityError) as caught, migrated_db.engine.begin() as connection:
        connection.execute(insert(APPOINTMENTS).values(**values))
    assert caught.value.orig.pgcode == "23P01"
    assert "ex_appointments_no_overlap" in str(caught.value)
    with migrated_db.engine.begin() as connection:  # a cancelled row may overlap
        connection.execute(insert(APPOINTMENTS).values(**values | {"status": "cancelled"}))


def book_concurrently(url: str, migrated_db, actor, patient: UUID, clinician: UUID) -> list:
    """Two workstations (own engines and connections) book overlapping slots at once."""
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[object] = []
    lock = threading.Lock()

    def workstation(offset: int) -> None:
        engine = make_engine(url)
        try:
            uow_factory = make_uow_factory(engine, migrated_db.cipher, migrated_db.clock)
            start = MONDAY_9 + timedelta(minutes=offset)
            with uow_factory(actor) as uow:
                barrier.wait()
                try:
                    outcome: object = uow.appointments.add(booking(patient, clinician, start))
                    uow.commit()
                except SlotTaken as refused:
                    outcome = refused
            with lock:
                outcomes.append(outcome)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=workstation, args=(n * 20,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_sessions_booking_the_same_slot_at_once(migrated_db, admin_actor, clinic) -> None:
    patient, clinician, _ = clinic
    outcomes = book_concurrently(migrated_db.url, migrated_db, admin_actor, patient, clinician)
    assert len(outcomes) == 2
    refused = [o for o in outcomes if isinstance(o, SlotTaken)]
    booked = [o for o in outcomes if not isinstance(o, SlotTaken)]
    assert len(refused) == 1 and len(booked) == 1
    assert refused[0].conflicting_ids == [booked[0].id]
    with migrated_db(admin_actor) as uow:
        assert [a.id for a in uow.appointments.list_all()] == [booked[0].id]


def test_range_queries_see_the_longest_appointment_reaching_into_the_window(
    migrated_db, admin_actor, clinic
) -> None:
    """The range queries bound start_at from below by the 12-hour maximum: an appointment of
    exactly that length ending inside the window is still found, one ending at its start not."""
    patient, clinician, _ = clinic
    day = MONDAY_9 + timedelta(days=3)
    with migrated_db(admin_actor) as uow:
        reaching = uow.appointments.add(
            booking(patient, clinician, day - timedelta(hours=11, minutes=59), minutes=12 * 60)
        )
        ending = uow.appointments.add(
            booking(patient, clinician, day - timedelta(hours=24), minutes=12 * 60)
        )
        uow.commit()
    with migrated_db(admin_actor) as uow:
        window = (day, day + timedelta(hours=1))
        assert [a.id for a in uow.appointments.in_range(*window)] == [reaching.id]
        assert [a.id for a in uow.appointments.overlapping(clinician, *window)] == [reaching.id]
        early = (ending.start + timedelta(hours=11), ending.end)
        assert [a.id for a in uow.appointments.in_range(*early)] == [ending.id]


def test_the_book_reads_names_and_types_but_no_notes_in_one_query(
    migrated_db, admin_actor, clinic
) -> None:
    """for_book: what in_range finds (the 12-hour lower bound included), with the patient's
    decrypted full name, the clinician's name and the type; notes, cancellation reason and
    stamps are not read."""
    patient, clinician, other = clinic
    day = MONDAY_9 + timedelta(days=7)
    with migrated_db(admin_actor) as uow:
        long_one = uow.appointments.add(
            booking(patient, clinician, day - timedelta(hours=11), minutes=12 * 60, notes="x")
        )
        theirs = uow.appointments.add(
            booking(
                patient,
                other,
                day + timedelta(hours=2),
                status=AppointmentStatus.CANCELLED,
                notes=APPOINTMENT_NOTE,
                cancellation_reason="Unwell",
            )
        )
        uow.appointments.add(booking(patient, other, day + timedelta(days=1)))  # outside
        uow.commit()
    window = (day, day + timedelta(hours=12))
    with migrated_db(admin_actor) as uow:
        everyone = uow.appointments.for_book(*window)
        only_other = uow.appointments.for_book(*window, [other])
        stored = {a.id: a for a in uow.appointments.in_range(*window)}
    assert [row.appointment.id for row in everyone] == [long_one.id, theirs.id] == list(stored)
    assert [row.appointment.id for row in only_other] == [theirs.id]
    row = only_other[0]
    assert row.appointment == replace(
        stored[theirs.id], notes="", cancellation_reason="", created_at=None, updated_at=None
    )
    assert stored[theirs.id].cancellation_reason == "Unwell"  # there, just not read
    assert row.patient_name == "Zoë Quillfeather-O'Brien"
    assert row.clinician_name == "Dr Dr.Second"
    assert row.appointment_type is not None
    assert (row.appointment_type.name, row.appointment_type.colour) == ("therapy", "#b07aa1")
    assert row.appointment_type.label == "Therapy"
    with migrated_db(admin_actor) as uow:
        assert uow.appointments.for_book(*window, []) == []
