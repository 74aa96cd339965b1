"""Sample clinic data for the storage tests: distinctive values easy to spot in raw bytes."""

from __future__ import annotations

import time
from contextlib import closing
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import psycopg2
from sqlalchemy import Engine, make_url, select, text

from novamind_desktop.domain.appointments import Appointment, AppointmentStatus
from novamind_desktop.domain.patients import Patient, PatientDetails
from novamind_desktop.domain.users import Role, User
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.services.ports import UnitOfWork

MONDAY_9 = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)

DETAILS = PatientDetails(
    first_name="Zoë",
    last_name="Quillfeather-O'Brien",
    date_of_birth=date(1983, 7, 19),
    phone="+441632960961",
    email="zoe.quillfeather@example.org",
    address_line="17 Marigold Crescent",
    city="Llanfairfechan",
    postal_code="LL33 0XQ",
    country="Wales",
    insurance_provider="Northwind Mutual",
    insurance_member_id="NWM-88412937",
    emergency_contact_name="Bartholomew Quillfeather",
    emergency_contact_phone="+441632960999",
)

# Every stored PHI value the raw-bytes tests look for (the DOB as typed and as stored).
PHI_VALUES = [v for v in (*(str(getattr(DETAILS, f)) for f in DETAILS.__dataclass_fields__),) if v]
APPOINTMENT_NOTE = "Discussed insomnia after bereavement"


def details(**changes: Any) -> PatientDetails:
    return replace(DETAILS, **changes)


def new_patient(**changes: Any) -> Patient:
    return Patient(id=uuid4(), details=details(**changes))


def add_clinician(uow: UnitOfWork, username: str = "dr.okafor") -> User:
    user = User(uuid4(), username, f"Dr {username.title()}", Role.CLINICIAN)
    return uow.users.add(user, "scrypt$not-a-real-hash")


def booking(
    patient_id: UUID,
    clinician_id: UUID,
    start: datetime = MONDAY_9,
    minutes: int = 50,
    status: AppointmentStatus = AppointmentStatus.SCHEDULED,
    **changes: Any,
) -> Appointment:
    return Appointment(
        id=uuid4(),
        patient_id=patient_id,
        clinician_id=clinician_id,
        start=start,
        end=start + timedelta(minutes=minutes),
        appointment_type="therapy",
        status=status,
        **changes,
    )


def raw_row(engine: Engine, table: Any, row_id: UUID) -> Any:
    """One row read with plain Core SQL, bypassing repositories and decryption."""
    with engine.connect() as connection:
        return connection.execute(select(table).where(table.c.id == row_id)).one()


def wait_until_blocked_on_a_lock(engine: Engine, application_name: str | None = None) -> None:
    """Poll pg_stat_activity until the other session (the one named `application_name`, or
    any in this database) waits for a lock we hold."""
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database() AND (:name IS NULL OR application_name = :name)"
    )
    for _ in range(600):
        with engine.connect() as connection:
            waiting = connection.execute(text(query), {"name": application_name}).scalar()
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("the second session never waited for the first")


def booking_clinic(migrated_db: Any, actor: Any) -> tuple[UUID, UUID, UUID]:
    """A patient and two clinicians, stored: (patient id, clinician id, other clinician id)."""
    with migrated_db(actor) as uow:
        patient = uow.patients.add(new_patient())
        clinician = add_clinician(uow, "dr.first")
        other = add_clinician(uow, "dr.second")
        uow.commit()
    return patient.id, clinician.id, other.id


def colliding_dates(cipher: FieldCipher) -> tuple[date, date]:
    """Two birth dates in the same 12-bit bucket (birthday paradox: found quickly)."""
    seen: dict[int, date] = {}
    day = date(1950, 1, 1)
    while True:
        bucket = cipher.dob_bucket(day)
        if bucket in seen:
            return seen[bucket], day
        seen[bucket] = day
        day += timedelta(days=1)


def drop_connections(url: str) -> None:
    """What a server restart or a network cut does to the app's pooled connections to the
    PostgreSQL database at `url`: every other session's backend ended, its socket closed."""
    parts = make_url(url)
    with closing(psycopg2.connect(host=parts.host, port=parts.port, user=parts.username,
                                  dbname=parts.database)) as admin:  # fmt: skip
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
    time.sleep(0.2)
