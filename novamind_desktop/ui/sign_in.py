"""The sign-in dialog. Passive: the presenter checks the password on the worker."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from novamind_desktop.domain.users import User
from novamind_desktop.presenters.sign_in import Accounts, SignInPresenter
from novamind_desktop.presenters.tasks import TaskRunner
from novamind_desktop.ui.style import window_icon


def label(text: str, name: str = "", wrap: bool = True) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(wrap)
    if name:
        widget.setObjectName(name)
    return widget


class ErrorLabel(QLabel):
    """Where a form says what went wrong. Its room is kept, so the form never jumps.

    The text sits at the top left. That alignment is set with the first message rather than
    at construction: an empty label looks the same either way, and the sign-in window then
    paints before PySide6 builds its `Qt` namespace of enums (tens of milliseconds).
    """

    def __init__(self) -> None:
        super().__init__("")
        self.setObjectName("error")
        self.setWordWrap(True)
        self.setMinimumHeight(2 * self.fontMetrics().lineSpacing())
        self._aligned = False

    def setText(self, text: str) -> None:
        if text and not self._aligned:
            from PySide6.QtCore import Qt

            self.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            self._aligned = True
        super().setText(text)
        self.fit_window()

    def fit_window(self) -> None:
        """A message longer than the room kept for it (a database that cannot be reached
        takes three lines) grows the window downwards rather than losing its last line."""
        window = self.window()
        layout = window.layout()
        if layout is None or window is self:
            return
        layout.activate()
        needed = layout.totalHeightForWidth(window.width())
        if needed > window.height():
            window.resize(window.width(), needed)


def error_label() -> QLabel:
    """An ErrorLabel: empty, two lines high, top-left aligned once it holds a message."""
    return ErrorLabel()


def demo_credentials(accounts: Sequence[Any]) -> list[tuple[str, str, str]]:
    """(username, password, role) of demo accounts given as objects or tuples."""
    found = []
    for account in accounts:
        if isinstance(account, tuple):
            username, password, role = [*account, "", ""][:3]
        else:
            username = getattr(account, "username", "")
            password = getattr(account, "password", "") or ""
            role = getattr(account, "role", "")
        found.append((str(username), str(password), str(getattr(role, "value", role))))
    return found


def demo_accounts_text(accounts: Sequence[Any]) -> str:
    """One line per demo account; clicking the user name fills in the form."""
    return "<br>".join(
        f"{role}: <a href='{username}'>{username}</a> / {password}"
        for username, password, role in demo_credentials(accounts)
    )


class SignInDialog(QDialog):
    """Emits signed_in(User) and accepts itself when the password was right."""

    signed_in_as = Signal(object)

    def __init__(
        self,
        users: Accounts,
        runner: TaskRunner,
        database_label: str,
        demo_accounts: Sequence[Any] = (),
        parent: QWidget | None = None,
        backoff: Callable[[int], int] | None = None,
        opening: bool = False,
    ):
        super().__init__(parent)
        self.setWindowTitle("Sign in — NOVAMIND Desktop" + (" — DEMO" if demo_accounts else ""))
        self.setWindowIcon(window_icon())
        self.setMinimumWidth(420)
        self._demo: dict[str, str] = {}
        self.username = QLineEdit()
        self.username.setPlaceholderText("your user name")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("your password")
        self.error = error_label()
        buttons = QDialogButtonBox()
        self.sign_in_button = QPushButton("Sign in")
        self.sign_in_button.setDefault(True)
        buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)
        self.sign_in_button.clicked.connect(self._submit)
        self._build(database_label, demo_accounts, buttons)
        self._resume = QTimer(self, singleShot=True)
        self._resume.timeout.connect(self._allow_input)
        self.presenter = SignInPresenter(self, users, runner, backoff)
        if opening:  # the database is being opened on the worker; type meanwhile
            self.database.setText("Opening the database…")
            self.sign_in_button.setEnabled(False)
            self.sign_in_button.setText("Opening…")

    def _build(self, database: str, demo: Sequence[Any], buttons: QDialogButtonBox) -> None:
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(label("Sign in to NOVAMIND", "dialogTitle"))
        self.database = label(f"Database: {database}", "hint")
        layout.addWidget(self.database)
        if demo:
            layout.addWidget(self._demo_banner(demo))
        form = QFormLayout()
        form.addRow("User name", self.username)
        form.addRow("Password", self.password)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.username.setFocus()  # Qt.FocusReason.OtherFocusReason

    def _demo_banner(self, accounts: Sequence[Any]) -> QLabel:
        banner = label(
            "<b>Demo mode</b>: sample patients only; nothing is kept after you quit. "
            "Click an account to fill in the form.<br>" + demo_accounts_text(accounts),
            "demoBanner",
        )
        self._demo = {u: p for u, p, _ in demo_credentials(accounts)}
        banner.linkActivated.connect(self._fill_demo_account)
        self.setWindowTitle("Sign in — NOVAMIND Desktop — DEMO")
        return banner

    def _fill_demo_account(self, username: str) -> None:
        self.username.setText(username)
        self.password.setText(self._demo.get(username, ""))
        self.sign_in_button.setFocus()

    def _submit(self) -> None:
        if self.sign_in_button.isEnabled():
            self.presenter.sign_in(self.username.text(), self.password.text())

    def database_ready(self, database_label: str, demo_accounts: Sequence[Any] = ()) -> None:
        """The database opened behind this window; a demo clinic also names its accounts."""
        self.database.setText(f"Database: {database_label}")
        if demo_accounts and not self._demo:
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            banner = self._demo_banner(demo_accounts)
            layout.insertWidget(layout.indexOf(self.database) + 1, banner)
            banner.show()  # now, not at the next event loop turn: its height counts below
            self.error.fit_window()  # grow to fit the banner's wrapped lines, keep the width
        self._allow_input()

    # SignInView
    def show_error(self, message: str) -> None:
        self.error.setText(message)

    def set_busy(self, busy: bool) -> None:
        self.sign_in_button.setEnabled(not busy)
        self.sign_in_button.setText("Checking…" if busy else "Sign in")

    def clear_password(self) -> None:
        self.password.clear()
        self.password.setFocus()

    def pause_input(self, seconds: int) -> None:
        if seconds <= 0:
            return
        self.sign_in_button.setEnabled(False)
        self.sign_in_button.setText(f"Wait {seconds} s")
        self._resume.start(seconds * 1000)

    def _allow_input(self) -> None:
        self.sign_in_button.setEnabled(True)
        self.sign_in_button.setText("Sign in")

    def signed_in(self, user: User) -> None:
        self.password.clear()
        self.signed_in_as.emit(user)
        self.accept()
