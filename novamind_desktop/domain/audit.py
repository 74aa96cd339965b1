"""The audit trail: who did what to which record, never what the record says."""

from __future__ import annotations

import os
import time
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


def new_event_id() -> UUID:
    """A version 7 UUID (RFC 9562): the Unix time in milliseconds, then 74 random bits.

    Events are written in time order, so their keys land at the end of the primary-key
    index instead of on a random page of it: a read that audits several patients then
    writes one index page for its keys, not one each."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10))
    value = (millis & (1 << 48) - 1) << 80 | 0x7 << 76 | (rand >> 68 & 0xFFF) << 64
    value |= 0b10 << 62 | rand & (1 << 62) - 1
    return UUID(int=value)
