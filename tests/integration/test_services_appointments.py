"""The appointment book's use cases on both databases: all-or-nothing series, status stamps,
who may change what, and the next free slot within the opening hours stored by 0002."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from service_helpers import (
    APPOINTMENT_NOTES,
    CANCELLATION_REASON,
    CLINIC_TZ,
    OTHER_FORM,
    PATIENT_FORM,
    audit_rows,
)
from sqlalchemy import select

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.clinic import DEFAULT_OPENING_HOURS, OpeningHours
from novamind_desktop.domain.errors import PermissionDenied, SlotTaken
from novamind_desktop.domain.recurrence import Frequency, Recurrence
from novamind_desktop.infrastructure.records import AppointmentRecord
from novamind_desktop.services.appointments import BookingRequest

APPOINTMENTS = AppointmentRecord.__table__
MONDAY_11 = datetime(2030, 3, 4, 11, 0, tzinfo=UTC)  # 12:00 in the clinic


pytestmark = pytest.mark.usefixtures("logs_hold_no_phi")


@pytest.fixture
def patients(clinic):
    s = clinic.services
    return s.patients.register(clinic.frontdesk, PATIENT_FORM), s.patients.register(
        clinic.frontdesk, OTHER_FORM
    )


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A time on the clinic's wall clock, as aware UTC."""
    return datetime.combine(day, time(hour, minute), CLINIC_TZ).astimezone(UTC)


def stored_row(clinic, appointment_id):
    with clinic.db.engine.connect() as connection:
        return connection.execute(
            select(APPOINTMENTS).where(APPOINTMENTS.c.id == appointment_id)
        ).one()


def appointment_audit(clinic) -> list[tuple[str, str, str | None, str]]:
    return [
        (r.username, r.action, r.entity_id, r.detail)
        for r in audit_rows(clinic.db.engine)
        if r.entity == "appointment"
    ]


# --- series --------------------------------------------------------------------------------


def test_a_series_colliding_in_its_fifth_occurrence_books_nothing(clinic, patients) -> None:
    s, desk = clinic.services, clinic.frontdesk
    patient, other = patients
    weekly = Recurrence(Frequency.WEEKLY, count=8)
    request = BookingRequest(patient.id, clinic.dr_a.user_id, MONDAY_11, "therapy")
    times = weekly.occurrences(MONDAY_11, MONDAY_11 + timedelta(minutes=50), CLINIC_TZ)
    blocker = s.appointments.book(
        desk, BookingRequest(other.id, clinic.dr_a.user_id, times[4][0], "follow_up")
    )
    with pytest.raises(SlotTaken) as caught:
        s.appointments.book_series(desk, request, weekly)
    assert caught.value.conflicting_ids == [blocker.id]
    assert (caught.value.start, caught.value.end) == (blocker.start, blocker.end)
    assert caught.value.start.astimezone(CLINIC_TZ).time() == time(12, 0)  # after the DST change
    assert s.appointments.for_patient(desk, patient.id) == []
    with clinic.db.engine.connect() as connection:
        assert connection.execute(select(APPOINTMENTS.c.id)).scalars().all() == [blocker.id]
    assert [a[2] for a in appointment_audit(clinic)] == [str(blocker.id)]
    # Once the slot is free again the same series books every occurrence, on the wall clock.
    s.appointments.change_status(desk, blocker.id, 1, AppointmentStatus.CANCELLED, "moved")
    series = s.appointments.book_series(desk, request, weekly)
    assert [(a.start, a.end) for a in series] == times
    assert {a.series_id for a in series} != {None} and len({a.series_id for a in series}) == 1
    assert {a.start.astimezone(CLINIC_TZ).time() for a in series} == {time(12, 0)}


# --- status ---------------------------------------------------------------------------------


