"""The appointment book. Overlaps of one clinician's blocking appointments are refused by
PostgreSQL's exclusion constraint, and on SQLite by a check inside the booking transaction
(which already holds the write lock: database.make_engine begins with BEGIN IMMEDIATE)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from uuid import UUID

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from novamind_desktop.domain.appointments import (
    BLOCKING_STATUSES,
    MAX_DURATION,
    Appointment,
    AppointmentStatus,
)
from novamind_desktop.domain.errors import BookBusy, NotFound, SlotTaken, StaleRecord
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.records import (
    NO_OVERLAP_CONSTRAINT,
    AppointmentRecord,
)
from novamind_desktop.infrastructure.repositories._base import (
    RowSealer,
    constraint_name,
    guarded_write,
    sqlstate,
)
from novamind_desktop.infrastructure.repositories.appointment_book import read_book
from novamind_desktop.services.ports import BookRow

TABLE = "appointments"
_EXCLUSION_VIOLATION = "23P01"
_BLOCKING = tuple(status.value for status in BLOCKING_STATUSES)
# A transaction-scoped advisory lock per clinician, in a key space of its own ("NM"), waited
# for at most TURN_WAIT (then BookBusy), the transaction's own lock_timeout restored after.
TURN_WAIT = "10s"
_TAKE_TURN = (
    "SET LOCAL lock_timeout = '{wait}'; SELECT pg_advisory_xact_lock(20045, hashtext(%s)); "
    "SET LOCAL lock_timeout TO DEFAULT"
)
_LOCK_NOT_AVAILABLE = "55P03"
_TURNS = "novamind_turns"  # Session.info: (its transaction, the clinicians' turns it holds)


def seal_appointment(
    record: AppointmentRecord, appointment: Appointment, cipher: FieldCipher
) -> AppointmentRecord:
    """Copy `appointment` into `record`, notes and cancellation reason as ciphertext."""
    sealer = RowSealer(cipher, TABLE)
    record.patient_id = appointment.patient_id
    record.clinician_id = appointment.clinician_id
    record.start_at = appointment.start
    record.end_at = appointment.end
    record.appointment_type = appointment.appointment_type
    record.status = AppointmentStatus(appointment.status).value
    record.notes = sealer.seal("notes", record.id, appointment.notes)
    record.virtual = appointment.virtual
    record.location = appointment.location
    record.series_id = appointment.series_id
    record.status_changed_at = appointment.status_changed_at
    record.status_changed_by = appointment.status_changed_by
    record.cancellation_reason = sealer.seal(
        "cancellation_reason", record.id, appointment.cancellation_reason
    )
    return record


def open_appointment(record: AppointmentRecord, cipher: FieldCipher) -> Appointment:
    sealer = RowSealer(cipher, TABLE)
    return Appointment(
        id=record.id,
        patient_id=record.patient_id,
        clinician_id=record.clinician_id,
        start=record.start_at,
        end=record.end_at,
        appointment_type=record.appointment_type,
        status=AppointmentStatus(record.status),
        notes=sealer.open("notes", record.id, record.notes),
        virtual=record.virtual,
        location=record.location,
        series_id=record.series_id,
        status_changed_at=record.status_changed_at,
        status_changed_by=record.status_changed_by,
        cancellation_reason=sealer.open(
            "cancellation_reason", record.id, record.cancellation_reason
        ),
        version=record.version,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


class SqlAppointmentRepository:
    def __init__(self, session: Session, cipher: FieldCipher):
        self._session = session
        self._cipher = cipher
        self._db_refuses_overlaps = session.get_bind().dialect.name == "postgresql"

    def add(self, appointment: Appointment) -> Appointment:
        self._take_turn(appointment)
        self._check_free(appointment, exclude_id=None)
        record = seal_appointment(AppointmentRecord(id=appointment.id), appointment, self._cipher)
        with self._overlap_as_slot_taken(appointment), self._write(appointment.id):
            self._session.add(record)
        return open_appointment(record, self._cipher)

    def get(self, appointment_id: UUID) -> Appointment | None:
        record = self._session.get(AppointmentRecord, appointment_id)
        return None if record is None else open_appointment(record, self._cipher)

    def save(self, appointment: Appointment) -> Appointment:
        record = self._session.get(AppointmentRecord, appointment.id)
        if record is None:
            raise NotFound("appointment", appointment.id)
        if record.version != appointment.version:
            raise StaleRecord("appointment", appointment.id)
        self._take_turn(appointment)
        self._check_free(appointment, exclude_id=appointment.id)
        with self._overlap_as_slot_taken(appointment), self._write(appointment.id):
            seal_appointment(record, appointment, self._cipher)
        return open_appointment(record, self._cipher)

    def overlapping(
        self,
        clinician_id: UUID,
        start: datetime,
        end: datetime,
        exclude_id: UUID | None = None,
    ) -> list[Appointment]:
        query = self._overlapping(start, end).where(
            AppointmentRecord.clinician_id == clinician_id,
            AppointmentRecord.status.in_(_BLOCKING),
        )
        if exclude_id is not None:
            query = query.where(AppointmentRecord.id != exclude_id)
        return self._all(query)

    def in_range(
        self, start: datetime, end: datetime, clinician_ids: Iterable[UUID] | None = None
    ) -> list[Appointment]:
        query = self._overlapping(start, end)
        if clinician_ids is not None:
            query = query.where(AppointmentRecord.clinician_id.in_(list(clinician_ids)))
        return self._all(query)

    def for_book(
        self, start: datetime, end: datetime, clinician_ids: Iterable[UUID] | None = None
    ) -> list[BookRow]:
        return read_book(self._session, self._cipher, start, end, clinician_ids)

    def for_patient(self, patient_id: UUID) -> list[Appointment]:
        return self._all(
            select(AppointmentRecord)
            .where(AppointmentRecord.patient_id == patient_id)
            .order_by(AppointmentRecord.start_at, AppointmentRecord.id)
        )

    def in_series(self, series_id: UUID) -> list[Appointment]:
        return self._all(
            select(AppointmentRecord)
            .where(AppointmentRecord.series_id == series_id)
            .order_by(AppointmentRecord.start_at, AppointmentRecord.id)
        )

    def next_for_patients(self, after: datetime) -> dict[UUID, Appointment]:
        rank = (
            func.row_number()
            .over(
                partition_by=AppointmentRecord.patient_id,
                order_by=(AppointmentRecord.start_at, AppointmentRecord.id),
            )
            .label("rank")
        )
        upcoming = (
            select(AppointmentRecord.id, rank)
            .where(
                AppointmentRecord.start_at >= after,
                AppointmentRecord.status.in_(_BLOCKING),
            )
            .subquery()
        )
        first_ids = select(upcoming.c.id).where(upcoming.c.rank == 1)
        found = self._all(select(AppointmentRecord).where(AppointmentRecord.id.in_(first_ids)))
        return {appointment.patient_id: appointment for appointment in found}

    def next_starts(self, after: datetime) -> dict[UUID, datetime]:
        """Range first on the start_at index, the first start per patient kept in Python: no
        window function over every upcoming row, no ORM objects, nothing decrypted."""
        t = AppointmentRecord.__table__.c
        query = (
            select(t.patient_id, t.start_at)
            .where(t.start_at >= after, t.status.in_(_BLOCKING))
            .order_by(t.start_at, t.id)
        )
        first: dict[UUID, datetime] = {}
        for patient_id, start in self._session.execute(query):
            if patient_id not in first:
                first[patient_id] = start
        return first

    def list_all(self) -> list[Appointment]:
        return self._all(
            select(AppointmentRecord).order_by(AppointmentRecord.start_at, AppointmentRecord.id)
        )

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(AppointmentRecord)) or 0

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _overlapping(start: datetime, end: datetime) -> Select[AppointmentRecord]:
        """Appointments overlapping [start, end). No appointment lasts longer than MAX_DURATION
        (validate_times), so a lower bound on start_at lets the (clinician_id, start_at) and
        start_at indexes read only that window instead of everything before `end`."""
        return (
            select(AppointmentRecord)
            .where(
                AppointmentRecord.start_at > start - MAX_DURATION,
                AppointmentRecord.start_at < end,
                AppointmentRecord.end_at > start,
            )
            .order_by(AppointmentRecord.start_at, AppointmentRecord.id)
        )

    def _all(self, query: Select[AppointmentRecord]) -> list[Appointment]:
        return [open_appointment(r, self._cipher) for r in self._session.scalars(query)]

    def _write(self, appointment_id: UUID) -> AbstractContextManager[None]:
        return guarded_write(self._session, "appointment", appointment_id)

    def _take_turn(self, appointment: Appointment) -> None:
        """PostgreSQL: wait for any other transaction writing this clinician's book, to the
        end of this one. Without it, two desks writing overlapping slots at once can each
        wait for the other's uncommitted row in the exclusion check: a deadlock the server
        breaks after a second by aborting one, an error at that desk instead of SlotTaken.
        Taking turns, the second meets the first's committed row and is told which it is.
        (SQLite: BEGIN IMMEDIATE already lets one writer in at a time.)"""
        if appointment.status in BLOCKING_STATUSES:
            self._turn(appointment.clinician_id)

    def take_turns(self, clinician_ids: Iterable[UUID]) -> None:
        for clinician_id in sorted(set(clinician_ids), key=str):  # everyone's same order
            self._turn(clinician_id)

    def _turn(self, clinician_id: UUID) -> None:
        if not self._db_refuses_overlaps:
            return
        connection = self._session.connection()  # begins the transaction the turn is held by
        held = self._turns_held()
        if clinician_id in held:  # a series, an import: one round trip, not one a row
            return
        statement = _TAKE_TURN.format(wait=TURN_WAIT)
        try:
            connection.exec_driver_sql(statement, (str(clinician_id),))
        except OperationalError as error:
            if getattr(error.orig, "pgcode", None) == _LOCK_NOT_AVAILABLE:
                raise BookBusy(clinician_id) from None
            raise
        if not self._session.in_nested_transaction():  # a savepoint's rollback would free it
            held.add(clinician_id)

    def _turns_held(self) -> set[UUID]:
        """The clinicians whose turn this session's current transaction took outside any
        savepoint: held to the transaction's end, whatever becomes of later savepoints."""
        transaction = self._session.get_transaction()
        known = self._session.info.get(_TURNS)
        if known is None or known[0] is not transaction:
            known = self._session.info[_TURNS] = (transaction, set())
        return known[1]

    def _check_free(self, appointment: Appointment, exclude_id: UUID | None) -> None:
        """SQLite only: PostgreSQL's constraint decides there, race-free, at flush."""
        if self._db_refuses_overlaps or appointment.status not in BLOCKING_STATUSES:
            return
        clash = self.overlapping(
            appointment.clinician_id, appointment.start, appointment.end, exclude_id
        )
        if clash:
            raise SlotTaken(
                appointment.clinician_id,
                appointment.start,
                appointment.end,
                [other.id for other in clash],
            )

    @contextmanager
    def _overlap_as_slot_taken(self, appointment: Appointment) -> Iterator[None]:
        try:
            yield
        except IntegrityError as error:
            if not (
                sqlstate(error) == _EXCLUSION_VIOLATION
                or NO_OVERLAP_CONSTRAINT in constraint_name(error)
            ):
                raise
            clash = self.overlapping(
                appointment.clinician_id, appointment.start, appointment.end, appointment.id
            )
            raise SlotTaken(
                appointment.clinician_id,
                appointment.start,
                appointment.end,
                [other.id for other in clash],
            ) from None
