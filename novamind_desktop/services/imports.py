"""Importing patients and appointments from rows a file reader has already parsed.

Patients go in a chunk of rows per unit of work (services/import_patients.py); appointments
one row per unit of work. Either way one bad row never costs the good ones. Importing the
same file twice changes nothing: a row already stored is counted, not duplicated. Reasons for
refusal name the column and the problem, never the value (it may be PHI).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
from novamind_desktop.domain.errors import DomainError, FieldError, ValidationFailed
from novamind_desktop.domain.patients import normalise_email
from novamind_desktop.domain.users import Actor, Permission, Role
from novamind_desktop.services import appointment_rules as rules
from novamind_desktop.services import audit_trail
from novamind_desktop.services.audit_trail import APPOINTMENT
from novamind_desktop.services.import_patients import PatientImport
from novamind_desktop.services.import_rows import (
    ImportReport,
    Outcome,
    RefusedRow,
    Rows,
    invalid,
    refuse_unknown_columns,
)
from novamind_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory

__all__ = ["APPOINTMENT_FIELDS", "ImportReport", "ImportService", "RefusedRow", "Rows"]

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
UTC_ZONE = ZoneInfo("UTC")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"", "false", "no", "n", "0"}


class ImportService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, clinic_tz: ZoneInfo = UTC_ZONE
    ):
        self._uow = uow_factory
        self._clock = clock
        self._tz = clinic_tz

    def import_patients(self, actor: Actor, rows: Rows) -> ImportReport:
        """Columns as in the patient CSV header; `date_of_birth` is ISO YYYY-MM-DD."""
        actor.require(Permission.WRITE_PATIENTS)
        today = self._clock.now().astimezone(self._tz).date()
        return PatientImport(self._uow, self._clock, actor, today).run(rows)

    def import_appointments(self, actor: Actor, rows: Rows) -> ImportReport:
        """Columns as in the appointment CSV header; `start`/`end` ISO 8601 with an offset."""
        actor.require(Permission.WRITE_APPOINTMENTS)
        return _run(rows, lambda line, row: self._appointment(actor, line, row))

    def _appointment(self, actor: Actor, line: int, row: Mapping[str, str]) -> Outcome:
        refuse_unknown_columns(row, APPOINTMENT_FIELDS)
        wanted = _parse_appointment(row)
        with self._uow(actor) as uow:
            patient = uow.patients.find_by_email(wanted.patient_email)
            if patient is None:
                raise invalid("patient_email", "No patient has this email address.")
            clinician = uow.users.by_username(wanted.clinician_username)
            if clinician is None or clinician.role is not Role.CLINICIAN:
                raise invalid("clinician_username", "No clinician has this user name.")
            rules.appointment_type(uow, wanted.appointment_type)
            booked = uow.appointments.in_range(wanted.start, wanted.end, [clinician.id])
            if any(
                (a.patient_id, a.start, a.end) == (patient.id, wanted.start, wanted.end)
                for a in booked
            ):
                return Outcome.PRESENT
            if wanted.status in BLOCKING_STATUSES:
                times = [(wanted.start, wanted.end)]
                rules.refuse_clashes(uow, clinician.id, times, set(), self._tz)
            changed = wanted.status is not AppointmentStatus.SCHEDULED
            appointment = Appointment(
                id=uuid4(),
                patient_id=patient.id,
                clinician_id=clinician.id,
                start=wanted.start,
                end=wanted.end,
                appointment_type=wanted.appointment_type,
                status=wanted.status,
                notes=wanted.notes,
                virtual=wanted.virtual,
                location=wanted.location,
                status_changed_at=self._clock.now() if changed else None,
                status_changed_by=actor.username if changed else None,
            )
            stored = uow.appointments.add(appointment)
            self._audit(uow, actor, APPOINTMENT, stored.id, line)
            uow.commit()
        return Outcome.ACCEPTED

    def _audit(self, uow: UnitOfWork, actor: Actor, entity: str, ident: UUID, line: int) -> None:
        detail = f"line {line}"
        audit_trail.record(uow, self._clock, actor, AuditAction.IMPORT, entity, ident, detail)


def _run(rows: Rows, import_row: Callable[[int, Mapping[str, str]], Outcome]) -> ImportReport:
    report = ImportReport()
    for line, row in rows:
        try:
            outcome = import_row(line, row)
        except DomainError as refused:
            report.refused.append(RefusedRow(line, str(refused)))
            continue
        if outcome is Outcome.ACCEPTED:
            report.accepted += 1
        else:
            report.already_present += 1
    return report


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
    text = {name: (row.get(name) or "").strip() for name in APPOINTMENT_FIELDS}
    errors: list[FieldError] = []
    for name in ("patient_email", "clinician_username", "start", "end", "appointment_type"):
        if not text[name]:
            errors.append(FieldError(name, "This column is required."))
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
