"""Patient rows as lookups read them, and their opening into domain Patients.

A single lookup (an email, a date of birth) reads through the driver itself (RawRows): it
reads one row or a DOB bucket's few dozen, and SQLAlchemy's execution of a statement cost as
much as the database's. The bucket is read raw (the id as text, sealed values as bytes, or as
hex text on PostgreSQL, whose driver would unescape each bytea value in Python); only the DOB
of each row is decrypted, and only the rows born on the day are converted and opened.

Batches (an import's emails) read Core rows (ROWS): the columns a Patient needs, the sealed
ones as the driver returns them, as named tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import Dialect, bindparam, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from novamind_desktop.domain.patients import PATIENT_FIELDS, Patient, PatientDetails
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.database import driver_connection
from novamind_desktop.infrastructure.records import PatientRecord
from novamind_desktop.infrastructure.repositories.audit import read_events_riding_pg

TABLE = "patients"
TEXT_FIELDS = tuple(name for name in PATIENT_FIELDS if name not in ("date_of_birth", "email"))
SEALED_FIELDS = (*TEXT_FIELDS, "date_of_birth", "email")
_STATE_FIELDS = ("active", "version", "created_at", "updated_at")


class PatientRow(NamedTuple):
    """What open_patient reads: the row's state and every sealed detail."""

    id: UUID
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime
    first_name: bytes
    last_name: bytes
    phone: bytes
    address_line: bytes | None
    city: bytes | None
    postal_code: bytes | None
    country: bytes | None
    insurance_provider: bytes | None
    insurance_member_id: bytes | None
    emergency_contact_name: bytes | None
    emergency_contact_phone: bytes | None
    date_of_birth: bytes
    email: bytes | None


assert PatientRow._fields == ("id", *_STATE_FIELDS, *SEALED_FIELDS)

# Built once: building an IN (...) clause per call costs more than running it.
_P = PatientRecord.__table__.c
ROWS = select(
    _P.id,
    *(_P[name] for name in _STATE_FIELDS),
    *(type_coerce(_P[name], NullType()).label(name) for name in SEALED_FIELDS),
)
BY_EMAIL_INDEX = ROWS.where(_P.email_index.in_(bindparam("indexes", expanding=True)))


@cache
def _rows_sql(pg: bool, column: str, count: int) -> str:
    """The SELECT of the rows whose `column` is one of `count` values, in the driver's terms."""
    if pg:
        row_id, mark = "id::text", "%s"
        sealed = [f"encode({name}, 'hex')" for name in SEALED_FIELDS]
    else:
        row_id, mark, sealed = "id", "?", list(SEALED_FIELDS)
    columns = ", ".join([row_id, *_STATE_FIELDS, *sealed])
    marks = ", ".join([mark] * count)
    return f"SELECT {columns} FROM {TABLE} WHERE {column} IN ({marks})"


# Covered by ix_patients_dob_lookup (by dialect: is it PostgreSQL?).
_DOB_PAIRS_SQL = {
    False: f"SELECT id, date_of_birth FROM {TABLE} WHERE dob_bucket IN ({{marks}})",
    True: f"SELECT id::text, encode(date_of_birth, 'hex') FROM {TABLE} "
    "WHERE dob_bucket IN ({marks})",
}


def _raw_id(row: Sequence[Any]) -> bytes:
    """A raw row's id (CHAR(32) hex on SQLite, uuid text on PostgreSQL) as its 16 bytes."""
    return bytes.fromhex(row[0].replace("-", ""))


_LOOKUP_COLUMNS = ("email_index",)  # date-of-birth buckets: born_on


_STAMP_READERS: dict[str, Callable[[Any], Any]] = {}


def _stamp_reader(dialect: Dialect) -> Callable[[Any], Any]:
    """created_at/updated_at as the driver returns them -> aware UTC datetime, exactly as
    SQLAlchemy converts them (UtcDateTime on this dialect)."""
    reader = _STAMP_READERS.get(dialect.name)
    if reader is None:
        stamp_type = _P.created_at.type.dialect_impl(dialect)
        reader = stamp_type.result_processor(dialect, None) or (lambda value: value)
        _STAMP_READERS[dialect.name] = reader
    return reader


