"""The committed state of the fake database, a clock that stands still, a reversible hasher."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from novamind_desktop.domain.appointments import (
    DEFAULT_APPOINTMENT_TYPES,
    Appointment,
    AppointmentType,
)
from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.clinic import DEFAULT_OPENING_HOURS, OpeningHours
from novamind_desktop.domain.patients import Patient
from novamind_desktop.domain.twins import DigitalTwin
from novamind_desktop.domain.users import User


class FixedClock:
    def __init__(self, now: datetime):
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


class FakeHasher:
    """Reversible on purpose (tests only): the real scrypt hasher has its own tests."""

    def hash(self, password: str) -> str:
        return "fake$" + password

    def verify(self, password: str, encoded: str) -> bool:
        return encoded == "fake$" + password


_RECORDS = (
    "patients",
    "appointments",
    "users",
    "password_hashes",
    "twins",
    "opening_hours",
)


@dataclass
class FakeDatabase:
    clock: FixedClock
    patients: dict[UUID, Patient] = field(default_factory=dict)
    appointments: dict[UUID, Appointment] = field(default_factory=dict)
    appointment_types: list[AppointmentType] = field(
        default_factory=lambda: [
            AppointmentType(uuid4(), name, minutes, colour)
            for name, minutes, colour in DEFAULT_APPOINTMENT_TYPES
        ]
    )
    users: dict[UUID, User] = field(default_factory=dict)
    password_hashes: dict[UUID, str] = field(default_factory=dict)
    twins: dict[UUID, DigitalTwin] = field(default_factory=dict)
    opening_hours: list[OpeningHours] = field(default_factory=lambda: list(DEFAULT_OPENING_HOURS))
    audit: list[AuditEvent] = field(default_factory=list)
    commit_error: Exception | None = None  # raised by the next commit(), then cleared

    def copy(self) -> FakeDatabase:
        return copy.copy(self)._detach()

    def _detach(self) -> FakeDatabase:
        for name in ("patients", "appointments", "users", "password_hashes", "twins"):
            setattr(self, name, dict(getattr(self, name)))
        self.opening_hours = list(self.opening_hours)
        self.audit = list(self.audit)
        return self

    def publish(self, work: FakeDatabase) -> None:
        for name in (*_RECORDS, "audit"):
            setattr(self, name, copy.copy(getattr(work, name)))

    def same_records(self, work: FakeDatabase) -> bool:
        """True if `work` changed nothing here but the audit trail."""
        return all(getattr(work, name) == getattr(self, name) for name in _RECORDS)

    def actions(self, action: AuditAction | None = None) -> list[AuditEvent]:
        return [e for e in self.audit if action is None or e.action == action]
