"""Importing appointments a chunk of rows at a time: one unit of work per chunk, not per row.

The chunk's rows are parsed in Python first; its patients are found with one batched email
lookup, each clinician and appointment type once. Then every row is checked and booked in
file order inside the chunk's unit of work, so it sees the rows before it exactly as if each
had been committed on its own: a repeated row is "already present", one overlapping an
earlier booking is refused with the booking in the way. A refused row writes nothing (the
repository inserts in a savepoint), so it never costs the others; the chunk commits once.

If the chunk fails at the database all the same, it is rolled back and done again one row
per unit of work, so every good row is still kept and every bad one reported with its line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from novamind_desktop.domain.appointments import (
    BLOCKING_STATUSES,
    Appointment,
    AppointmentStatus,
    validate_times,
)
from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.errors import (
    DomainError,
    FieldError,
    StorageUnavailable,
    ValidationFailed,
)
from novamind_desktop.domain.patients import Patient, normalise_email
from novamind_desktop.domain.users import Actor, Role, User
from novamind_desktop.services import appointment_rules as rules
from novamind_desktop.services import audit_trail
from novamind_desktop.services.audit_trail import APPOINTMENT
from novamind_desktop.services.import_rows import (
    ChunkedImport,
    Outcome,
    RefusedRow,
    Row,
    RowOutcome,
    invalid,
    refuse_unknown_columns,
)
from novamind_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

APPOINTMENT_FIELDS: tuple[str, ...] = (
    "patient_email",
    "clinician_username",
    "start",
    "end",
    "appointment_type",
    "status",
    "virtual",
    "location",
    "notes",
)
_REQUIRED = ("patient_email", "clinician_username", "start", "end", "appointment_type")
# An empty patient_email is what an export writes for a walk-in (a patient with no email
# address), so the refusal says that, not just "required": the desk then knows to book it.
_NO_PATIENT_EMAIL = (
    "The row names no patient: either the patient has no email address on record or the "
    "email was left out, and an import finds patients by email only, so book this "
    "appointment in the app."
)
_MISSING = {"patient_email": _NO_PATIENT_EMAIL}
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"", "false", "no", "n", "0"}


class AppointmentImport(ChunkedImport[list[Row]]):
    """One import of appointment rows by `actor`; messages show times in `clinic_tz`."""

    KIND = "Appointment import"
    # Smaller than the patients' chunks: booking a row costs ~10 ms (clash checks, a
    # savepoint), and a chunk holds the write lock (SQLite) until it commits, about a second
    # at this size.
    CHUNK_ROWS = 100
    _log = log

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, actor: Actor, clinic_tz: ZoneInfo
    ):
        self._uow = uow_factory
        self._clock = clock
        self._actor = actor
        self._tz = clinic_tz

    def _check_chunk(self, chunk: list[Row]) -> list[Row]:
        # The rows are parsed in _together: a parse failing with anything but a domain error
        # sends the chunk row by row like any other failure of the chunk.
        return chunk

    def _together(self, chunk: list[Row]) -> list[RowOutcome]:
        parsed = [(line, _parsed(line, row)) for line, row in chunk]
        emails = [w.patient_email for _, w in parsed if isinstance(w, _WantedAppointment)]
        with self._uow(self._actor) as uow:
            directory = _Directory(uow, emails)
            # The books of all the chunk's clinicians at once, in the order every writer
            # uses: taken row by row, in file order, two imports at once could deadlock.
            uow.appointments.take_turns(directory.clinicians_booked(parsed))
            outcomes, booked = self._book_in_order(uow, directory, parsed)
            # The audit events last: events waiting when a later row's savepoint is released
            # are written inside it, and lost if the database then refuses that row.
            for line, appointment_id in booked:
                self._audit(uow, appointment_id, line)
            if booked:
                uow.commit()
        return outcomes

    def _book_in_order(
        self,
        uow: UnitOfWork,
        directory: _Directory,
        parsed: list[tuple[int, _WantedAppointment | RefusedRow]],
    ) -> tuple[list[RowOutcome], list[tuple[int, UUID]]]:
        """Each row's outcome, and the line and id of each appointment stored."""
        outcomes: list[RowOutcome] = []
        booked: list[tuple[int, UUID]] = []
        for line, wanted in parsed:
            if isinstance(wanted, RefusedRow):
                outcomes.append(wanted)
                continue
            try:
                stored = self._book(uow, directory, wanted)
            except DomainError as refused:
                outcomes.append(RefusedRow.of(line, refused))
                continue
            if stored is not None:
                booked.append((line, stored))
            outcomes.append(Outcome.PRESENT if stored is None else Outcome.ACCEPTED)
        return outcomes, booked

    def _alone(self, line: int, row: Mapping[str, str]) -> RowOutcome:
        try:
            wanted = _parse_appointment(row)
            with self._uow(self._actor) as uow:
                stored = self._book(uow, _Directory(uow, [wanted.patient_email]), wanted)
                if stored is None:
                    return Outcome.PRESENT
                self._audit(uow, stored, line)
                uow.commit()
        except DomainError as refused:
            return RefusedRow.of(line, refused)
        return Outcome.ACCEPTED

    def _book(
        self, uow: UnitOfWork, directory: _Directory, wanted: _WantedAppointment
    ) -> UUID | None:
        """Store the row and return its id, or None if it is stored already; a DomainError
        if it cannot be stored."""
        patient_id = directory.patient_id(wanted.patient_email)
        clinician_id = directory.clinician_id(wanted.clinician_username)
        directory.check_type(wanted.appointment_type)
        booked = uow.appointments.in_range(wanted.start, wanted.end, [clinician_id])
        if any(
            (a.patient_id, a.start, a.end) == (patient_id, wanted.start, wanted.end) for a in booked
        ):
            return None
        if wanted.status in BLOCKING_STATUSES:
            times = [(wanted.start, wanted.end)]
            rules.refuse_clashes(uow, clinician_id, times, set(), self._tz)
        return uow.appointments.add(self._appointment(patient_id, clinician_id, wanted)).id

    def _audit(self, uow: UnitOfWork, appointment_id: UUID, line: int) -> None:
        audit_trail.record(
            uow,
            self._clock,
            self._actor,
            AuditAction.IMPORT,
            APPOINTMENT,
            appointment_id,
            f"line {line}",
        )

    def _appointment(
        self, patient_id: UUID, clinician_id: UUID, wanted: _WantedAppointment
    ) -> Appointment:
        changed = wanted.status is not AppointmentStatus.SCHEDULED
        return Appointment(
            id=uuid4(),
            patient_id=patient_id,
            clinician_id=clinician_id,
            start=wanted.start,
            end=wanted.end,
            appointment_type=wanted.appointment_type,
            status=wanted.status,
            notes=wanted.notes,
            virtual=wanted.virtual,
            location=wanted.location,
            status_changed_at=self._clock.now() if changed else None,
            status_changed_by=self._actor.username if changed else None,
        )


