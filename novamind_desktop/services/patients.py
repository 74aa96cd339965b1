"""Use cases for patient records: register, edit, look up, deactivate and reactivate."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from uuid import UUID, uuid4

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.errors import NotFound, StaleRecord
from novamind_desktop.domain.patients import (
    PATIENT_FIELDS,
    Patient,
    normalise_email,
    normalise_phone,
    parse_date,
    validate_patient,
)
from novamind_desktop.domain.users import Actor, Permission
from novamind_desktop.services import audit_trail
from novamind_desktop.services.audit_trail import PATIENT, PATIENT_INDEX
from novamind_desktop.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from novamind_desktop.services.search import PatientSearchIndex
from novamind_desktop.services.search_records import IndexedPatient
from novamind_desktop.services.search_text import normalise

# Workstation clocks differ a little; re-reading a few seconds twice costs nothing.
_CLOCK_SKEW = timedelta(seconds=30)


class PatientService:
    """Patient records. Every read is audited per patient, every write with the changed fields.

    `search_index`, when given, is kept current after each write on this workstation and is
    used to find patients with the same phone number without decrypting every row each time
    (it is loaded on the first duplicate check if nobody has built it yet).
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        clinic_tz: tzinfo = UTC,
        search_index: PatientSearchIndex | None = None,
    ):
        self._uow = uow_factory
        self._clock = clock
        self._tz = clinic_tz
        self._index = search_index
        self._index_loaded_at: datetime | None = None

    def _today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    def _audit(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: AuditAction,
        ident: UUID | None,
        detail: str = "",
    ) -> None:
        audit_trail.record(uow, self._clock, actor, action, PATIENT, ident, detail)

    def _indexed(self, patient: Patient) -> Patient:
        if self._index is not None:
            self._index.upsert(patient)
        return patient

    # Writes

    def register(self, actor: Actor, raw: dict[str, str]) -> Patient:
        """Validate and store a new patient. Raises ValidationFailed or DuplicateEmail."""
        actor.require(Permission.WRITE_PATIENTS)
        details = validate_patient(raw, self._today())
        with self._uow(actor) as uow:
            patient = uow.patients.add(Patient(id=uuid4(), details=details))
            self._audit(uow, actor, AuditAction.CREATE, patient.id)
            uow.commit()
        return self._indexed(patient)

    def update(
        self, actor: Actor, patient_id: UUID, expected_version: int, raw: dict[str, str]
    ) -> Patient:
        """Save edited details. StaleRecord if the record changed since `expected_version`."""
        actor.require(Permission.WRITE_PATIENTS)
        details = validate_patient(raw, self._today())
        with self._uow(actor) as uow:
            current = _current(uow, patient_id, expected_version)
            changed = [
                name
                for name in PATIENT_FIELDS
                if getattr(current.details, name) != getattr(details, name)
            ]
            if not changed:
                return current
            saved = uow.patients.save(current.with_details(details))
            self._audit(uow, actor, AuditAction.UPDATE, patient_id, "changed " + ", ".join(changed))
            uow.commit()
        return self._indexed(saved)

    def deactivate(self, actor: Actor, patient_id: UUID, expected_version: int) -> Patient:
        """Hide a patient from daily work; nothing is deleted."""
        return self._set_active(actor, patient_id, expected_version, False)

    def reactivate(self, actor: Actor, patient_id: UUID, expected_version: int) -> Patient:
        return self._set_active(actor, patient_id, expected_version, True)

    def _set_active(
        self, actor: Actor, patient_id: UUID, expected_version: int, active: bool
    ) -> Patient:
        actor.require(Permission.WRITE_PATIENTS)
        with self._uow(actor) as uow:
            current = _current(uow, patient_id, expected_version)
            if current.active == active:
                return current
            saved = uow.patients.save(replace(current, active=active))
            action = AuditAction.REACTIVATE if active else AuditAction.DEACTIVATE
            self._audit(uow, actor, action, patient_id)
            uow.commit()
        return self._indexed(saved)

    # Reads

    def get(self, actor: Actor, patient_id: UUID) -> Patient:
        actor.require(Permission.READ_PATIENTS)
        with self._uow(actor, reading=True) as uow:
            patient = uow.patients.get(patient_id)
            if patient is None:
                raise NotFound("patient", patient_id)
            self._audit(uow, actor, AuditAction.READ, patient_id)
            uow.commit()
        return patient

    def find_by_email(self, actor: Actor, email: str) -> Patient | None:
        actor.require(Permission.READ_PATIENTS)
        with self._uow(actor, reading=True) as uow:
            patient = uow.patients.find_by_email(normalise_email(email))
            if patient is not None:
                self._audit(uow, actor, AuditAction.READ, patient.id, "found by email")
                uow.commit()
        return patient

    def find_by_date_of_birth(self, actor: Actor, dob: date) -> list[Patient]:
        actor.require(Permission.READ_PATIENTS)
        with self._uow(actor, reading=True) as uow:
            # Audited before the records are read, by id: on a shared server the events
            # then travel with that read, a round trip fewer (repositories.audit).
            ids = uow.patients.ids_born_on(dob)
            for patient_id in ids:
                self._audit(uow, actor, AuditAction.READ, patient_id, "found by date of birth")
            # The date checked again: another desk may have corrected it in between.
            found = [p for p in uow.patients.get_many(ids) if p.details.date_of_birth == dob]
            uow.commit()
        return _by_name(sorted(found, key=lambda p: (p.created_at or _EPOCH, p.id)))

    def possible_duplicates(
        self, actor: Actor, raw: dict[str, str], exclude_id: UUID | None = None
    ) -> list[Patient]:
        """Stored patients with the same name and date of birth, the same email or the same
        phone as a (possibly half-filled) form. Reads each one it returns, so it is audited."""
        actor.require(Permission.READ_PATIENTS)
        with self._uow(actor, reading=True) as uow:
            found: dict[UUID, Patient] = {}
            for patient in self._same_person_candidates(uow, actor, raw):
                if patient.id != exclude_id:
                    found[patient.id] = patient
            for patient in found.values():
                self._audit(uow, actor, AuditAction.READ, patient.id, "possible duplicate")
            uow.commit()
        return _by_name(list(found.values()))

    def _same_person_candidates(
        self, uow: UnitOfWork, actor: Actor, raw: dict[str, str]
    ) -> list[Patient]:
        text = {k: (v or "").strip() for k, v in raw.items()}
        found: list[Patient] = []
        name = normalise(f"{text.get('first_name', '')} {text.get('last_name', '')}").split()
        dob = _lenient_date(text.get("date_of_birth", ""))
        if dob is not None and name:
            found += [
                p
                for p in uow.patients.find_by_date_of_birth(dob)
                if normalise(p.full_name).split() == name
            ]
        if text.get("email"):
            by_email = uow.patients.find_by_email(normalise_email(text["email"]))
            found += [by_email] if by_email is not None else []
        phone = normalise_phone(text.get("phone", "")).lstrip("+")
        if len(phone) >= 6:
            found += self._same_phone(uow, actor, phone)
        return found

    def _same_phone(self, uow: UnitOfWork, actor: Actor, digits: str) -> list[Patient]:
        index = self._current_index(uow, actor)
        if index is not None:
            return [p for p in map(uow.patients.get, index.phone_matches(digits)) if p]
        # Without an index every phone must be decrypted: correct, but slow on large clinics.
        return [
            p
            for p in uow.patients.list_all()
            if normalise_phone(p.details.phone).lstrip("+") == digits
        ]

    def _current_index(self, uow: UnitOfWork, actor: Actor) -> PatientSearchIndex | None:
        """The service's index, loaded on first use and then refreshed from `updated_at`, so
        changes from other workstations are seen too."""
        if self._index is None:
            return None
        now = self._clock.now()
        if self._index_loaded_at is None:
            patients = uow.patients.list_for_index()
            self._index.build(patients)
            detail = f"duplicate check loaded {len(patients)} patients"
            audit_trail.record(
                uow, self._clock, actor, AuditAction.READ, PATIENT_INDEX, None, detail
            )
        else:
            for patient in uow.patients.changed_since(self._index_loaded_at - _CLOCK_SKEW):
                self._index.upsert(patient)
        self._index_loaded_at = now
        return self._index

    def all_for_index(self, actor: Actor) -> list[IndexedPatient]:
        """Every patient as the search index holds them (PatientSearchIndex.build), oldest
        first; audited once, with the count."""
        actor.require(Permission.READ_PATIENTS)
        with self._uow(actor) as uow:
            patients = uow.patients.list_for_index()
            detail = f"search index loaded {len(patients)} patients"
            audit_trail.record(
                uow, self._clock, actor, AuditAction.READ, PATIENT_INDEX, None, detail
            )
            uow.commit()
        return patients

    def changed_since(self, actor: Actor, since: datetime) -> list[Patient]:
        """Patients saved at or after `since` (from any workstation), to refresh the index."""
        actor.require(Permission.READ_PATIENTS)
        with self._uow(actor) as uow:
            patients = uow.patients.changed_since(since)
            if patients:
                detail = f"search index refreshed {len(patients)} patients"
                audit_trail.record(
                    uow, self._clock, actor, AuditAction.READ, PATIENT_INDEX, None, detail
                )
                uow.commit()
        return patients


def _current(uow: UnitOfWork, patient_id: UUID, expected_version: int) -> Patient:
    patient = uow.patients.get(patient_id)
    if patient is None:
        raise NotFound("patient", patient_id)
    if patient.version != expected_version:
        raise StaleRecord("patient", patient_id)
    return patient


def _lenient_date(text: str) -> date | None:
    try:
        return parse_date(text) if text else None
    except ValueError:
        return None


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # orders a record without a creation time first


def _by_name(patients: list[Patient]) -> list[Patient]:
    return sorted(patients, key=lambda p: normalise(f"{p.details.last_name} {p.full_name}"))
