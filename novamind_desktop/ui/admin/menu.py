"""The Admin menu of the main window. Each entry opens one non-modal dialog (again: raised)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu

from novamind_desktop.presenters.main_window import AdminMenu as AdminMenuPlan
from novamind_desktop.ui.style import icon

if TYPE_CHECKING:
    from novamind_desktop.ui.main_window import MainWindow

DialogFactory = Callable[["MainWindow"], QDialog]


def _users(window: MainWindow) -> QDialog:
    from novamind_desktop.ui.admin.users_dialog import UsersDialog

    return UsersDialog(window.services.users, window.runner, window.presenter.actor, window)


def _audit(window: MainWindow) -> QDialog:
    from novamind_desktop.ui.admin.audit_dialog import AuditDialog

    return AuditDialog(window.services, window.runner, window.presenter.actor, window)


def _migrations(window: MainWindow) -> QDialog:
    from novamind_desktop.ui.admin.migrations_dialog import MigrationsDialog

    return MigrationsDialog(window.services.admin, window.runner, window.presenter.actor, window)


def _backups(window: MainWindow) -> QDialog:
    from novamind_desktop.ui.admin.backup_dialog import BackupDialog

    return BackupDialog(
        window.services.admin,
        window.runner,
        window.presenter.actor,
        window,
        restored=lambda: window.notify_changed("restore"),  # every page reloads its data
    )


def _rotation(window: MainWindow) -> QDialog:
    from novamind_desktop.ui.admin.rotation_dialog import RotationDialog

    return RotationDialog(window.services.admin, window.runner, window.presenter.actor, window)


class AdminMenu:
    def __init__(self, window: MainWindow, plan: AdminMenuPlan):
        self.window = window
        self.menu = QMenu("&Admin", window)
        self.dialogs: dict[str, QDialog] = {}
        self.actions: dict[str, QAction] = {}
        if plan.users:
            self._add("users", "&Users…", "Ctrl+Shift+U", "users", _users)
        if plan.audit_log:
            self._add("audit", "&Audit log…", "Ctrl+Shift+A", "audit", _audit)
        if plan.database:
            database = self.menu.addMenu(icon("database"), "&Database")
            self._add("migrations", "&Migrations…", "", "upgrade", _migrations, database)
            self._add("backups", "&Backup and restore…", "", "backup", _backups, database)
            self._add("rotation", "Rotate encryption &key…", "", "key", _rotation, database)

    def _add(
        self,
        key: str,
        text: str,
        shortcut: str,
        icon_name: str,
        factory: DialogFactory,
        menu: QMenu | None = None,
    ) -> None:
        action = QAction(icon(icon_name), text, self.window)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _=False: self.open(key, factory))
        self.window.addAction(action)
        (menu or self.menu).addAction(action)
        self.actions[key] = action

    def open(self, key: str, factory: DialogFactory | None = None) -> QDialog:
        """Show the dialog for `key` (creating it the first time); returns it (for tests)."""
        dialog = self.dialogs.get(key)
        if dialog is None:
            if factory is None:
                self.actions[key].trigger()
                return self.dialogs[key]
            dialog = factory(self.window)
            dialog.finished.connect(lambda _result: self.dialogs.pop(key, None))
            self.dialogs[key] = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog
