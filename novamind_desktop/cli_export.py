"""The rows an export writes, read in one unit of work and audited as one EXPORT event.

Patients come out in the order they were registered, appointments by start time, both with
the same text the import reads back (csv_formats headers), so export -> import is exact, but
for one thing the formats cannot say: an appointment names its patient by email, so one of a
patient with no email address (a walk-in) comes out with an empty patient_email, and the
import refuses it. The export still writes it (the file is a full record of the book) and
walk_in_note() tells the person how many such rows there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO
from uuid import UUID

from novamind_desktop.bootstrap import AppContext
from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.patients import details_as_text
from novamind_desktop.domain.users import Actor, Permission
from novamind_desktop.infrastructure import csv_formats, fhir_formats
from novamind_desktop.infrastructure.csv_formats import Row
from novamind_desktop.infrastructure.ics_format import CalendarEntry, write_calendar
from novamind_desktop.services import audit_trail


@dataclass(frozen=True)
class ExportRow:
    id: UUID
    row: Row
    extra: dict[str, Any]  # what a calendar needs beyond the CSV columns


def patient_rows(context: AppContext, actor: Actor, fmt: str) -> list[ExportRow]:
    actor.require(Permission.READ_PATIENTS)
    with context.uow_factory(actor) as uow:
        patients = uow.patients.list_all()
        _audit(context, uow, actor, audit_trail.PATIENT, len(patients), fmt)
        uow.commit()
    return [ExportRow(p.id, details_as_text(p.details), {}) for p in patients]


def appointment_rows(context: AppContext, actor: Actor, fmt: str) -> list[ExportRow]:
    actor.require(Permission.READ_APPOINTMENTS)
    zone = context.settings.clinic_timezone
    with context.uow_factory(actor) as uow:
        appointments = sorted(uow.appointments.list_all(), key=lambda a: (a.start, str(a.id)))
        patients = {p.id: p for p in uow.patients.list_all()} if appointments else {}
        users = {u.id: u for u in uow.users.list_all()}
        _audit(context, uow, actor, audit_trail.APPOINTMENT, len(appointments), fmt)
        uow.commit()
    rows = []
    for a in appointments:
        patient = patients[a.patient_id]
        clinician = users[a.clinician_id]
        row = {
            "patient_email": patient.details.email or "",
            "clinician_username": clinician.username,
            "start": a.start.astimezone(zone).isoformat(),
            "end": a.end.astimezone(zone).isoformat(),
            "appointment_type": a.appointment_type,
            "status": a.status.value,
            "virtual": "true" if a.virtual else "false",
            "location": a.location,
            "notes": a.notes,
        }
        extra = {
            "start": a.start,
            "end": a.end,
            "summary": f"{a.appointment_type.replace('_', ' ').capitalize()}: "
            f"{patient.full_name} with {clinician.display_name}",
            "cancelled": not a.blocks_time,
            "updated": a.updated_at,
        }
        rows.append(ExportRow(a.id, row, extra))
    return rows


# walk_in_note's words for one row and for several.
_WALK_IN_WORDS = {
    True: (
        "is for a patient",
        "its patient_email is empty, so that row",
        "to move it, give the patient",
    ),
    False: (
        "are for patients",
        "their patient_email is empty, so those rows",
        "to move them, give those patients",
    ),
}


def walk_in_note(kind: str, fmt: str, rows: list[ExportRow]) -> str | None:
    """One sentence for stderr when appointments of walk-ins cannot be imported back from
    this file, or None. Counts only, never patient data."""
    if kind != "appointments" or fmt == "ics":  # a calendar is never imported
        return None
    missing = sum(1 for r in rows if not r.row["patient_email"])
    if not missing:
        return None
    who, which, fix = _WALK_IN_WORDS[missing == 1]
    return (
        f"{missing} of the {len(rows)} appointments exported {who} with no email address on "
        f"record: {which} cannot be imported back from this file (CSV and FHIR files find a "
        f"patient by email); {fix} an email address and export again, or copy the whole "
        "database with `novamind-desktop db backup` and `db restore`."
    )


def _audit(context: AppContext, uow: Any, actor: Actor, entity: str, count: int, fmt: str) -> None:
    detail = f"{count} rows as {fmt}"
    clock = context.services.clock
    audit_trail.record(uow, clock, actor, AuditAction.EXPORT, entity, None, detail)


def write_export(
    out: TextIO, kind: str, fmt: str, rows: list[ExportRow], context: AppContext
) -> int:
    if fmt == "csv":
        header = (
            csv_formats.PATIENT_HEADER if kind == "patients" else csv_formats.APPOINTMENT_HEADER
        )
        return csv_formats.write_rows(out, header, (r.row for r in rows))
    if fmt == "fhir":
        make = (
            fhir_formats.patient_resource
            if kind == "patients"
            else fhir_formats.appointment_resource
        )
        return fhir_formats.write_bundle(out, (make(r.row, str(r.id)) for r in rows))
    now: datetime = context.services.clock.now()
    entries = (
        CalendarEntry(
            uid=f"{r.id}@novamind",
            start=r.extra["start"],
            end=r.extra["end"],
            summary=r.extra["summary"],
            location=r.row["location"],
            cancelled=r.extra["cancelled"],
            updated=r.extra["updated"],
        )
        for r in rows
    )
    return write_calendar(out, entries, now)
