"""Staff accounts. Not PHI: stored in clear, except the password, which is only a hash."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from novamind_desktop.domain.errors import FieldError, NotFound, StaleRecord, ValidationFailed
from novamind_desktop.domain.users import Role, User
from novamind_desktop.infrastructure.records import UserRecord
from novamind_desktop.infrastructure.repositories._base import constraint_name, guarded_write


def _to_domain(record: UserRecord) -> User:
    return User(
        id=record.id,
        username=record.username,
        display_name=record.display_name,
        role=Role(record.role),
        active=record.active,
        failed_sign_ins=record.failed_sign_ins,
        locked_until=record.locked_until,
        version=record.version,
    )


def _copy(user: User, record: UserRecord) -> None:
    record.username = user.username
    record.display_name = user.display_name
    record.role = Role(user.role).value
    record.active = user.active
    record.failed_sign_ins = user.failed_sign_ins
    record.locked_until = user.locked_until


@contextmanager
def _username_conflict_as_validation_error() -> Iterator[None]:
    try:
        yield
    except IntegrityError as error:
        if "username" in constraint_name(error):
            raise ValidationFailed(
                [FieldError("username", "This user name is already taken.")]
            ) from None
        raise


class SqlUserRepository:
    def __init__(self, session: Session):
        self._session = session

    def add(self, user: User, password_hash: str) -> User:
        record = UserRecord(id=user.id, password_hash=password_hash)
        _copy(user, record)
        with (
            _username_conflict_as_validation_error(),
            guarded_write(self._session, "user", user.id),
        ):
            self._session.add(record)
        return _to_domain(record)

    def get(self, user_id: UUID) -> User | None:
        record = self._session.get(UserRecord, user_id)
        return None if record is None else _to_domain(record)

    def by_username(self, username: str) -> User | None:
        record = self._session.scalar(select(UserRecord).where(UserRecord.username == username))
        return None if record is None else _to_domain(record)

    def password_hash(self, user_id: UUID) -> str:
        return self._record(user_id).password_hash

    def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        """Does not bump the version: a User loaded elsewhere (which never carries the hash)
        is not made stale by a password change, so sign-in bookkeeping can still save it."""
        self._record(user_id)
        self._session.execute(
            update(UserRecord)
            .where(UserRecord.id == user_id)
            .values(
                password_hash=password_hash,
                updated_at=self._session.info["clock"].now(),
                updated_by=self._session.info["actor"].username,
            ),
            execution_options={"synchronize_session": "fetch"},
        )

    def save(self, user: User) -> User:
        record = self._record(user.id)
        if record.version != user.version:
            raise StaleRecord("user", user.id)
        with (
            _username_conflict_as_validation_error(),
            guarded_write(self._session, "user", user.id),
        ):
            _copy(user, record)
        return _to_domain(record)

    def list_all(self) -> list[User]:
        records = self._session.scalars(select(UserRecord).order_by(UserRecord.username))
        return [_to_domain(record) for record in records]

    def count(self) -> int:
        return self._session.scalar(select(func.count()).select_from(UserRecord)) or 0

    def _record(self, user_id: UUID) -> UserRecord:
        record = self._session.get(UserRecord, user_id)
        if record is None:
            raise NotFound("user", user_id)
        return record
