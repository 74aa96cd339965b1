"""Admin → Database → Backup and restore."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from novamind_desktop.domain.users import Actor
from novamind_desktop.presenters.admin_database import BackupsPresenter, DatabaseAdministration
from novamind_desktop.presenters.tasks import TaskRunner
from novamind_desktop.ui.admin.operation import OperationDialog
from novamind_desktop.ui.sign_in import label
from novamind_desktop.ui.style import icon

PathChooser = Callable[[QWidget, str], Path | None]


def ask_backup_path(parent: QWidget, purpose: str) -> Path | None:
    """`purpose` is "backup" (a new file) or "restore" (an existing one)."""
    filters = "Backups (*.sqlite3 *.pgdump *.backup);;All files (*)"
    if purpose == "backup":
        name, _ = QFileDialog.getSaveFileName(parent, "Back up to", "", filters)
    else:
        name, _ = QFileDialog.getOpenFileName(parent, "Restore from", "", filters)
    return Path(name) if name else None


class BackupDialog(OperationDialog):
    def __init__(
        self,
        admin: DatabaseAdministration,
        runner: TaskRunner,
        actor: Actor,
        parent: QWidget | None = None,
        choose_path: PathChooser = ask_backup_path,
        restored: Callable[[], None] = lambda: None,
    ):
        super().__init__("Backup and restore", parent)
        self.setWindowIcon(icon("backup"))
        self.resize(720, 460)
        self.choose_path = choose_path  # tests answer the file dialogs themselves
        self.backup_button = QPushButton(icon("backup"), "Back up now")
        self.backup_button.setObjectName("primary")
        self.backup_to_button = QPushButton(icon("backup"), "Back up to a file…")
        self.restore_button = QPushButton(icon("restore"), "Restore from a backup…")
        self.restore_button.setObjectName("danger")
        for button in self.action_buttons():
            button.setAutoDefault(False)
        self.presenter = BackupsPresenter(self, admin, runner, actor, restored)
        self.backup_button.clicked.connect(lambda: self.presenter.backup(None))
        self.backup_to_button.clicked.connect(self._backup_to)
        self.restore_button.clicked.connect(self._restore)

        layout = QVBoxLayout(self)
        layout.addWidget(label("Backup and restore", "dialogTitle"))
        layout.addWidget(
            label(
                "A backup is checked after it is written: it is opened again and its row "
                "counts are compared with the database. “Back up now” writes it to the "
                "backup folder. Backups hold encrypted data: keep the encryption key too.",
                "hint",
            )
        )
        self.operation_layout(layout)
        buttons = QHBoxLayout()
        buttons.addWidget(self.restore_button)
        buttons.addStretch()
        buttons.addWidget(self.backup_to_button)
        buttons.addWidget(self.backup_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

    def action_buttons(self) -> list[QPushButton]:
        return [self.backup_button, self.backup_to_button, self.restore_button]

    def _backup_to(self) -> None:
        path = self.choose_path(self, "backup")
        if path is not None:
            self.presenter.backup(path)

    def _restore(self) -> None:
        path = self.choose_path(self, "restore")
        if path is not None:
            self.presenter.restore(path)
