"""Changing booked appointments through the services on both databases: moving a series onto
its own old slots, cancelling this and all following, a no-show who turned up, moves
refused by another booking, and a deactivated patient."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from service_helpers import (
    CANCELLATION_REASON,
    CLINIC_TZ,
    OTHER_FORM,
    PATIENT_FORM,
)

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.errors import SlotTaken, StaleRecord, ValidationFailed
from novamind_desktop.domain.recurrence import Frequency, Recurrence
from novamind_desktop.services.appointments import BookingRequest

MONDAY_11 = datetime(2030, 3, 4, 11, 0, tzinfo=UTC)  # 12:00 in the clinic
WEEK = timedelta(weeks=1)


pytestmark = pytest.mark.usefixtures("logs_hold_no_phi")


@pytest.fixture
def series(clinic):
    """Four weekly sessions with Dr A at 12:00 on the clinic's clock (across the DST change)."""
    s = clinic.services
    patient = s.patients.register(clinic.frontdesk, PATIENT_FORM)
    request = BookingRequest(patient.id, clinic.dr_a.user_id, MONDAY_11, "therapy")
    return s.appointments.book_series(
        clinic.frontdesk, request, Recurrence(Frequency.WEEKLY, count=4)
    )


def wall_clock(appointments) -> list[tuple[str, time]]:
    return [
        (f"{a.start.astimezone(CLINIC_TZ):%m-%d}", a.start.astimezone(CLINIC_TZ).time())
        for a in appointments
    ]


def stored_series(clinic, first):
    found = clinic.services.appointments.for_patient(clinic.admin, first.patient_id)
    return [a for a in found if a.series_id == first.series_id]


@pytest.mark.parametrize("shift", [WEEK, -WEEK, timedelta(days=14), timedelta(hours=1)])
def test_moving_this_and_following_onto_their_own_old_slots(clinic, series, shift) -> None:
    """Each member lands where another member was; nothing collides with itself."""
    s, desk = clinic.services, clinic.frontdesk
    first = series[0]
    new_start = (first.start.astimezone(CLINIC_TZ) + shift).astimezone(UTC)
    moved = s.appointments.move_following(
        desk, first.id, first.version, new_start, new_start + first.duration
    )
    assert [a.id for a in moved] == [a.id for a in series]
    expected_day = {a.id: (a.start.astimezone(CLINIC_TZ) + shift) for a in series}
    for appointment in moved:
        local = appointment.start.astimezone(CLINIC_TZ)
        assert (local.date(), local.time()) == (
            expected_day[appointment.id].date(),
            expected_day[appointment.id].time(),
        )
        assert appointment.version == 2
    assert stored_series(clinic, first) == moved


def test_cancelling_this_and_following_keeps_the_earlier_ones(clinic, series) -> None:
    s, desk = clinic.services, clinic.frontdesk
    third = series[2]
    cancelled = s.appointments.cancel_following(
        desk, third.id, third.version, AppointmentStatus.LATE_CANCELLED, CANCELLATION_REASON
    )
    assert [(a.id, a.status) for a in cancelled] == [
        (series[2].id, AppointmentStatus.LATE_CANCELLED),
        (series[3].id, AppointmentStatus.CANCELLED),
    ]
    stored = {a.id: a for a in stored_series(clinic, series[0])}
    assert [stored[a.id].status for a in series] == [
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.LATE_CANCELLED,
        AppointmentStatus.CANCELLED,
    ]
    assert {stored[a.id].cancellation_reason for a in series[2:]} == {CANCELLATION_REASON}
    # The freed slots can be booked again; the kept ones cannot.
    other = s.patients.register(desk, OTHER_FORM)
    for kept, freed in ((series[1], series[3]),):
        with pytest.raises(SlotTaken) as caught:
            s.appointments.book(
                desk, BookingRequest(other.id, kept.clinician_id, kept.start, "therapy")
            )
        assert caught.value.conflicting_ids == [kept.id]
        rebooked = s.appointments.book(
            desk, BookingRequest(other.id, freed.clinician_id, freed.start, "therapy")
        )
        assert rebooked.start == freed.start


def test_a_no_show_who_turns_up_gets_the_slot_back_only_if_still_free(clinic, series) -> None:
    s, desk = clinic.services, clinic.frontdesk
    first, second = series[0], series[1]
    other = s.patients.register(desk, OTHER_FORM)
    missed = s.appointments.change_status(desk, first.id, 1, AppointmentStatus.NO_SHOW)
    back = s.appointments.change_status(desk, first.id, missed.version, AppointmentStatus.SCHEDULED)
    assert back.status is AppointmentStatus.SCHEDULED and back.version == 3
    missed = s.appointments.change_status(desk, second.id, 1, AppointmentStatus.NO_SHOW)
    walk_in = s.appointments.book(
        desk,
        BookingRequest(
            other.id, second.clinician_id, second.start + timedelta(minutes=10), "follow_up"
        ),
    )
    with pytest.raises(SlotTaken) as caught:
        s.appointments.change_status(desk, second.id, missed.version, AppointmentStatus.SCHEDULED)
    assert caught.value.conflicting_ids == [walk_in.id]
    assert s.appointments.get(desk, second.id) == missed


def test_a_move_onto_another_booking_or_from_a_stale_copy_changes_nothing(clinic, series) -> None:
    s, desk = clinic.services, clinic.frontdesk
    other = s.patients.register(desk, OTHER_FORM)
    first = series[0]
    blocker = s.appointments.book(
        desk,
        BookingRequest(other.id, first.clinician_id, first.start + timedelta(days=1), "intake"),
    )
    with pytest.raises(SlotTaken) as caught:
        s.appointments.move_following(
            desk, first.id, 1, blocker.start, blocker.start + first.duration
        )
    assert caught.value.conflicting_ids == [blocker.id]
    moved = s.appointments.move(
        desk, first.id, 1, first.start + timedelta(hours=2), first.end + timedelta(hours=2)
    )
    with pytest.raises(StaleRecord):
        s.appointments.move(desk, first.id, 1, first.start, first.end)
    assert stored_series(clinic, first) == [moved, *series[1:]]
    # Giving it to Dr B instead: Dr A's slot is free again.
    handed = s.appointments.move(
        desk, first.id, 2, first.start, first.end, clinician_id=clinic.dr_b.user_id
    )
    assert handed.clinician_id == clinic.dr_b.user_id and handed.start == first.start


def test_a_deactivated_patient_cannot_be_booked_until_reactivated(clinic) -> None:
    s, desk = clinic.services, clinic.frontdesk
    patient = s.patients.register(desk, PATIENT_FORM)
    inactive = s.patients.deactivate(desk, patient.id, patient.version)
    request = BookingRequest(patient.id, clinic.dr_a.user_id, MONDAY_11, "therapy")
    with pytest.raises(ValidationFailed) as caught:
        s.appointments.book(desk, request)
    assert caught.value.for_field("patient")
    with pytest.raises(StaleRecord):
        s.patients.reactivate(desk, patient.id, patient.version)
    s.patients.reactivate(desk, patient.id, inactive.version)
    assert s.appointments.book(desk, request).patient_id == patient.id
