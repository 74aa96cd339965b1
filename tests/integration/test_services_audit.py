"""Every read of a patient record or twin and every write through the services leaves audit
rows naming the acting user, read back from the real audit table; refused or rolled-back
work leaves none."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from service_helpers import (
    CANCELLATION_REASON,
    EDITED_FORM,
    OTHER_FORM,
    PATIENT_FORM,
    REVIEW_NOTE,
    add_twin,
    audit_rows,
)

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.errors import (
    DomainError,
    DuplicateEmail,
    PermissionDenied,
    SlotTaken,
    StaleRecord,
)
from novamind_desktop.domain.recurrence import Frequency, Recurrence
from novamind_desktop.domain.twins import ReviewStatus
from novamind_desktop.domain.users import Actor
from novamind_desktop.services.appointments import BookingRequest

MONDAY_11 = datetime(2030, 3, 4, 11, 0, tzinfo=UTC)
Event = tuple[str, UUID | None, str, str, str | None, str]


pytestmark = pytest.mark.usefixtures("logs_hold_no_phi")


def event(actor: Actor, action: str, entity: str, ident: Any, detail: str = "") -> Event:
    return (
        actor.username,
        actor.user_id,
        action,
        entity,
        None if ident is None else str(ident),
        detail,
    )


class AuditWatch:
    """Runs one use case a minute after the last and returns the audit rows it added."""

    def __init__(self, clinic):
        self.clinic = clinic

    def __call__(self, call: Callable[[], Any]) -> tuple[Any, list[Event]]:
        engine, clock = self.clinic.db.engine, self.clinic.db.clock
        before = {row.id for row in audit_rows(engine)}
        now = clock.advance(minutes=1)
        result = call()
        added = [row for row in audit_rows(engine) if row.id not in before]
        assert all(row.at == now for row in added)
        events = [(r.username, r.user_id, r.action, r.entity, r.entity_id, r.detail) for r in added]
        return result, sorted(events, key=repr)


Steps = list[tuple[Callable[[], Any], list[Event]]]


def run_steps(audited: AuditWatch, steps: Steps) -> None:
    for call, expected in steps:
        assert audited(call)[1] == sorted(expected, key=repr)


def patient_steps(clinic, p: UUID) -> Steps:
    """Each patient use case after registration, and the rows it must add."""
    s, desk, desk_2, dr_a, dr_b = (
        clinic.services,
        clinic.frontdesk,
        clinic.frontdesk_2,
        clinic.dr_a,
        clinic.dr_b,
    )
    changed = "changed address_line, city, insurance_member_id"
    return [
        (lambda: s.patients.get(dr_a, p), [event(dr_a, "read", "patient", p)]),
        (
            lambda: s.patients.update(desk, p, 1, EDITED_FORM),
            [event(desk, "update", "patient", p, changed)],
        ),
        (
            lambda: s.patients.find_by_email(desk_2, PATIENT_FORM["email"].upper()),
            [event(desk_2, "read", "patient", p, "found by email")],
        ),
        (
            lambda: s.patients.find_by_date_of_birth(dr_b, date(1979, 11, 23)),
            [event(dr_b, "read", "patient", p, "found by date of birth")],
        ),
        (
            lambda: s.patients.possible_duplicates(desk, PATIENT_FORM),
            [
                event(desk, "read", "patient", p, "possible duplicate"),
                event(desk, "read", "patient_index", None, "duplicate check loaded 1 patients"),
            ],
        ),
        (lambda: s.patients.deactivate(desk, p, 2), [event(desk, "deactivate", "patient", p)]),
        (lambda: s.patients.reactivate(desk_2, p, 3), [event(desk_2, "reactivate", "patient", p)]),
        (
            lambda: s.patients.all_for_index(dr_a),
            [event(dr_a, "read", "patient_index", None, "search index loaded 1 patients")],
        ),
        (
            lambda: s.patients.changed_since(desk, MONDAY_11 - timedelta(days=1)),
            [event(desk, "read", "patient_index", None, "search index refreshed 1 patients")],
        ),
        # Nothing read or written, nothing recorded:
        (lambda: s.patients.find_by_email(desk, "nobody@example.invalid"), []),
        (lambda: s.patients.update(desk, p, 4, EDITED_FORM), []),
    ]


def test_every_patient_read_and_write_is_audited_with_its_user(clinic) -> None:
    s, desk, audited = clinic.services, clinic.frontdesk, AuditWatch(clinic)
    patient, events = audited(lambda: s.patients.register(desk, PATIENT_FORM))
    assert events == [event(desk, "create", "patient", patient.id)]
    run_steps(audited, patient_steps(clinic, patient.id))
    # The admin's view through AuditService is the same trail, newest first.
    trail = s.audit.query(clinic.admin, entity_id=str(patient.id))
    desk_2, dr_a, dr_b = clinic.frontdesk_2, clinic.dr_a, clinic.dr_b
    assert [e.username for e in trail] == [
        u.username for u in (desk_2, desk, desk, dr_b, desk_2, desk, dr_a, desk)
    ]


def appointment_steps(clinic, p: UUID, a: UUID) -> Steps:
    s, desk, dr = clinic.services, clinic.frontdesk, clinic.dr_a
    later = MONDAY_11 + timedelta(hours=2)
    shown = "1 appointments from 2030-03-04 11:00 UTC"
    return [
        (lambda: s.appointments.get(dr, a), [event(dr, "read", "appointment", a)]),
        (
            lambda: s.appointments.for_patient(desk, p),
            [event(desk, "read", "patient", p, "appointments")],
        ),
        (
            lambda: s.appointments.schedule(desk, MONDAY_11, later),
            [event(desk, "read", "appointment_book", None, shown)],
        ),
        (
            lambda: s.appointments.move(desk, a, 1, later, later + timedelta(hours=1)),
            [event(desk, "update", "appointment", a, "moved")],
        ),
        (
            lambda: s.appointments.change_status(dr, a, 2, AppointmentStatus.CHECKED_IN),
            [event(dr, "status", "appointment", a, "scheduled -> checked_in")],
        ),
    ]


def test_appointment_reads_and_writes_are_audited(clinic) -> None:
    s, desk, dr, audited = clinic.services, clinic.frontdesk, clinic.dr_a, AuditWatch(clinic)
    p = s.patients.register(desk, PATIENT_FORM).id
    visit, events = audited(
        lambda: s.appointments.book(desk, BookingRequest(p, dr.user_id, MONDAY_11, "intake"))
    )
    assert events == [event(desk, "create", "appointment", visit.id)]
    run_steps(audited, appointment_steps(clinic, p, visit.id))
    request = BookingRequest(p, dr.user_id, MONDAY_11 + timedelta(days=1), "therapy")
    series, events = audited(
        lambda: s.appointments.book_series(desk, request, Recurrence(Frequency.WEEKLY, count=3))
    )
    expected = [
        event(desk, "create", "appointment", x.id, f"series {n} of 3")
        for n, x in enumerate(series, 1)
    ]
    assert events == sorted(expected, key=repr)
    _, events = audited(
        lambda: s.appointments.cancel_following(
            desk, series[1].id, 1, AppointmentStatus.CANCELLED, CANCELLATION_REASON
        )
    )
    expected = [
        event(desk, "status", "appointment", x.id, "scheduled -> cancelled") for x in series[1:]
    ]
    assert events == sorted(expected, key=repr)


def test_twin_reads_and_reviews_are_audited(clinic) -> None:
    s, dr, audited = clinic.services, clinic.dr_a, AuditWatch(clinic)
    p = s.patients.register(clinic.frontdesk, PATIENT_FORM).id
    _, events = audited(lambda: s.twins.get(dr, p))
    assert events == [event(dr, "read", "digital_twin", p, "no twin yet")]
    twin = add_twin(clinic.db, p)
    _, events = audited(lambda: s.twins.get(dr, p))
    assert events == [event(dr, "read", "digital_twin", p)]
    _, events = audited(
        lambda: s.twins.review(dr, p, twin.version, ReviewStatus.FLAGGED, REVIEW_NOTE)
    )
    assert events == [event(dr, "update", "digital_twin", p, "review flagged")]


def test_refused_work_leaves_no_audit_row(clinic) -> None:
    s, desk, dr = clinic.services, clinic.frontdesk, clinic.dr_a
    patient = s.patients.register(desk, PATIENT_FORM)
    s.patients.update(desk, patient.id, 1, EDITED_FORM)
    booked = s.appointments.book(desk, BookingRequest(patient.id, dr.user_id, MONDAY_11, "intake"))
    audited = AuditWatch(clinic)
    refusals: list[tuple[Callable[[], Any], type[DomainError]]] = [
        (lambda: s.patients.update(desk, patient.id, 1, OTHER_FORM), StaleRecord),
        (
            lambda: s.patients.register(desk, OTHER_FORM | {"email": PATIENT_FORM["email"]}),
            DuplicateEmail,
        ),
        (
            lambda: s.appointments.book(
                desk, BookingRequest(patient.id, dr.user_id, booked.start, "therapy")
            ),
            SlotTaken,
        ),
        (lambda: s.twins.get(desk, patient.id), PermissionDenied),
        (lambda: s.patients.register(dr, OTHER_FORM), PermissionDenied),
        (lambda: s.appointments.cancel_following(dr, booked.id, 1, reason="x"), PermissionDenied),
    ]
    for call, refusal in refusals:

        def refused(call: Callable[[], Any] = call, refusal: type[DomainError] = refusal) -> None:
            with pytest.raises(refusal):
                call()

        assert audited(refused)[1] == []
