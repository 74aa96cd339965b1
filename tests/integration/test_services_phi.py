"""PHI written through the services stays unreadable at rest, in the audit table and in the
logs, on the SQLite file (and its WAL) and on the real PostgreSQL server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from service_helpers import (
    APPOINTMENT_NOTES,
    CANCELLATION_REASON,
    EDITED_FORM,
    OTHER_FORM,
    PATIENT_FORM,
    REVIEW_NOTE,
    SYMPTOM_FORECAST,
    add_twin,
    audit_rows,
    phi_in_storage,
    phi_in_text,
    raw_storage,
)

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.errors import (
    DomainError,
    DuplicateEmail,
    SlotTaken,
    StaleRecord,
    ValidationFailed,
)
from novamind_desktop.domain.twins import ReviewStatus
from novamind_desktop.services.appointments import BookingRequest

MONDAY_11_UTC = datetime(2030, 3, 4, 11, 0, tzinfo=UTC)


pytestmark = pytest.mark.usefixtures("logs_hold_no_phi")


@dataclass
class Stored:
    patient_id: UUID
    other_id: UUID
    appointment_id: UUID
    cancelled_id: UUID


def store_everything(clinic) -> Stored:
    """Every kind of PHI a desk writes: a patient (edited once), another patient, notes,
    a cancellation reason, a twin (model JSON) and its review note; then read it all back."""
    s, desk, dr = clinic.services, clinic.frontdesk, clinic.dr_a
    patient = s.patients.register(desk, PATIENT_FORM)
    patient = s.patients.update(desk, patient.id, patient.version, EDITED_FORM)
    other = s.patients.register(desk, OTHER_FORM)
    visit = s.appointments.book(
        desk,
        BookingRequest(patient.id, dr.user_id, MONDAY_11_UTC, "intake", notes=APPOINTMENT_NOTES),
    )
    later = s.appointments.book(
        desk, BookingRequest(other.id, dr.user_id, MONDAY_11_UTC + timedelta(days=1), "therapy")
    )
    cancelled = s.appointments.change_status(
        desk, later.id, later.version, AppointmentStatus.CANCELLED, CANCELLATION_REASON
    )
    twin = add_twin(clinic.db, patient.id)
    s.twins.review(dr, patient.id, twin.version, ReviewStatus.FLAGGED, REVIEW_NOTE)
    # Reads, so the audit trail and the logs see every read path too:
    s.patients.get(dr, patient.id)
    s.patients.find_by_email(desk, PATIENT_FORM["email"])
    s.patients.possible_duplicates(desk, PATIENT_FORM)
    s.patients.all_for_index(desk)
    s.appointments.schedule(desk, MONDAY_11_UTC, MONDAY_11_UTC + timedelta(days=2))
    s.appointments.get(dr, visit.id)
    return Stored(patient.id, other.id, visit.id, cancelled.id)


def test_what_the_services_store_reads_back_exactly(clinic) -> None:
    """The control for the tests below: the values really were stored."""
    stored = store_everything(clinic)
    s, dr = clinic.services, clinic.dr_a
    patient = s.patients.get(dr, stored.patient_id)
    assert patient.details.address_line == EDITED_FORM["address_line"]
    assert patient.details.email == PATIENT_FORM["email"].lower()
    assert s.appointments.get(dr, stored.appointment_id).notes == APPOINTMENT_NOTES
    cancelled = s.appointments.for_patient(dr, stored.other_id)[0]
    assert cancelled.cancellation_reason == CANCELLATION_REASON
    twin = s.twins.get(dr, stored.patient_id)
    assert twin.symptom_forecast == SYMPTOM_FORECAST and twin.review_note == REVIEW_NOTE


def test_the_raw_database_holds_no_stored_value(clinic) -> None:
    store_everything(clinic)
    url = clinic.db.url
    assert "desk.amara" in raw_storage(url)  # control: the reader sees stored plain text
    assert phi_in_storage(url) == []


def test_the_audit_table_holds_no_stored_value(clinic) -> None:
    stored = store_everything(clinic)
    rows = audit_rows(clinic.db.engine)
    text = "\n".join(" | ".join(str(cell) for cell in row) for row in rows)
    # Control: the trail is there and names the records and the changed fields.
    assert str(stored.patient_id) in text and str(stored.appointment_id) in text
    assert any("address_line" in row.detail for row in rows)
    assert phi_in_text(text) == []


def test_refusals_carry_no_phi_in_messages_or_logs(clinic, caplog) -> None:
    """Errors a desk provokes with PHI in the input: the messages name fields, never values;
    the logs (SQL and its parameters at DEBUG included) stay clean too (checked on teardown)."""
    s, desk, dr = clinic.services, clinic.frontdesk, clinic.dr_a
    patient = s.patients.register(desk, PATIENT_FORM)
    first = s.appointments.book(
        desk,
        BookingRequest(patient.id, dr.user_id, MONDAY_11_UTC, "therapy", notes=APPOINTMENT_NOTES),
    )
    s.patients.update(desk, patient.id, patient.version, EDITED_FORM)
    refusals: list[DomainError] = []
    attempts = [
        lambda: s.patients.register(desk, OTHER_FORM | {"email": PATIENT_FORM["email"]}),
        lambda: s.patients.register(desk, PATIENT_FORM | {"phone": PATIENT_FORM["address_line"]}),
        lambda: s.patients.register(desk, PATIENT_FORM | {"email": PATIENT_FORM["city"]}),
        lambda: s.patients.update(desk, patient.id, patient.version, OTHER_FORM),
        lambda: s.appointments.book(
            desk, BookingRequest(patient.id, dr.user_id, first.start, "intake", notes=REVIEW_NOTE)
        ),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError) as caught:
            attempt()
        refusals.append(caught.value)
    kinds = [type(r) for r in refusals]
    assert kinds == [DuplicateEmail, ValidationFailed, ValidationFailed, StaleRecord, SlotTaken]
    assert phi_in_text("\n".join(f"{r!s} {r!r}" for r in refusals)) == []
    # Control: the SQL itself, with its parameters, was captured and will be searched.
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)
