"""Staff accounts: the first admin, signing in and out, and account management by admins."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    DomainError,
    FieldError,
    NotFound,
    PermissionDenied,
    StaleRecord,
    ValidationFailed,
)
from novamind_desktop.domain.users import Actor, Permission, Role, User
from novamind_desktop.services import audit_trail
from novamind_desktop.services.audit_trail import USER
from novamind_desktop.services.ports import Clock, PasswordHasher, UnitOfWork, UnitOfWorkFactory

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # hashing is deliberately slow; don't let a paste make it slower
MAX_FAILED_SIGN_INS = 5
LOCKOUT = timedelta(minutes=15)
_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,31}$")
# When two desks save one account's sign-in bookkeeping at the same moment (PostgreSQL), the
# later save is stale; it is redone on fresh data, so no failure goes uncounted (parallel
# guessing must not slip past the lockout) and nobody is told the account "changed".
_BOOKKEEPING_ATTEMPTS = 3

# Units of work need an actor to stamp created_by/updated_by; before anyone is signed in
# these stand in. The audit events themselves name the account concerned.
_SIGN_IN = Actor(None, "sign-in", Role.FRONTDESK)
_FIRST_RUN = Actor(None, "first-run", Role.ADMIN)
_UNKNOWN = Actor(None, "(unknown user name)", Role.FRONTDESK)


class SignInRefused(AuthenticationFailed):
    """A wrong user name or password; `retry_after` is how long the form should wait."""

    def __init__(self, retry_after: timedelta):
        self.retry_after = retry_after
        super().__init__()


class AccountDeactivated(AuthenticationFailed):
    def __init__(self) -> None:
        DomainError.__init__(
            self, "This account is deactivated. Ask an administrator to reactivate it."
        )


def sign_in_delay(failures: int) -> timedelta:
    """0, 1, 2, 4, 8 seconds after 1, 2, 3, 4, 5 failures in a row: slows guessing."""
    return timedelta(seconds=0 if failures <= 1 else min(2 ** (failures - 2), 8))


def normalise_username(username: str) -> str:
    return username.strip().lower()


def validate_account(username: str, display_name: str, password: str) -> None:
    errors = [*_username_errors(username), *_password_errors(password, username)]
    if not display_name.strip():
        errors.append(FieldError("display_name", "Enter the person's name."))
    elif len(display_name.strip()) > 100:
        errors.append(FieldError("display_name", "The name is longer than 100 characters."))
    if errors:
        raise ValidationFailed(errors)


def _username_errors(username: str) -> list[FieldError]:
    if _USERNAME.match(username):
        return []
    return [
        FieldError(
            "username",
            "A user name has 3 to 32 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter.",
        )
    ]


def _password_errors(password: str, username: str) -> list[FieldError]:
    if len(password) < MIN_PASSWORD_LENGTH:
        message = f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
    elif len(password) > MAX_PASSWORD_LENGTH:
        message = f"A password has at most {MAX_PASSWORD_LENGTH} characters."
    elif password.strip().lower() == username:
        message = "The password must not be the user name."
    else:
        return []
    return [FieldError("password", message)]


class UserService:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, hasher: PasswordHasher):
        self._uow = uow_factory
        self._clock = clock
        self._hasher = hasher
        self._dummy_hash: str | None = None

    def _audit(
        self,
        uow: UnitOfWork,
        actor: Actor,
        action: AuditAction,
        ident: UUID | None,
        detail: str = "",
    ) -> None:
        audit_trail.record(uow, self._clock, actor, action, USER, ident, detail)

    # First run

    def needs_first_admin(self) -> bool:
        """True while the database has no accounts at all."""
        with self._uow(_FIRST_RUN) as uow:
            return uow.users.count() == 0

    def create_first_admin(self, username: str, display_name: str, password: str) -> User:
        username = normalise_username(username)
        validate_account(username, display_name, password)
        encoded = self._hasher.hash(password)
        with self._uow(_FIRST_RUN) as uow:
            if uow.users.count() > 0:
                raise PermissionDenied("signed-out", "create an administrator once accounts exist")
            user = uow.users.add(User(uuid4(), username, display_name.strip(), Role.ADMIN), encoded)
            self._audit(uow, Actor.of(user), AuditAction.CREATE, user.id, "first administrator")
            uow.commit()
        return user

    # Signing in and out

    def sign_in(self, username: str, password: str) -> User:
        """The account, if the password is right. Raises SignInRefused (an
        AuthenticationFailed), AccountLocked after 5 failures (for 15 minutes) or
        AccountDeactivated."""
        for _ in range(_BOOKKEEPING_ATTEMPTS - 1):
            try:
                return self._sign_in(username, password)
            except StaleRecord:
                continue  # nothing was committed; try again on what the other desk saved
        return self._sign_in(username, password)

    def _sign_in(self, username: str, password: str) -> User:
        now = self._clock.now()
        with self._uow(_SIGN_IN) as uow:
            user = uow.users.by_username(normalise_username(username))
            if user is None:
                # Same work as for a real account, so timing does not tell names apart.
                self._hasher.verify(password, self._dummy())
                self._audit(uow, _UNKNOWN, AuditAction.SIGN_IN_FAILED, None, "unknown user name")
                uow.commit()
                raise SignInRefused(sign_in_delay(1))
            user = self._refuse_if_locked(uow, user, now)
            if not self._hasher.verify(password, uow.users.password_hash(user.id)):
                self._count_failure(uow, user, now)
            if not user.active:
                self._audit(uow, Actor.of(user), AuditAction.SIGN_IN_FAILED, user.id, "inactive")
                uow.commit()
                raise AccountDeactivated()
            user = self._clear_failures(uow, user)
            self._audit(uow, Actor.of(user), AuditAction.SIGN_IN, user.id)
            uow.commit()
        return user

    def verify_password(self, actor: Actor, password: str) -> bool:
        """Unlock an idle-locked window. Failures count towards the lockout like sign-ins."""
        for _ in range(_BOOKKEEPING_ATTEMPTS - 1):
            try:
                return self._verify_password(actor, password)
            except StaleRecord:
                continue
        return self._verify_password(actor, password)

    def _verify_password(self, actor: Actor, password: str) -> bool:
        if actor.user_id is None:
            return False
        now = self._clock.now()
        with self._uow(actor) as uow:
            user = uow.users.get(actor.user_id)
            if user is None or not user.active:
                return False
            user = self._refuse_if_locked(uow, user, now)
            if not self._hasher.verify(password, uow.users.password_hash(user.id)):
                try:
                    self._count_failure(uow, user, now)
                except SignInRefused:
                    return False
            self._clear_failures(uow, user)
            self._audit(uow, actor, AuditAction.SIGN_IN, user.id, "unlocked after idle")
            uow.commit()
        return True

    def sign_out(self, actor: Actor) -> None:
        with self._uow(actor) as uow:
            self._audit(uow, actor, AuditAction.SIGN_OUT, actor.user_id)
            uow.commit()

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(uuid4().hex)
        return self._dummy_hash

    def _refuse_if_locked(self, uow: UnitOfWork, user: User, now: datetime) -> User:
        """AccountLocked while the lock lasts; once it has expired, the count starts again."""
        if user.locked_until is None:
            return user
        if user.locked_until > now:
            self._audit(uow, Actor.of(user), AuditAction.SIGN_IN_FAILED, user.id, "locked")
            uow.commit()
            raise AccountLocked(user.locked_until)
        return replace(user, failed_sign_ins=0, locked_until=None)

    def _count_failure(self, uow: UnitOfWork, user: User, now: datetime) -> None:
        """Record a wrong password (committed), then raise SignInRefused or AccountLocked."""
        failures = user.failed_sign_ins + 1
        locked_until = now + LOCKOUT if failures >= MAX_FAILED_SIGN_INS else None
        uow.users.save(replace(user, failed_sign_ins=failures, locked_until=locked_until))
        detail = f"wrong password ({failures} of {MAX_FAILED_SIGN_INS})"
        if locked_until is not None:
            detail += f"; locked for {LOCKOUT.seconds // 60} minutes"
        self._audit(uow, Actor.of(user), AuditAction.SIGN_IN_FAILED, user.id, detail)
        uow.commit()
        if locked_until is not None:
            raise AccountLocked(locked_until)
        raise SignInRefused(sign_in_delay(failures))

    def _clear_failures(self, uow: UnitOfWork, user: User) -> User:
        stored = uow.users.get(user.id)
        assert stored is not None
        if stored.failed_sign_ins == 0 and stored.locked_until is None:
            return stored
        return uow.users.save(replace(stored, failed_sign_ins=0, locked_until=None))

    # Administration

    def list_users(self, actor: Actor) -> list[User]:
        actor.require(Permission.MANAGE_USERS)
        with self._uow(actor) as uow:
            return sorted(uow.users.list_all(), key=lambda u: u.username)

    def add_user(
        self, actor: Actor, username: str, display_name: str, role: Role, password: str
    ) -> User:
        actor.require(Permission.MANAGE_USERS)
        username = normalise_username(username)
        validate_account(username, display_name, password)
        encoded = self._hasher.hash(password)
        with self._uow(actor) as uow:
            if uow.users.by_username(username) is not None:
                raise ValidationFailed([FieldError("username", "This user name is taken.")])
            user = uow.users.add(User(uuid4(), username, display_name.strip(), role), encoded)
            self._audit(uow, actor, AuditAction.CREATE, user.id, f"role {role.value}")
            uow.commit()
        return user

    def deactivate(self, actor: Actor, user_id: UUID) -> User:
        """Stop an account signing in. Not your own, and never the last active admin."""
        actor.require(Permission.MANAGE_USERS)
        if user_id == actor.user_id:
            raise ValidationFailed([FieldError("user", "You cannot deactivate your own account.")])
        with self._uow(actor) as uow:
            user = _load(uow, user_id)
            if not user.active:
                return user
            _refuse_losing_last_admin(uow, user)
            saved = uow.users.save(replace(user, active=False))
            self._audit(uow, actor, AuditAction.DEACTIVATE, user_id)
            uow.commit()
        return saved

    def reactivate(self, actor: Actor, user_id: UUID) -> User:
        actor.require(Permission.MANAGE_USERS)
        with self._uow(actor) as uow:
            user = _load(uow, user_id)
            if user.active:
                return user
            saved = uow.users.save(replace(user, active=True, failed_sign_ins=0, locked_until=None))
            self._audit(uow, actor, AuditAction.REACTIVATE, user_id)
            uow.commit()
        return saved

    def reset_password(self, actor: Actor, user_id: UUID, password: str) -> User:
        """Set a new password (the person changes it after signing in); lifts a lockout."""
        actor.require(Permission.MANAGE_USERS)
        with self._uow(actor) as uow:
            user = _load(uow, user_id)
        errors = _password_errors(password, user.username)
        if errors:
            raise ValidationFailed(errors)
        encoded = self._hasher.hash(password)
        with self._uow(actor) as uow:
            user = _load(uow, user_id)
            uow.users.set_password_hash(user_id, encoded)
            saved = uow.users.save(replace(user, failed_sign_ins=0, locked_until=None))
            self._audit(uow, actor, AuditAction.UPDATE, user_id, "password reset")
            uow.commit()
        return saved

    def change_role(self, actor: Actor, user_id: UUID, role: Role) -> User:
        actor.require(Permission.MANAGE_USERS)
        with self._uow(actor) as uow:
            user = _load(uow, user_id)
            if user.role is role:
                return user
            if user_id == actor.user_id:
                raise ValidationFailed(
                    [FieldError("role", "Ask another administrator to change your own role.")]
                )
            _refuse_losing_last_admin(uow, user)
            saved = uow.users.save(replace(user, role=role))
            detail = f"role {user.role.value} -> {role.value}"
            self._audit(uow, actor, AuditAction.UPDATE, user_id, detail)
            uow.commit()
        return saved


def _load(uow: UnitOfWork, user_id: UUID) -> User:
    user = uow.users.get(user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def _refuse_losing_last_admin(uow: UnitOfWork, user: User) -> None:
    if user.role is not Role.ADMIN or not user.active:
        return
    others = [u for u in uow.users.list_all() if u.role is Role.ADMIN and u.active]
    if len(others) <= 1:
        raise ValidationFailed(
            [FieldError("role", "The clinic needs at least one active administrator.")]
        )
