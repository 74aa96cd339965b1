"""The audit trail: insert and query only (database triggers refuse UPDATE and DELETE)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.infrastructure.records import AuditEventRecord


def _to_domain(record: AuditEventRecord) -> AuditEvent:
    return AuditEvent(
        id=record.id,
        at=record.at,
        user_id=record.user_id,
        username=record.username,
        action=AuditAction(record.action),
        entity=record.entity,
        entity_id=record.entity_id,
        detail=record.detail,
    )


class SqlAuditLog:
    def __init__(self, session: Session):
        self._session = session

    def record(self, event: AuditEvent) -> None:
        self._session.add(
            AuditEventRecord(
                id=event.id,
                at=event.at,
                user_id=event.user_id,
                username=event.username,
                action=AuditAction(event.action).value,
                entity=event.entity,
                entity_id=event.entity_id,
                detail=event.detail,
            )
        )

    def query(
        self,
        *,
        user_id: UUID | None = None,
        entity_id: str | None = None,
        action: AuditAction | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[AuditEvent]:
        """Newest first. `since` is inclusive, `until` exclusive."""
        query = select(AuditEventRecord)
        if user_id is not None:
            query = query.where(AuditEventRecord.user_id == user_id)
        if entity_id is not None:
            query = query.where(AuditEventRecord.entity_id == entity_id)
        if action is not None:
            query = query.where(AuditEventRecord.action == AuditAction(action).value)
        if since is not None:
            query = query.where(AuditEventRecord.at >= since)
        if until is not None:
            query = query.where(AuditEventRecord.at < until)
        query = query.order_by(AuditEventRecord.at.desc(), AuditEventRecord.id).limit(limit)
        return [_to_domain(record) for record in self._session.scalars(query)]
