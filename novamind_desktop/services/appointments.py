"""Use cases of the appointment book: book (once or as a series), move, change status, view."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from novamind_desktop.domain.appointments import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    check_transition,
)
from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.clinic import DEFAULT_OPENING_HOURS
from novamind_desktop.domain.errors import FieldError, PermissionDenied, ValidationFailed
from novamind_desktop.domain.recurrence import Recurrence
from novamind_desktop.domain.schedule import DEFAULT_HORIZON_DAYS, next_free_slot
from novamind_desktop.domain.users import Actor, Permission, Role, User
from novamind_desktop.services import appointment_rules as rules
from novamind_desktop.services import audit_trail
from novamind_desktop.services.audit_trail import APPOINTMENT, APPOINTMENT_BOOK
from novamind_desktop.services.ports import BookRow, Clock, UnitOfWork, UnitOfWorkFactory

CANCELLATIONS = frozenset({AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED})


@dataclass(frozen=True)
class BookingRequest:
    """What the booking form asks for. Without `end` the type's default length is used."""

    patient_id: UUID
    clinician_id: UUID
    start: datetime
    appointment_type: str
    end: datetime | None = None
    virtual: bool = False
    location: str = ""
    notes: str = ""  # PHI: stored encrypted, never audited


@dataclass(frozen=True)
class BookedSlot:
    """One block of the appointment book, with the names it shows.

    `appointment` is what the grid needs (ports.BookRow): without its notes and cancellation
    reason, which get() reads and audits when one appointment is opened."""

    appointment: Appointment
    patient_name: str
    clinician_name: str
    type_label: str
    colour: str  # "#rrggbb" of the appointment type


