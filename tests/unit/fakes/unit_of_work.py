"""FakeUnitOfWork: works on a copy of the database and publishes it only on commit()."""

from __future__ import annotations

from novamind_desktop.domain.users import Actor

from .appointments import FakeAppointmentRepository, FakeAppointmentTypeRepository
from .database import FakeDatabase
from .patients import FakePatientRepository
from .records import (
    FakeAuditLog,
    FakeOpeningHoursRepository,
    FakeTwinRepository,
    FakeUserRepository,
)


class FakeUnitOfWork:
    def __init__(self, db: FakeDatabase, actor: Actor, reading: bool = False):
        self.db = db
        self.actor = actor
        self.reading = reading
        self.committed = False
        self.rolled_back = False
        self._work: FakeDatabase | None = None

    def __enter__(self) -> FakeUnitOfWork:
        self._work = self.db.copy()
        self.patients = FakePatientRepository(self._work)
        self.appointments = FakeAppointmentRepository(self._work)
        self.appointment_types = FakeAppointmentTypeRepository(self._work)
        self.users = FakeUserRepository(self._work)
        self.twins = FakeTwinRepository(self._work)
        self.opening_hours = FakeOpeningHoursRepository(self._work)
        self.audit = FakeAuditLog(self._work)
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.rollback()

    def commit(self) -> None:
        assert self._work is not None, "commit() outside the with block"
        if self.db.commit_error is not None:
            error, self.db.commit_error = self.db.commit_error, None
            raise error
        if self.reading and not self.db.same_records(self._work):
            raise AssertionError("a reading unit of work wrote more than its audit events")
        self.db.publish(self._work)
        self.committed = True

    def rollback(self) -> None:
        # Anything not yet committed is forgotten: start again from the committed state.
        if self._work is not None:
            self.rolled_back = not self.committed
            self._work = None


class FakeUnitOfWorkFactory:
    """A UnitOfWorkFactory that remembers every unit of work it opened."""

    def __init__(self, db: FakeDatabase):
        self.db = db
        self.opened: list[FakeUnitOfWork] = []

    def __call__(self, actor: Actor, *, reading: bool = False) -> FakeUnitOfWork:
        uow = FakeUnitOfWork(self.db, actor, reading)
        self.opened.append(uow)
        return uow

    @property
    def last(self) -> FakeUnitOfWork:
        return self.opened[-1]
