"""The audit trail: insert and query only (database triggers refuse UPDATE and DELETE)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, insert, select
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


_FIRST = {"version": 1}
_AUDIT_TABLE = cast(Table, AuditEventRecord.__table__)  # Core: no ORM bookkeeping per row
_INSERT = insert(_AUDIT_TABLE)  # built once: constructing it costs more than a lookup's query
_LOG = "audit_log"  # the session.info key of the session's SqlAuditLog


def write_pending(session: Session) -> None:
    """The session's `before_commit` hook (unit_of_work registers it once for every session
    it makes): its audit log's waiting events go in before the COMMIT.

    SQLAlchemy fires before_commit when a savepoint is released as well. Writing then would
    put the events inside that savepoint, and a write the database refuses at the release
    would roll them back with it; they wait for the outermost commit instead."""
    if session.in_nested_transaction():
        return
    log = session.info.get(_LOG)
    if log is not None:
        log.write_pending()


class SqlAuditLog:
    """Events wait in a list and reach the table in one multi-row INSERT just before the
    session commits (or before a query that should see them): a read that audits twenty
    patients costs one statement, not twenty ORM objects through the unit of work.

    The session must call write_pending(session) before it commits (unit_of_work's sessions
    do, from a hook registered once rather than per session)."""

    def __init__(self, session: Session):
        self._session = session
        self._pending: list[dict[str, Any]] = []
        session.info[_LOG] = self

    def record(self, event: AuditEvent) -> None:
        self._pending.append(
            {
                "id": event.id,
                "at": event.at,
                "user_id": event.user_id,
                "username": event.username,
                "action": AuditAction(event.action).value,
                "entity": event.entity,
                "entity_id": event.entity_id,
                "detail": event.detail,
            }
        )

    def write_pending(self) -> None:
        rows, self._pending = self._pending, []
        if not rows:
            return
        # The stamps unit_of_work._stamp gives every new record at flush.
        by = self._session.info["actor"].username
        now = self._session.info["clock"].now()
        stamps = {"created_at": now, "updated_at": now, "created_by": by, "updated_by": by}
        self._session.execute(_INSERT, [row | stamps | _FIRST for row in rows])

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
        self.write_pending()
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
