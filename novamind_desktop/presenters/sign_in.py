"""Signing in, creating the first administrator, and unlocking an idle-locked window.

The views are passive: they hand typed text to the presenter and show what it tells them.
Password checks run on the database worker (hashing is deliberately slow).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from novamind_desktop.domain.errors import AccountLocked, DomainError
from novamind_desktop.domain.users import Actor, User
from novamind_desktop.presenters.tasks import TaskRunner

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong; nothing was saved."
MIN_PASSWORD_LENGTH = 10


def failure_sentence(exc: Exception, action: str) -> str:
    """A domain error's own sentence; anything else is logged by type only (no PHI)."""
    if isinstance(exc, AccountLocked):
        # The desk reads local wall-clock time, not UTC.
        until = exc.until.astimezone()
        return (
            f"Too many failed sign-ins. The account is locked until {until:%H:%M}; "
            "try again then, or ask an administrator to reset the password."
        )
    if isinstance(exc, DomainError):
        return str(exc)
    log.error("%s failed with %s.%s", action, type(exc).__module__, type(exc).__name__)
    return UNEXPECTED


def sign_in_backoff(failures: int) -> int:
    """Seconds the sign-in button stays disabled after `failures` failed attempts in a row.

    The service locks the account after five failures; this slows guessing before that.
    """
    return 0 if failures <= 1 else min(2 ** (failures - 2), 8)


class Accounts(Protocol):
    """The part of services.users.UserService these presenters use."""

    def needs_first_admin(self) -> bool: ...

    def create_first_admin(self, username: str, display_name: str, password: str) -> User: ...

    def sign_in(self, username: str, password: str) -> User: ...

    def verify_password(self, actor: Actor, password: str) -> bool: ...


class SignInView(Protocol):
    def show_error(self, message: str) -> None: ...

    def set_busy(self, busy: bool) -> None: ...

    def clear_password(self) -> None: ...

    def pause_input(self, seconds: int) -> None:
        """Keep the sign-in button disabled for `seconds` (0: not at all)."""

    def signed_in(self, user: User) -> None: ...


class SignInPresenter:
    def __init__(
        self,
        view: SignInView,
        users: Accounts,
        runner: TaskRunner,
        backoff: Callable[[int], int] | None = None,
    ):
        self._view = view
        self._users = users
        self._runner = runner
        self._backoff = backoff  # None: the service's retry_after hint, else the local rule
        self.failures = 0

    def sign_in(self, username: str, password: str) -> None:
        username = username.strip()
        if not username or not password:
            self._view.show_error("Enter your user name and password.")
            return
        self._view.show_error("")
        self._view.set_busy(True)
        self._runner.submit(
            lambda ctx: self._users.sign_in(username, password),
            on_success=self._succeeded,
            on_failure=self._failed,
            label="sign in",
        )

    def _succeeded(self, user: User) -> None:
        self.failures = 0
        self._view.set_busy(False)
        self._view.signed_in(user)

    def _failed(self, exc: Exception) -> None:
        self.failures += 1
        self._view.set_busy(False)
        self._view.clear_password()
        self._view.show_error(failure_sentence(exc, "Sign-in"))
        self._view.pause_input(self._pause_after(exc))

    def _pause_after(self, exc: Exception) -> int:
        if self._backoff is not None:
            return self._backoff(self.failures)
        hint = getattr(exc, "retry_after", None)  # services.users.SignInRefused carries it
        if isinstance(hint, timedelta):
            return int(hint.total_seconds())
        return sign_in_backoff(self.failures)


class FirstAdminView(Protocol):
    def show_error(self, message: str) -> None: ...

    def set_busy(self, busy: bool) -> None: ...

    def created(self, user: User) -> None: ...


class FirstAdminPresenter:
    """An empty database has no accounts; the first person to start it creates the admin."""

    def __init__(self, view: FirstAdminView, users: Accounts, runner: TaskRunner):
        self._view = view
        self._users = users
        self._runner = runner

    def create(self, username: str, display_name: str, password: str, repeated: str) -> None:
        problem = self._check(username.strip(), display_name.strip(), password, repeated)
        if problem:
            self._view.show_error(problem)
            return
        self._view.show_error("")
        self._view.set_busy(True)
        self._runner.submit(
            lambda ctx: self._users.create_first_admin(
                username.strip(), display_name.strip(), password
            ),
            on_success=self._created,
            on_failure=self._failed,
            label="create first admin",
        )

    @staticmethod
    def _check(username: str, display_name: str, password: str, repeated: str) -> str:
        if not username or not display_name:
            return "Enter a user name and the name people know you by."
        if len(password) < MIN_PASSWORD_LENGTH:
            return f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
        if password != repeated:
            return "The two passwords are not the same."
        return ""

    def _created(self, user: User) -> None:
        self._view.set_busy(False)
        self._view.created(user)

    def _failed(self, exc: Exception) -> None:
        self._view.set_busy(False)
        self._view.show_error(failure_sentence(exc, "Creating the first admin"))


class UnlockView(Protocol):
    def show_error(self, message: str) -> None: ...

    def set_busy(self, busy: bool) -> None: ...

    def clear_password(self) -> None: ...

    def unlocked(self) -> None: ...


class UnlockPresenter:
    """The idle lock: only the signed-in user's password opens the window again."""

    def __init__(self, view: UnlockView, users: Accounts, runner: TaskRunner, actor: Actor):
        self._view = view
        self._users = users
        self._runner = runner
        self._actor = actor

    def unlock(self, password: str) -> None:
        if not password:
            self._view.show_error("Enter your password to continue.")
            return
        self._view.set_busy(True)
        self._runner.submit(
            lambda ctx: self._users.verify_password(self._actor, password),
            on_success=self._checked,
            on_failure=self._failed,
            label="unlock",
        )

    def _checked(self, ok: bool) -> None:
        self._view.set_busy(False)
        self._view.clear_password()
        if ok:
            self._view.show_error("")
            self._view.unlocked()
        else:
            self._view.show_error("That password is not right. Try again, or sign out.")

    def _failed(self, exc: Exception) -> None:
        self._view.set_busy(False)
        self._view.clear_password()
        self._view.show_error(failure_sentence(exc, "Unlock"))
