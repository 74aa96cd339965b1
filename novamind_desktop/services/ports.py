"""What the services need from the outside world, as Protocols.

`infrastructure` implements these with SQLAlchemy; unit tests implement them with fakes
(tests/unit/fakes/). Nothing here may import Qt or SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import NamedTuple, Protocol, Self
from uuid import UUID

from novamind_desktop.domain.appointments import Appointment, AppointmentType
from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.clinic import OpeningHours
from novamind_desktop.domain.patients import Patient
from novamind_desktop.domain.twins import DigitalTwin
from novamind_desktop.domain.users import Actor, User
from novamind_desktop.services.search_records import IndexedPatient


class PatientRepository(Protocol):
    def add(self, patient: Patient) -> Patient:
        """Insert; raises DuplicateEmail if the email's blind index is taken."""

    def get(self, patient_id: UUID) -> Patient | None: ...

    def save(self, patient: Patient) -> Patient:
        """Update where the stored version equals patient.version; returns the new version.

        Raises StaleRecord if another session saved first, DuplicateEmail on a taken email.
        """

    def find_by_email(self, email: str) -> Patient | None: ...

    def find_by_date_of_birth(self, dob: date) -> list[Patient]: ...

    def ids_born_on(self, dob: date) -> list[UUID]:
        """The ids of the patients born on `dob`, opening nothing else (get_many reads them:
        a reader audits the ids in between)."""

    def get_many(self, patient_ids: Sequence[UUID]) -> list[Patient]:
        """Those of `patient_ids` that exist, in no particular order."""

    def add_many(self, patients: list[Patient]) -> None:
        """Insert them all at once (a chunk of an import). Raises DuplicateEmail, keeping none
        of them, if the database's unique index finds an email taken or given twice among
        them; it checks the current key's blind index only, so look up with find_by_emails
        (every key) first."""

    def find_by_emails(self, emails: Iterable[str]) -> dict[str, Patient]:
        """The stored patient of each email that has one, keyed by the normalised email."""

    def find_by_dates_of_birth(self, dobs: Iterable[date]) -> list[Patient]:
        """Every patient born on one of `dobs`, in no particular order."""

    def list_all(self) -> list[Patient]: ...

    def list_for_index(self) -> list[IndexedPatient]:
        """Every patient as the search index holds them (names, date of birth, phone, email,
        active; nothing else decrypted), in list_all's order. Much cheaper than list_all."""

    def full_names(self, patient_ids: Iterable[UUID]) -> dict[UUID, str]:
        """Patient.full_name of each existing patient among `patient_ids` (for schedules)."""

    def changed_since(self, since: datetime) -> list[Patient]:
        """Patients whose updated_at is at or after `since` (for the search index refresh)."""

    def count(self) -> int: ...


class BookRow(NamedTuple):
    """One appointment as the appointment book shows it (AppointmentRepository.for_book).

    `appointment` carries what the grid needs: its notes and cancellation reason (PHI that
    only get() reads, audited per appointment) are not read and stay "", and created_at /
    updated_at stay None. The names and the type are None where that row is missing."""

    appointment: Appointment
    patient_name: str | None
    clinician_name: str | None
    appointment_type: AppointmentType | None


class AppointmentRepository(Protocol):
    def add(self, appointment: Appointment) -> Appointment:
        """Insert; raises SlotTaken if it overlaps a blocking appointment of the clinician."""

    def get(self, appointment_id: UUID) -> Appointment | None: ...

    def save(self, appointment: Appointment) -> Appointment:
        """Update with optimistic locking; raises StaleRecord or SlotTaken."""

    def take_turns(self, clinician_ids: Iterable[UUID]) -> None:
        """Before a transaction writes several clinicians' books (an import chunk): wait for
        each one's turn now, in one order every caller uses, so that two such transactions
        never each hold one book and wait for the other's (a deadlock). add/save take their
        single clinician's turn themselves. Raises BookBusy after a bounded wait; does
        nothing where the database needs no turns (SQLite lets one writer in at a time)."""

    def overlapping(
        self,
        clinician_id: UUID,
        start: datetime,
        end: datetime,
        exclude_id: UUID | None = None,
    ) -> list[Appointment]:
        """Blocking appointments of the clinician that overlap [start, end)."""

    def in_range(
        self, start: datetime, end: datetime, clinician_ids: Iterable[UUID] | None = None
    ) -> list[Appointment]:
        """Appointments (any status) overlapping [start, end), ordered by start."""

    def for_book(
        self, start: datetime, end: datetime, clinician_ids: Iterable[UUID] | None = None
    ) -> list[BookRow]:
        """What in_range finds, in one query with the patient's full name, the clinician's
        display name and the appointment type; see BookRow for what is left out."""

    def for_patient(self, patient_id: UUID) -> list[Appointment]: ...

    def in_series(self, series_id: UUID) -> list[Appointment]: ...

    def next_for_patients(self, after: datetime) -> dict[UUID, Appointment]:
        """Each patient's first blocking appointment starting at or after `after`."""

    def next_starts(self, after: datetime) -> dict[UUID, datetime]:
        """The start of each patient's first blocking appointment at or after `after`."""

    def list_all(self) -> list[Appointment]: ...

    def count(self) -> int: ...


class AppointmentTypeRepository(Protocol):
    def list_all(self) -> list[AppointmentType]: ...

    def by_name(self, name: str) -> AppointmentType | None: ...


class UserRepository(Protocol):
    def add(self, user: User, password_hash: str) -> User: ...

    def get(self, user_id: UUID) -> User | None: ...

    def by_username(self, username: str) -> User | None: ...

    def password_hash(self, user_id: UUID) -> str: ...

    def set_password_hash(self, user_id: UUID, password_hash: str) -> None: ...

    def save(self, user: User) -> User: ...

    def list_all(self) -> list[User]: ...

    def count(self) -> int: ...


class TwinRepository(Protocol):
    def for_patient(self, patient_id: UUID) -> DigitalTwin | None: ...

    def add(self, twin: DigitalTwin) -> DigitalTwin: ...

    def save(self, twin: DigitalTwin) -> DigitalTwin: ...


class OpeningHoursRepository(Protocol):
    def week(self) -> list[OpeningHours]:
        """The clinic's opening hours; a weekday with no entry is closed."""

    def replace_week(self, hours: list[OpeningHours]) -> None: ...


class AuditLog(Protocol):
    def record(self, event: AuditEvent) -> None: ...

    def query(
        self,
        *,
        user_id: UUID | None = None,
        entity_id: str | None = None,
        action: AuditAction | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[AuditEvent]: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the `with` block without commit() rolls everything back."""

    patients: PatientRepository
    appointments: AppointmentRepository
    appointment_types: AppointmentTypeRepository
    users: UserRepository
    twins: TwinRepository
    opening_hours: OpeningHoursRepository
    audit: AuditLog

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work acting as `actor` (it stamps created_by / updated_by).

    `reading=True` is for a use case that only reads records and audits what it read (a
    lookup, opening a patient): it may write nothing but its audit events. It takes no lock
    while it reads, so two of its statements may see different committed states. Its audit
    events are committed as SQLite commits everything here (synchronous=NORMAL): atomically
    and in order, though a power cut may lose the last moments of them; on PostgreSQL that
    means not waiting for the WAL flush (synchronous_commit off for that transaction only).
    Every write of clinical data keeps waiting for the disk."""

    def __call__(self, actor: Actor, *, reading: bool = False) -> UnitOfWork: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password: str, encoded: str) -> bool: ...
