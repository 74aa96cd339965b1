"""Writing audit events from the use cases: who, when, what kind of record, which one.

The detail is for staff reading the log; it names fields, counts and statuses, never values
typed about a patient.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from novamind_desktop.domain.audit import AuditAction, AuditEvent, new_event_id
from novamind_desktop.domain.users import Actor
from novamind_desktop.services.ports import Clock, UnitOfWork

PATIENT = "patient"
PATIENT_INDEX = "patient_index"
APPOINTMENT = "appointment"
APPOINTMENT_BOOK = "appointment_book"
USER = "user"
TWIN = "digital_twin"
AUDIT_LOG = "audit_log"
DATABASE = "database"


class SystemClock:
    """The real clock (implements ports.Clock): timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def record(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    action: AuditAction,
    entity: str,
    entity_id: UUID | str | None = None,
    detail: str = "",
) -> None:
    """Add one event to the unit of work; it is stored only if the use case commits."""
    uow.audit.record(
        AuditEvent(
            id=new_event_id(),
            at=clock.now(),
            user_id=actor.user_id,
            username=actor.username,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            detail=detail,
        )
    )
