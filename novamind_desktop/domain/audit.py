"""The audit trail: who did what to which record, never what the record says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class AuditAction(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    STATUS = "status"
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    IMPORT = "import"
    EXPORT = "export"
    BACKUP = "backup"
    RESTORE = "restore"
    MIGRATE = "migrate"
    ROTATE_KEY = "rotate_key"


@dataclass(frozen=True)
class AuditEvent:
    """`detail` is free text for staff to read; callers must never put PHI in it."""

    id: UUID
    at: datetime
    user_id: UUID | None
    username: str
    action: AuditAction
    entity: str
    entity_id: str | None = None
    detail: str = ""
