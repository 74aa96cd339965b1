"""Hand-written fakes for presenter tests: accounts that behave like UserService, and views
that record what they were told."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from novamind_desktop.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    FieldError,
    ValidationFailed,
)
from novamind_desktop.domain.maintenance import (
    BackupReport,
    MigrationStatus,
    PendingRevision,
    RotationReport,
)
from novamind_desktop.domain.users import Actor, Role, User


@dataclass
class FakeAccounts:
    """Five wrong passwords lock the account, like the real service."""

    passwords: dict[str, str] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    signed_out: list[Actor] = field(default_factory=list)
    explode: Exception | None = None

    def add(self, username: str, password: str, role: Role = Role.FRONTDESK) -> User:
        user = User(uuid4(), username, username.title(), role)
        self.users[username] = user
        self.passwords[username] = password
        return user

    def needs_first_admin(self) -> bool:
        return not self.users

    def create_first_admin(self, username: str, display_name: str, password: str) -> User:
        if self.users:
            raise ValidationFailed([])
        user = self.add(username, password, Role.ADMIN)
        return user

    def sign_in(self, username: str, password: str) -> User:
        if self.explode:
            raise self.explode
        if self.failures.get(username, 0) >= 5:
            raise AccountLocked(datetime(2030, 1, 1, 12, 15, tzinfo=UTC))
        if self.passwords.get(username) != password:
            self.failures[username] = self.failures.get(username, 0) + 1
            raise AuthenticationFailed()
        self.failures[username] = 0
        return self.users[username]

    def verify_password(self, actor: Actor, password: str) -> bool:
        return self.passwords.get(actor.username) == password

    def list_users(self, actor: Actor) -> list[User]:
        return list(self.users.values())

    def add_user(
        self, actor: Actor, username: str, display_name: str, role: Role, password: str
    ) -> User:
        if username in self.users:
            raise ValidationFailed([FieldError("username", "This user name is taken.")])
        user = User(uuid4(), username, display_name, role)
        self.users[username] = user
        self.passwords[username] = password
        return user

    def _change(self, user_id: UUID, **changes: Any) -> User:
        name = next(n for n, u in self.users.items() if u.id == user_id)
        self.users[name] = replace(self.users[name], **changes)
        return self.users[name]

    def deactivate(self, actor: Actor, user_id: UUID) -> User:
        return self._change(user_id, active=False)

    def reactivate(self, actor: Actor, user_id: UUID) -> User:
        return self._change(user_id, active=True)

    def change_role(self, actor: Actor, user_id: UUID, role: Role) -> User:
        return self._change(user_id, role=role)

    def reset_password(self, actor: Actor, user_id: UUID, password: str) -> None:
        name = next(n for n, u in self.users.items() if u.id == user_id)
        self.passwords[name] = password
        self.failures[name] = 0

    def sign_out(self, actor: Actor) -> None:
        if self.explode:
            raise self.explode
        self.signed_out.append(actor)


class RecordingView:
    """Records every call as (method, args); any method name is accepted."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, (*args, *kwargs.values())))  # keywords in call order

        return record

    def said(self, name: str) -> list[tuple[Any, ...]]:
        return [args for method, args in self.calls if method == name]

    def last(self, name: str) -> Any:
        calls = self.said(name)
        assert calls, f"the view was never asked to {name}"
        return calls[-1][0] if len(calls[-1]) == 1 else calls[-1]


def later(minutes: int) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


REVISIONS = [PendingRevision("0001", "Initial schema"), PendingRevision("0002", "Opening hours")]


@dataclass
class FakeAdmin:
    """Keeps a revision number; fails or refuses on request, like the real service."""

    at: int = 1
    fail_with: Exception | None = None
    calls: list[str] = field(default_factory=list)
    rotated: int = 0

    def status(self, actor):
        current = REVISIONS[self.at - 1].rev if self.at else None
        pending = REVISIONS[self.at :]
        behind = bool(pending)
        return MigrationStatus("sqlite:///clinic", current, "0002", pending, is_behind=behind)

    def upgrade(self, actor, target="head", progress=None):
        self.calls.append(f"upgrade {target}")
        progress(0, 1, "backing up the database")
        if self.fail_with:
            raise self.fail_with
        progress(1, 1, "0002: Opening hours")
        self.at = 2
        return BackupReport(Path("/backups/b.sqlite3"), {"patients": 3, "users": 2})

    def downgrade_steps(self, actor, target):
        return list(reversed(REVISIONS[: self.at]))

    def downgrade(self, actor, target, progress=None):
        self.calls.append(f"downgrade {target}")
        self.at = 1 if target == "0001" else 0

    def backup(self, actor, path=None):
        if self.fail_with:
            raise self.fail_with
        return BackupReport(path or Path("/backups/auto.sqlite3"), {"patients": 3})

    def restore(self, actor, path):
        self.calls.append(f"restore {path}")
        return BackupReport(path, {"patients": 3})

    def rotate_key(self, actor, progress=None, cancelled=None):
        for _batch in range(3):
            if cancelled():
                return RotationReport(30, self.rotated, cancelled=True)
            self.rotated += 10
            progress(self.rotated, 30, f"patients: {self.rotated} of 30")
        return RotationReport(30, self.rotated)
