"""Patients: every detail sealed to its row; email found by blind index, DOB by bucket."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, func, insert, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from novamind_desktop.domain.errors import DuplicateEmail, NotFound, StaleRecord
from novamind_desktop.domain.patients import (
    PATIENT_FIELDS,
    Patient,
    PatientDetails,
    normalise_email,
)
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.records import PatientRecord
from novamind_desktop.infrastructure.repositories._base import (
    RowSealer,
    constraint_name,
    guarded_write,
)
from novamind_desktop.infrastructure.repositories.patient_index import read_index_patients
from novamind_desktop.services.search_records import IndexedPatient

TABLE = "patients"
# The blind-index purpose for emails; key rotation must recompute it with the same name.
EMAIL_INDEX_COLUMN = "patients.email"
_TEXT_FIELDS = tuple(name for name in PATIENT_FIELDS if name not in ("date_of_birth", "email"))

# Built once: building an IN (...) clause per call costs more than running it.
# Core rows, no ORM objects: the columns open_patient reads, the sealed ones as the driver
# returns them (the cipher takes bytes or a buffer), read as named tuples (a Row's attribute
# access costs about a microsecond a column; a patient has sixteen).
_P = PatientRecord.__table__.c
_ROWS = select(
    _P.id,
    _P.active,
    _P.version,
    _P.created_at,
    _P.updated_at,
    *(
        type_coerce(_P[name], NullType()).label(name)
        for name in (*_TEXT_FIELDS, "date_of_birth", "email")
    ),
)
_PatientRow = namedtuple("_PatientRow", [column.name for column in _ROWS.selected_columns])
_BY_EMAIL_INDEX = _ROWS.where(
    PatientRecord.__table__.c.email_index.in_(bindparam("indexes", expanding=True))
)
_IN_DOB_BUCKETS = _ROWS.where(
    PatientRecord.__table__.c.dob_bucket.in_(bindparam("buckets", expanding=True))
)
# Batches (imports) use the statements above with IN lists of at most IN_PIECE values.
IN_PIECE = 500
_ONE_MICROSECOND = timedelta(microseconds=1)
_PATIENTS = PatientRecord.__table__


@contextmanager
def _email_conflict_as_domain_error() -> Iterator[None]:
    try:
        yield
    except IntegrityError as error:
        if "email_index" in constraint_name(error):
            raise DuplicateEmail() from None
        raise


def sealed_columns(row_id: UUID, details: PatientDetails, cipher: FieldCipher) -> dict[str, Any]:
    """Every detail of `details` as the ciphertext stored in row `row_id`, with the lookup
    columns (email blind index and DOB bucket) under the current key."""
    sealer = RowSealer(cipher, TABLE)
    columns: dict[str, Any] = {
        name: sealer.seal(name, row_id, getattr(details, name)) for name in _TEXT_FIELDS
    }
    columns["date_of_birth"] = sealer.seal(
        "date_of_birth", row_id, details.date_of_birth.isoformat()
    )
    email = normalise_email(details.email) if details.email else None
    columns["email"] = sealer.seal_optional("email", row_id, email)
    columns["email_index"] = cipher.blind_index(EMAIL_INDEX_COLUMN, email) if email else None
    columns["dob_bucket"] = cipher.dob_bucket(details.date_of_birth)
    return columns


def seal_patient(
    record: PatientRecord, details: PatientDetails, cipher: FieldCipher
) -> PatientRecord:
    """Write every detail of `details` into `record` as ciphertext, with the lookup columns
    (email blind index and DOB bucket) under the current key. Also used by key rotation."""
    for name, value in sealed_columns(record.id, details, cipher).items():
        setattr(record, name, value)
    return record


def open_patient(record: Any, cipher: FieldCipher) -> Patient:
    """Decrypt a record (or a _PatientRow) into the domain Patient; DecryptionError names
    table, column, row."""
    sealer = RowSealer(cipher, TABLE)
    text = {name: sealer.open(name, record.id, getattr(record, name)) for name in _TEXT_FIELDS}
    details = PatientDetails(
        date_of_birth=date.fromisoformat(
            sealer.open("date_of_birth", record.id, record.date_of_birth)
        ),
        email=sealer.open_optional("email", record.id, record.email),
        **text,
    )
    return Patient(
        id=record.id,
        details=details,
        active=record.active,
        version=record.version,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


def open_full_name(
    cipher: FieldCipher, row_id: UUID, first_name: bytes | None, last_name: bytes | None
) -> str:
    """Patient.full_name ("First Last") from the two sealed name columns of patient `row_id`."""
    raw = row_id.bytes
    first = cipher.decrypt(TABLE, "first_name", row_id, first_name, raw)
    last = cipher.decrypt(TABLE, "last_name", row_id, last_name, raw)
    return f"{first or ''} {last or ''}"


class SqlPatientRepository:
    def __init__(self, session: Session, cipher: FieldCipher):
        self._session = session
        self._cipher = cipher

    def add(self, patient: Patient) -> Patient:
        self._refuse_taken_email(patient.details.email, patient.id)
        record = seal_patient(
            PatientRecord(id=patient.id, active=patient.active), patient.details, self._cipher
        )
        with _email_conflict_as_domain_error(), guarded_write(self._session, "patient", patient.id):
            self._session.add(record)
        return open_patient(record, self._cipher)

    def get(self, patient_id: UUID) -> Patient | None:
        record = self._session.get(PatientRecord, patient_id)
        return None if record is None else open_patient(record, self._cipher)

    def save(self, patient: Patient) -> Patient:
        record = self._session.get(PatientRecord, patient.id)
        if record is None:
            raise NotFound("patient", patient.id)
        if record.version != patient.version:
            raise StaleRecord("patient", patient.id)
        self._refuse_taken_email(patient.details.email, patient.id)
        with _email_conflict_as_domain_error(), guarded_write(self._session, "patient", patient.id):
            seal_patient(record, patient.details, self._cipher)
            record.active = patient.active
        return open_patient(record, self._cipher)

    def find_by_email(self, email: str) -> Patient | None:
        wanted = normalise_email(email)
        if not wanted:
            return None
        indexes = self._cipher.blind_indexes(EMAIL_INDEX_COLUMN, wanted)
        for row in self._core_rows(_BY_EMAIL_INDEX, {"indexes": list(indexes)}):
            patient = open_patient(row, self._cipher)
            if patient.details.email == wanted:  # rules out a (2^-128) index collision
                return patient
        return None

    def find_by_date_of_birth(self, dob: date) -> list[Patient]:
        """The bucket's rows in one statement (a few dozen at 100,000 patients): only their
        DOB column is decrypted, every field only for the rows whose DOB matches. Oldest
        record first."""
        buckets = self._cipher.dob_buckets(dob)
        sealer = RowSealer(self._cipher, TABLE)
        wanted = dob.isoformat()
        matches = [
            row
            for row in self._core_rows(_IN_DOB_BUCKETS, {"buckets": list(buckets)})
            if sealer.open("date_of_birth", row.id, row.date_of_birth) == wanted
        ]
        matches.sort(key=lambda row: (row.created_at, row.id))
        return [open_patient(row, self._cipher) for row in matches]

    def list_all(self) -> list[Patient]:
        records = self._session.scalars(
            select(PatientRecord).order_by(PatientRecord.created_at, PatientRecord.id)
        )
        return [open_patient(record, self._cipher) for record in records]

    def list_for_index(self) -> list[IndexedPatient]:
        """Every patient as the search index holds them, only those fields decrypted."""
        return read_index_patients(self._session, self._cipher)

    def full_names(self, patient_ids: Iterable[UUID]) -> dict[UUID, str]:
        """ "First Last" of each given patient that exists, one query, only names decrypted."""
        t = PatientRecord.__table__.c
        wanted = list(set(patient_ids))
        names: dict[UUID, str] = {}
        for chunk in (wanted[i : i + 500] for i in range(0, len(wanted), 500)):
            query = select(t.id, t.first_name, t.last_name).where(t.id.in_(chunk))
            for row_id, first, last in self._session.execute(query):
                names[row_id] = open_full_name(self._cipher, row_id, first, last)
        return names

    def changed_since(self, since: datetime) -> list[Patient]:
        records = self._session.scalars(
            select(PatientRecord)
            .where(PatientRecord.updated_at >= since)
            .order_by(PatientRecord.updated_at, PatientRecord.id)
        )
        return [open_patient(record, self._cipher) for record in records]

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(PatientRecord)) or 0

    def _core_rows(self, query: Select[Any], params: dict[str, Any]) -> list[Any]:
        """The _PatientRows of a statement built on _ROWS. The Session autoflushes only before
        ORM statements, so flush here (nothing to do when clean) for reads to see this unit of
        work's writes."""
        self._session.flush()
        return [_PatientRow._make(row) for row in self._session.execute(query, params)]

    # --- email uniqueness -----------------------------------------------------------------

    def _refuse_taken_email(self, email: str | None, patient_id: UUID) -> None:
        """Catches a match under a previous key during rotation; the UNIQUE index on the
        current key's blind index is what makes uniqueness hold under concurrency."""
        if not email:
            return
        indexes = self._cipher.blind_indexes(EMAIL_INDEX_COLUMN, normalise_email(email))
        taken = self._session.scalar(
            select(PatientRecord.id)
            .where(PatientRecord.email_index.in_(indexes), PatientRecord.id != patient_id)
            .limit(1)
        )
        if taken is not None:
            raise DuplicateEmail()

    # --- batches (imports) ----------------------------------------------------------------

    def add_many(self, patients: Sequence[Patient]) -> None:
        """Insert them all with one executemany in a savepoint. DuplicateEmail, with none of
        them kept, if the UNIQUE index finds an email taken (by a stored patient or twice in
        the batch). Unlike add(), no query looks for a match under a previous key first: the
        caller (the import) has just done that for the whole batch with find_by_emails."""
        if not patients:
            return
        # The stamps unit_of_work._stamp gives an ORM record at flush (Core skips that hook),
        # strictly increasing so that list_all (oldest first) keeps the order of the file.
        by = self._session.info["actor"].username
        clock = self._session.info["clock"]
        rows = []
        stamp: datetime | None = None
        for patient in patients:
            now = clock.now()
            stamp = now if stamp is None or now > stamp else stamp + _ONE_MICROSECOND
            rows.append(
                sealed_columns(patient.id, patient.details, self._cipher)
                | {"id": patient.id, "active": patient.active, "version": 1}
                | {"created_at": stamp, "updated_at": stamp, "created_by": by, "updated_by": by}
            )
        with _email_conflict_as_domain_error(), self._session.begin_nested():
            self._session.execute(insert(_PATIENTS), rows)

    def find_by_emails(self, emails: Iterable[str]) -> dict[str, Patient]:
        """The stored patient of each email that has one, keyed by the normalised email."""
        wanted = {normalise_email(email) for email in emails} - {""}
        indexes = [
            index
            for email in wanted
            for index in self._cipher.blind_indexes(EMAIL_INDEX_COLUMN, email)
        ]
        found: dict[str, Patient] = {}
        for piece in _pieces(indexes):
            for row in self._core_rows(_BY_EMAIL_INDEX, {"indexes": piece}):
                patient = open_patient(row, self._cipher)
                email = patient.details.email
                if email in wanted:  # rules out a (2^-128) index collision
                    found.setdefault(email, patient)
        return found

    def find_by_dates_of_birth(self, dobs: Iterable[date]) -> list[Patient]:
        """Every patient born on one of `dobs`, in no particular order. As for one date: only
        the DOB column of the buckets' rows is decrypted, every field only for matches."""
        days = set(dobs)
        wanted = {day.isoformat() for day in days}
        buckets = sorted({b for day in days for b in self._cipher.dob_buckets(day)})
        sealer = RowSealer(self._cipher, TABLE)
        return [
            open_patient(row, self._cipher)
            for piece in _pieces(buckets)
            for row in self._core_rows(_IN_DOB_BUCKETS, {"buckets": piece})
            if sealer.open("date_of_birth", row.id, row.date_of_birth) in wanted
        ]


def _pieces(values: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), IN_PIECE):
        yield list(values[start : start + IN_PIECE])
