"""Importing patients a chunk of rows at a time: one unit of work per chunk, not per row.

The chunk's rows are validated in Python first. The rows that pass are looked up together
(their emails in one query, the birthdays of those without an email in another) and checked
in file order against what is stored and against the rows before them in the file, so a row
repeating an earlier one is "already present", exactly as if each row had been committed on
its own. The new patients go in with one INSERT, their audit events with another, and the
chunk commits once. A row refused for what it says never costs the others.

If the chunk fails at the database all the same (another workstation stored one of its
patients between the lookups and the insert, say), it is rolled back and done again one row
per unit of work, so every good row is still kept and every bad one reported with its line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.errors import DomainError, DuplicateEmail
from novamind_desktop.domain.patients import (
    PATIENT_FIELDS,
    Patient,
    PatientDetails,
    validate_patient,
)
from novamind_desktop.domain.users import Actor
from novamind_desktop.services import audit_trail
from novamind_desktop.services.audit_trail import PATIENT
from novamind_desktop.services.import_rows import (
    ChunkedImport,
    Outcome,
    RefusedRow,
    Row,
    RowOutcome,
    new_ids,
    refuse_unknown_columns,
)
from novamind_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Valid:
    line: int
    details: PatientDetails


class PatientImport(ChunkedImport[list[_Valid | RefusedRow]]):
    """One import of patient rows by `actor`; `today` is the date in the clinic."""

    KIND = "Patient import"
    CHUNK_ROWS = 500
    _log = log

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, actor: Actor, today: date):
        self._uow = uow_factory
        self._clock = clock
        self._actor = actor
        self._today = today

    def _check_chunk(self, chunk: list[Row]) -> list[_Valid | RefusedRow]:
        """Each row validated in Python: a _Valid or the reason it is refused."""
        return [self._check(line, row) for line, row in chunk]

    def _check(self, line: int, row: Mapping[str, str]) -> _Valid | RefusedRow:
        try:
            return _Valid(line, _details(row, self._today))
        except DomainError as refused:
            return RefusedRow.of(line, refused)

    def _together(self, checked: list[_Valid | RefusedRow]) -> list[RowOutcome]:
        outcomes: list[RowOutcome] = []
        new: list[tuple[int, Patient]] = []
        ids = iter(new_ids(len(checked)))  # one draw for the chunk, not uuid4() per row
        with self._uow(self._actor) as uow:
            known = _KnownPatients.look_up(
                uow, [c.details for c in checked if isinstance(c, _Valid)]
            )
            for row in checked:
                if isinstance(row, RefusedRow):
                    outcomes.append(row)
                    continue
                try:
                    stored = known.holds(row.details)
                except DomainError as refused:
                    outcomes.append(RefusedRow.of(row.line, refused))
                    continue
                if not stored:
                    known.remember(row.details)
                    new.append((row.line, Patient(id=next(ids), details=row.details)))
                outcomes.append(Outcome.PRESENT if stored else Outcome.ACCEPTED)
            if new:
                uow.patients.add_many([patient for _, patient in new])
                # Recorded after the insert: waiting events are written inside the next
                # savepoint released, and lost if that savepoint is rolled back.
                self._audit_imported(uow, new)
                uow.commit()
        return outcomes

    def _alone(self, line: int, row: Mapping[str, str]) -> RowOutcome:
        try:
            details = _details(row, self._today)
            with self._uow(self._actor) as uow:
                if _stored(uow, details):
                    return Outcome.PRESENT
                patient = uow.patients.add(Patient(id=uuid4(), details=details))
                self._audit(uow, patient.id, line)
                uow.commit()
        except DomainError as refused:
            return RefusedRow.of(line, refused)
        return Outcome.ACCEPTED

    def _audit(self, uow: UnitOfWork, patient_id: UUID, line: int) -> None:
        audit_trail.record(
            uow, self._clock, self._actor, AuditAction.IMPORT, PATIENT, patient_id, f"line {line}"
        )

    def _audit_imported(self, uow: UnitOfWork, new: list[tuple[int, Patient]]) -> None:
        """What _audit records for each new patient, the event ids drawn all at once."""
        for (line, patient), event_id in zip(new, new_ids(len(new)), strict=True):
            uow.audit.record(
                AuditEvent(
                    id=event_id,
                    at=self._clock.now(),
                    user_id=self._actor.user_id,
                    username=self._actor.username,
                    action=AuditAction.IMPORT,
                    entity=PATIENT,
                    entity_id=str(patient.id),
                    detail=f"line {line}",
                )
            )


def _details(row: Mapping[str, str], today: date) -> PatientDetails:
    """Columns as in the patient CSV header; `date_of_birth` is ISO YYYY-MM-DD."""
    refuse_unknown_columns(row, PATIENT_FIELDS)
    return validate_patient(dict(row), today)


class _KnownPatients:
    """Who a chunk's rows may already be: the stored patients found by the chunk's emails
    and (for rows without one) birthdays, and the rows of the chunk accepted so far.

    A patient is the same by email when there is one; otherwise by name and date of birth
    (the name may differ: nicknames, spelling). An email already stored for someone born on
    another day is a different person, and that row is refused with DuplicateEmail.
    """

    def __init__(self, by_email: dict[str, PatientDetails], born: set[tuple[date, str, str]]):
        self._by_email = by_email
        self._born = born

    @classmethod
    def look_up(cls, uow: UnitOfWork, rows: list[PatientDetails]) -> _KnownPatients:
        emails = {d.email for d in rows if d.email}
        birthdays = {d.date_of_birth for d in rows if not d.email}
        found = uow.patients.find_by_emails(emails) if emails else {}
        born = uow.patients.find_by_dates_of_birth(birthdays) if birthdays else []
        return cls(
            {email: p.details for email, p in found.items()},
            {_birth_and_name(p.details) for p in born},
        )

    def holds(self, details: PatientDetails) -> bool:
        if details.email:
            found = self._by_email.get(details.email)
            if found is not None and found.date_of_birth != details.date_of_birth:
                raise DuplicateEmail()
            return found is not None
        return _birth_and_name(details) in self._born

    def remember(self, details: PatientDetails) -> None:
        if details.email:
            self._by_email[details.email] = details
        self._born.add(_birth_and_name(details))


def _stored(uow: UnitOfWork, details: PatientDetails) -> bool:
    """_KnownPatients.holds for one row, with the single lookups."""
    if details.email:
        found = uow.patients.find_by_email(details.email)
        if found is not None and found.details.date_of_birth != details.date_of_birth:
            raise DuplicateEmail()
        return found is not None
    wanted = _birth_and_name(details)
    return any(
        _birth_and_name(p.details) == wanted
        for p in uow.patients.find_by_date_of_birth(details.date_of_birth)
    )


def _birth_and_name(details: PatientDetails) -> tuple[date, str, str]:
    return (
        details.date_of_birth,
        " ".join(details.first_name.casefold().split()),
        " ".join(details.last_name.casefold().split()),
    )
