"""The appointment book's read (AppointmentRepository.for_book): one statement, Core rows.

The grid's columns of the appointments overlapping a window, joined to the sealed patient
names, the clinician's name and the appointment type. Neither notes nor cancellation reason is
read: the grid shows neither, and get() audits reading them. A day of 20 clinicians is a few
hundred rows, so per-row costs count: the ids that repeat (patients, clinicians, types) are
turned into UUIDs once per read, and the sealed names reach the cipher as the driver gives them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from novamind_desktop.domain.appointments import (
    MAX_DURATION,
    Appointment,
    AppointmentStatus,
    AppointmentType,
)
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.records import (
    AppointmentRecord,
    AppointmentTypeRecord,
    PatientRecord,
    UserRecord,
)
from novamind_desktop.infrastructure.repositories.patients import open_full_name
from novamind_desktop.services.ports import BookRow

_STATUSES = {status.value: status for status in AppointmentStatus}


def _raw(column: Any, name: str | None = None) -> Any:
    """The column as the driver returns it, without SQLAlchemy's per-value conversion."""
    return type_coerce(column, NullType()).label(name or column.name)


def _book_query() -> Select[Any]:
    """Built once. The window is [:start, :end), bounded below by MAX_DURATION so the
    (clinician_id, start_at) and start_at indexes read only that window."""
    a = AppointmentRecord.__table__.c
    p, u, k = PatientRecord.__table__, UserRecord.__table__, AppointmentTypeRecord.__table__
    joined = (
        AppointmentRecord.__table__.outerjoin(p, p.c.id == a.patient_id)
        .outerjoin(u, u.c.id == a.clinician_id)
        .outerjoin(k, k.c.name == a.appointment_type)
    )
    # In the order read_book unpacks them.
    ids = (a.id, _raw(a.patient_id), _raw(a.clinician_id), a.series_id)
    grid = (a.start_at, a.end_at, a.appointment_type, a.status, a.virtual, a.location)
    stamps = (a.status_changed_at, a.status_changed_by, a.version)
    names = (_raw(p.c.first_name), _raw(p.c.last_name), u.c.display_name)
    kind = (_raw(k.c.id), k.c.default_minutes, k.c.colour)
    return (
        select(*ids, *grid, *stamps, *names, *kind)
        .select_from(joined)
        .where(
            a.start_at > bindparam("low"),
            a.start_at < bindparam("end"),
            a.end_at > bindparam("start"),
        )
        .order_by(a.start_at, a.id)
    )


_BOOK = _book_query()
_BOOK_OF = _BOOK.where(
    AppointmentRecord.__table__.c.clinician_id.in_(bindparam("clinicians", expanding=True))
)


class _Uuids(dict[Any, UUID]):
    """Driver values to UUIDs, each distinct one converted once (SQLite gives hex text,
    psycopg2 gives UUIDs already)."""

    def __missing__(self, raw: Any) -> UUID:
        value = raw if isinstance(raw, UUID) else UUID(raw)
        self[raw] = value
        return value


def read_book(
    session: Session,
    cipher: FieldCipher,
    start: datetime,
    end: datetime,
    clinician_ids: Iterable[UUID] | None,
) -> list[BookRow]:
    params: dict[str, Any] = {"low": start - MAX_DURATION, "start": start, "end": end}
    query = _BOOK
    if clinician_ids is not None:
        query, params["clinicians"] = _BOOK_OF, list(clinician_ids)
    session.flush()  # Core statements do not autoflush; see this unit of work's own writes
    uuids = _Uuids()
    types: dict[Any, AppointmentType | None] = {None: None}  # None: no such type row
    rows = []
    # Unpacked as tuples: a Row's attribute access costs about a microsecond a column.
    for (
        appointment_id, patient_raw, clinician_raw, series_id,
        start_at, end_at, type_name, status, virtual, location,
        changed_at, changed_by, version,
        first_name, last_name, clinician_name,
        type_raw, minutes, colour,
    ) in session.execute(query, params):  # fmt: skip
        patient_id = uuids[patient_raw]
        name = None  # no such patient row (the foreign key rules it out)
        if first_name is not None or last_name is not None:
            name = open_full_name(cipher, patient_id, first_name, last_name)
        kind = types.get(type_raw, _UNSEEN)
        if kind is _UNSEEN:
            kind = types[type_raw] = AppointmentType(uuids[type_raw], type_name, minutes, colour)
        appointment = Appointment(  # without notes, cancellation reason, created/updated
            id=appointment_id,
            patient_id=patient_id,
            clinician_id=uuids[clinician_raw],
            start=start_at,
            end=end_at,
            appointment_type=type_name,
            status=_STATUSES[status],
            virtual=virtual,
            location=location,
            series_id=series_id,
            status_changed_at=changed_at,
            status_changed_by=changed_by,
            version=version,
        )
        rows.append(BookRow(appointment, name, clinician_name, kind))
    return rows


_UNSEEN = AppointmentType(UUID(int=0), "", 1, "")  # a marker: this type not looked at yet
