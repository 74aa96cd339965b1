"""The appointment book's read (for_book) reads raw driver values and converts them itself:
it must give exactly what the plain reads give (in_range, patients.get, users.get, the types),
on both databases, and refuse a tampered sealed name naming table, column and row."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import create_engine, text, update
from storage_samples import MONDAY_9, PHI_VALUES, add_clinician, booking, new_patient, raw_row

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.infrastructure.crypto import DecryptionError
from novamind_desktop.infrastructure.records import AppointmentRecord, PatientRecord
from novamind_desktop.services.ports import BookRow

PATIENTS = PatientRecord.__table__
APPOINTMENTS = AppointmentRecord.__table__
DAY = MONDAY_9 - timedelta(hours=9)  # midnight
WINDOW = (DAY, DAY + timedelta(days=1))
NAMES = [("Zoë", "Quillfeather-O'Brien"), ("Ingrid", "Ødegård"), ("José", "Núñez")]
KINDS = ("intake", "follow_up", "therapy", "medication_review")


def store_a_busy_day(migrated_db, actor) -> tuple[list[UUID], list[UUID]]:
    """Three patients, two clinicians, thirteen appointments overlapping the day in every
    status, type and flag, a series, and one that began the evening before."""
    with migrated_db(actor) as uow:
        patients = [
            uow.patients.add(new_patient(first_name=f, last_name=la, email=None)) for f, la in NAMES
        ]
        clinicians = [add_clinician(uow, "dr.one"), add_clinician(uow, "dr.two")]
        series = uuid4()
        for n, status in enumerate([*AppointmentStatus, *AppointmentStatus]):
            changed = n % 3 == 0  # some with a status change stamp and who made it
            stored = booking(
                patients[n % 3].id,
                clinicians[n % 2].id,
                MONDAY_9 + timedelta(minutes=40 * n, microseconds=n),
                minutes=30,
                status=status,
                virtual=n % 2 == 0,
                location=f"Room {n}",
                series_id=series if n < 4 else None,
                status_changed_at=MONDAY_9 - timedelta(days=1, seconds=n) if changed else None,
                status_changed_by="front.desk" if changed else None,
                notes="Private",
            )
            uow.appointments.add(replace(stored, appointment_type=KINDS[n % 4]))
        overnight = DAY - timedelta(hours=2)
        uow.appointments.add(booking(patients[0].id, clinicians[0].id, overnight, minutes=180))
        uow.appointments.add(booking(patients[1].id, clinicians[1].id, WINDOW[1]))  # outside
        uow.commit()
    return [p.id for p in patients], [c.id for c in clinicians]


def plainly_read(migrated_db, actor, clinician_ids: list[UUID] | None) -> list[BookRow]:
    """What for_book must give, from the ORM reads of the whole records."""
    with migrated_db(actor) as uow:
        types = {kind.name: kind for kind in uow.appointment_types.list_all()}
        expected = []
        for stored in uow.appointments.in_range(*WINDOW, clinician_ids):
            patient, clinician = (
                uow.patients.get(stored.patient_id),
                uow.users.get(stored.clinician_id),
            )
            assert patient is not None and clinician is not None
            shown = replace(
                stored, notes="", cancellation_reason="", created_at=None, updated_at=None
            )
            expected.append(
                BookRow(
                    shown, patient.full_name, clinician.display_name, types[shown.appointment_type]
                )
            )
    return expected


@pytest.mark.parametrize("only_first_clinician", [False, True])
def test_the_book_gives_exactly_what_the_plain_reads_give(
    migrated_db, admin_actor, only_first_clinician: bool
) -> None:
    _, clinicians = store_a_busy_day(migrated_db, admin_actor)
    wanted = clinicians[:1] if only_first_clinician else None
    with migrated_db(admin_actor) as uow:
        book = uow.appointments.for_book(*WINDOW, wanted)
    expected = plainly_read(migrated_db, admin_actor, wanted)
    assert len(book) == (7 if only_first_clinician else 13)
    assert book == expected
    for row in book:  # equal is not enough: a naive datetime or a str id must not pass
        shown = row.appointment
        for stamp in (shown.start, shown.end, shown.status_changed_at):
            assert stamp is None or (type(stamp) is datetime and stamp.tzinfo is UTC)
        for row_id in (shown.id, shown.patient_id, shown.clinician_id, shown.series_id):
            assert row_id is None or type(row_id) is UUID
        assert type(shown.status) is AppointmentStatus
        assert type(shown.virtual) is bool and type(shown.version) is int
        assert row.appointment_type is not None and type(row.appointment_type.id) is UUID
    assert {row.patient_name for row in book} == {f"{f} {la}" for f, la in NAMES}
    assert sum(row.appointment.series_id is not None for row in book) == (2 if wanted else 4)


def test_a_patient_name_copied_from_another_row_refuses_the_book_naming_its_place(
    migrated_db, admin_actor
) -> None:
    """One value copied among many: the error names that row, not the first of the batch."""
    patients, _ = store_a_busy_day(migrated_db, admin_actor)
    stolen = raw_row(migrated_db.engine, PATIENTS, patients[0]).last_name
    with migrated_db.engine.begin() as connection:
        connection.execute(
            update(PATIENTS).where(PATIENTS.c.id == patients[2]).values(last_name=stolen)
        )
    with migrated_db(admin_actor) as uow, pytest.raises(DecryptionError) as caught:
        uow.appointments.for_book(*WINDOW)
    error = caught.value
    assert (error.table, error.column, error.row_id) == ("patients", "last_name", patients[2])
    assert str(patients[2]) in str(error) and "last_name" in str(error)
    assert not any(value in str(error) for value in [*PHI_VALUES, *(la for _, la in NAMES)])


def test_a_bit_flipped_first_name_refuses_the_book(migrated_db, admin_actor) -> None:
    patients, _ = store_a_busy_day(migrated_db, admin_actor)
    blob = bytearray(raw_row(migrated_db.engine, PATIENTS, patients[1]).first_name)
    blob[-1] ^= 0x01
    with migrated_db.engine.begin() as connection:
        connection.execute(
            update(PATIENTS).where(PATIENTS.c.id == patients[1]).values(first_name=bytes(blob))
        )
    with migrated_db(admin_actor) as uow, pytest.raises(DecryptionError) as caught:
        uow.appointments.for_book(*WINDOW)
    assert (caught.value.column, caught.value.row_id) == ("first_name", patients[1])


def test_an_appointment_of_a_missing_patient_shows_no_name(migrated_db, admin_actor) -> None:
    """The foreign key rules it out; should a row slip past it, the book still opens."""
    patients, _ = store_a_busy_day(migrated_db, admin_actor)
    gone = uuid4()
    orphaned = update(APPOINTMENTS).where(APPOINTMENTS.c.patient_id == patients[2])
    if migrated_db.backend == "sqlite":  # a connection without the application's pragmas
        bare = create_engine(migrated_db.url)
        try:
            with bare.begin() as connection:
                connection.execute(orphaned.values(patient_id=gone))
        finally:
            bare.dispose()
    else:
        with migrated_db.engine.begin() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(orphaned.values(patient_id=gone))
    with migrated_db(admin_actor) as uow:
        book = uow.appointments.for_book(*WINDOW)
    orphans = [row for row in book if row.appointment.patient_id == gone]
    assert len(orphans) == 4
    assert all(row.patient_name is None for row in orphans)
    assert all(row.patient_name is not None for row in book if row not in orphans)
