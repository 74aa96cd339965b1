"""What the main window shows for the signed-in user: menus by role, status line, sign out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from novamind_desktop.domain.users import Actor, Permission, Role, User, may
from novamind_desktop.presenters.sign_in import failure_sentence
from novamind_desktop.presenters.tasks import TaskRunner

APP_TITLE = "NOVAMIND Desktop"

ROLE_LABELS: dict[Role, str] = {
    Role.FRONTDESK: "Front desk",
    Role.CLINICIAN: "Clinician",
    Role.ADMIN: "Administrator",
}


@dataclass(frozen=True)
class AdminMenu:
    """Which entries of the Admin menu the role may use (an empty menu is not shown)."""

    users: bool
    audit_log: bool
    database: bool

    @property
    def visible(self) -> bool:
        return self.users or self.audit_log or self.database


def admin_menu_for(role: Role) -> AdminMenu:
    return AdminMenu(
        users=may(role, Permission.MANAGE_USERS),
        audit_log=may(role, Permission.READ_AUDIT),
        database=may(role, Permission.ADMINISTER_DATABASE),
    )


def window_title(page_title: str = "", demo: bool = False) -> str:
    parts = [APP_TITLE]
    if page_title:
        parts.insert(0, page_title)
    title = " — ".join(parts)
    return f"{title} — DEMO (sample data, nothing is kept)" if demo else title


def status_text(user: User, database_label: str) -> tuple[str, str, str]:
    """(signed-in user, role, database) for the three status-bar labels."""
    return (
        f"Signed in: {user.display_name} ({user.username})",
        ROLE_LABELS[user.role],
        f"Database: {database_label}",
    )


def busy_text(jobs: int) -> str:
    if jobs <= 0:
        return "Ready"
    return "Working…" if jobs == 1 else f"Working… ({jobs} tasks)"


class SignOut(Protocol):
    def sign_out(self, actor: Actor) -> None: ...


class MainWindowView(Protocol):
    def signed_out(self) -> None: ...

    def ready_to_quit(self) -> None:
        """The sign-out of a closed window is recorded (or could not be): the app may end."""

    def show_error(self, message: str) -> None: ...


class MainWindowPresenter:
    def __init__(self, view: MainWindowView, users: SignOut, runner: TaskRunner, user: User):
        self._view = view
        self._users = users
        self._runner = runner
        self.user = user
        self.actor = Actor.of(user)
        self.admin_menu = admin_menu_for(user.role)

    def sign_out(self) -> None:
        """Record the sign-out, then close the window whatever happened to the record."""
        self._record_sign_out(self._view.signed_out)

    def quit(self) -> None:
        """The window was closed (File → Quit or its close button): the session ends as
        surely as by Sign out, so the audit log gets the same sign-out; then the app ends."""
        self._record_sign_out(self._view.ready_to_quit)

    def _record_sign_out(self, then: Callable[[], None]) -> None:
        def failed(exc: Exception) -> None:
            # Signing out must never be blocked by a failed audit write: the user walks away.
            failure_sentence(exc, "Sign-out")
            then()

        self._runner.submit(
            lambda ctx: self._users.sign_out(self.actor),
            on_success=lambda _: then(),
            on_failure=failed,
            label="sign out",
        )