def test_status_changes_are_stamped_with_time_and_user(clinic, patients) -> None:
    s, desk, dr, clock = clinic.services, clinic.frontdesk, clinic.dr_a, clinic.db.clock
    patient, other = patients
    visit = s.appointments.book(desk, BookingRequest(patient.id, dr.user_id, MONDAY_11, "intake"))
    later = s.appointments.book(
        desk, BookingRequest(other.id, dr.user_id, MONDAY_11 + timedelta(days=2), "therapy")
    )
    checked_in_at = clock.advance(minutes=7)
    checked_in = s.appointments.change_status(desk, visit.id, 1, AppointmentStatus.CHECKED_IN)
    completed_at = clock.advance(minutes=55)
    completed = s.appointments.change_status(dr, visit.id, 2, AppointmentStatus.COMPLETED)
    cancelled_at = clock.advance(minutes=3)
    cancelled = s.appointments.change_status(
        desk, later.id, 1, AppointmentStatus.CANCELLED, CANCELLATION_REASON
    )
    assert (checked_in.status_changed_at, checked_in.status_changed_by) == (
        checked_in_at,
        desk.username,
    )
    assert (completed.status, completed.status_changed_at, completed.status_changed_by) == (
        AppointmentStatus.COMPLETED,
        completed_at,
        dr.username,
    )
    row = stored_row(clinic, visit.id)
    assert (row.status, row.status_changed_at, row.status_changed_by) == (
        "completed",
        completed_at,
        dr.username,
    )
    assert (row.updated_by, row.updated_at, row.version) == (dr.username, completed_at, 3)
    reread = s.appointments.get(desk, later.id)
    assert reread == cancelled and reread.cancellation_reason == CANCELLATION_REASON
    assert (reread.status_changed_at, reread.status_changed_by) == (cancelled_at, desk.username)
    statuses = [a for a in appointment_audit(clinic) if a[1] == AuditAction.STATUS.value]
    assert statuses == [
        (desk.username, "status", str(visit.id), "scheduled -> checked_in"),
        (dr.username, "status", str(visit.id), "checked_in -> completed"),
        (desk.username, "status", str(later.id), "scheduled -> cancelled"),
    ]


