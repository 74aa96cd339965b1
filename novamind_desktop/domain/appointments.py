"""Appointments, their types and the rules of the appointment book."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from novamind_desktop.domain.errors import FieldError, InvalidTransition, ValidationFailed


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


# Statuses that occupy the clinician's time. The PostgreSQL exclusion constraint and the
# SQLite booking check both use exactly this set: a cancelled or missed slot can be rebooked.
BLOCKING_STATUSES: frozenset[AppointmentStatus] = frozenset(
    {AppointmentStatus.SCHEDULED, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED}
)

_ALLOWED: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.SCHEDULED: frozenset(
        {
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.CANCELLED,
            AppointmentStatus.LATE_CANCELLED,
            AppointmentStatus.NO_SHOW,
        }
    ),
    AppointmentStatus.CHECKED_IN: frozenset(
        {AppointmentStatus.COMPLETED, AppointmentStatus.SCHEDULED}  # undo a mistaken check-in
    ),
    AppointmentStatus.COMPLETED: frozenset(),
    AppointmentStatus.CANCELLED: frozenset(),
    AppointmentStatus.LATE_CANCELLED: frozenset(),
    AppointmentStatus.NO_SHOW: frozenset({AppointmentStatus.SCHEDULED}),  # they turned up late
}


def next_statuses(current: AppointmentStatus) -> frozenset[AppointmentStatus]:
    """The statuses an appointment that is `current` may move to."""
    return _ALLOWED[current]


def check_transition(current: AppointmentStatus, target: AppointmentStatus) -> None:
    if target not in _ALLOWED[current]:
        raise InvalidTransition(current.label, target.label)


@dataclass(frozen=True)
class AppointmentType:
    id: UUID
    name: str
    default_minutes: int
    colour: str  # "#rrggbb"

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()


DEFAULT_APPOINTMENT_TYPES: tuple[tuple[str, int, str], ...] = (
    ("intake", 60, "#4e79a7"),
    ("follow_up", 30, "#59a14f"),
    ("therapy", 50, "#b07aa1"),
    ("medication_review", 20, "#f28e2b"),
)


@dataclass(frozen=True)
class Appointment:
    id: UUID
    patient_id: UUID
    clinician_id: UUID
    start: datetime  # timezone-aware UTC
    end: datetime
    appointment_type: str
    status: AppointmentStatus = AppointmentStatus.SCHEDULED
    notes: str = ""  # PHI: stored encrypted
    virtual: bool = False
    location: str = ""
    series_id: UUID | None = None
    status_changed_at: datetime | None = None
    status_changed_by: str | None = None
    cancellation_reason: str = ""
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def blocks_time(self) -> bool:
        return self.status in BLOCKING_STATUSES

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


MAX_DURATION = timedelta(hours=12)
"""The longest appointment validate_times accepts (storage bounds its range queries by it)."""


def validate_times(start: datetime, end: datetime) -> None:
    errors = []
    if start.tzinfo is None or end.tzinfo is None:
        errors.append(FieldError("start", "Times must carry a time zone."))
    elif end <= start:
        errors.append(FieldError("end", "The appointment must end after it starts."))
    elif end - start > MAX_DURATION:
        errors.append(FieldError("end", "An appointment cannot last more than 12 hours."))
    if errors:
        raise ValidationFailed(errors)
