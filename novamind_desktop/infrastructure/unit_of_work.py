"""One transaction per use case: repositories over one Session, rolled back unless committed.

Who and when are stamped here, once, for every record written: created_at/created_by on
insert, updated_at/updated_by on every change, from the acting user and the clock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from novamind_desktop.domain.users import Actor
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.database import (
    READING,
    reading_bind,
    release_driver_connection,
)
from novamind_desktop.infrastructure.records import Record
from novamind_desktop.infrastructure.repositories.appointment_types import (
    SqlAppointmentTypeRepository,
)
from novamind_desktop.infrastructure.repositories.appointments import SqlAppointmentRepository
from novamind_desktop.infrastructure.repositories.audit import SqlAuditLog, write_pending
from novamind_desktop.infrastructure.repositories.opening_hours import SqlOpeningHoursRepository
from novamind_desktop.infrastructure.repositories.patients import SqlPatientRepository
from novamind_desktop.infrastructure.repositories.twins import SqlTwinRepository
from novamind_desktop.infrastructure.repositories.users import SqlUserRepository
from novamind_desktop.infrastructure.storage_errors import storage_failure
from novamind_desktop.services.ports import (
    AppointmentRepository,
    AppointmentTypeRepository,
    AuditLog,
    Clock,
    OpeningHoursRepository,
    PatientRepository,
    TwinRepository,
    UnitOfWork,
    UnitOfWorkFactory,
    UserRepository,
)

log = logging.getLogger(__name__)


def _stamp(session: Session, _context: Any, _instances: Iterable[object] | None) -> None:
    if session.info.get(READING) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a reading unit of work may write only its audit events")
    actor: Actor = session.info["actor"]
    clock: Clock = session.info["clock"]
    now = clock.now()
    for obj in session.new:
        if isinstance(obj, Record):
            obj.created_at = obj.created_at or now
            obj.updated_at = obj.updated_at or now
            obj.created_by = obj.created_by or actor.username
            obj.updated_by = obj.updated_by or actor.username
    for obj in session.dirty:
        if isinstance(obj, Record) and session.is_modified(obj, include_collections=False):
            obj.updated_at = now
            obj.updated_by = actor.username


class SqlAlchemyUnitOfWork:
    """Implements services.ports.UnitOfWork. Use once: `with uow: ...; uow.commit()`."""

    patients: PatientRepository
    appointments: AppointmentRepository
    appointment_types: AppointmentTypeRepository
    users: UserRepository
    twins: TwinRepository
    opening_hours: OpeningHoursRepository
    audit: AuditLog

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        cipher: FieldCipher,
        clock: Clock,
        actor: Actor,
        reading: bool = False,
    ):
        self._session_factory = session_factory
        self._cipher = cipher
        self._clock = clock
        self.actor = actor
        self.reading = reading
        self._session: Session | None = None
        self._commit_error: BaseException | None = None  # what the last commit() raised

    def __enter__(self) -> Self:
        session = self._session_factory()
        self._commit_error = None
        session.info["actor"] = self.actor
        session.info["clock"] = self._clock
        session.info[READING] = self.reading
        self._session = session
        self.patients = SqlPatientRepository(session, self._cipher)
        self.appointments = SqlAppointmentRepository(session, self._cipher)
        self.appointment_types = SqlAppointmentTypeRepository(session)
        self.users = SqlUserRepository(session)
        self.twins = SqlTwinRepository(session, self._cipher)
        self.opening_hours = SqlOpeningHoursRepository(session)
        self.audit = self._audit_log = SqlAuditLog(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        try:
            release_driver_connection(session)
            # Nothing to undo after commit(); everything otherwise. A reader has nothing of
            # its own to undo (its audit events are committed or rolled back already), and
            # close() below ends what its session began: rollback() only added SQLAlchemy's
            # bookkeeping to every lookup.
            if not self.reading:
                session.rollback()
        except Exception as cleanup:
            # Only a connection that is gone fails its rollback, and the server has ended
            # that transaction with it: nothing is left to undo. What the body did (its
            # commit, or its own failure) is what to report, not this.
            log.warning("Rollback at the end of a unit of work failed (%s).",
                        type(cleanup).__name__)  # fmt: skip
        finally:
            session.close()
        if exc is not None:
            # Only a writer's commit counts as saving: a reader's only writes its own audit
            # events, so for the person it is a lookup that failed, not a change of theirs
            # that may or may not be stored.
            saving = exc is self._commit_error
            failure = storage_failure(exc, session.get_bind().dialect.name, saving)
            if failure is not None:
                raise failure from exc

    @property
    def session(self) -> Session:
        """For infrastructure code only (key rotation, imports); services use repositories."""
        if self._session is None:
            raise RuntimeError("the unit of work is not open; use it in a `with` block")
        return self._session

    def commit(self) -> None:
        session = self.session
        if not self.reading:
            try:
                session.commit()
            except BaseException as error:
                self._commit_error = error  # __exit__: the failure is the commit's own
                raise
            return
        # A reading unit of work has no transaction of its own to end: its audit events
        # bring theirs (repositories.audit), so SQLAlchemy's commit (events, bookkeeping,
        # a COMMIT the driver skips) is left out, and nothing else may be pending.
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("a reading unit of work may write only its audit events")
        self._audit_log.write_pending()

    def rollback(self) -> None:
        self.session.rollback()


def make_session_factory(engine: Engine, reading: bool = False) -> sessionmaker[Session]:
    # expire_on_commit=False: domain objects are built before commit, and nothing should
    # reload after it behind anyone's back.
    bind = reading_bind(engine) if reading else engine
    factory = sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)
    # Hooks for every session of this factory, registered once: event.listen on each new
    # session cost more than a small lookup's query.
    event.listen(factory, "before_flush", _stamp)
    event.listen(factory, "before_commit", write_pending)
    return factory


def make_uow_factory(engine: Engine, cipher: FieldCipher, clock: Clock) -> UnitOfWorkFactory:
    """What bootstrap hands to the services: `uow_factory(actor)` opens a unit of work,
    `uow_factory(actor, reading=True)` one that only reads (services.ports.UnitOfWorkFactory)."""
    factories = {reading: make_session_factory(engine, reading) for reading in (False, True)}

    def open_unit_of_work(actor: Actor, *, reading: bool = False) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(factories[reading], cipher, clock, actor, reading)

    return open_unit_of_work