class _Directory:
    """Who and what a chunk's rows name: the patients of their emails (one batched lookup),
    each clinician and each appointment type looked up once."""

    def __init__(self, uow: UnitOfWork, emails: Iterable[str]):
        self._uow = uow
        wanted = set(emails)
        self._patients: dict[str, Patient] = uow.patients.find_by_emails(wanted) if wanted else {}
        self._clinicians: dict[str, User | None] = {}
        self._types: set[str] = set()

    def patient_id(self, email: str) -> UUID:
        patient = self._patients.get(email)
        if patient is None:
            raise invalid("patient_email", "No patient has this email address.")
        return patient.id

    def clinician_id(self, username: str) -> UUID:
        if username not in self._clinicians:
            self._clinicians[username] = self._uow.users.by_username(username)
        clinician = self._clinicians[username]
        if clinician is None or clinician.role is not Role.CLINICIAN:
            raise invalid("clinician_username", "No clinician has this user name.")
        return clinician.id

    def clinicians_booked(
        self, parsed: Iterable[tuple[int, _WantedAppointment | RefusedRow]]
    ) -> list[UUID]:
        """The clinicians whose time the rows would take (unknown names are left to the
        rows, which are refused for them)."""
        found = []
        for _, wanted in parsed:
            if isinstance(wanted, _WantedAppointment) and wanted.status in BLOCKING_STATUSES:
                try:
                    found.append(self.clinician_id(wanted.clinician_username))
                except StorageUnavailable:
                    raise
                except DomainError:  # unknown: the row is refused for it
                    continue
        return found

    def check_type(self, name: str) -> None:
        if name not in self._types:
            rules.appointment_type(self._uow, name)  # ValidationFailed when unknown
            self._types.add(name)


def _parsed(line: int, row: Mapping[str, str]) -> _WantedAppointment | RefusedRow:
    try:
        return _parse_appointment(row)
    except DomainError as refused:
        return RefusedRow.of(line, refused)


@dataclass(frozen=True)
class _WantedAppointment:
    patient_email: str
    clinician_username: str
    start: datetime
    end: datetime
    appointment_type: str
    status: AppointmentStatus
    virtual: bool
    location: str
    notes: str


def _parse_appointment(row: Mapping[str, str]) -> _WantedAppointment:
    """Columns as in the appointment CSV header; `start`/`end` ISO 8601 with an offset."""
    refuse_unknown_columns(row, APPOINTMENT_FIELDS)
    text = {name: (row.get(name) or "").strip() for name in APPOINTMENT_FIELDS}
    errors: list[FieldError] = []
    for name in _REQUIRED:
        if not text[name]:
            errors.append(FieldError(name, _MISSING.get(name, "This column is required.")))
    start = _moment(text["start"], "start", errors)
    end = _moment(text["end"], "end", errors)
    status = _status(text["status"], errors)
    virtual = text["virtual"].lower()
    if virtual not in _TRUE | _FALSE:
        errors.append(FieldError("virtual", "Write true or false."))
    if start is not None and end is not None:
        try:
            validate_times(start, end)
        except ValidationFailed as bad:
            errors.extend(bad.errors)
    if errors:
        raise ValidationFailed(errors)
    assert start is not None and end is not None and status is not None
    return _WantedAppointment(
        patient_email=normalise_email(text["patient_email"]),
        clinician_username=text["clinician_username"].lower(),
        start=start,
        end=end,
        appointment_type=text["appointment_type"],
        status=status,
        virtual=virtual in _TRUE,
        location=text["location"],
        notes=text["notes"],
    )


def _moment(text: str, column: str, errors: list[FieldError]) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        errors.append(
            FieldError(column, "Write the time as ISO 8601, like 2025-06-02T09:00+02:00.")
        )
        return None
    if moment.tzinfo is None:
        errors.append(FieldError(column, "The time needs its UTC offset, like +02:00."))
        return None
    return moment.astimezone(UTC)


def _status(text: str, errors: list[FieldError]) -> AppointmentStatus | None:
    try:
        return AppointmentStatus(text.lower().replace(" ", "_").replace("-", "_") or "scheduled")
    except ValueError:
        names = ", ".join(s.value for s in AppointmentStatus)
        errors.append(FieldError("status", f"Use one of: {names}."))
        return None
