"""Reading every patient for the in-memory search index: only the columns it shows.

Core rows, no ORM objects: at 100,000 patients the index is built after every sign-in, so this
is the hottest read in the application.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from novamind_desktop.domain.patients import Patient, PatientDetails
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.records import PatientRecord

TABLE = "patients"
_INDEX_FIELDS = ("first_name", "last_name", "date_of_birth", "phone", "email")


def read_index_patients(session: Session, cipher: FieldCipher) -> list[Patient]:
    t = PatientRecord.__table__.c
    query = select(
        t.id,
        *(t[name] for name in _INDEX_FIELDS),
        t.active,
        t.version,
        t.created_at,
        t.updated_at,
    ).order_by(t.created_at, t.id)
    return [_open_for_index(row, cipher) for row in session.execute(query)]


def _open_for_index(row: Sequence[Any], cipher: FieldCipher) -> Patient:
    row_id = row[0]
    raw = row_id.bytes
    decrypt = cipher.decrypt
    first, last, dob, phone, email = (
        decrypt(TABLE, name, row_id, row[i], raw) for i, name in enumerate(_INDEX_FIELDS, 1)
    )
    details = PatientDetails(
        first_name=first or "",
        last_name=last or "",
        date_of_birth=date.fromisoformat(dob or ""),
        phone=phone or "",
        email=email,
    )
    active, version, created_at, updated_at = row[6], row[7], row[8], row[9]
    return Patient(
        id=row_id,
        details=details,
        active=active,
        version=version,
        created_at=created_at,
        updated_at=updated_at,
    )
