"""Hand-written fakes of the service ports that behave like the real adapters.

FakeDatabase is the committed state. Each FakeUnitOfWork works on a copy and publishes it only
on commit(), so a use case that fails half-way leaves the database exactly as it was, just
as a rolled-back transaction does. The repositories raise the same domain errors as the
SQLAlchemy ones: StaleRecord on a version mismatch, DuplicateEmail, SlotTaken.
"""

from __future__ import annotations

from .admin import FakeDatabaseAdmin
from .appointments import FakeAppointmentRepository, FakeAppointmentTypeRepository
from .database import FakeDatabase, FakeHasher, FixedClock
from .patients import FakePatientRepository
from .records import (
    FakeAuditLog,
    FakeOpeningHoursRepository,
    FakeTwinRepository,
    FakeUserRepository,
)
from .unit_of_work import FakeUnitOfWork, FakeUnitOfWorkFactory

__all__ = [
    "FakeAppointmentRepository",
    "FakeAppointmentTypeRepository",
    "FakeAuditLog",
    "FakeDatabase",
    "FakeDatabaseAdmin",
    "FakeHasher",
    "FakeOpeningHoursRepository",
    "FakePatientRepository",
    "FakeTwinRepository",
    "FakeUnitOfWork",
    "FakeUnitOfWorkFactory",
    "FakeUserRepository",
    "FixedClock",
]
