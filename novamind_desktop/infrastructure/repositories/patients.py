"""Patients: every detail sealed to its row; email found by blind index, DOB by bucket."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Select, Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from novamind_desktop.domain.errors import DuplicateEmail, NotFound, StaleRecord
from novamind_desktop.domain.patients import (
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
from novamind_desktop.infrastructure.repositories.patient_rows import (
    BY_EMAIL_INDEX,
    TABLE,
    TEXT_FIELDS,
    PatientRow,
    RawRows,
    open_patient,
    open_patients,
)
from novamind_desktop.services.search_records import IndexedPatient

# The blind-index purpose for emails; key rotation must recompute it with the same name.
EMAIL_INDEX_COLUMN = "patients.email"

# Batches (imports) use the statements above with IN lists of at most IN_PIECE values.
IN_PIECE = 500
_ONE_MICROSECOND = timedelta(microseconds=1)
_PATIENTS = cast(Table, PatientRecord.__table__)


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
        name: sealer.seal(name, row_id, getattr(details, name)) for name in TEXT_FIELDS
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


def open_full_names(
    cipher: FieldCipher,
    row_ids: Sequence[bytes],
    first_names: Sequence[bytes | None],
    last_names: Sequence[bytes | None],
) -> list[str | None]:
    """Patient.full_name ("First Last") of each row, from its two sealed name columns, each
    column opened in one FieldCipher.decrypt_column call (same AAD, checks and errors).
    `row_ids` are the patients' ids as 16 bytes; None where both columns are None (an outer
    join found no patient row)."""
    first = cipher.decrypt_column(TABLE, "first_name", row_ids, first_names)
    last = cipher.decrypt_column(TABLE, "last_name", row_ids, last_names)
    return [
        None if sealed_first is None and sealed_last is None else f"{given or ''} {family or ''}"
        for sealed_first, sealed_last, given, family in zip(
            first_names, last_names, first, last, strict=True
        )
    ]


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
        reader = RawRows(self._session)
        rows = reader.converted(reader.where_in("email_index", indexes))
        for patient in open_patients(rows, self._cipher):
            if patient.details.email == wanted:  # rules out a (2^-128) index collision
                return patient
        return None

    def find_by_date_of_birth(self, dob: date) -> list[Patient]:
        """Exact: the bucket's rows whose sealed DOB opens to `dob`. Oldest record first."""
        found = self._born_on({dob})
        found.sort(key=lambda patient: (patient.created_at, patient.id))
        return found

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
            rows = self._session.execute(query).all()
            if not rows:
                continue
            ids, firsts, lasts = zip(*rows, strict=True)
            opened = open_full_names(self._cipher, [i.bytes for i in ids], firsts, lasts)
            names.update((i, name) for i, name in zip(ids, opened, strict=True) if name)
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

    def _core_rows(self, query: Select[Any], params: dict[str, Any]) -> list[PatientRow]:
        """The PatientRows of a statement built on patient_rows.ROWS. The Session autoflushes
        only before ORM statements, so flush here (nothing to do when clean) for reads to see
        this unit of work's writes."""
        self._session.flush()
        return [PatientRow._make(row) for row in self._session.execute(query, params)]

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
            for row in self._core_rows(BY_EMAIL_INDEX, {"indexes": piece}):
                patient = open_patient(row, self._cipher)
                email = patient.details.email
                if email in wanted:  # rules out a (2^-128) index collision
                    found.setdefault(email, patient)
        return found

    def find_by_dates_of_birth(self, dobs: Iterable[date]) -> list[Patient]:
        """Every patient born on one of `dobs`, in no particular order."""
        return self._born_on(set(dobs))

    def ids_born_on(self, dob: date) -> list[UUID]:
        """Only the date of birth of the bucket's patients is opened (RawRows.born_on)."""
        return [_as_uuid(raw) for raw in self._ids_born_on({dob})]

    def get_many(self, patient_ids: Sequence[UUID]) -> list[Patient]:
        return self._opened(patient_ids)

    def _opened(self, ids: Sequence[Any]) -> list[Patient]:
        """The rows of `ids` (UUIDs, or ids as RawRows.born_on reads them), opened."""
        reader = RawRows(self._session)
        found = [row for piece in _pieces(list(ids)) for row in reader.by_ids(piece)]
        return open_patients(found, self._cipher)

    def _ids_born_on(self, days: set[date]) -> list[Any]:
        wanted = {day.isoformat() for day in days}
        buckets = sorted({b for day in days for b in self._cipher.dob_buckets(day)})
        reader = RawRows(self._session)
        return [
            found for piece in _pieces(buckets)
            for found in reader.born_on(piece, wanted, self._cipher)
        ]  # fmt: skip

    def _born_on(self, days: set[date]) -> list[Patient]:
        """The buckets' rows read raw, only those born on one of `days` opened in full."""
        # Checked again as opened: outside a transaction the rows may have changed since
        # their dates were read (RawRows.born_on).
        opened = self._opened(self._ids_born_on(days))
        return [p for p in opened if p.details.date_of_birth in days]


def _as_uuid(raw: Any) -> UUID:
    """An id as RawRows reads it (uuid text on PostgreSQL, 32 hex digits on SQLite)."""
    return raw if isinstance(raw, UUID) else UUID(raw)


def _pieces(values: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), IN_PIECE):
        yield list(values[start : start + IN_PIECE])
