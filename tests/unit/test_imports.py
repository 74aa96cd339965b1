"""ImportService: rows already parsed from a file; bad rows refused by line, idempotent.

Chunks of patient rows and their fallback to one row at a time: test_import_chunks.py.
"""

from datetime import date, timedelta

import pytest

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.errors import PermissionDenied
from novamind_desktop.services.imports import ImportService

from .conftest import CLINIC_TZ

ROW = {
    "first_name": "Siobhán",
    "last_name": "O'Brien",
    "date_of_birth": "1975-12-25",
    "email": "sob@example.ie",
    "phone": "+353 87 111 2233",
}
WALK_IN = {
    "first_name": "Ana",
    "last_name": "Núñez",
    "date_of_birth": "1990-01-02",
    "phone": "600111222",
}


@pytest.fixture
def service(uow_factory, clock):
    return ImportService(uow_factory, clock, CLINIC_TZ)


def test_good_rows_are_kept_and_bad_rows_reported_by_line(service, db, frontdesk):
    report = service.import_patients(
        frontdesk,
        [
            (2, ROW),
            (3, {**ROW, "email": "", "date_of_birth": "25/12/1975"}),
            (4, WALK_IN),
            (5, {**WALK_IN, "phone": "", "first_name": "Bo"}),
            (6, {**WALK_IN, "shoe_size": "44"}),
        ],
    )
    assert (report.accepted, report.already_present) == (2, 0)
    assert [(r.line, r.reason) for r in report.refused] == [
        (3, "date_of_birth: Date of birth must be a date like 1980-04-23."),
        (5, "phone: Phone number is required."),
        (6, "shoe_size: Unknown column."),
    ]
    assert report.exit_status == 1
    assert len(db.patients) == 2
    imports = db.actions(AuditAction.IMPORT)
    assert [e.detail for e in imports] == ["line 2", "line 4"]
    assert not any("Siobh" in e.detail or "Núñez" in e.detail for e in db.audit)


def test_importing_the_same_rows_twice_changes_nothing(service, db, frontdesk):
    rows = [(2, ROW), (3, WALK_IN)]
    first = service.import_patients(frontdesk, rows)
    again = service.import_patients(frontdesk, rows)
    assert (first.accepted, first.already_present, first.exit_status) == (2, 0, 0)
    assert (again.accepted, again.already_present, again.refused) == (0, 2, [])
    assert len(db.patients) == 2


def test_already_present_by_email_or_by_name_and_birthday(service, db, frontdesk):
    service.import_patients(frontdesk, [(2, ROW), (3, WALK_IN)])
    report = service.import_patients(
        frontdesk,
        [
            (2, {**ROW, "first_name": "Shiv", "email": "SOB@example.ie"}),
            (3, {**WALK_IN, "first_name": " ana ", "phone": "611999999"}),
            (4, {**WALK_IN, "date_of_birth": "1990-01-03"}),  # another person
        ],
    )
    assert (report.accepted, report.already_present) == (1, 2)


def _appointment_row(**changes):
    row = {
        "patient_email": "sob@example.ie",
        "clinician_username": "dr.chen",
        "start": "2025-06-02T09:00:00+02:00",
        "end": "2025-06-02T09:50:00+02:00",
        "appointment_type": "therapy",
        "status": "scheduled",
        "virtual": "false",
        "location": "Room 2",
        "notes": "first session",
    }
    return {**row, **changes}


def _on(day):
    return {"start": f"{day}T09:00:00+02:00", "end": f"{day}T09:50:00+02:00"}


def test_appointments_import_resolves_patients_and_clinicians(
    service, db, frontdesk, clinician_user
):
    service.import_patients(frontdesk, [(2, ROW)])
    report = service.import_appointments(
        frontdesk,
        [
            (2, _appointment_row()),
            (
                3,
                _appointment_row(
                    start="2025-06-02T10:00:00+02:00",
                    end="2025-06-02T10:30:00+02:00",
                    status="Checked in",
                    virtual="yes",
                ),
            ),
            (4, _appointment_row(patient_email="who@example.org")),
            (5, _appointment_row(clinician_username="fiona")),
            (6, _appointment_row(start="2025-06-02T09:00:00", end="soon")),
            (
                7,
                _appointment_row(
                    start="2025-06-02T09:20:00+02:00", end="2025-06-02T09:40:00+02:00"
                ),
            ),
            (8, _appointment_row(appointment_type="yoga", **_on("2025-06-03"))),
            (9, _appointment_row(status="postponed", **_on("2025-06-04"))),
        ],
    )
    assert report.accepted == 2
    reasons = {r.line: r.reason for r in report.refused}
    assert reasons[4] == "patient_email: No patient has this email address."
    assert reasons[5] == "clinician_username: No clinician has this user name."
    assert "start: The time needs its UTC offset" in reasons[6]
    assert "end: Write the time" in reasons[6]
    assert "already booked" in reasons[7]
    assert reasons[8].startswith("appointment_type:")
    assert reasons[9].startswith("status: Use one of:")
    assert "sob@example.ie" not in " ".join(reasons.values())
    by_start = sorted(db.appointments.values(), key=lambda a: a.start)
    assert by_start[0].start.utcoffset() == timedelta(0) and by_start[0].start.hour == 7
    assert (by_start[1].status, by_start[1].virtual) == (AppointmentStatus.CHECKED_IN, True)
    assert by_start[1].status_changed_by == "fiona"
    assert by_start[0].notes == "first session"


def test_an_appointment_row_naming_no_patient_says_why_not_which_email(
    service, db, frontdesk, clinician_user
):
    """An empty patient_email is how an export writes a walk-in's appointment: the reason
    says the patient may have no email address, not that the email matched no one."""
    service.import_patients(frontdesk, [(2, ROW), (3, WALK_IN)])
    report = service.import_appointments(
        frontdesk, [(2, _appointment_row(patient_email=" ")), (3, _appointment_row())]
    )
    assert (report.accepted, report.exit_status) == (1, 1)
    [refused] = report.refused
    assert refused.line == 2
    assert refused.reason.startswith("patient_email: The row names no patient: ")
    assert "the patient has no email address on record" in refused.reason


def test_appointments_import_is_idempotent_and_cancelled_rows_never_clash(
    service, db, frontdesk, clinician_user
):
    service.import_patients(frontdesk, [(2, ROW)])
    rows = [
        (2, _appointment_row()),
        (3, _appointment_row(status="cancelled", start="2025-06-02T09:10:00+02:00")),
    ]
    assert service.import_appointments(frontdesk, rows).accepted == 2
    again = service.import_appointments(frontdesk, rows)
    assert (again.accepted, again.already_present, again.refused) == (0, 2, [])


def test_imports_need_the_write_permissions(service, clinician):
    with pytest.raises(PermissionDenied):
        service.import_patients(clinician, [(2, ROW)])
    with pytest.raises(PermissionDenied):
        service.import_appointments(clinician, [])


def test_a_birthday_today_in_the_clinic_is_not_in_the_future(service, db, clock, frontdesk):
    clock.current = clock.current.replace(day=1, hour=22, minute=30)  # 00:30 on 2 June in Berlin
    report = service.import_patients(frontdesk, [(2, {**WALK_IN, "date_of_birth": "2025-06-02"})])
    assert report.accepted == 1
    (patient,) = db.patients.values()
    assert patient.details.date_of_birth == date(2025, 6, 2)
