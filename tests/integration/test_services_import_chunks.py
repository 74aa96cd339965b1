"""The patient import in chunks on both databases: the rows of a chunk go in with one INSERT,
decrypt to what was imported, carry their stamps and leave nothing readable in storage; a
chunk the database refuses is rolled back and imported again one row at a time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from service_helpers import (
    CLINIC_TZ,
    IMPORTED_PATIENTS,
    OTHER_FORM,
    PATIENT_FORM,
    pause_before,
    phi_in_storage,
    raw_storage,
)
from sqlalchemy import select, text

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.patients import PATIENT_FIELDS
from novamind_desktop.infrastructure.records import PatientRecord
from novamind_desktop.services.appointments import BookingRequest
from novamind_desktop.services.imports import APPOINTMENT_FIELDS
from novamind_desktop.services.ports import UnitOfWork, UnitOfWorkFactory

HENRIETTA, TIBERIUS = IMPORTED_PATIENTS
WALK_IN = OTHER_FORM | {"email": ""}
TAKEN = "Another patient already has this email address."


pytestmark = pytest.mark.usefixtures("logs_hold_no_phi")


def numbered(*rows: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    """Rows as the CSV reader yields them (every header column; the header is line 1)."""
    return [(line, {name: "" for name in PATIENT_FIELDS} | row) for line, row in enumerate(rows, 2)]


def stored_last_names(clinic) -> list[str]:
    """Oldest record first, as an export lists them."""
    with clinic.db(clinic.admin) as uow:
        return [p.details.last_name for p in uow.patients.list_all()]


def import_lines(clinic) -> list[str]:
    events = clinic.services.audit.query(clinic.admin, action=AuditAction.IMPORT)
    return sorted(e.detail for e in events if e.entity == "patient")


def test_a_chunk_is_stored_sealed_stamped_and_readable(clinic) -> None:
    s, desk = clinic.services, clinic.frontdesk
    report = s.imports.import_patients(desk, numbered(PATIENT_FORM, WALK_IN, TIBERIUS))
    assert (report.accepted, report.already_present, report.refused) == (3, 0, [])

    stored = s.patients.find_by_email(desk, PATIENT_FORM["email"])
    assert stored.details.insurance_member_id == PATIENT_FORM["insurance_member_id"]
    assert stored.details.emergency_contact_phone == "+447700900462"
    assert stored.details.email == PATIENT_FORM["email"].lower()
    (walk_in,) = s.patients.find_by_date_of_birth(desk, date(1992, 2, 29))
    assert (walk_in.details.email, walk_in.details.last_name) == (None, WALK_IN["last_name"])
    assert s.patients.get(desk, walk_in.id).details.phone == "+493055501234"

    with clinic.db.engine.connect() as connection:
        stamps = list(
            connection.execute(
                select(
                    PatientRecord.created_by,
                    PatientRecord.updated_by,
                    PatientRecord.version,
                    PatientRecord.active,
                    PatientRecord.created_at,
                    PatientRecord.updated_at,
                ).order_by(PatientRecord.created_at)
            )
        )
    assert {row[:4] for row in stamps} == {(desk.username, desk.username, 1, True)}
    # The clock stands still: the rows are a microsecond apart, in the order of the file,
    # so an export lists them as the file did.
    now, tick = clinic.db.clock.now(), timedelta(microseconds=1)
    assert [row[4:] for row in stamps] == [(now + n * tick, now + n * tick) for n in range(3)]
    assert stored_last_names(clinic) == [
        PATIENT_FORM["last_name"],
        WALK_IN["last_name"],
        TIBERIUS["last_name"],
    ]
    assert import_lines(clinic) == ["line 2", "line 3", "line 4"]

    assert desk.username in raw_storage(clinic.db.url)  # control: plain text is found
    assert phi_in_storage(clinic.db.url) == []


def many_people(count: int) -> list[dict[str, str]]:
    """`count` different people; every fifth a walk-in without an email."""
    return [
        {
            "first_name": f"Wren{n}",
            "last_name": "Abernethy-Sørlie",
            "date_of_birth": f"19{40 + n % 60}-0{1 + n % 9}-1{n % 10}",
            "email": "" if n % 5 == 0 else f"wren.{n}@example.org",
            "phone": f"+44 7700 9{n:05d}",
        }
        for n in range(count)
    ]


def test_a_file_of_several_chunks_twice(clinic) -> None:
    """1,201 rows: three chunks, the last row repeating one of the first chunk."""
    s, desk = clinic.services, clinic.frontdesk
    people = many_people(1200)
    rows = numbered(*people, people[7] | {"first_name": "Wren 7"})
    first = s.imports.import_patients(desk, rows)
    assert (first.accepted, first.already_present, first.refused) == (1200, 1, [])
    again = s.imports.import_patients(desk, rows)
    assert (again.accepted, again.already_present, again.refused) == (0, 1201, [])
    assert len(stored_last_names(clinic)) == 1200
    assert len(import_lines(clinic)) == 1000  # the audit query's limit; all of them are there
    born = s.patients.find_by_date_of_birth(desk, date(1945, 6, 15))
    expected = [p["first_name"] for p in people if p["date_of_birth"] == "1945-06-15"]
    assert len(expected) > 1 and sorted(p.details.first_name for p in born) == sorted(expected)


class _EmailLookupMisses:
    """A unit of work whose batched email lookup finds nobody, as if the patients it should
    find had been stored by another desk just after it looked."""

    def __init__(self, inner: UnitOfWork):
        self._inner = inner

    def __enter__(self) -> UnitOfWork:
        uow = self._inner.__enter__()
        patients = uow.patients

        class Blind:
            def __getattr__(self, name: str) -> Any:
                return getattr(patients, name)

            def find_by_emails(self, emails: Any) -> dict[str, Any]:
                return {}

        uow.patients = Blind()  # type: ignore[assignment]
        return uow

    def __exit__(self, *exc: Any) -> None:
        self._inner.__exit__(*exc)


def first_email_lookup_misses(inner: UnitOfWorkFactory) -> UnitOfWorkFactory:
    opened: list[object] = []

    def factory(actor: Any) -> UnitOfWork:
        opened.append(actor)
        uow = inner(actor)
        return _EmailLookupMisses(uow) if len(opened) == 1 else uow  # type: ignore[return-value]

    return factory


def test_a_chunk_the_database_refuses_is_imported_again_row_by_row(clinic, caplog) -> None:
    s, desk = clinic.services, clinic.frontdesk
    s.imports.import_patients(desk, numbered(HENRIETTA))
    blind = clinic.workstation(first_email_lookup_misses).services
    rows = numbered(
        PATIENT_FORM,
        HENRIETTA | {"first_name": "Hetty"},  # stored: the UNIQUE index refuses the chunk
        HENRIETTA | {"date_of_birth": "1970-01-01"},  # her email, someone else
        OTHER_FORM | {"phone": ""},
        WALK_IN,
    )
    report = blind.imports.import_patients(desk, rows)
    assert "lines 2-6 failed together (DuplicateEmail)" in caplog.text
    assert (report.accepted, report.already_present) == (2, 1)
    assert [(r.line, r.reason) for r in report.refused] == [
        (4, TAKEN),
        (5, "phone: Phone number is required."),
    ]
    assert sorted(stored_last_names(clinic)) == sorted(
        [HENRIETTA["last_name"], PATIENT_FORM["last_name"], WALK_IN["last_name"]]
    )
    assert import_lines(clinic) == ["line 2", "line 2", "line 6"]


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_patient_another_desk_stores_during_the_chunk_is_already_present(clinic, caplog) -> None:
    """The other desk commits between the chunk's lookups and its INSERT: PostgreSQL's
    UNIQUE index refuses the chunk, and the rows done one by one find her stored."""
    s, desk, other_desk = clinic.services, clinic.frontdesk, clinic.frontdesk_2
    registered = []

    def other_desk_registers(_calls: int) -> None:
        registered.append(s.patients.register(other_desk, PATIENT_FORM))

    racing = clinic.workstation(pause_before("patients", "add_many", other_desk_registers))
    rows = numbered(HENRIETTA, PATIENT_FORM | {"first_name": "Lina"}, WALK_IN)
    report = racing.services.imports.import_patients(desk, rows)
    assert len(registered) == 1
    assert "lines 2-4 failed together (DuplicateEmail)" in caplog.text
    assert (report.accepted, report.already_present, report.refused) == (2, 1, [])
    found = s.patients.find_by_email(desk, PATIENT_FORM["email"])
    assert (found.id, found.details.first_name) == (registered[0].id, PATIENT_FORM["first_name"])
    assert len(stored_last_names(clinic)) == 3
    assert import_lines(clinic) == ["line 2", "line 4"]


# --- appointments ----------------------------------------------------------------------------


def visit(hour: int, **values: str) -> dict[str, str]:
    """An appointment row with Dr Adebayo on Tuesday 5 March 2030 at `hour` in the clinic."""
    row = {
        "patient_email": HENRIETTA["email"],
        "clinician_username": "dr.adebayo",
        "start": f"2030-03-05T{hour:02d}:00+01:00",
        "end": f"2030-03-05T{hour:02d}:50+01:00",
        "appointment_type": "therapy",
        "virtual": "false",
        "location": "Room 3",
    }
    return {name: "" for name in APPOINTMENT_FIELDS} | row | values


def appointment_lines(clinic) -> list[str]:
    events = clinic.services.audit.query(clinic.admin, action=AuditAction.IMPORT)
    return sorted(e.detail for e in events if e.entity == "appointment")


def booked_hours(clinic) -> list[int]:
    with clinic.db(clinic.admin) as uow:
        return sorted(a.start.astimezone(CLINIC_TZ).hour for a in uow.appointments.list_all())


class _FirstCommitFails:
    def __init__(self, inner: UnitOfWork):
        self._inner = inner

    def __enter__(self) -> UnitOfWork:
        uow = self._inner.__enter__()

        def commit() -> None:
            raise RuntimeError("the connection dropped")  # before anything was committed

        uow.commit = commit  # type: ignore[method-assign]
        return uow

    def __exit__(self, *exc: Any) -> None:
        self._inner.__exit__(*exc)


def first_commit_fails(inner: UnitOfWorkFactory) -> UnitOfWorkFactory:
    opened: list[object] = []

    def factory(actor: Any) -> UnitOfWork:
        opened.append(actor)
        uow = inner(actor)
        return _FirstCommitFails(uow) if len(opened) == 1 else uow  # type: ignore[return-value]

    return factory


def test_an_appointment_chunk_that_fails_to_commit_is_booked_row_by_row(clinic, caplog) -> None:
    s, desk = clinic.services, clinic.frontdesk
    s.imports.import_patients(desk, numbered(HENRIETTA))
    failing = clinic.workstation(first_commit_fails).services
    rows = [
        (2, visit(9)),
        (3, visit(11)),
        (4, visit(9, start="2030-03-05T09:30+01:00")),
        (5, visit(13)),
    ]
    report = failing.imports.import_appointments(desk, rows)
    assert "Appointment import: lines 2-5 failed together (RuntimeError)" in caplog.text
    assert (report.accepted, report.already_present) == (3, 0)
    assert [r.line for r in report.refused] == [4]
    assert booked_hours(clinic) == [9, 11, 13]  # the chunk's rows were rolled back: no twins
    assert appointment_lines(clinic) == ["line 2", "line 3", "line 5"]

    again = s.imports.import_appointments(desk, rows)
    assert (again.accepted, again.already_present, len(again.refused)) == (0, 3, 1)


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_slot_taken_elsewhere_during_the_chunk_refuses_that_row_only(clinic, caplog) -> None:
    """Between the service's clash check for line 3 and its INSERT, a writer that does not
    wait for the chunk (an older workstation, plain SQL; the app's own desks take turns on
    the clinician's book and would wait) moves a booking into that slot and commits.
    PostgreSQL's exclusion constraint refuses that row inside its savepoint, and the chunk
    goes on with the next row in the same transaction."""
    s, desk, other_desk = clinic.services, clinic.frontdesk, clinic.frontdesk_2
    s.imports.import_patients(desk, numbered(HENRIETTA))
    henrietta = s.patients.find_by_email(desk, HENRIETTA["email"])
    far = datetime(2031, 3, 5, 11, 15, tzinfo=CLINIC_TZ)
    elsewhere = s.appointments.book(
        other_desk, BookingRequest(henrietta.id, clinic.dr_a.user_id, far, "therapy")
    )
    other_booking = []

    def other_desk_books(calls: int) -> None:
        if calls == 2:  # line 3 has passed the service's own clash check
            at = datetime(2030, 3, 5, 11, 15, tzinfo=CLINIC_TZ)
            with clinic.db.engine.begin() as connection:
                connection.execute(
                    text("UPDATE appointments SET start_at = :start, end_at = :end WHERE id = :id"),
                    {
                        "start": at,
                        "end": at + (elsewhere.end - elsewhere.start),
                        "id": elsewhere.id,
                    },
                )
            other_booking.append(elsewhere.id)

    racing = clinic.workstation(pause_before("appointments", "add", other_desk_books))
    rows = [(2, visit(9)), (3, visit(11)), (4, visit(13))]
    report = racing.services.imports.import_appointments(desk, rows)
    assert len(other_booking) == 1
    assert "failed together" not in caplog.text
    assert (report.accepted, report.already_present) == (2, 0)
    ((line, reason),) = [(r.line, r.reason) for r in report.refused]
    # The repository words the constraint's refusal with the row's own times (UTC).
    assert line == 3 and "already booked" in reason
    assert booked_hours(clinic) == [9, 11, 13]  # 11:15 is the other desk's
    assert appointment_lines(clinic) == ["line 2", "line 4"]