class AppointmentService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, clinic_tz: ZoneInfo):
        self._uow = uow_factory
        self._clock = clock
        self.clinic_tz = clinic_tz

    def _audit(
        self, uow: UnitOfWork, actor: Actor, action: AuditAction, ident: UUID, detail: str = ""
    ) -> None:
        audit_trail.record(uow, self._clock, actor, action, APPOINTMENT, ident, detail)

    # What the book shows

    def types(self, actor: Actor) -> list[AppointmentType]:
        actor.require(Permission.READ_APPOINTMENTS)
        with self._uow(actor) as uow:
            return uow.appointment_types.list_all()

    def clinicians(self, actor: Actor) -> list[User]:
        """Active clinicians, by name."""
        actor.require(Permission.READ_APPOINTMENTS)
        with self._uow(actor) as uow:
            users = uow.users.list_all()
        found = [u for u in users if u.role is Role.CLINICIAN and u.active]
        return sorted(found, key=lambda u: u.display_name.casefold())

    def schedule(
        self,
        actor: Actor,
        start: datetime,
        end: datetime,
        clinician_ids: list[UUID] | None = None,
        *,
        refresh: bool = False,
    ) -> list[BookedSlot]:
        """Appointments (any status) overlapping [start, end), with patient and clinician names.

        A clinician sees only their own schedule. Each call is audited as a read of the book,
        except `refresh=True`: the background re-fetch of a view the person already opened
        (and whose opening was audited), so a book left on screen all day does not add a row
        every few seconds."""
        actor.require(Permission.READ_APPOINTMENTS)
        ids = _visible_clinicians(actor, clinician_ids)
        with self._uow(actor, reading=True) as uow:
            slots = [_booked_slot(row) for row in uow.appointments.for_book(start, end, ids)]
            if not refresh:
                when = f"{start.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
                audit_trail.record(
                    uow,
                    self._clock,
                    actor,
                    AuditAction.READ,
                    APPOINTMENT_BOOK,
                    None,
                    f"{len(slots)} appointments from {when}",
                )
                uow.commit()
        return slots

    def get(self, actor: Actor, appointment_id: UUID) -> Appointment:
        actor.require(Permission.READ_APPOINTMENTS)
        with self._uow(actor, reading=True) as uow:
            appointment = rules.load(uow, appointment_id)
            _refuse_other_clinicians(actor, appointment)
            self._audit(uow, actor, AuditAction.READ, appointment_id)  # its notes are PHI
            uow.commit()
        return appointment

    def for_patient(self, actor: Actor, patient_id: UUID) -> list[Appointment]:
        """A patient's appointments, oldest first (a read of the patient's record).

        A clinician gets only their own, as in schedule() and get(): the notes are PHI."""
        actor.require(Permission.READ_APPOINTMENTS)
        with self._uow(actor, reading=True) as uow:
            found = uow.appointments.for_patient(patient_id)
            if actor.role is Role.CLINICIAN:
                found = [a for a in found if a.clinician_id == actor.user_id]
            audit_trail.record(
                uow, self._clock, actor, AuditAction.READ, "patient", patient_id, "appointments"
            )
            uow.commit()
        return found

    def next_for_patients(self, actor: Actor, after: datetime) -> dict[UUID, datetime]:
        """Each patient's next appointment start at or after `after` (for the search list)."""
        actor.require(Permission.READ_APPOINTMENTS)
        with self._uow(actor, reading=True) as uow:
            return uow.appointments.next_starts(after)

    def next_available(
        self,
        actor: Actor,
        clinician_id: UUID,
        appointment_type: str,
        after: datetime,
        horizon_days: int = DEFAULT_HORIZON_DAYS,
    ) -> tuple[datetime, datetime]:
        """The clinician's first free (start, end) for this type, within opening hours.

        Raises NoSlotAvailable when nothing fits within `horizon_days`."""
        actor.require(Permission.READ_APPOINTMENTS)
        after = max(after, self._clock.now())
        with self._uow(actor) as uow:
            kind = rules.appointment_type(uow, appointment_type)
            hours = uow.opening_hours.week() or list(DEFAULT_OPENING_HOURS)
            window_end = after + timedelta(days=horizon_days + 1)
            busy = [
                (a.start, a.end)
                for a in uow.appointments.in_range(after, window_end, [clinician_id])
                if a.blocks_time
            ]
        length = timedelta(minutes=kind.default_minutes)
        return next_free_slot(after, length, hours, busy, self.clinic_tz, horizon_days=horizon_days)

    # Booking

    def book(self, actor: Actor, request: BookingRequest) -> Appointment:
        """Book one appointment. Raises SlotTaken naming the booking in the way."""
        actor.require(Permission.WRITE_APPOINTMENTS)
        with self._uow(actor) as uow:
            end = _check(uow, request)
            stored = self._add(uow, actor, request, request.start, end, None, "")
            uow.commit()
        return stored

    def book_series(
        self, actor: Actor, request: BookingRequest, recurrence: Recurrence
    ) -> list[Appointment]:
        """Book every occurrence, or none: one clash anywhere refuses the whole series."""
        actor.require(Permission.WRITE_APPOINTMENTS)
        with self._uow(actor) as uow:
            end = _check(uow, request)
            times = recurrence.occurrences(request.start, end, self.clinic_tz)
            rules.refuse_clashes(uow, request.clinician_id, times, set(), self.clinic_tz)
            series_id = uuid4()
            stored = [
                self._add(uow, actor, request, s, e, series_id, f"series {i} of {len(times)}")
                for i, (s, e) in enumerate(times, start=1)
            ]
            uow.commit()
        return stored

    def _add(
        self,
        uow: UnitOfWork,
        actor: Actor,
        request: BookingRequest,
        start: datetime,
        end: datetime,
        series_id: UUID | None,
        detail: str,
    ) -> Appointment:
        rules.refuse_clashes(uow, request.clinician_id, [(start, end)], set(), self.clinic_tz)
        appointment = Appointment(
            id=uuid4(),
            patient_id=request.patient_id,
            clinician_id=request.clinician_id,
            start=start,
            end=end,
            appointment_type=request.appointment_type,
            notes=request.notes.strip(),
            virtual=request.virtual,
            location=request.location.strip(),
            series_id=series_id,
        )
        stored = uow.appointments.add(appointment)
        self._audit(uow, actor, AuditAction.CREATE, stored.id, detail)
        return stored

    # Moving

    def move(
        self,
        actor: Actor,
        appointment_id: UUID,
        expected_version: int,
        start: datetime,
        end: datetime,
        clinician_id: UUID | None = None,
    ) -> Appointment:
        """Move (or resize, or give to another clinician) one scheduled appointment."""
        actor.require(Permission.WRITE_APPOINTMENTS)
        with self._uow(actor) as uow:
            current = rules.load_current(uow, appointment_id, expected_version)
            moved = rules.plan_moves(
                uow, [current], current, start, end, clinician_id, self.clinic_tz
            )
            (saved,) = self._save_moves(uow, actor, moved, "moved")
            uow.commit()
        return saved

    def move_following(
        self,
        actor: Actor,
        appointment_id: UUID,
        expected_version: int,
        start: datetime,
        end: datetime,
        clinician_id: UUID | None = None,
    ) -> list[Appointment]:
        """Move this appointment and every later scheduled one of its series by the same
        wall-clock shift (09:00 -> 10:00 stays 10:00 after the clocks change)."""
        actor.require(Permission.WRITE_APPOINTMENTS)
        with self._uow(actor) as uow:
            current = rules.load_current(uow, appointment_id, expected_version)
            members = rules.this_and_following(uow, current)
            moved = rules.plan_moves(
                uow, members, current, start, end, clinician_id, self.clinic_tz
            )
            saved = self._save_moves(uow, actor, moved, "moved with the following in its series")
            uow.commit()
        return sorted(saved, key=lambda a: a.start)

    def _save_moves(
        self, uow: UnitOfWork, actor: Actor, moved: list[Appointment], detail: str
    ) -> list[Appointment]:
        saved = []
        for appointment in moved:
            saved.append(uow.appointments.save(appointment))
            self._audit(uow, actor, AuditAction.UPDATE, appointment.id, detail)
        return saved

    # Status

    def change_status(
        self,
        actor: Actor,
        appointment_id: UUID,
        expected_version: int,
        status: AppointmentStatus,
        reason: str = "",
    ) -> Appointment:
        """Check in, complete, cancel (with a reason), late-cancel, no-show, or undo one of
        those where allowed. Stamped with the time and the user."""
        actor.require(_permission_for(status))
        with self._uow(actor) as uow:
            current = rules.load_current(uow, appointment_id, expected_version)
            _refuse_other_clinicians(actor, current)
            saved = self._set_status(uow, actor, current, status, reason)
            uow.commit()
        return saved

    def cancel_following(
        self,
        actor: Actor,
        appointment_id: UUID,
        expected_version: int,
        status: AppointmentStatus = AppointmentStatus.CANCELLED,
        reason: str = "",
    ) -> list[Appointment]:
        """Cancel this appointment and every later scheduled one of its series. A late
        cancellation applies to this one; the later ones are simply cancelled."""
        actor.require(Permission.WRITE_APPOINTMENTS)
        if status not in CANCELLATIONS:
            raise ValidationFailed([FieldError("status", "Choose cancelled or late-cancelled.")])
        with self._uow(actor) as uow:
            current = rules.load_current(uow, appointment_id, expected_version)
            saved = [self._set_status(uow, actor, current, status, reason)]
            for later in rules.this_and_following(uow, current)[1:]:
                saved.append(
                    self._set_status(uow, actor, later, AppointmentStatus.CANCELLED, reason)
                )
            uow.commit()
        return saved

    def _set_status(
        self,
        uow: UnitOfWork,
        actor: Actor,
        current: Appointment,
        status: AppointmentStatus,
        reason: str,
    ) -> Appointment:
        check_transition(current.status, status)
        reason = reason.strip()
        if status in CANCELLATIONS and not reason:
            raise ValidationFailed([FieldError("reason", "Give a reason for the cancellation.")])
        changed = replace(
            current,
            status=status,
            status_changed_at=self._clock.now(),
            status_changed_by=actor.username,
            cancellation_reason=reason if status in CANCELLATIONS else current.cancellation_reason,
        )
        if changed.blocks_time and not current.blocks_time:  # e.g. a no-show who turned up
            rules.refuse_clashes(
                uow,
                current.clinician_id,
                [(current.start, current.end)],
                {current.id},
                self.clinic_tz,
            )
        saved = uow.appointments.save(changed)
        self._audit(uow, actor, AuditAction.STATUS, current.id, f"{current.status} -> {status}")
        return saved


