"""The appointment book's read (AppointmentRepository.for_book): one statement, raw rows.

The grid's columns of the appointments overlapping a window, joined to the sealed patient
names, the clinician's name and the appointment type. Neither notes nor cancellation reason is
read: the grid shows neither, and get() audits reading them.

A day of 20 clinicians is a few hundred rows, read each time the book is shown, so per-row
Python work counts. The statement runs on the driver's own cursor in the session's
transaction (no SQLAlchemy Row or type processing per value), and the rows are converted
column by column: the appointment and patient ids in C-level maps, the values that repeat
(clinicians, series, times, types) once per distinct value with SQLAlchemy's own converters
for that column, and each sealed name column with one FieldCipher.decrypt_column call (the
same AAD, checks and errors as decrypt(): a refused value names its table, column and row).
On PostgreSQL the ids come as text and the sealed values as hex: the driver hands those over
far cheaper than UUIDs and bytea (see patient_index).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache
from itertools import repeat
from typing import Any
from uuid import UUID

from sqlalchemy import Dialect
from sqlalchemy.orm import Session

from novamind_desktop.domain.appointments import (
    MAX_DURATION,
    Appointment,
    AppointmentStatus,
    AppointmentType,
)
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.database import driver_connection
from novamind_desktop.infrastructure.records import AppointmentRecord
from novamind_desktop.infrastructure.repositories.patient_index import row_ids
from novamind_desktop.infrastructure.repositories.patients import open_full_names
from novamind_desktop.services.ports import BookRow

_STATUSES = {status.value: status for status in AppointmentStatus}
# What _book_rows passes to Appointment, in order; created_at/updated_at stay None.
_APPOINTMENT_FIELDS = (
    "id", "patient_id", "clinician_id", "start", "end", "appointment_type", "status", "notes",
    "virtual", "location", "series_id", "status_changed_at", "status_changed_by",
    "cancellation_reason", "version",
)  # fmt: skip
if tuple(f.name for f in fields(Appointment))[: len(_APPOINTMENT_FIELDS)] != _APPOINTMENT_FIELDS:
    raise TypeError("Appointment's fields moved: update appointment_book._APPOINTMENT_FIELDS")
_ID, _SEALED = "id", "sealed"

# In the order _book_rows unpacks them: (how the driver should hand it over, the column).
_COLUMNS = (
    (_ID, "a.id"), (_ID, "a.patient_id"), (_ID, "a.clinician_id"), (_ID, "a.series_id"),
    ("", "a.start_at"), ("", "a.end_at"), ("", "a.appointment_type"), ("", "a.status"),
    ("", "a.virtual"), ("", "a.location"),
    ("", "a.status_changed_at"), ("", "a.status_changed_by"), ("", "a.version"),
    (_SEALED, "p.first_name"), (_SEALED, "p.last_name"), ("", "u.display_name"),
    (_ID, "k.id"), ("", "k.default_minutes"), ("", "k.colour"),
)  # fmt: skip


@cache
def _sql(pg: bool, clinicians: int | None) -> str:
    """The statement in the driver's terms: "?" (SQLite) or "%s" (psycopg2) marks for low,
    end, start and then each clinician. The window [start, end) is bounded below by
    MAX_DURATION (low), so the (clinician_id, start_at) and start_at indexes read only it."""
    mark = "%s" if pg else "?"
    as_text = {_ID: "CAST({} AS TEXT)", _SEALED: "encode({}, 'hex')"} if pg else {}
    columns = ", ".join(as_text.get(kind, "{}").format(column) for kind, column in _COLUMNS)
    where = f"a.start_at > {mark} AND a.start_at < {mark} AND a.end_at > {mark}"
    if clinicians is not None:
        where += f" AND a.clinician_id IN ({', '.join([mark] * clinicians)})"
    return (
        f"SELECT {columns} FROM appointments AS a"
        " LEFT OUTER JOIN patients AS p ON p.id = a.patient_id"
        " LEFT OUTER JOIN users AS u ON u.id = a.clinician_id"
        " LEFT OUTER JOIN appointment_types AS k ON k.name = a.appointment_type"
        f" WHERE {where} ORDER BY a.start_at, a.id"
    )


def _identity(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class _Driver:
    """How one database's driver takes and hands over the book's values: SQLAlchemy's own
    converters for those columns on that dialect, so the values are exactly what a Core
    select of AppointmentRecord gives (aware UTC datetimes, bools)."""

    pg: bool
    stamp_in: Callable[[Any], Any]  # aware datetime -> what the driver compares
    id_in: Callable[[Any], Any]  # UUID -> what the driver compares
    stamp_out: Callable[[Any], Any]  # driver value -> aware UTC datetime
    flag_out: Callable[[Any], Any]  # driver value -> bool

    def sealed(self, column: Sequence[Any]) -> Sequence[bytes | None]:
        if not self.pg:
            return column
        return [None if value is None else bytes.fromhex(value) for value in column]


_DRIVERS: dict[str, _Driver] = {}  # by dialect name


def _driver(dialect: Dialect) -> _Driver:
    driver = _DRIVERS.get(dialect.name)
    if driver is None:
        a = AppointmentRecord.__table__.c
        stamp = a.start_at.type.dialect_impl(dialect)
        ids, flag = a.clinician_id.type.dialect_impl(dialect), a.virtual.type.dialect_impl(dialect)
        driver = _DRIVERS[dialect.name] = _Driver(
            pg=dialect.name == "postgresql",
            stamp_in=stamp.bind_processor(dialect) or _identity,
            id_in=ids.bind_processor(dialect) or _identity,
            stamp_out=stamp.result_processor(dialect, None) or _identity,
            flag_out=flag.result_processor(dialect, None) or _identity,
        )
    return driver


def read_book(
    session: Session,
    cipher: FieldCipher,
    start: datetime,
    end: datetime,
    clinician_ids: Iterable[UUID] | None,
) -> list[BookRow]:
    dbapi, dialect = driver_connection(session)  # sees this unit of work's writes
    driver = _driver(dialect)
    params = [driver.stamp_in(value) for value in (start - MAX_DURATION, end, start)]
    wanted = None if clinician_ids is None else [driver.id_in(i) for i in clinician_ids]
    if wanted == []:
        return []  # IN () matches nothing
    cursor = dbapi.cursor()
    try:
        sql = _sql(driver.pg, None if wanted is None else len(wanted))
        cursor.execute(sql, params + (wanted or []))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return _book_rows(rows, cipher, driver) if rows else []


class _Once(dict[Any, Any]):
    """`convert` of each distinct driver value, made once (None stays None)."""

    def __init__(self, convert: Callable[[Any], Any]):
        super().__init__({None: None})
        self._convert = convert

    def __missing__(self, raw: Any) -> Any:
        value = self[raw] = self._convert(raw)
        return value

    def column(self, raws: Iterable[Any]) -> list[Any]:
        return list(map(self.__getitem__, raws))


def _book_rows(
    rows: Sequence[Sequence[Any]], cipher: FieldCipher, driver: _Driver
) -> list[BookRow]:
    (
        ids, patient_raws, clinician_raws, series_raws,
        starts, ends, type_names, statuses, virtuals, locations,
        changed_ats, changed_bys, versions,
        first_names, last_names, clinician_names,
        type_raws, minutes, colours,
    ) = zip(*rows, strict=True)  # fmt: skip
    appointment_ids = row_ids(ids)[0]
    patient_ids, patient_bytes = row_ids(patient_raws)
    names = open_full_names(
        cipher, patient_bytes, driver.sealed(first_names), driver.sealed(last_names)
    )
    uuids, stamps = _Once(UUID), _Once(driver.stamp_out)
    kinds = dict(zip(type_raws, zip(type_names, minutes, colours, strict=True), strict=True))
    types = _Once(lambda raw: AppointmentType(uuids[raw], *kinds[raw]))
    # Made by C-level map()s, positionally in _APPOINTMENT_FIELDS' order: no bytecode per row.
    unread = repeat("")  # notes and cancellation reason (get() reads them, audited)
    appointments = map(
        Appointment,
        appointment_ids, patient_ids, uuids.column(clinician_raws),
        stamps.column(starts), stamps.column(ends), type_names,
        map(_STATUSES.__getitem__, statuses), unread, map(driver.flag_out, virtuals), locations,
        uuids.column(series_raws), stamps.column(changed_ats), changed_bys, unread, versions,
    )  # fmt: skip
    return list(map(BookRow, appointments, names, clinician_names, types.column(type_raws)))
