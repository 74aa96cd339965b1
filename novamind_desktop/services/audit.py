"""Reading the audit trail and exporting it for inspectors."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from uuid import UUID

from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.users import Actor, Permission
from novamind_desktop.services import audit_trail
from novamind_desktop.services.audit_trail import AUDIT_LOG, SystemClock
from novamind_desktop.services.ports import Clock, UnitOfWorkFactory

CSV_COLUMNS = ("at", "username", "user_id", "action", "entity", "entity_id", "detail", "id")
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class AuditService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock | None = None):
        self._uow = uow_factory
        self._clock = clock or SystemClock()

    def query(
        self,
        actor: Actor,
        user_id: UUID | None = None,
        entity_id: str | None = None,
        action: AuditAction | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 1000,
    ) -> list[AuditEvent]:
        """Events matching every given filter, newest first; `until` is exclusive."""
        actor.require(Permission.READ_AUDIT)
        with self._uow(actor) as uow:
            events = uow.audit.query(
                user_id=user_id,
                entity_id=entity_id.strip() if entity_id else None,
                action=action,
                since=since,
                until=until,
                limit=limit,
            )
        return sorted(events, key=lambda e: e.at, reverse=True)

    def export_csv(self, actor: Actor, events: Iterable[AuditEvent], path: Path | str) -> int:
        """Write the events as CSV (UTF-8, a header row); returns how many. The export is
        itself audited. The file appears complete or not at all."""
        actor.require(Permission.READ_AUDIT)
        target = Path(path)
        partial = target.with_name(target.name + ".partial")
        count = 0
        try:
            with partial.open("w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(CSV_COLUMNS)
                for event in events:
                    writer.writerow(_row(event))
                    count += 1
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        with self._uow(actor) as uow:
            audit_trail.record(
                uow,
                self._clock,
                actor,
                AuditAction.EXPORT,
                AUDIT_LOG,
                None,
                f"{count} events exported as CSV",
            )
            uow.commit()
        return count


def _row(event: AuditEvent) -> list[str]:
    cells = [
        event.at.isoformat(),
        event.username,
        "" if event.user_id is None else str(event.user_id),
        event.action.value,
        event.entity,
        event.entity_id or "",
        event.detail,
        str(event.id),
    ]
    return [_inert(cell) for cell in cells]


def _inert(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell
