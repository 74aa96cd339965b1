"""Patients: every detail sealed to its row; email found by blind index, DOB by bucket."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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

TABLE = "patients"
# The blind-index purpose for emails; key rotation must recompute it with the same name.
EMAIL_INDEX_COLUMN = "patients.email"
_TEXT_FIELDS = tuple(name for name in PATIENT_FIELDS if name not in ("date_of_birth", "email"))

# Built once: building an IN (...) clause per call costs more than running it.
# Core rows of every column, no ORM objects: open_patient reads a row as it reads a record.
_ROWS = select(PatientRecord.__table__)
_BY_EMAIL_INDEX = _ROWS.where(
    PatientRecord.__table__.c.email_index.in_(bindparam("indexes", expanding=True))
)
_IN_DOB_BUCKETS = _ROWS.where(
    PatientRecord.__table__.c.dob_bucket.in_(bindparam("buckets", expanding=True))
)


@contextmanager
def _email_conflict_as_domain_error() -> Iterator[None]:
    try:
        yield
    except IntegrityError as error:
        if "email_index" in constraint_name(error):
            raise DuplicateEmail() from None
        raise


def seal_patient(
    record: PatientRecord, details: PatientDetails, cipher: FieldCipher
) -> PatientRecord:
    """Write every detail of `details` into `record` as ciphertext, with the lookup columns
    (email blind index and DOB bucket) under the current key. Also used by key rotation."""
    sealer = RowSealer(cipher, TABLE)
    for name in _TEXT_FIELDS:
        setattr(record, name, sealer.seal(name, record.id, getattr(details, name)))
    record.date_of_birth = sealer.seal(
        "date_of_birth", record.id, details.date_of_birth.isoformat()
    )
    email = normalise_email(details.email) if details.email else None
    record.email = sealer.seal_optional("email", record.id, email)
    record.email_index = cipher.blind_index(EMAIL_INDEX_COLUMN, email) if email else None
    record.dob_bucket = cipher.dob_bucket(details.date_of_birth)
    return record


def open_patient(record: PatientRecord | Row[Any], cipher: FieldCipher) -> Patient:
    """Decrypt a record (or a Core row of every column) into the domain Patient;
    DecryptionError names table, column, row."""
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

    def list_for_index(self) -> list[Patient]:
        """Every patient with only what the search index shows decrypted (names, date of
        birth, phone, email); the other details read as empty."""
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

    def _core_rows(self, query: Select[Any], params: dict[str, Any]) -> list[Row[Any]]:
        """A Core statement's rows. The Session autoflushes only before ORM statements, so
        flush here (nothing to do when clean) for reads to see this unit of work's writes."""
        self._session.flush()
        return list(self._session.execute(query, params))

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
