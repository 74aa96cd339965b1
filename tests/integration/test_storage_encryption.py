"""PHI at rest: the raw database holds no readable value, and a moved, altered or truncated
ciphertext is refused with its table, column and row id (never its value)."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import psycopg2
import pytest
from sqlalchemy import update
from sqlalchemy.engine import make_url
from storage_samples import (
    APPOINTMENT_NOTE,
    PHI_VALUES,
    add_clinician,
    booking,
    new_patient,
    raw_row,
)

from novamind_desktop.domain.patients import Patient
from novamind_desktop.infrastructure.crypto import DecryptionError
from novamind_desktop.infrastructure.records import AppointmentRecord, PatientRecord

pytestmark = pytest.mark.usefixtures("storage_logs_hold_no_phi")

PATIENTS = PatientRecord.__table__
APPOINTMENTS = AppointmentRecord.__table__


def store_sample_clinic(migrated_db, actor) -> tuple[Patient, Patient, UUID]:
    with migrated_db(actor) as uow:
        clinician = add_clinician(uow, "dr.plaintext-username")
        first = uow.patients.add(new_patient())
        second = uow.patients.add(
            new_patient(first_name="Ansgar", email="ansgar@example.org", phone="+4930901820")
        )
        appointment = uow.appointments.add(booking(first.id, clinician.id, notes=APPOINTMENT_NOTE))
        uow.commit()
    return first, second, appointment.id


def sqlite_bytes(url: str) -> bytes:
    path = Path(make_url(url).database or "")
    parts = [path, path.with_name(path.name + "-wal")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


def postgres_text(url: str) -> str:
    """Every row of every table, as PostgreSQL's own text rendering (bytea as hex)."""
    parsed = make_url(url)
    connection = psycopg2.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
            names = [row[0] for row in cursor.fetchall()]
            dumped = []
            for name in names:
                cursor.execute(f'SELECT t::text FROM "{name}" AS t')
                dumped.extend(row[0] for row in cursor.fetchall())
        return "\n".join(dumped)
    finally:
        connection.close()


def needles(value: str) -> list[str]:
    return [value, value.lower(), value.upper()]


def test_raw_database_contains_no_stored_phi(migrated_db, admin_actor) -> None:
    store_sample_clinic(migrated_db, admin_actor)
    if migrated_db.backend == "sqlite":
        raw = sqlite_bytes(migrated_db.url)
        found = [
            v for v in [*PHI_VALUES, APPOINTMENT_NOTE] for n in needles(v) if n.encode() in raw
        ]
        assert b"dr.plaintext-username" in raw  # control: the reader sees stored text
    else:
        raw_text = postgres_text(migrated_db.url)
        hex_text = raw_text.lower()
        found = [
            v
            for v in [*PHI_VALUES, APPOINTMENT_NOTE]
            for n in needles(v)
            if n in raw_text or n.encode().hex() in hex_text
        ]
        assert "dr.plaintext-username" in raw_text  # control
    assert found == []


def tamper(engine, table, row_id: UUID, **values: bytes) -> None:
    with engine.begin() as connection:
        connection.execute(update(table).where(table.c.id == row_id).values(**values))


def refused(migrated_db, actor, patient_id: UUID) -> DecryptionError:
    with migrated_db(actor) as uow, pytest.raises(DecryptionError) as caught:
        uow.patients.get(patient_id)
    return caught.value


def assert_names_place_not_value(error: DecryptionError, column: str, row_id: UUID) -> None:
    message = str(error)
    assert "patients" in message and column in message and str(row_id) in message
    assert (error.table, error.column, error.row_id) == ("patients", column, row_id)
    assert not any(value in message for value in PHI_VALUES)


def test_a_value_copied_to_another_row_is_refused(migrated_db, admin_actor) -> None:
    first, second, _ = store_sample_clinic(migrated_db, admin_actor)
    stolen = raw_row(migrated_db.engine, PATIENTS, first.id).last_name
    tamper(migrated_db.engine, PATIENTS, second.id, last_name=stolen)
    error = refused(migrated_db, admin_actor, second.id)
    assert_names_place_not_value(error, "last_name", second.id)


def test_a_value_copied_to_another_column_is_refused(migrated_db, admin_actor) -> None:
    first, _, _ = store_sample_clinic(migrated_db, admin_actor)
    row = raw_row(migrated_db.engine, PATIENTS, first.id)
    tamper(migrated_db.engine, PATIENTS, first.id, city=row.insurance_member_id)
    assert_names_place_not_value(refused(migrated_db, admin_actor, first.id), "city", first.id)


def test_a_value_copied_from_another_table_is_refused(migrated_db, admin_actor) -> None:
    first, _, appointment_id = store_sample_clinic(migrated_db, admin_actor)
    note = raw_row(migrated_db.engine, APPOINTMENTS, appointment_id).notes
    tamper(migrated_db.engine, PATIENTS, first.id, address_line=note)
    error = refused(migrated_db, admin_actor, first.id)
    assert_names_place_not_value(error, "address_line", first.id)


@pytest.mark.parametrize("position", [0, 3, 20, -1])
def test_a_bit_flipped_value_is_refused(migrated_db, admin_actor, position: int) -> None:
    first, _, _ = store_sample_clinic(migrated_db, admin_actor)
    blob = bytearray(raw_row(migrated_db.engine, PATIENTS, first.id).phone)
    blob[position] ^= 0x01
    tamper(migrated_db.engine, PATIENTS, first.id, phone=bytes(blob))
    assert_names_place_not_value(refused(migrated_db, admin_actor, first.id), "phone", first.id)


@pytest.mark.parametrize("keep", [0, 10, 33, -1])
def test_a_truncated_value_is_refused(migrated_db, admin_actor, keep: int) -> None:
    first, _, _ = store_sample_clinic(migrated_db, admin_actor)
    blob = raw_row(migrated_db.engine, PATIENTS, first.id).email
    tamper(migrated_db.engine, PATIENTS, first.id, email=blob[:keep])
    assert_names_place_not_value(refused(migrated_db, admin_actor, first.id), "email", first.id)


def test_tampered_appointment_notes_name_their_row(migrated_db, admin_actor) -> None:
    first, _, appointment_id = store_sample_clinic(migrated_db, admin_actor)
    other = raw_row(migrated_db.engine, PATIENTS, first.id).first_name
    tamper(migrated_db.engine, APPOINTMENTS, appointment_id, notes=other)
    with migrated_db(admin_actor) as uow, pytest.raises(DecryptionError) as caught:
        uow.appointments.for_patient(first.id)
    assert (caught.value.table, caught.value.column) == ("appointments", "notes")
    assert str(appointment_id) in str(caught.value)
    assert APPOINTMENT_NOTE not in str(caught.value)


def test_untampered_rows_still_read_after_a_neighbour_is_tampered(migrated_db, admin_actor) -> None:
    first, second, _ = store_sample_clinic(migrated_db, admin_actor)
    tamper(migrated_db.engine, PATIENTS, first.id, phone=b"\x01garbage")
    with migrated_db(admin_actor) as uow:
        assert uow.patients.get(second.id) == second