def test_a_clinician_may_not_change_another_clinicians_appointment(clinic, patients) -> None:
    s, desk, dr_a = clinic.services, clinic.frontdesk, clinic.dr_a
    patient, _ = patients
    theirs = s.appointments.book(
        desk,
        BookingRequest(
            patient.id, clinic.dr_b.user_id, MONDAY_11, "therapy", notes=APPOINTMENT_NOTES
        ),
    )
    before_row, before_audit = stored_row(clinic, theirs.id), audit_rows(clinic.db.engine)
    attempts = [
        lambda: s.appointments.change_status(dr_a, theirs.id, 1, AppointmentStatus.CHECKED_IN),
        lambda: s.appointments.change_status(dr_a, theirs.id, 1, AppointmentStatus.NO_SHOW),
        lambda: s.appointments.get(dr_a, theirs.id),
        lambda: s.appointments.schedule(
            dr_a, MONDAY_11, MONDAY_11 + timedelta(hours=1), [clinic.dr_b.user_id]
        ),
        lambda: s.appointments.move(dr_a, theirs.id, 1, MONDAY_11, MONDAY_11 + timedelta(hours=1)),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert stored_row(clinic, theirs.id) == before_row
    assert audit_rows(clinic.db.engine) == before_audit
    # Their own book shows only their own appointments, and their own they may check in:
    mine = s.appointments.book(
        desk, BookingRequest(patient.id, dr_a.user_id, MONDAY_11, "follow_up")
    )
    day = s.appointments.schedule(
        dr_a, MONDAY_11 - timedelta(hours=3), MONDAY_11 + timedelta(hours=3)
    )
    assert [slot.appointment.id for slot in day] == [mine.id]
    # Nor does the patient's history hand them the other clinician's appointment and notes:
    assert [a.id for a in s.appointments.for_patient(dr_a, patient.id)] == [mine.id]
    everyone = s.appointments.for_patient(desk, patient.id)
    assert {a.id for a in everyone} == {mine.id, theirs.id}
    checked_in = s.appointments.change_status(dr_a, mine.id, 1, AppointmentStatus.CHECKED_IN)
    assert checked_in.status_changed_by == dr_a.username


def test_the_front_desk_may_not_read_the_audit_log(clinic, patients, tmp_path) -> None:
    s, desk = clinic.services, clinic.frontdesk
    before = audit_rows(clinic.db.engine)
    with pytest.raises(PermissionDenied):
        s.audit.query(desk)
    with pytest.raises(PermissionDenied):
        s.audit.query(desk, user_id=desk.user_id)
    with pytest.raises(PermissionDenied):
        s.audit.export_csv(desk, [], tmp_path / "audit.csv")
    assert not (tmp_path / "audit.csv").exists()
    assert audit_rows(clinic.db.engine) == before
    # An admin may; the export is itself audited.
    events = s.audit.query(clinic.admin, user_id=desk.user_id)
    assert {e.action for e in events} == {AuditAction.CREATE} and len(events) == 2
    assert s.audit.export_csv(clinic.admin, events, tmp_path / "audit.csv") == 2
    exports = [r for r in audit_rows(clinic.db.engine) if r.action == AuditAction.EXPORT.value]
    assert [(r.username, r.entity, r.detail) for r in exports] == [
        ("cli:tests", "audit_log", "2 events exported as CSV")
    ]


# --- next available slot ------------------------------------------------------------------


def test_next_available_follows_the_stored_hours_and_bookings(clinic, patients) -> None:
    s, desk, dr = clinic.services, clinic.frontdesk, clinic.dr_a
    patient, other = patients
    monday = date(2030, 3, 4)  # the clock says Monday 10:00 in the clinic
    free = s.appointments.next_available(desk, dr.user_id, "therapy", MONDAY_11 - timedelta(days=3))
    assert free == (local(monday, 10), local(monday, 10, 50))  # not before now
    for start in (local(monday, 10), local(monday, 10, 50)):
        s.appointments.book(desk, BookingRequest(patient.id, dr.user_id, start, "therapy"))
    dropped = s.appointments.book(
        desk, BookingRequest(other.id, dr.user_id, local(monday, 11, 40), "therapy")
    )
    s.appointments.change_status(desk, dropped.id, 1, AppointmentStatus.CANCELLED, "ill")
    s.appointments.book(  # another clinician's booking is not in the way
        desk, BookingRequest(other.id, clinic.dr_b.user_id, local(monday, 11, 40), "therapy")
    )
    free = s.appointments.next_available(desk, dr.user_id, "therapy", local(monday, 10))
    assert free == (local(monday, 11, 40), local(monday, 12, 30))
    # Friday 17:30: 50 minutes do not fit before 18:00; the weekend is closed.
    friday = date(2030, 3, 8)
    free = s.appointments.next_available(desk, dr.user_id, "therapy", local(friday, 17, 30))
    assert free == (local(date(2030, 3, 11), 8), local(date(2030, 3, 11), 8, 50))
    free = s.appointments.next_available(desk, dr.user_id, "follow_up", local(friday, 17, 30))
    assert free == (local(friday, 17, 30), local(friday, 18))


def test_next_available_reads_the_hours_the_clinic_stored(clinic) -> None:
    s, dr = clinic.services, clinic.dr_a
    with clinic.db(clinic.admin) as uow:
        assert uow.opening_hours.week() == list(DEFAULT_OPENING_HOURS)  # seeded by 0002
        saturday = OpeningHours(5, time(9, 30), time(12, 0))
        uow.opening_hours.replace_week([*DEFAULT_OPENING_HOURS, saturday])
        uow.commit()
    friday_evening = local(date(2030, 3, 8), 17, 30)
    free = s.appointments.next_available(clinic.frontdesk, dr.user_id, "intake", friday_evening)
    assert free == (local(date(2030, 3, 9), 9, 30), local(date(2030, 3, 9), 10, 30))
