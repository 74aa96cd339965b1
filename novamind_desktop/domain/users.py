"""Staff accounts, roles and what each role may do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from novamind_desktop.domain.errors import PermissionDenied


class Role(StrEnum):
    FRONTDESK = "frontdesk"
    CLINICIAN = "clinician"
    ADMIN = "admin"


class Permission(StrEnum):
    READ_PATIENTS = "read patient records"
    WRITE_PATIENTS = "register or edit patients"
    READ_APPOINTMENTS = "see the appointment book"
    WRITE_APPOINTMENTS = "book, move or cancel appointments"
    UPDATE_APPOINTMENT_STATUS = "check in or complete appointments"
    READ_TWINS = "open digital twins"
    REVIEW_TWINS = "review digital twins"
    MANAGE_USERS = "manage user accounts"
    READ_AUDIT = "read the audit log"
    ADMINISTER_DATABASE = "back up, restore, migrate or re-key the database"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.FRONTDESK: frozenset(
        {
            Permission.READ_PATIENTS,
            Permission.WRITE_PATIENTS,
            Permission.READ_APPOINTMENTS,
            Permission.WRITE_APPOINTMENTS,
            Permission.UPDATE_APPOINTMENT_STATUS,
        }
    ),
    Role.CLINICIAN: frozenset(
        {
            Permission.READ_PATIENTS,
            Permission.READ_APPOINTMENTS,
            Permission.UPDATE_APPOINTMENT_STATUS,
            Permission.READ_TWINS,
            Permission.REVIEW_TWINS,
        }
    ),
    Role.ADMIN: frozenset(Permission),
}


def may(role: Role, permission: Permission) -> bool:
    return permission in _GRANTS[role]


@dataclass(frozen=True)
class User:
    id: UUID
    username: str
    display_name: str
    role: Role
    active: bool = True
    failed_sign_ins: int = 0
    locked_until: datetime | None = None
    version: int = 1


@dataclass(frozen=True)
class Actor:
    """Who is acting: the signed-in user, or the command line acting as an administrator."""

    user_id: UUID | None
    username: str
    role: Role

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.username, user.role)

    @classmethod
    def command_line(cls, os_user: str) -> Actor:
        return cls(None, f"cli:{os_user}", Role.ADMIN)

    def require(self, permission: Permission) -> None:
        if not may(self.role, permission):
            raise PermissionDenied(self.role.value, permission.value)
