"""Registering and editing a patient: validation, duplicates, and saving over a stale copy."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.errors import StaleRecord, ValidationFailed
from novamind_desktop.domain.patients import (
    PATIENT_FIELDS,
    Patient,
    details_as_text,
    validate_patient,
)
from novamind_desktop.domain.users import Actor, Permission, may
from novamind_desktop.presenters.frontdesk_errors import clinic_zone, describe, now
from novamind_desktop.presenters.patient_appointments import (
    AppointmentLine,
    PatientAppointments,
    patient_appointments,
)
from novamind_desktop.presenters.tasks import TaskRunner
from novamind_desktop.services.search_text import normalise

if TYPE_CHECKING:
    from novamind_desktop.services.registry import AppServices

FIELD_LABELS: dict[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "date_of_birth": "Date of birth",
    "phone": "Phone",
    "email": "Email",
    "address_line": "Address",
    "city": "City",
    "postal_code": "Postal code",
    "country": "Country",
    "insurance_provider": "Insurance provider",
    "insurance_member_id": "Member number",
    "emergency_contact_name": "Emergency contact",
    "emergency_contact_phone": "Emergency contact phone",
}
EMPTY_FORM: dict[str, str] = {name: "" for name in PATIENT_FIELDS}


@dataclass(frozen=True)
class DuplicateCandidate:
    patient_id: UUID
    name: str
    date_of_birth: str
    phone: str
    email: str
    active: bool
    reasons: str  # why it may be the same person, e.g. "same name and date of birth"


@dataclass(frozen=True)
class FieldConflict:
    field: str
    label: str
    theirs: str
    yours: str
    original: str

    @property
    def you_changed(self) -> bool:
        return self.yours != self.original

    @property
    def they_changed(self) -> bool:
        return self.theirs != self.original


class PatientFormView(Protocol):
    def show_patient(self, values: dict[str, str], patient: Patient | None) -> None: ...

    def show_field_errors(self, errors: dict[str, str]) -> None: ...

    def show_error(self, message: str) -> None: ...

    def show_duplicates(self, candidates: Sequence[DuplicateCandidate]) -> None: ...

    def show_conflict(self, conflicts: Sequence[FieldConflict]) -> None: ...

    def saved(self, patient: Patient, message: str) -> None:
        """The save went through; the form closes."""

    def show_status(self, message: str) -> None: ...

    def show_appointments(self, appointments: PatientAppointments) -> None: ...


def _reasons(raw: dict[str, str], other: Patient) -> str:
    d = details_as_text(other.details)

    def same(f: str) -> bool:
        # Folded as the search folds: "siobhan" is the same name as "Siobhán".
        return normalise(raw.get(f, "").strip()) == normalise(d[f].strip()) != ""

    reasons = []
    if same("first_name") and same("last_name") and same("date_of_birth"):
        reasons.append("same name and date of birth")
    elif same("last_name") and same("date_of_birth"):
        reasons.append("same last name and date of birth")
    if same("email"):
        reasons.append("same email")
    typed_phone = "".join(ch for ch in raw.get("phone", "") if ch.isdigit())
    if typed_phone and typed_phone.lstrip("0")[-9:] == d["phone"].lstrip("+0")[-9:]:
        reasons.append("same phone")
    return ", ".join(reasons) or "similar details"


class PatientFormPresenter:
    def __init__(
        self,
        view: PatientFormView,
        services: AppServices,
        runner: TaskRunner,
        actor: Actor,
        on_saved: Callable[[Patient], None] = lambda patient: None,
        *,
        can_book: bool = False,
        notify_changed: Callable[[str], None] = lambda topic: None,
    ):
        self.view = view
        self.services = services
        self.runner = runner
        self.actor = actor
        self.on_saved = on_saved
        self.can_edit = may(actor.role, Permission.WRITE_PATIENTS)
        # Offered where an appointment book that books is at hand (the front desk's).
        self.can_book = can_book and may(actor.role, Permission.WRITE_APPOINTMENTS)
        self.can_check_in = may(actor.role, Permission.UPDATE_APPOINTMENT_STATUS)
        self.notify_changed = notify_changed
        self.patient: Patient | None = None
        self._duplicates_seen = False
        self._pending: dict[str, str] = {}
        self._theirs: Patient | None = None

    # -- opening ------------------------------------------------------------------------

    def new(self, prefill: dict[str, str] | None = None) -> None:
        self.patient = None
        self._duplicates_seen = False
        self.view.show_patient({**EMPTY_FORM, **(prefill or {})}, None)

    def open(self, patient_id: UUID) -> None:
        def job(_: Any) -> Patient:
            return self.services.patients.get(self.actor, patient_id)

        self.runner.submit(job, self._opened, self._failed, label="Opening patient")

    def _opened(self, patient: Patient) -> None:
        self.patient = patient
        self.view.show_patient(details_as_text(patient.details), patient)
        self.load_appointments()

    def load_appointments(self) -> None:
        """The open patient's appointments, coming and earlier (for those who may see them;
        a clinician sees their own)."""
        patient, actor = self.patient, self.actor
        if patient is None or not may(actor.role, Permission.READ_APPOINTMENTS):
            return
        appointments, services = self.services.appointments, self.services

        def job(_: Any) -> PatientAppointments:
            found = appointments.for_patient(actor, patient.id)
            names = {u.id: u.display_name for u in appointments.clinicians(actor)}
            return patient_appointments(found, names, clinic_zone(services), now(services))

        self.runner.submit(job, self.view.show_appointments, self._failed, label="")

    def check_in(self, line: AppointmentLine) -> None:
        """The patient is at the desk: their appointment of today, checked in from here."""
        appointment, patient = line.appointment, self.patient
        if patient is None or not self.can_check_in:
            return
        appointments = self.services.appointments

        def job(_: Any) -> None:
            appointments.change_status(
                self.actor, appointment.id, appointment.version, AppointmentStatus.CHECKED_IN
            )

        def done(_: None) -> None:
            self.view.show_status(f"{patient.full_name}: checked in for {line.starts}.")
            # The app's change notice: the book reloads, and so does this list (its dialog
            # reloads on it, as after a booking made elsewhere in the app).
            self.notify_changed("appointments")

        def failed(exc: Exception) -> None:  # e.g. changed at another desk: show it as it is
            self.view.show_error(describe(exc, "Checking in"))
            self.load_appointments()

        self.runner.submit(job, done, failed, label="Checking in")

    # -- saving --------------------------------------------------------------------------

    def save(self, raw: dict[str, str]) -> None:
        """Validate here first (no round trip for a typo), then check duplicates or save."""
        if not self.can_edit:
            return
        try:
            validate_patient(raw, now(self.services).date())
        except ValidationFailed as exc:
            self._show_validation(exc)
            return
        self.view.show_field_errors({})
        if self.patient is None and not self._duplicates_seen:
            self._check_duplicates(raw)
        else:
            self._store(raw)

    def register_anyway(self, raw: dict[str, str]) -> None:
        """The receptionist looked at the possible duplicates and this is someone else."""
        self._duplicates_seen = True
        self.save(raw)

    def _check_duplicates(self, raw: dict[str, str]) -> None:
        def job(_: Any) -> list[Patient]:
            return self.services.patients.possible_duplicates(self.actor, raw)

        def done(found: list[Patient]) -> None:
            if not found:
                self._duplicates_seen = True
                self._store(raw)
                return
            self.view.show_duplicates([self._candidate(raw, p) for p in found])

        self.runner.submit(job, done, self._save_failed, label="Checking for duplicates")

    @staticmethod
    def _candidate(raw: dict[str, str], p: Patient) -> DuplicateCandidate:
        d = p.details
        return DuplicateCandidate(
            p.id,
            d.full_name,
            d.date_of_birth.isoformat(),
            d.phone,
            d.email or "",
            p.active,
            _reasons(raw, p),
        )

    def _store(self, raw: dict[str, str]) -> None:
        self._pending = dict(raw)
        patient = self.patient
        svc = self.services.patients

        def job(_: Any) -> Patient:
            if patient is None:
                return svc.register(self.actor, raw)
            return svc.update(self.actor, patient.id, patient.version, raw)

        verb = "registered" if patient is None else "saved"
        self.runner.submit(
            job, lambda p: self._stored(p, verb), self._save_failed, label="Saving patient"
        )

    def _stored(self, patient: Patient, verb: str) -> None:
        self.patient = patient
        self.on_saved(patient)
        self.view.saved(patient, f"{patient.full_name} {verb}.")

    def _show_validation(self, exc: ValidationFailed) -> None:
        self.view.show_field_errors(
            {name: msg for name in PATIENT_FIELDS if (msg := exc.for_field(name))}
        )

    def _save_failed(self, exc: Exception) -> None:
        if isinstance(exc, ValidationFailed):
            self._show_validation(exc)
        elif isinstance(exc, StaleRecord) and self.patient is not None:
            self._load_theirs()
        else:
            # DuplicateEmail names the field it is about.
            if type(exc).__name__ == "DuplicateEmail":
                self.view.show_field_errors({"email": str(exc)})
            else:
                self.view.show_error(describe(exc, "Saving a patient"))

    # -- another workstation saved first ---------------------------------------------------

    def _load_theirs(self) -> None:
        assert self.patient is not None
        patient_id = self.patient.id

        def job(_: Any) -> Patient:
            return self.services.patients.get(self.actor, patient_id)

        self.runner.submit(job, self._show_conflict, self._failed, label="Loading their version")

    def _show_conflict(self, theirs: Patient) -> None:
        assert self.patient is not None
        self._theirs = theirs
        original = details_as_text(self.patient.details)
        their_text = details_as_text(theirs.details)
        conflicts = [
            FieldConflict(
                f,
                FIELD_LABELS[f],
                their_text[f],
                self._pending.get(f, "").strip(),
                original[f],
            )
            for f in PATIENT_FIELDS
        ]
        self.view.show_conflict(conflicts)

    def reapply_mine(self) -> None:
        """Put the fields I changed on top of their version and save again."""
        theirs = self._theirs
        if theirs is None or self.patient is None:
            return
        original = details_as_text(self.patient.details)
        merged = details_as_text(theirs.details)
        for f in PATIENT_FIELDS:
            mine = self._pending.get(f, "").strip()
            if mine != original[f]:
                merged[f] = mine
        self.patient, self._theirs = theirs, None
        self.view.show_patient(merged, theirs)
        self._store(merged)

    def take_theirs(self) -> None:
        """Drop my edits and show the version the other workstation saved."""
        theirs = self._theirs
        if theirs is not None:
            self._theirs = None
            self._opened(theirs)
            self.on_saved(theirs)

    # -- active flag ---------------------------------------------------------------------

    def set_active(self, active: bool) -> None:
        patient = self.patient
        if patient is None or patient.active == active or not self.can_edit:
            return
        svc = self.services.patients
        method = svc.reactivate if active else svc.deactivate
        verb = "reactivated" if active else "deactivated"

        def job(_: Any) -> Patient:
            return method(self.actor, patient.id, patient.version)

        def done(updated: Patient) -> None:
            self.patient = updated
            self.on_saved(updated)
            self.view.show_patient(details_as_text(updated.details), updated)
            self.view.show_status(f"{updated.full_name} {verb}.")

        def failed(exc: Exception) -> None:
            self.view.show_error(describe(exc, "Changing whether a patient is active"))
            if isinstance(exc, StaleRecord):
                self.open(patient.id)

        self.runner.submit(job, done, failed, label="Saving patient")

    def _failed(self, exc: Exception) -> None:
        self.view.show_error(describe(exc, "Opening a patient"))