class RawRows:
    """Reads patient rows through the driver itself: a lookup reads one row (an email) or a
    few dozen (a DOB bucket), and SQLAlchemy's execution of a statement cost as much as the
    database's. Only the rows wanted are converted into PatientRows."""

    def __init__(self, session: Session):
        self._dbapi, self._dialect = driver_connection(session)  # sees this unit's writes
        self._session = session
        self.pg = self._dialect.name == "postgresql"
        self._stamp = _stamp_reader(self._dialect)
        # Audit events may ride with a read only outside a transaction (a reading unit of
        # work's own connection, in autocommit): they bring BEGIN and COMMIT of their own.
        self._riding = self.pg and bool(getattr(self._dbapi, "autocommit", False))

    def where_in(self, column: str, values: Sequence[Any]) -> list[Sequence[Any]]:
        """The raw rows whose lookup `column` (email_index) is in `values`."""
        if column not in _LOOKUP_COLUMNS:
            raise ValueError(f"not a lookup column: {column}")
        if not values:
            return []
        return self._fetch(_rows_sql(self.pg, column, len(values)), values)

    def converted(self, rows: Sequence[Sequence[Any]]) -> list[PatientRow]:
        return [self._convert(_raw_id(row), row) for row in rows]

    def born_on(self, buckets: Sequence[int], wanted: set[str], cipher: FieldCipher) -> list[Any]:
        """The ids (as the driver gives them: by_ids takes them back) of the rows in
        `buckets` whose sealed DOB opens to one of `wanted` (ISO dates).

        The buckets' ids and sealed dates only, from ix_patients_dob_lookup alone where the
        database can (SQLite always; PostgreSQL once its visibility map is set); by_ids then
        reads the full rows of the matches. One read of the buckets' full rows touched a
        table page for each of their few dozen rows and, on PostgreSQL, hex-encoded every
        column of every row: 0.56 ms at the median against 0.19 + ~0.2 for the two (100,000
        patients). Unless this unit of work has a transaction, the two reads see different
        moments: the caller checks the dates of the rows it opens."""
        if not buckets:
            return []
        marks = ", ".join(["%s" if self.pg else "?"] * len(buckets))
        pairs = self._fetch(_DOB_PAIRS_SQL[self.pg].format(marks=marks), buckets)
        raws = [_raw_id(pair) for pair in pairs]
        days = cipher.decrypt_column(TABLE, "date_of_birth", raws, self._sealed(pairs, 1))
        return [pair[0] for pair, day in zip(pairs, days, strict=True) if day in wanted]

    def by_ids(self, ids: Sequence[Any]) -> list[PatientRow]:
        """The rows of `ids` (UUIDs, or ids as born_on gives them) that exist."""
        if not ids:
            return []
        if self.pg:
            values: list[Any] = [str(i) for i in ids]
        else:
            values = [i.hex if isinstance(i, UUID) else i for i in ids]
        return self.converted(self._fetch(_rows_sql(self.pg, "id", len(values)), values))

    def _fetch(self, sql: str, values: Sequence[Any]) -> list[Sequence[Any]]:
        riding = read_events_riding_pg(self._session) if self._riding else None
        if riding is not None:  # this unit of work's audit events go first, in one message
            sql, values = f"{riding[0]}; {sql}", [*riding[1], *values]
        cursor = self._dbapi.cursor()
        try:
            cursor.execute(sql, tuple(values))
            return list(cursor.fetchall())
        except Exception:
            if riding is not None:  # a refused INSERT leaves its transaction open, aborted
                with suppress(Exception):
                    cursor.execute("ROLLBACK")
            raise
        finally:
            cursor.close()

    def _sealed(self, rows: Sequence[Sequence[Any]], index: int) -> list[Any]:
        if not self.pg:
            return [row[index] for row in rows]
        return [None if row[index] is None else bytes.fromhex(row[index]) for row in rows]

    def _convert(self, raw_id: bytes, row: Sequence[Any]) -> PatientRow:
        _id, active, version, created_at, updated_at, *sealed = row
        if self.pg:
            sealed = [None if value is None else bytes.fromhex(value) for value in sealed]
        return PatientRow(
            UUID(bytes=raw_id),
            bool(active),
            int(version),
            self._stamp(created_at),
            self._stamp(updated_at),
            *sealed,
        )


def open_patient(record: Any, cipher: FieldCipher) -> Patient:
    """Decrypt a record (or a PatientRow) into the domain Patient; DecryptionError names
    table, column, row."""
    return open_patients([record], cipher)[0]


def open_patients(rows: Sequence[Any], cipher: FieldCipher) -> list[Patient]:
    """open_patient for several records or PatientRows (a lookup's few matches): their cells
    opened in one FieldCipher.decrypt_cells call (same checks and errors)."""
    width = len(SEALED_FIELDS)
    cells: list[tuple[str, bytes, bytes | None]] = [
        (name, raw, getattr(row, name))
        for row in rows
        for raw in (row.id.bytes,)
        for name in SEALED_FIELDS
    ]
    opened = cipher.decrypt_cells(TABLE, cells)
    patients = []
    for n, row in enumerate(rows):
        text = dict(zip(SEALED_FIELDS, opened[n * width : (n + 1) * width], strict=True))
        details = PatientDetails(
            date_of_birth=date.fromisoformat(text.pop("date_of_birth") or ""),
            email=text.pop("email"),
            **{name: value or "" for name, value in text.items()},
        )
        patients.append(
            Patient(
                id=row.id,
                details=details,
                active=row.active,
                version=row.version,
                created_at=row.created_at,
                updated_at=row.updated_at,
            )
        )
    return patients
