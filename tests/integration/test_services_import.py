"""ImportService on both databases: bad rows are refused with their line and a reason that
names the column (never the value), valid rows are kept, and a second run changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from service_helpers import (
    IMPORTED_NOTES,
    IMPORTED_PATIENTS,
    OTHER_FORM,
    audit_rows,
    phi_in_text,
)

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.patients import PATIENT_FIELDS
from novamind_desktop.services.imports import APPOINTMENT_FIELDS, ImportReport

HENRIETTA, TIBERIUS = IMPORTED_PATIENTS


pytestmark = pytest.mark.usefixtures("logs_hold_no_phi")


def patient_row(values: dict[str, str], **extra: str) -> dict[str, str]:
    """A row as the CSV reader yields it: every header column, empty when not given."""
    return {name: "" for name in PATIENT_FIELDS} | values | extra


PATIENT_ROWS = [
    (2, patient_row(HENRIETTA)),
    (3, patient_row(OTHER_FORM, date_of_birth="1992-02-30")),
    (4, patient_row(HENRIETTA, date_of_birth="1970-01-01")),  # her email, someone else
    (5, patient_row(OTHER_FORM, phone="")),
    (6, patient_row(OTHER_FORM, nickname="Izzy")),
    (7, patient_row(TIBERIUS)),
    (8, patient_row(HENRIETTA, email=HENRIETTA["email"].upper())),  # already in this file
    (9, patient_row(TIBERIUS, first_name="TIBERIUS")),  # no email: same name and birthday
]
REFUSED_PATIENT_LINES = {
    3: "date_of_birth",
    4: "Another patient already has this email address.",
    5: "phone",
    6: "nickname: Unknown column.",
}


def refusals(report: ImportReport) -> dict[int, str]:
    return {row.line: row.reason for row in report.refused}


def assert_refused(report: ImportReport, expected: dict[int, str]) -> None:
    found = refusals(report)
    assert sorted(found) == sorted(expected)
    for line, fragment in expected.items():
        assert fragment in found[line], (line, found[line])
    assert phi_in_text("\n".join(found.values())) == []
    assert report.exit_status == 1


def imports(clinic) -> list[Any]:
    return [r for r in audit_rows(clinic.db.engine) if r.action == "import"]


def test_patient_import_keeps_the_valid_rows_and_is_idempotent(clinic) -> None:
    s, desk = clinic.services, clinic.frontdesk
    first = s.imports.import_patients(desk, PATIENT_ROWS)
    assert (first.accepted, first.already_present) == (2, 2)
    assert_refused(first, REFUSED_PATIENT_LINES)
    stored = s.patients.all_for_index(desk)
    assert sorted(p.last_name for p in stored) == sorted(
        [HENRIETTA["last_name"], TIBERIUS["last_name"]]
    )
    henrietta = s.patients.find_by_email(desk, HENRIETTA["email"])
    assert henrietta.details.insurance_member_id == HENRIETTA["insurance_member_id"]
    assert henrietta.details.phone == "+31205550199"
    (tiberius,) = s.patients.find_by_date_of_birth(desk, date(2001, 12, 3))
    assert tiberius.details.email is None and tiberius.details.first_name == "Tiberius"
    assert sorted((r.detail, r.username, r.entity) for r in imports(clinic)) == [
        ("line 2", desk.username, "patient"),
        ("line 7", desk.username, "patient"),
    ]

    second = s.imports.import_patients(desk, PATIENT_ROWS)
    assert (second.accepted, second.already_present) == (0, 4)
    assert_refused(second, REFUSED_PATIENT_LINES)
    assert len(s.patients.all_for_index(desk)) == 2
    assert len(imports(clinic)) == 2


def appointment_row(**values: str) -> dict[str, str]:
    base = {
        "patient_email": HENRIETTA["email"],
        "clinician_username": "dr.adebayo",
        "start": "2030-03-05T10:00+01:00",
        "end": "2030-03-05T10:50+01:00",
        "appointment_type": "therapy",
        "status": "",
        "virtual": "false",
        "location": "Room 3",
        "notes": IMPORTED_NOTES,
    }
    return {name: "" for name in APPOINTMENT_FIELDS} | base | values


APPOINTMENT_ROWS = [
    (2, appointment_row()),
    (3, appointment_row(clinician_username="dr.nobody")),
    (4, appointment_row(start="2030-03-05T10:30+01:00", end="2030-03-05T11:00+01:00")),
    (5, appointment_row(start="2030-03-05T12:00", end="2030-03-05T12:30+01:00")),
    (
        6,
        appointment_row(
            start="2030-03-05T10:20+01:00", end="2030-03-05T10:40+01:00", status="Cancelled"
        ),
    ),
    (7, appointment_row(patient_email="unknown.person@example.invalid")),
    (
        8,
        appointment_row(
            patient_email=HENRIETTA["email"].upper(),
            start="2030-03-05T09:00Z",
            end="2030-03-05T09:50Z",
        ),
    ),
]
REFUSED_APPOINTMENT_LINES = {
    3: "clinician_username",
    4: "between 10:00 and 10:50 on 2030-03-05",  # the booking in the way, on the clinic clock
    5: "start",
    7: "patient_email",
}


def test_appointment_import_keeps_the_valid_rows_and_is_idempotent(clinic) -> None:
    s, admin = clinic.services, clinic.admin
    s.imports.import_patients(admin, PATIENT_ROWS[:1])
    first = s.imports.import_appointments(admin, APPOINTMENT_ROWS)
    assert (first.accepted, first.already_present) == (2, 1)
    assert_refused(first, REFUSED_APPOINTMENT_LINES)
    start = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)
    book = s.appointments.schedule(admin, start - timedelta(hours=1), start + timedelta(hours=3))
    booked = {slot.appointment.status: slot.appointment for slot in book}
    assert len(book) == 2 and set(booked) == {
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.CANCELLED,
    }
    scheduled, cancelled = booked[AppointmentStatus.SCHEDULED], booked[AppointmentStatus.CANCELLED]
    assert (scheduled.start, scheduled.end) == (start, start + timedelta(minutes=50))
    assert scheduled.location == "Room 3"  # the book carries no notes; get() reads them
    assert s.appointments.get(admin, scheduled.id).notes == IMPORTED_NOTES
    assert {slot.patient_name for slot in book} == {"Henrietta Zwanenburg"}
    assert (cancelled.status_changed_at, cancelled.status_changed_by) == (
        clinic.db.clock.now(),
        admin.username,
    )
    assert sorted(r.detail for r in imports(clinic) if r.entity == "appointment") == [
        "line 2",
        "line 6",
    ]

    second = s.imports.import_appointments(admin, APPOINTMENT_ROWS)
    assert (second.accepted, second.already_present) == (0, 3)
    assert_refused(second, REFUSED_APPOINTMENT_LINES)
    again = s.appointments.schedule(admin, start - timedelta(hours=1), start + timedelta(hours=3))
    assert sorted(slot.appointment.id for slot in again) == sorted(a.id for a in booked.values())
