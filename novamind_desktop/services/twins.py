"""Digital twins: clinicians open a patient's model outputs and record their review."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.errors import FieldError, NotFound, StaleRecord, ValidationFailed
from novamind_desktop.domain.twins import DigitalTwin, ReviewStatus
from novamind_desktop.domain.users import Actor, Permission
from novamind_desktop.services import audit_trail
from novamind_desktop.services.audit_trail import TWIN
from novamind_desktop.services.ports import Clock, UnitOfWorkFactory

MAX_NOTE_LENGTH = 4000


class TwinService:
    """Audit events name the patient's id, so the log filtered by patient shows twin use too."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock):
        self._uow = uow_factory
        self._clock = clock

    def get(self, actor: Actor, patient_id: UUID) -> DigitalTwin | None:
        """The patient's twin, or None if the models have not produced one yet."""
        actor.require(Permission.READ_TWINS)
        with self._uow(actor, reading=True) as uow:
            twin = uow.twins.for_patient(patient_id)
            detail = "" if twin is not None else "no twin yet"
            audit_trail.record(uow, self._clock, actor, AuditAction.READ, TWIN, patient_id, detail)
            uow.commit()
        return twin

    def review(
        self,
        actor: Actor,
        patient_id: UUID,
        expected_version: int,
        status: ReviewStatus,
        note: str,
    ) -> DigitalTwin:
        """Mark the twin reviewed or flagged, with a note (stored encrypted, never audited)."""
        actor.require(Permission.REVIEW_TWINS)
        note = note.strip()
        if len(note) > MAX_NOTE_LENGTH:
            raise ValidationFailed(
                [FieldError("note", f"A review note has at most {MAX_NOTE_LENGTH} characters.")]
            )
        with self._uow(actor) as uow:
            twin = uow.twins.for_patient(patient_id)
            if twin is None:
                raise NotFound("digital twin", patient_id)
            if twin.version != expected_version:
                raise StaleRecord("digital twin", twin.id)
            saved = uow.twins.save(
                replace(twin, review_status=status, review_note=note, reviewed_by=actor.user_id)
            )
            audit_trail.record(
                uow, self._clock, actor, AuditAction.UPDATE, TWIN, patient_id, f"review {status}"
            )
            uow.commit()
        return saved
