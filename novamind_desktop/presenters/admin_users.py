"""Admin → Users: add accounts, deactivate or reactivate them, reset passwords, change roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from novamind_desktop.domain.users import Actor, Role, User
from novamind_desktop.presenters.sign_in import MIN_PASSWORD_LENGTH, failure_sentence
from novamind_desktop.presenters.tasks import TaskRunner


class UserAccounts(Protocol):
    """The part of services.users.UserService the dialog uses."""

    def list_users(self, actor: Actor) -> list[User]: ...

    def add_user(
        self, actor: Actor, username: str, display_name: str, role: Role, password: str
    ) -> User: ...

    def deactivate(self, actor: Actor, user_id: UUID) -> User: ...

    def reactivate(self, actor: Actor, user_id: UUID) -> User: ...

    def reset_password(self, actor: Actor, user_id: UUID, password: str) -> Any: ...

    def change_role(self, actor: Actor, user_id: UUID, role: Role) -> User: ...


class UsersView(Protocol):
    def show_users(self, users: list[User]) -> None: ...

    def show_error(self, message: str) -> None: ...

    def show_message(self, message: str) -> None: ...

    def set_busy(self, busy: bool) -> None: ...


def password_problem(password: str, repeated: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
    if password != repeated:
        return "The two passwords are not the same."
    return ""


class UsersPresenter:
    def __init__(self, view: UsersView, users: UserAccounts, runner: TaskRunner, actor: Actor):
        self._view = view
        self._users = users
        self._runner = runner
        self._actor = actor

    def load(self) -> None:
        self._run(lambda: self._users.list_users(self._actor), "", "list users", reload=False)

    def add(
        self, username: str, display_name: str, role: Role, password: str, repeated: str
    ) -> bool:
        """Returns False (and says why) when the form is not complete; the job runs otherwise."""
        username, display_name = username.strip(), display_name.strip()
        problem = password_problem(password, repeated)
        if not username or not display_name:
            problem = "Enter a user name and the person's name."
        if problem:
            self._view.show_error(problem)
            return False
        self._run(
            lambda: self._users.add_user(self._actor, username, display_name, role, password),
            f"Account {username} added ({role.value}).",
            "add user",
        )
        return True

    def deactivate(self, user: User) -> None:
        if self._is_me(user, "deactivate your own account"):
            return
        self._run(
            lambda: self._users.deactivate(self._actor, user.id),
            f"{user.username} can no longer sign in.",
            "deactivate user",
        )

    def reactivate(self, user: User) -> None:
        self._run(
            lambda: self._users.reactivate(self._actor, user.id),
            f"{user.username} can sign in again.",
            "reactivate user",
        )

    def reset_password(self, user: User, password: str, repeated: str) -> bool:
        problem = password_problem(password, repeated)
        if problem:
            self._view.show_error(problem)
            return False
        self._run(
            lambda: self._users.reset_password(self._actor, user.id, password),
            f"New password set for {user.username}; give it to them in person.",
            "reset password",
        )
        return True

    def change_role(self, user: User, role: Role) -> None:
        if role is user.role:
            return
        if self._is_me(user, "change your own role"):
            return
        self._run(
            lambda: self._users.change_role(self._actor, user.id, role),
            f"{user.username} is now {role.value}.",
            "change role",
        )

    def _is_me(self, user: User, what: str) -> bool:
        if user.id == self._actor.user_id:
            self._view.show_error(f"You cannot {what}; ask another administrator.")
            return True
        return False

    def _run(self, work: Callable[[], Any], done: str, label: str, reload: bool = True) -> None:
        """Run `work`, then list the users again so the table shows the result."""

        def job(ctx: Any) -> list[User]:
            result = work()
            return self._users.list_users(self._actor) if reload else result

        def succeeded(users: list[User]) -> None:
            self._view.set_busy(False)
            self._view.show_users(users)
            self._view.show_error("")
            if done:
                self._view.show_message(done)

        def failed(exc: Exception) -> None:
            self._view.set_busy(False)
            self._view.show_error(failure_sentence(exc, label))

        self._view.set_busy(True)
        self._runner.submit(job, on_success=succeeded, on_failure=failed, label=label)
