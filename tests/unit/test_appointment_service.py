"""AppointmentService: booking, series, moves, status changes and the book, on the fakes."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from novamind_desktop.domain.appointments import Appointment, AppointmentStatus
from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.errors import (
    InvalidTransition,
    NotFound,
    PermissionDenied,
    SlotTaken,
    StaleRecord,
    ValidationFailed,
)
from novamind_desktop.domain.patients import Patient, PatientDetails
from novamind_desktop.domain.recurrence import Frequency, Recurrence
from novamind_desktop.domain.users import Role
from novamind_desktop.services.appointments import AppointmentService, BookingRequest

from .conftest import CLINIC_TZ, add_user

S = AppointmentStatus


def at(*args):
    """A wall-clock time at the clinic, as UTC."""
    return datetime(*args, tzinfo=CLINIC_TZ).astimezone(UTC)


def local(moment):
    return moment.astimezone(CLINIC_TZ).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def service(uow_factory, clock):
    return AppointmentService(uow_factory, clock, CLINIC_TZ)


@pytest.fixture
def patient(db):
    p = Patient(uuid4(), PatientDetails("Ines", "Ibáñez", date(1970, 1, 1), "+34600111222"))
    db.patients[p.id] = p
    return p


@pytest.fixture
def request_at(patient, clinician_user):
    def make(start, minutes=50, **changes):
        fields = dict(
            patient_id=patient.id,
            clinician_id=clinician_user.id,
            start=start,
            end=start + timedelta(minutes=minutes),
            appointment_type="therapy",
        )
        return BookingRequest(**{**fields, **changes})

    return make


def test_book_stores_and_audits_without_phi(service, db, frontdesk, request_at):
    booked = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0), notes="grieving, sleep"))
    assert db.appointments[booked.id].notes == "grieving, sleep"
    assert booked.status is S.SCHEDULED and booked.version == 1
    (event,) = db.audit
    assert (event.action, event.entity, event.entity_id) == (
        AuditAction.CREATE,
        "appointment",
        str(booked.id),
    )
    assert "grieving" not in event.detail and "Ibáñez" not in event.detail


def test_without_an_end_the_type_sets_the_length(service, frontdesk, request_at):
    booked = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0), end=None))
    assert booked.end - booked.start == timedelta(minutes=50)


def test_a_double_booking_is_refused_naming_the_booking_in_the_way(
    service, db, uow_factory, frontdesk, request_at
):
    first = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    with pytest.raises(SlotTaken) as taken:
        service.book(frontdesk, request_at(at(2025, 6, 2, 9, 30)))
    assert taken.value.conflicting_ids == [first.id]
    assert "09:00" in str(taken.value) and "09:50" in str(taken.value)  # clinic time, not UTC
    assert uow_factory.last.committed is False
    assert len(db.appointments) == 1


def test_a_cancelled_slot_can_be_booked_again(service, frontdesk, request_at):
    first = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    service.change_status(frontdesk, first.id, 1, S.CANCELLED, "patient ill")
    assert service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0))).status is S.SCHEDULED


def test_back_to_back_appointments_do_not_clash(service, frontdesk, request_at):
    service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    service.book(frontdesk, request_at(at(2025, 6, 2, 9, 50)))


def test_bad_requests_are_refused_field_by_field(
    service, db, frontdesk, request_at, patient, frontdesk_user
):
    start = at(2025, 6, 2, 9, 0)
    cases = {
        "appointment_type": request_at(start, appointment_type="séance"),
        "end": request_at(start, minutes=-10),
        "clinician": request_at(start, clinician_id=frontdesk_user.id),
    }
    for field, request in cases.items():
        with pytest.raises(ValidationFailed) as refused:
            service.book(frontdesk, request)
        assert refused.value.for_field(field), field
    with pytest.raises(ValidationFailed):
        service.book(frontdesk, request_at(datetime(2025, 6, 2, 9, 0)))  # no time zone
    with pytest.raises(NotFound):
        service.book(frontdesk, request_at(start, patient_id=uuid4()))
    db.patients[patient.id] = Patient(patient.id, patient.details, active=False)
    with pytest.raises(ValidationFailed) as inactive:
        service.book(frontdesk, request_at(start))
    assert inactive.value.for_field("patient")
    assert db.appointments == {}


def test_a_weekly_series_keeps_its_local_time_across_the_clock_change(
    service, db, frontdesk, request_at
):
    series = service.book_series(
        frontdesk, request_at(at(2025, 3, 24, 9, 0)), Recurrence(Frequency.WEEKLY, count=3)
    )
    assert [local(a.start) for a in series] == [
        "2025-03-24 09:00",
        "2025-03-31 09:00",
        "2025-04-07 09:00",
    ]
    assert len({a.series_id for a in series}) == 1 and series[0].series_id is not None
    assert [e.detail for e in db.audit] == ["series 1 of 3", "series 2 of 3", "series 3 of 3"]


def test_a_series_is_all_or_nothing(service, db, uow_factory, frontdesk, request_at):
    in_the_way = service.book(frontdesk, request_at(at(2025, 6, 16, 9, 30), minutes=20))
    with pytest.raises(SlotTaken) as taken:
        service.book_series(
            frontdesk,
            request_at(at(2025, 6, 2, 9, 0)),
            Recurrence(Frequency.EVERY_TWO_WEEKS, until=date(2025, 7, 31)),
        )
    assert taken.value.conflicting_ids == [in_the_way.id]
    assert uow_factory.last.committed is False
    assert list(db.appointments) == [in_the_way.id]
    assert len(db.audit) == 1


def test_a_series_of_one_is_a_normal_booking_with_a_series_id(service, frontdesk, request_at):
    (only,) = service.book_series(
        frontdesk, request_at(at(2025, 6, 2, 9, 0)), Recurrence(Frequency.MONTHLY, count=1)
    )
    assert only.series_id is not None


def test_move_changes_times_and_clinician(service, db, frontdesk, request_at, other_clinician):
    booked = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    moved = service.move(
        frontdesk, booked.id, 1, at(2025, 6, 3, 14, 0), at(2025, 6, 3, 15, 0), other_clinician.id
    )
    assert (local(moved.start), moved.duration, moved.clinician_id) == (
        "2025-06-03 14:00",
        timedelta(hours=1),
        other_clinician.id,
    )
    assert moved.version == 2
    assert db.audit[-1].action == AuditAction.UPDATE and db.audit[-1].detail == "moved"


def test_move_is_refused_when_stale_taken_or_not_scheduled(
    service, db, uow_factory, frontdesk, request_at
):
    a = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    b = service.book(frontdesk, request_at(at(2025, 6, 2, 11, 0)))
    with pytest.raises(SlotTaken):
        service.move(frontdesk, a.id, 1, at(2025, 6, 2, 10, 30), at(2025, 6, 2, 11, 20))
    assert uow_factory.last.committed is False
    service.move(frontdesk, a.id, 1, at(2025, 6, 2, 9, 10), at(2025, 6, 2, 10, 0))
    with pytest.raises(StaleRecord):
        service.move(frontdesk, a.id, 1, at(2025, 6, 2, 8, 0), at(2025, 6, 2, 8, 50))
    service.change_status(frontdesk, b.id, 1, S.CANCELLED, "clinician away")
    with pytest.raises(ValidationFailed):
        service.move(frontdesk, b.id, 2, at(2025, 6, 2, 15, 0), at(2025, 6, 2, 15, 50))


def _weekly(service, frontdesk, request_at, start, count=4):
    return service.book_series(
        frontdesk, request_at(start), Recurrence(Frequency.WEEKLY, count=count)
    )


def test_move_following_shifts_this_and_later_ones_on_the_wall_clock(
    service, db, frontdesk, request_at
):
    series = _weekly(service, frontdesk, request_at, at(2025, 3, 17, 9, 0))
    moved = service.move_following(
        frontdesk, series[1].id, 1, at(2025, 3, 24, 10, 30), at(2025, 3, 24, 11, 0)
    )
    assert [local(a.start) for a in moved] == [
        "2025-03-24 10:30",
        "2025-03-31 10:30",  # after the change to summer time: still 10:30
        "2025-04-07 10:30",
    ]
    assert all(a.duration == timedelta(minutes=30) for a in moved)
    assert local(db.appointments[series[0].id].start) == "2025-03-17 09:00"


def test_move_following_by_a_week_lands_on_its_own_old_places(service, db, frontdesk, request_at):
    series = _weekly(service, frontdesk, request_at, at(2025, 6, 2, 9, 0))
    moved = service.move_following(
        frontdesk, series[0].id, 1, at(2025, 6, 9, 9, 0), at(2025, 6, 9, 9, 50)
    )
    assert [local(a.start)[:10] for a in moved] == [
        "2025-06-09",
        "2025-06-16",
        "2025-06-23",
        "2025-06-30",
    ]


def test_move_following_is_all_or_nothing(service, db, uow_factory, frontdesk, request_at):
    series = _weekly(service, frontdesk, request_at, at(2025, 6, 2, 9, 0))
    blocker = service.book(frontdesk, request_at(at(2025, 6, 23, 12, 0)))
    with pytest.raises(SlotTaken) as taken:
        service.move_following(
            frontdesk, series[1].id, 1, at(2025, 6, 9, 12, 0), at(2025, 6, 9, 12, 50)
        )
    assert taken.value.conflicting_ids == [blocker.id]
    assert uow_factory.last.committed is False
    assert [local(db.appointments[a.id].start)[11:] for a in series] == ["09:00"] * 4


def test_move_following_of_a_single_appointment_moves_just_it(service, frontdesk, request_at):
    single = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    (moved,) = service.move_following(
        frontdesk, single.id, 1, at(2025, 6, 2, 10, 0), at(2025, 6, 2, 10, 50)
    )
    assert local(moved.start) == "2025-06-02 10:00"


def test_status_changes_are_stamped_with_time_and_user(service, db, clock, frontdesk, request_at):
    booked = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    clock.advance(hours=1)
    checked_in = service.change_status(frontdesk, booked.id, 1, S.CHECKED_IN)
    assert (checked_in.status, checked_in.status_changed_at, checked_in.status_changed_by) == (
        S.CHECKED_IN,
        clock.now(),
        "fiona",
    )
    assert db.audit[-1].action == AuditAction.STATUS
    assert db.audit[-1].detail == "scheduled -> checked_in"
    with pytest.raises(InvalidTransition):
        service.change_status(frontdesk, booked.id, 2, S.NO_SHOW)


def test_cancelling_needs_a_reason_which_is_kept_but_not_audited(
    service, db, frontdesk, request_at
):
    booked = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    with pytest.raises(ValidationFailed) as refused:
        service.change_status(frontdesk, booked.id, 1, S.CANCELLED, "  ")
    assert refused.value.for_field("reason")
    cancelled = service.change_status(frontdesk, booked.id, 1, S.LATE_CANCELLED, "panic attack")
    assert cancelled.cancellation_reason == "panic attack"
    assert all("panic" not in e.detail for e in db.audit)


def test_a_no_show_who_turns_up_needs_the_slot_to_be_free(service, frontdesk, request_at):
    booked = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    service.change_status(frontdesk, booked.id, 1, S.NO_SHOW)
    service.book(frontdesk, request_at(at(2025, 6, 2, 9, 20), minutes=20))
    with pytest.raises(SlotTaken):
        service.change_status(frontdesk, booked.id, 2, S.SCHEDULED)


def test_clinicians_update_only_their_own_appointments(
    service, db, frontdesk, clinician, request_at, other_clinician
):
    mine = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    theirs = service.book(
        frontdesk, request_at(at(2025, 6, 2, 9, 0), clinician_id=other_clinician.id)
    )
    assert service.change_status(clinician, mine.id, 1, S.CHECKED_IN).status is S.CHECKED_IN
    with pytest.raises(PermissionDenied):
        service.change_status(clinician, theirs.id, 1, S.CHECKED_IN)
    with pytest.raises(PermissionDenied):
        service.change_status(clinician, mine.id, 2, S.CANCELLED, "reason")
    assert db.appointments[theirs.id].status is S.SCHEDULED


def test_cancel_following_cancels_this_and_later_scheduled_ones(service, db, frontdesk, request_at):
    series = _weekly(service, frontdesk, request_at, at(2025, 6, 2, 9, 0), count=5)
    service.change_status(frontdesk, series[3].id, 1, S.CANCELLED, "holiday")
    done = service.cancel_following(frontdesk, series[1].id, 1, S.LATE_CANCELLED, "moving away")
    assert [a.id for a in done] == [series[1].id, series[2].id, series[4].id]
    assert [db.appointments[a.id].status for a in series] == [
        S.SCHEDULED,
        S.LATE_CANCELLED,
        S.CANCELLED,
        S.CANCELLED,
        S.CANCELLED,
    ]
    assert db.appointments[series[3].id].cancellation_reason == "holiday"
    with pytest.raises(ValidationFailed):
        service.cancel_following(frontdesk, series[0].id, 1, S.NO_SHOW, "x")


def test_the_book_shows_names_types_and_colours(
    service, db, frontdesk, request_at, patient, clinician_user
):
    booked = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0), notes="grieving"))
    (slot,) = service.schedule(frontdesk, at(2025, 6, 2, 0, 0), at(2025, 6, 3, 0, 0))
    # The grid's fields only: the notes (PHI) are read, and audited, by get() alone.
    assert slot.appointment == replace(booked, notes="", created_at=None, updated_at=None)
    assert (slot.patient_name, slot.clinician_name) == ("Ines Ibáñez", "Dr Chen")
    assert (slot.type_label, slot.colour) == ("Therapy", "#b07aa1")
    assert db.audit[-1].entity == "appointment_book" and "Ibáñez" not in db.audit[-1].detail
    assert service.schedule(frontdesk, at(2025, 6, 3, 0, 0), at(2025, 6, 4, 0, 0)) == []


def test_a_refresh_of_the_book_is_not_audited_again(service, db, frontdesk, request_at):
    booked = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    day = (at(2025, 6, 2, 0, 0), at(2025, 6, 3, 0, 0))
    service.schedule(frontdesk, *day)  # the person opens the day: audited
    rows = len(db.audit)
    assert db.audit[-1].entity == "appointment_book"
    (slot,) = service.schedule(frontdesk, *day, refresh=True)  # the book's polling
    assert slot.appointment.id == booked.id
    assert len(db.audit) == rows
    service.schedule(frontdesk, at(2025, 6, 3, 0, 0), at(2025, 6, 4, 0, 0))  # the next day
    assert len(db.audit) == rows + 1


def test_a_clinician_sees_only_their_own_schedule(
    service, frontdesk, clinician, request_at, other_clinician, clinician_user
):
    service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0), clinician_id=other_clinician.id))
    day = (at(2025, 6, 2, 0, 0), at(2025, 6, 3, 0, 0))
    assert len(service.schedule(frontdesk, *day)) == 2
    assert [s.clinician_name for s in service.schedule(clinician, *day)] == ["Dr Chen"]
    with pytest.raises(PermissionDenied):
        service.schedule(clinician, *day, [other_clinician.id])


def test_clinicians_lists_active_clinicians_only(service, db, frontdesk, clinician_user):
    add_user(db, "dr.gone", Role.CLINICIAN)
    gone = next(u for u in db.users.values() if u.username == "dr.gone")
    db.users[gone.id] = type(gone)(gone.id, gone.username, "Dr Gone", gone.role, active=False)
    assert [u.username for u in service.clinicians(frontdesk)] == ["dr.chen"]
    assert [t.name for t in service.types(frontdesk)][:2] == ["intake", "follow_up"]


def test_next_available_slot_skips_bookings_and_closed_hours(
    service, frontdesk, request_at, clinician_user
):
    service.book(frontdesk, request_at(at(2025, 6, 2, 8, 0), minutes=60))
    service.book(frontdesk, request_at(at(2025, 6, 2, 9, 30), minutes=510))  # until 18:00
    start, end = service.next_available(
        frontdesk, clinician_user.id, "intake", at(2025, 6, 2, 7, 0)
    )
    assert (local(start), local(end)) == ("2025-06-03 08:00", "2025-06-03 09:00")
    # A 20-minute type fits the 30-minute gap on Monday.
    start, _ = service.next_available(
        frontdesk, clinician_user.id, "medication_review", at(2025, 6, 2, 7, 0)
    )
    assert local(start) == "2025-06-02 09:00"


def test_next_available_never_offers_the_past(service, clock, frontdesk, clinician_user):
    clock.current = at(2025, 6, 4, 13, 2)
    start, _ = service.next_available(
        frontdesk, clinician_user.id, "follow_up", at(2025, 6, 1, 0, 0)
    )
    assert local(start) == "2025-06-04 13:05"


def test_next_for_patients_and_for_patient(service, frontdesk, clinician, request_at, patient):
    later = service.book(frontdesk, request_at(at(2025, 6, 9, 9, 0)))
    sooner = service.book(frontdesk, request_at(at(2025, 6, 3, 9, 0)))
    assert service.next_for_patients(clinician, at(2025, 6, 2, 0, 0)) == {patient.id: sooner.start}
    assert [a.id for a in service.for_patient(frontdesk, patient.id)] == [sooner.id, later.id]


def test_get_returns_the_appointment_audited_or_not_found(service, db, frontdesk, request_at):
    booked = service.book(frontdesk, request_at(at(2025, 6, 2, 9, 0)))
    assert isinstance(service.get(frontdesk, booked.id), Appointment)
    assert (db.audit[-1].action, db.audit[-1].entity_id) == (AuditAction.READ, str(booked.id))
    with pytest.raises(NotFound):
        service.get(frontdesk, uuid4())
