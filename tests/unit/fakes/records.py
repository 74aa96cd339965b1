"""Fake repositories for users, digital twins, opening hours and the audit log."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.clinic import OpeningHours
from novamind_desktop.domain.errors import StaleRecord
from novamind_desktop.domain.twins import DigitalTwin
from novamind_desktop.domain.users import User

from .database import FakeDatabase


class FakeUserRepository:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def add(self, user: User, password_hash: str) -> User:
        if self.by_username(user.username) is not None:
            raise ValueError("username taken (the UNIQUE constraint)")
        stored = replace(user, version=1)
        self.db.users[user.id] = stored
        self.db.password_hashes[user.id] = password_hash
        return stored

    def get(self, user_id: UUID) -> User | None:
        return self.db.users.get(user_id)

    def by_username(self, username: str) -> User | None:
        return next((u for u in self.db.users.values() if u.username == username), None)

    def password_hash(self, user_id: UUID) -> str:
        return self.db.password_hashes[user_id]

    def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        self.db.password_hashes[user_id] = password_hash

    def save(self, user: User) -> User:
        current = self.db.users.get(user.id)
        if current is None or current.version != user.version:
            raise StaleRecord("user", user.id)
        stored = replace(user, version=user.version + 1)
        self.db.users[user.id] = stored
        return stored

    def list_all(self) -> list[User]:
        return sorted(self.db.users.values(), key=lambda u: u.username)

    def count(self) -> int:
        return len(self.db.users)


class FakeTwinRepository:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def for_patient(self, patient_id: UUID) -> DigitalTwin | None:
        return self.db.twins.get(patient_id)

    def add(self, twin: DigitalTwin) -> DigitalTwin:
        stored = replace(twin, version=1)
        self.db.twins[twin.patient_id] = stored
        return stored

    def save(self, twin: DigitalTwin) -> DigitalTwin:
        current = self.db.twins.get(twin.patient_id)
        if current is None or current.version != twin.version:
            raise StaleRecord("digital twin", twin.id)
        stored = replace(twin, version=twin.version + 1)
        self.db.twins[twin.patient_id] = stored
        return stored


class FakeOpeningHoursRepository:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def week(self) -> list[OpeningHours]:
        return list(self.db.opening_hours)

    def replace_week(self, hours: list[OpeningHours]) -> None:
        self.db.opening_hours = list(hours)


class FakeAuditLog:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def record(self, event: AuditEvent) -> None:
        self.db.audit.append(event)

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
        found = [
            e
            for e in reversed(self.db.audit)
            if (user_id is None or e.user_id == user_id)
            and (entity_id is None or e.entity_id == entity_id)
            and (action is None or e.action == action)
            and (since is None or e.at >= since)
            and (until is None or e.at < until)
        ]
        return found[:limit]