def _check(uow: UnitOfWork, request: BookingRequest) -> datetime:
    return rules.check_request(
        uow,
        request.patient_id,
        request.clinician_id,
        request.appointment_type,
        request.start,
        request.end,
    )


def _booked_slot(row: BookRow) -> BookedSlot:
    kind = row.appointment_type
    name = row.appointment.appointment_type
    return BookedSlot(
        appointment=row.appointment,
        patient_name="Unknown patient" if row.patient_name is None else row.patient_name,
        clinician_name="Unknown clinician" if row.clinician_name is None else row.clinician_name,
        type_label=kind.label if kind else name.replace("_", " "),
        colour=kind.colour if kind else "#7f7f7f",
    )


def _permission_for(status: AppointmentStatus) -> Permission:
    if status in CANCELLATIONS:
        return Permission.WRITE_APPOINTMENTS
    return Permission.UPDATE_APPOINTMENT_STATUS


def _visible_clinicians(actor: Actor, wanted: list[UUID] | None) -> list[UUID] | None:
    if actor.role is not Role.CLINICIAN:
        return wanted
    own = [actor.user_id] if actor.user_id is not None else []
    if wanted is not None and any(c != actor.user_id for c in wanted):
        raise PermissionDenied(actor.role.value, "see other clinicians' schedules")
    return own


def _refuse_other_clinicians(actor: Actor, appointment: Appointment) -> None:
    if actor.role is Role.CLINICIAN and appointment.clinician_id != actor.user_id:
        raise PermissionDenied(actor.role.value, "change or open other clinicians' appointments")
