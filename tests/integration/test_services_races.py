"""Changes to booked appointments from two desks at the same moment, on the real PostgreSQL.
Each desk has passed the service's own checks before either writes (the unit of work stops
at the repository call), so the database's constraint or version check must decide."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from service_helpers import (
    OTHER_FORM,
    PATIENT_FORM,
    at_once,
    pause_before,
    split,
)

from novamind_desktop.domain.appointments import Appointment, AppointmentStatus
from novamind_desktop.domain.errors import SlotTaken, StaleRecord
from novamind_desktop.services.appointments import BookingRequest

MONDAY_11 = datetime(2030, 3, 4, 11, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)

pytestmark = [
    pytest.mark.usefixtures("logs_hold_no_phi"),
    pytest.mark.postgres,
    pytest.mark.parametrize("db_url", ["postgres"], indirect=True),
]


@pytest.fixture
def two_visits(clinic) -> tuple[Appointment, Appointment]:
    """Dr A at 12:00 and 14:00 in the clinic, with two patients."""
    s, desk, dr = clinic.services, clinic.frontdesk, clinic.dr_a.user_id
    first = s.patients.register(desk, PATIENT_FORM)
    second = s.patients.register(desk, OTHER_FORM)
    return (
        s.appointments.book(desk, BookingRequest(first.id, dr, MONDAY_11, "therapy")),
        s.appointments.book(desk, BookingRequest(second.id, dr, MONDAY_11 + 2 * HOUR, "therapy")),
    )


def desks_meeting_at(clinic, repository: str, method: str):
    barrier = threading.Barrier(2, timeout=30)
    wrap = pause_before(repository, method, lambda _n: barrier.wait())
    return clinic.workstation(wrap).services, clinic.workstation(wrap).services


def test_two_appointments_moved_into_one_free_slot_at_once(clinic, two_visits) -> None:
    one, two = two_visits
    here, there = desks_meeting_at(clinic, "appointments", "save")
    target = MONDAY_11 + 4 * HOUR
    outcomes = at_once(
        lambda: here.appointments.move(clinic.frontdesk, one.id, 1, target, target + one.duration),
        lambda: there.appointments.move(
            clinic.frontdesk_2, two.id, 1, target + HOUR / 2, target + HOUR / 2 + two.duration
        ),
    )
    moved, refused = split(outcomes, Appointment, SlotTaken)
    assert refused.conflicting_ids == [moved.id]
    loser = two if moved.id == one.id else one
    stored = clinic.services.appointments.get(clinic.admin, loser.id)
    assert (stored.start, stored.version) == (loser.start, 1)


def test_check_in_and_cancel_of_one_appointment_at_once(clinic, two_visits) -> None:
    visit, _ = two_visits
    here, there = desks_meeting_at(clinic, "appointments", "save")
    outcomes = at_once(
        lambda: here.appointments.change_status(
            clinic.frontdesk, visit.id, 1, AppointmentStatus.CHECKED_IN
        ),
        lambda: there.appointments.change_status(
            clinic.frontdesk_2, visit.id, 1, AppointmentStatus.CANCELLED, "called in sick"
        ),
    )
    saved, refused = split(outcomes, Appointment, StaleRecord)
    assert refused.ident == visit.id
    stored = clinic.services.appointments.get(clinic.admin, visit.id)
    assert (stored.status, stored.version) == (saved.status, 2)
    assert stored.status_changed_by == saved.status_changed_by


def test_a_no_show_restored_while_its_slot_is_booked_elsewhere(clinic, two_visits) -> None:
    visit, later = two_visits
    s = clinic.services
    missed = s.appointments.change_status(clinic.frontdesk, visit.id, 1, AppointmentStatus.NO_SHOW)
    barrier = threading.Barrier(2, timeout=30)
    restoring = clinic.workstation(
        pause_before("appointments", "save", lambda _n: barrier.wait())
    ).services
    booking = clinic.workstation(pause_before("appointments", "add", lambda _n: barrier.wait()))
    request = BookingRequest(
        later.patient_id, clinic.dr_a.user_id, visit.start + timedelta(minutes=15), "follow_up"
    )
    outcomes = at_once(
        lambda: restoring.appointments.change_status(
            clinic.frontdesk, visit.id, missed.version, AppointmentStatus.SCHEDULED
        ),
        lambda: booking.services.appointments.book(clinic.frontdesk_2, request),
    )
    won, refused = split(outcomes, Appointment, SlotTaken)
    assert refused.conflicting_ids == [won.id]
    window = (visit.start - HOUR, visit.end + HOUR)
    blocking = [
        slot.appointment
        for slot in s.appointments.schedule(clinic.admin, *window)
        if slot.appointment.blocks_time
    ]
    assert [a.id for a in blocking] == [won.id]
