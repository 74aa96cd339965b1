"""Checks and plans the appointment use cases share: loading with a version check, the
request's type, patient and clinician, clashes, and moving a series on the wall clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from novamind_desktop.domain.appointments import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    validate_times,
)
from novamind_desktop.domain.errors import (
    FieldError,
    NotFound,
    SlotTaken,
    StaleRecord,
    ValidationFailed,
)
from novamind_desktop.domain.recurrence import shift_wall_clock, wall_clock_delta
from novamind_desktop.domain.users import Role
from novamind_desktop.services.ports import UnitOfWork


def load(uow: UnitOfWork, appointment_id: UUID) -> Appointment:
    appointment = uow.appointments.get(appointment_id)
    if appointment is None:
        raise NotFound("appointment", appointment_id)
    return appointment


def load_current(uow: UnitOfWork, appointment_id: UUID, expected_version: int) -> Appointment:
    """The appointment as stored; StaleRecord if it changed since `expected_version`."""
    appointment = load(uow, appointment_id)
    if appointment.version != expected_version:
        raise StaleRecord("appointment", appointment_id)
    return appointment


def appointment_type(uow: UnitOfWork, name: str) -> AppointmentType:
    kind = uow.appointment_types.by_name(name)
    if kind is None:
        raise ValidationFailed(
            [FieldError("appointment_type", "Choose one of the clinic's appointment types.")]
        )
    return kind


def check_clinician(uow: UnitOfWork, clinician_id: UUID) -> None:
    user = uow.users.get(clinician_id)
    if user is None:
        raise NotFound("clinician", clinician_id)
    if user.role is not Role.CLINICIAN or not user.active:
        raise ValidationFailed(
            [FieldError("clinician", "Appointments can be booked only with an active clinician.")]
        )


def check_request(
    uow: UnitOfWork,
    patient_id: UUID,
    clinician_id: UUID,
    type_name: str,
    start: datetime,
    end: datetime | None,
) -> datetime:
    """Validate a booking; returns its end (the type's default length when not given)."""
    kind = appointment_type(uow, type_name)
    end = end or start + timedelta(minutes=kind.default_minutes)
    validate_times(start, end)
    patient = uow.patients.get(patient_id)
    if patient is None:
        raise NotFound("patient", patient_id)
    if not patient.active:
        raise ValidationFailed(
            [FieldError("patient", "This patient's record is deactivated; reactivate it to book.")]
        )
    check_clinician(uow, clinician_id)
    return end


def refuse_clashes(
    uow: UnitOfWork,
    clinician_id: UUID,
    times: Iterable[tuple[datetime, datetime]],
    ignore: set[UUID],
    tz: ZoneInfo,
) -> None:
    """SlotTaken naming every booking in the way (times in the clinic's zone for the message)."""
    clashes: dict[UUID, Appointment] = {}
    for start, end in times:
        for other in uow.appointments.overlapping(clinician_id, start, end):
            if other.id not in ignore:
                clashes.setdefault(other.id, other)
    if clashes:
        ordered = sorted(clashes.values(), key=lambda a: a.start)
        first = ordered[0]
        raise SlotTaken(
            clinician_id,
            first.start.astimezone(tz),
            first.end.astimezone(tz),
            [a.id for a in ordered],
        )


def this_and_following(uow: UnitOfWork, current: Appointment) -> list[Appointment]:
    """`current`, then the later still-scheduled appointments of its series."""
    if current.series_id is None:
        return [current]
    later = [
        a
        for a in uow.appointments.in_series(current.series_id)
        if a.id != current.id
        and a.start > current.start
        and a.status is AppointmentStatus.SCHEDULED
    ]
    return [current, *sorted(later, key=lambda a: a.start)]


def plan_moves(
    uow: UnitOfWork,
    members: list[Appointment],
    anchor: Appointment,
    start: datetime,
    end: datetime,
    clinician_id: UUID | None,
    tz: ZoneInfo,
) -> list[Appointment]:
    """Where each member goes when `anchor` moves to [start, end); in an order that can be
    saved one by one without a member colliding with another's old place."""
    if any(m.status is not AppointmentStatus.SCHEDULED for m in members):
        raise ValidationFailed([FieldError("status", "Only a scheduled appointment can be moved.")])
    validate_times(start, end)
    target = clinician_id or anchor.clinician_id
    if target != anchor.clinician_id:
        check_clinician(uow, target)
    delta = wall_clock_delta(anchor.start, start, tz)
    length = end - start
    moved = []
    for member in members:
        new_start = start if member.id == anchor.id else shift_wall_clock(member.start, delta, tz)
        moved.append(replace(member, start=new_start, end=new_start + length, clinician_id=target))
    refuse_clashes(uow, target, [(m.start, m.end) for m in moved], {m.id for m in members}, tz)
    # Moving later: save the last first, so no member lands on one not yet moved away.
    return sorted(moved, key=lambda m: m.start, reverse=start > anchor.start)
