"""Starting the GUI: the first administrator, sign-in, the migrations gate, the main window.

`run_gui(context, demo)` is what the command line calls once bootstrap has checked the keys
and the database. `Session` drives the windows without blocking calls (no exec() on
dialogs), so the whole start-up can be tested with qtbot.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from novamind_desktop.domain.users import Actor, Role, User
from novamind_desktop.presenters.sign_in import failure_sentence
from novamind_desktop.settings import StartupError
from novamind_desktop.ui.style import APP_NAME, apply_style
from novamind_desktop.ui.worker import QtTaskRunner

if TYPE_CHECKING:
    from novamind_desktop.domain.maintenance import MigrationStatus

EXIT_STARTUP_FAILED = 2
SETTINGS_ORGANISATION = "NOVAMIND"

ASK_AN_ADMIN = (
    "This database needs an upgrade before NOVAMIND can be used (it is at revision "
    "{current}; this version needs {head}). Ask an administrator to sign in on this "
    "computer and run the upgrade from Admin → Database → Migrations."
)
ADMIN_MUST_UPGRADE = (
    "This database is at revision {current}, older than this version of NOVAMIND needs "
    "({head}). Back it up and upgrade it now; NOVAMIND opens when the upgrade has finished."
)


class _IdleSettings(Protocol):
    idle_lock_minutes: int


class StartupContext(Protocol):
    """What the GUI needs from bootstrap.AppContext (ui never imports bootstrap)."""

    services: Any  # services.registry.AppServices
    settings: _IdleSettings
    migration_status: MigrationStatus
    database_label: str  # the password is masked
    demo_accounts: Sequence[Any]  # shown on the sign-in screen in demo mode


ContextOpener = Callable[[], StartupContext]


class _LateAccounts:
    """The accounts of a context still being opened. Jobs run in order on the worker, so a
    sign-in submitted now runs after the job that opens the database."""

    def __init__(self, session: Session):
        self._session = session

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session.context.services.users, name)


class Session(QObject):
    """One run of the application: emits finished(exit_code) when it should end."""

    finished = Signal(int)

    def __init__(
        self,
        context: StartupContext | ContextOpener,
        runner: QtTaskRunner,
        settings: QSettings,
        demo: bool = False,
        pages: Any = None,  # the main window's pages (default: ui.pages.role_pages)
    ):
        super().__init__()
        # An opener builds the context on the worker while the sign-in window is already up.
        self._opener = context if callable(context) else None
        self.context: Any = None if callable(context) else context
        self.runner, self.settings = runner, settings
        self.demo = demo
        self._pages = pages
        self.window: QWidget | None = None  # whatever is on screen now (for tests)
        self.main_window: Any = None

    @property
    def _users(self) -> Any:
        return self.context.services.users if self.context is not None else _LateAccounts(self)

    def start(self) -> None:
        if self._opener is not None:
            self.sign_in(opening=True)
            # Let the window paint before the worker's imports compete for the GIL.
            QTimer.singleShot(30, self._submit_open)
        else:
            self._submit_open()

    def _submit_open(self) -> None:
        self.runner.submit(
            self._open,
            on_success=self._opened,
            on_failure=self._cannot_start,
            label="open the database",
        )

    def _open(self, ctx: Any) -> tuple[Any, bool]:
        context = self._opener() if self._opener is not None else self.context
        return context, context.services.users.needs_first_admin()

    def _opened(self, result: tuple[Any, bool]) -> None:
        self.context, needs_first_admin = result
        early = self.window if self._opener is not None else None
        if needs_first_admin:
            if early is not None:
                early.rejected.disconnect()
                early.close()
            self.first_admin()
        elif early is not None:
            accounts = self.context.demo_accounts if self.demo else ()
            early.database_ready(self.context.database_label, accounts)  # type: ignore[attr-defined]
        else:
            self.sign_in()

    def _cannot_start(self, exc: Exception) -> None:
        if self.window is not None:
            self.window.hide()
        sentence = str(exc) if isinstance(exc, StartupError) else failure_sentence(exc, "start")
        show_startup_error(sentence)
        self.finished.emit(EXIT_STARTUP_FAILED)

    def first_admin(self) -> None:
        from novamind_desktop.ui.first_admin import FirstAdminDialog

        dialog = FirstAdminDialog(self._users, self.runner, self.context.database_label)
        dialog.created_user.connect(self._signed_in)
        dialog.rejected.connect(lambda: self.finished.emit(0))
        self._show(dialog)

    def sign_in(self, opening: bool = False) -> None:
        from novamind_desktop.ui.sign_in import SignInDialog

        if self.main_window is not None:  # signed out: the next user gets fresh pages
            self.main_window.deleteLater()
            self.main_window = None
            self.runner.request_full_collection()  # free the session's cycles while quiet
        accounts = self.context.demo_accounts if self.demo and not opening else ()
        label = "" if opening else self.context.database_label
        dialog = SignInDialog(self._users, self.runner, label, accounts, opening=opening)
        dialog.signed_in_as.connect(self._signed_in)
        dialog.rejected.connect(lambda: self.finished.emit(0))
        self._show(dialog)

    def _show(self, window: QWidget) -> None:
        self.window = window
        window.show()
        window.raise_()
        window.activateWindow()

    def _signed_in(self, user: User) -> None:
        status = self.context.migration_status
        if status.is_behind and user.role is Role.ADMIN:
            self._migrations_first(user, status)
        elif status.is_behind:
            self._ask_an_admin(user, status)
        else:
            self.open_main_window(user)

    def _migrations_first(self, user: User, status: MigrationStatus) -> None:
        from novamind_desktop.ui.admin.migrations_dialog import MigrationsDialog

        intro = ADMIN_MUST_UPGRADE.format(current=status.current, head=status.head)
        admin = self.context.services.admin
        dialog = MigrationsDialog(admin, self.runner, Actor.of(user), intro=intro)
        dialog.schema_is_current.connect(lambda: self._upgraded(dialog, user))
        dialog.rejected.connect(self.sign_in)  # closed without upgrading
        self._show(dialog)

    def _upgraded(self, dialog: QWidget, user: User) -> None:
        if self.window is not dialog:
            return
        self.context.migration_status = dialog.presenter.status  # type: ignore[attr-defined]
        dialog.accept()  # accepted, not rejected: rejected would mean "back to sign-in"
        self.open_main_window(user)

    def _ask_an_admin(self, user: User, status: MigrationStatus) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, "")
        box.setText(ASK_AN_ADMIN.format(current=status.current, head=status.head))
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.finished.connect(lambda _: self.sign_in())
        self.runner.submit(lambda ctx: self._users.sign_out(Actor.of(user)), label="sign out")
        self._show(box)
        box.open()

    def open_main_window(self, user: User) -> None:
        from novamind_desktop.ui.main_window import MainWindow
        from novamind_desktop.ui.pages import role_pages

        window = MainWindow(
            self.context.services,
            self.runner,
            user,
            database_label=self.context.database_label,
            settings=self.settings,
            demo=self.demo,
            idle_lock_ms=self.context.settings.idle_lock_minutes * 60_000,
            pages=self._pages or role_pages,
        )
        window.session_ended.connect(self.sign_in)
        window.quit_requested.connect(lambda: self.finished.emit(0))
        window.locked_changed.connect(self._locked)
        self.runner.cancel_full_collection()  # someone is working: no long walk now
        self.main_window = window
        self._show(window)

    def _locked(self, locked: bool) -> None:
        """The idle lock is a quiet moment for the full garbage collection (ui/worker.py)."""
        if locked:
            self.runner.request_full_collection()
        else:
            self.runner.cancel_full_collection()


def app_settings(demo: bool) -> QSettings:
    """Window geometry and last page; the demo keeps its own so it never disturbs real use."""
    name = "NOVAMIND Desktop demo" if demo else "NOVAMIND Desktop"
    return QSettings(SETTINGS_ORGANISATION, name)


def _application() -> QApplication:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app
    return QApplication(sys.argv[:1])


def run_gui(context: StartupContext | ContextOpener, demo: bool) -> int:
    """Show the GUI until the user quits; returns the process exit code.

    `context` is bootstrap's AppContext, or a function building it (for example
    `lambda: build_context(settings)`): then the sign-in window shows at once and the
    database is opened on the worker while the user types. A StartupError raised by it is
    shown like show_startup_error (exit code 2), and the context it built is closed here.
    """
    app = _application()
    apply_style(app)
    app.setQuitOnLastWindowClosed(False)  # between sign-in and the main window none is open
    runner = QtTaskRunner()
    session = Session(context, runner, app_settings(demo), demo=demo)
    session.finished.connect(app.exit)
    QTimer.singleShot(0, session.start)
    try:
        return app.exec()
    finally:
        runner.shutdown()  # after the running job (if any) finishes; queued ones are dropped
        for window in app.topLevelWidgets():
            window.close()
        if callable(context) and session.context is not None:
            session.context.close()


def show_startup_error(message: str) -> int:
    """Say why NOVAMIND cannot start: on stderr, and in a dialog when there is a screen."""
    print(message, file=sys.stderr)
    if _headless():
        return EXIT_STARTUP_FAILED
    app = _application()
    apply_style(app)
    box = QMessageBox(QMessageBox.Icon.Critical, f"{APP_NAME} cannot start", message)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.exec()
    return EXIT_STARTUP_FAILED


def _headless() -> bool:
    """Offscreen (tests, CI): nobody could close a modal dialog, so stderr must do."""
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    return platform.startswith(("offscreen", "minimal"))
