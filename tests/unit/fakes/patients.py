"""FakePatientRepository: DuplicateEmail and StaleRecord as the SQL repository raises them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from uuid import UUID

from novamind_desktop.domain.errors import DuplicateEmail, StaleRecord
from novamind_desktop.domain.patients import Patient, normalise_email
from novamind_desktop.services.search_records import IndexedPatient

from .database import FakeDatabase


class FakePatientRepository:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def _email_taken(self, patient: Patient) -> bool:
        email = patient.details.email
        return email is not None and any(
            p.id != patient.id and p.details.email == normalise_email(email)
            for p in self.db.patients.values()
        )

    def add(self, patient: Patient) -> Patient:
        if self._email_taken(patient):
            raise DuplicateEmail()
        now = self.db.clock.now()
        stored = replace(patient, version=1, created_at=now, updated_at=now)
        self.db.patients[patient.id] = stored
        return stored

    def get(self, patient_id: UUID) -> Patient | None:
        return self.db.patients.get(patient_id)

    def save(self, patient: Patient) -> Patient:
        current = self.db.patients.get(patient.id)
        if current is None or current.version != patient.version:
            raise StaleRecord("patient", patient.id)
        if self._email_taken(patient):
            raise DuplicateEmail()
        stored = replace(patient, version=patient.version + 1, updated_at=self.db.clock.now())
        self.db.patients[patient.id] = stored
        return stored

    def find_by_email(self, email: str) -> Patient | None:
        wanted = normalise_email(email)
        return next((p for p in self.db.patients.values() if p.details.email == wanted), None)

    def find_by_date_of_birth(self, dob: date) -> list[Patient]:
        return [p for p in self.db.patients.values() if p.details.date_of_birth == dob]

    def ids_born_on(self, dob: date) -> list[UUID]:
        return [p.id for p in self.find_by_date_of_birth(dob)]

    def get_many(self, patient_ids: Sequence[UUID]) -> list[Patient]:
        return [self.db.patients[i] for i in patient_ids if i in self.db.patients]

    def add_many(self, patients: list[Patient]) -> None:
        emails = [normalise_email(p.details.email) for p in patients if p.details.email]
        if len(set(emails)) < len(emails) or any(self._email_taken(p) for p in patients):
            raise DuplicateEmail()  # before any is added: the real one keeps none of them
        for patient in patients:
            self.add(patient)

    def find_by_emails(self, emails: Iterable[str]) -> dict[str, Patient]:
        wanted = {normalise_email(email) for email in emails}
        return {p.details.email: p for p in self.db.patients.values() if p.details.email in wanted}

    def find_by_dates_of_birth(self, dobs: Iterable[date]) -> list[Patient]:
        wanted = set(dobs)
        return [p for p in self.db.patients.values() if p.details.date_of_birth in wanted]

    def list_all(self) -> list[Patient]:
        return list(self.db.patients.values())

    def list_for_index(self) -> list[IndexedPatient]:
        return [IndexedPatient.of(p) for p in self.list_all()]

    def full_names(self, patient_ids) -> dict[UUID, str]:
        found = (self.db.patients.get(i) for i in set(patient_ids))
        return {p.id: p.full_name for p in found if p is not None}

    def changed_since(self, since: datetime) -> list[Patient]:
        return [p for p in self.db.patients.values() if p.updated_at and p.updated_at >= since]

    def count(self) -> int:
        return len(self.db.patients)
