"""Two workstations at once, through the services. On PostgreSQL: two threads, each with its
own engine and services, released together (also after both passed the service's own
checks, so the database has to decide). On both databases: the same conflicts one after the
other, with two engines on the same database (two desks)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from service_helpers import (
    CLINIC_TZ,
    EDITED_FORM,
    OTHER_FORM,
    PATIENT_FORM,
    RIVAL_EDIT,
    at_once,
    audit_rows,
    pause_before,
    split,
)
from sqlalchemy import text
from storage_samples import wait_until_blocked_on_a_lock

from novamind_desktop.domain.appointments import Appointment
from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.errors import SlotTaken, StaleRecord
from novamind_desktop.domain.patients import Patient
from novamind_desktop.domain.recurrence import Frequency, Recurrence
from novamind_desktop.services.appointments import BookingRequest

MONDAY_11 = datetime(2030, 3, 4, 11, 0, tzinfo=UTC)
ON_POSTGRES = [
    pytest.mark.postgres,
    pytest.mark.parametrize("db_url", ["postgres"], indirect=True),
]


pytestmark = pytest.mark.usefixtures("logs_hold_no_phi")


def created_appointments(clinic) -> list[Any]:
    return [
        r
        for r in audit_rows(clinic.db.engine)
        if r.entity == "appointment" and r.action == AuditAction.CREATE.value
    ]


# --- booking one slot ------------------------------------------------------------------


@pytest.mark.parametrize("released", ["before the service's check", "after the service's check"])
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_two_desks_booking_one_slot_at_once_on_postgres(clinic, released: str) -> None:
    s, desk = clinic.services, clinic.frontdesk
    first = s.patients.register(desk, PATIENT_FORM)
    second = s.patients.register(desk, OTHER_FORM)
    barrier = threading.Barrier(2, timeout=30)
    inside = released.startswith("after")
    wrap = pause_before("appointments", "add", lambda _n: barrier.wait()) if inside else None
    desks = [clinic.workstation(wrap), clinic.workstation(wrap)]

    def book(n: int, patient: Patient, start: datetime) -> Callable[[], Appointment]:
        def run() -> Appointment:
            if not inside:
                barrier.wait()
            request = BookingRequest(patient.id, clinic.dr_a.user_id, start, "therapy")
            return desks[n].services.appointments.book(desk, request)

        return run

    outcomes = at_once(
        book(0, first, MONDAY_11), book(1, second, MONDAY_11 + timedelta(minutes=20))
    )
    booked, refused = split(outcomes, Appointment, SlotTaken)
    assert refused.conflicting_ids == [booked.id]
    assert refused.clinician_id == clinic.dr_a.user_id
    book_day = s.appointments.schedule(
        desk, MONDAY_11 - timedelta(hours=2), MONDAY_11 + timedelta(hours=4)
    )
    assert [slot.appointment.id for slot in book_day] == [booked.id]
    assert [r.entity_id for r in created_appointments(clinic)] == [str(booked.id)]


def test_a_desk_booking_a_slot_just_taken_elsewhere_is_told_which_booking(clinic) -> None:
    s, desk = clinic.services, clinic.frontdesk
    patient = s.patients.register(desk, PATIENT_FORM)
    other = s.patients.register(desk, OTHER_FORM)
    elsewhere = clinic.workstation()
    day = (MONDAY_11 - timedelta(hours=2), MONDAY_11 + timedelta(hours=6))
    assert elsewhere.services.appointments.schedule(clinic.frontdesk_2, *day) == []  # looks free
    taken = s.appointments.book(
        desk, BookingRequest(patient.id, clinic.dr_a.user_id, MONDAY_11, "intake")
    )
    late = BookingRequest(
        other.id, clinic.dr_a.user_id, MONDAY_11 + timedelta(minutes=30), "therapy"
    )
    with pytest.raises(SlotTaken) as caught:
        elsewhere.services.appointments.book(clinic.frontdesk_2, late)
    assert caught.value.conflicting_ids == [taken.id]
    assert (caught.value.start, caught.value.end) == (taken.start, taken.end)
    booked = elsewhere.services.appointments.schedule(clinic.frontdesk_2, *day)
    assert [slot.appointment.id for slot in booked] == [taken.id]
    # The other clinician is free at that time:
    other_dr = BookingRequest(other.id, clinic.dr_b.user_id, late.start, "therapy")
    assert elsewhere.services.appointments.book(clinic.frontdesk_2, other_dr).start == late.start


# --- editing one patient -------------------------------------------------------------------


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_two_desks_saving_one_patient_at_once_on_postgres(clinic) -> None:
    """Both desks passed the version check in the service; the UPDATE ... WHERE version
    decides, and the loser gets StaleRecord instead of overwriting."""
    s = clinic.services
    patient = s.patients.register(clinic.frontdesk, PATIENT_FORM)
    barrier = threading.Barrier(2, timeout=30)
    wrap = pause_before("patients", "save", lambda _n: barrier.wait())
    desks = [clinic.workstation(wrap), clinic.workstation(wrap)]
    edits = {clinic.frontdesk.username: EDITED_FORM, clinic.frontdesk_2.username: RIVAL_EDIT}

    def save(n: int, actor) -> Callable[[], Patient]:
        form = edits[actor.username]
        return lambda: desks[n].services.patients.update(actor, patient.id, patient.version, form)

    outcomes = at_once(save(0, clinic.frontdesk), save(1, clinic.frontdesk_2))
    saved, refused = split(outcomes, Patient, StaleRecord)
    assert refused.ident == patient.id
    stored = s.patients.get(clinic.admin, patient.id)
    assert stored.details == saved.details and stored.version == saved.version == 2
    updates = [r for r in audit_rows(clinic.db.engine) if r.action == AuditAction.UPDATE.value]
    winner = next(name for name, form in edits.items() if saved.details.city == form["city"])
    assert [(r.username, r.entity_id) for r in updates] == [(winner, str(patient.id))]


def test_the_second_desk_saving_an_edited_patient_gets_stale_record(clinic) -> None:
    s = clinic.services
    patient = s.patients.register(clinic.frontdesk, PATIENT_FORM)
    elsewhere = clinic.workstation()
    opened_here = s.patients.get(clinic.frontdesk, patient.id)
    opened_there = elsewhere.services.patients.get(clinic.frontdesk_2, patient.id)
    saved = s.patients.update(clinic.frontdesk, patient.id, opened_here.version, EDITED_FORM)
    with pytest.raises(StaleRecord):
        elsewhere.services.patients.update(
            clinic.frontdesk_2, patient.id, opened_there.version, RIVAL_EDIT
        )
    stored = elsewhere.services.patients.get(clinic.frontdesk_2, patient.id)
    assert stored.details == saved.details and stored.version == 2
    assert stored.details.city == EDITED_FORM["city"]
    # Re-applying the change on the fresh version works (nothing was silently lost):
    again = elsewhere.services.patients.update(
        clinic.frontdesk_2, patient.id, stored.version, RIVAL_EDIT
    )
    assert again.version == 3 and again.details.city == RIVAL_EDIT["city"]


# --- a series meeting a booking made elsewhere while it is written --------------------------


def _series_paused_at_its_fifth_row(clinic, patient: Patient):
    """book_series on its own workstation, stopped before writing its 5th occurrence (the
    first four written, uncommitted): (the future, its release, the 5th slot)."""
    reached_fifth, go_on = threading.Event(), threading.Event()

    def hold_the_fifth(n: int) -> None:
        if n == 5:
            reached_fifth.set()
            assert go_on.wait(30)

    series_desk = clinic.workstation(pause_before("appointments", "add", hold_the_fifth))
    request = BookingRequest(patient.id, clinic.dr_a.user_id, MONDAY_11, "therapy")
    weekly = Recurrence(Frequency.WEEKLY, count=8)
    # The clinic's wall clock: after the clocks change (31 March) it is an hour earlier in UTC.
    fifth, _ = weekly.occurrences(MONDAY_11, MONDAY_11 + timedelta(minutes=50), CLINIC_TZ)[4]
    pool = ThreadPoolExecutor(max_workers=2)
    series = pool.submit(
        series_desk.services.appointments.book_series, clinic.frontdesk, request, weekly
    )
    assert reached_fifth.wait(30)
    return pool, series, go_on, fifth


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_a_series_loses_all_when_a_writer_that_does_not_wait_takes_a_later_slot(clinic) -> None:
    """The series passed its clash check; before its 5th row is written, a writer that does
    not take turns on the clinician's book (an older workstation, plain SQL) moves another
    booking into that slot and commits. The database refuses the 5th row and the series
    stores nothing."""
    s = clinic.services
    patient = s.patients.register(clinic.frontdesk, PATIENT_FORM)
    other = s.patients.register(clinic.frontdesk, OTHER_FORM)
    far = MONDAY_11 + timedelta(days=200)
    blocker = s.appointments.book(
        clinic.frontdesk_2, BookingRequest(other.id, clinic.dr_a.user_id, far, "follow_up")
    )
    pool, series, go_on, fifth = _series_paused_at_its_fifth_row(clinic, patient)
    with pool:
        with clinic.db.engine.begin() as connection:
            connection.execute(
                text("UPDATE appointments SET start_at = :start, end_at = :end WHERE id = :id"),
                {"start": fifth, "end": fifth + timedelta(minutes=30), "id": blocker.id},
            )
        go_on.set()
        with pytest.raises(SlotTaken) as caught:
            series.result(timeout=60)
    assert caught.value.conflicting_ids == [blocker.id]
    assert s.appointments.for_patient(clinic.admin, patient.id) == []
    assert [r.entity_id for r in created_appointments(clinic)] == [str(blocker.id)]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_a_desk_booking_a_slot_a_series_is_writing_waits_and_is_told_which(clinic) -> None:
    """Another desk books the series' 5th slot while the series is being written: it waits
    for the series to finish (writers of one clinician's book take turns), then is refused
    naming the series' occurrence, not failed by a deadlock."""
    s = clinic.services
    patient = s.patients.register(clinic.frontdesk, PATIENT_FORM)
    other = s.patients.register(clinic.frontdesk, OTHER_FORM)
    pool, series, go_on, fifth = _series_paused_at_its_fifth_row(clinic, patient)
    with pool:
        elsewhere = clinic.workstation()
        late = pool.submit(
            elsewhere.services.appointments.book,
            clinic.frontdesk_2,
            BookingRequest(other.id, clinic.dr_a.user_id, fifth, "follow_up"),
        )
        wait_until_blocked_on_a_lock(clinic.db.engine)
        assert not late.done()
        go_on.set()
        booked = series.result(timeout=60)
        with pytest.raises(SlotTaken) as caught:
            late.result(timeout=60)
    assert len(booked) == 8
    assert caught.value.conflicting_ids == [booked[4].id]
    assert {r.entity_id for r in created_appointments(clinic)} == {str(a.id) for a in booked}
