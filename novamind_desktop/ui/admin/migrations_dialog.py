"""Admin → Database → Migrations: where the database is, what would run, and running it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from novamind_desktop.domain.maintenance import MigrationStatus
from novamind_desktop.domain.users import Actor
from novamind_desktop.presenters.admin_database import DatabaseAdministration, MigrationsPresenter
from novamind_desktop.presenters.tasks import TaskRunner
from novamind_desktop.ui.admin.operation import OperationDialog
from novamind_desktop.ui.sign_in import label
from novamind_desktop.ui.style import icon


class MigrationsDialog(OperationDialog):
    """Emits schema_is_current() whenever the database is found at the app's head revision."""

    schema_is_current = Signal()

    def __init__(
        self,
        admin: DatabaseAdministration,
        runner: TaskRunner,
        actor: Actor,
        parent: QWidget | None = None,
        intro: str = "",
    ):
        super().__init__("Database migrations", parent)
        self.setWindowIcon(icon("database"))
        self.database = label("…")
        self.current = label("…")
        self.head = label("…")
        self.pending = label("…")
        self.upgrade_button = QPushButton(icon("upgrade"), "Back up and upgrade")
        self.upgrade_button.setObjectName("primary")
        self.downgrade_button = QPushButton(icon("downgrade"), "Downgrade one step…")
        self.downgrade_button.setObjectName("danger")
        for button in (self.upgrade_button, self.downgrade_button):
            button.setAutoDefault(False)
        self._build(intro)
        self.presenter = MigrationsPresenter(self, admin, runner, actor)
        self.upgrade_button.clicked.connect(self.presenter.upgrade)
        self.downgrade_button.clicked.connect(self.presenter.downgrade_one_step)
        self.upgrade_button.setEnabled(False)
        self.presenter.refresh()

    def _build(self, intro: str) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(label("Database migrations", "dialogTitle"))
        if intro:  # the start-up gate: upgrade or go back to sign-in
            layout.addWidget(label(intro, "warning"))
            self.downgrade_button.hide()
            self.close_button.setText("Not now (sign out)")
        form = QFormLayout()
        form.addRow("Database", self.database)
        form.addRow("Current revision", self.current)
        form.addRow("Application needs", self.head)
        form.addRow("Pending", self.pending)
        layout.addLayout(form)
        self.operation_layout(layout)
        buttons = QHBoxLayout()
        buttons.addWidget(self.downgrade_button)
        buttons.addStretch()
        buttons.addWidget(self.upgrade_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

    def action_buttons(self) -> list[QPushButton]:
        return [self.upgrade_button, self.downgrade_button]

    # MigrationsView
    def show_status(self, status: MigrationStatus) -> None:
        self.database.setText(status.database_label)
        self.current.setText(status.current or "empty database")
        self.head.setText(status.head)
        if status.is_ahead:
            self.pending.setText("The database is newer than this application; install the update.")
        elif status.pending:
            self.pending.setText(
                "<br>".join(f"<b>{p.rev}</b> — {p.message}" for p in status.pending)
            )
        else:
            self.pending.setText("None: the database is up to date.")
        if not self.running:
            self.upgrade_button.setEnabled(status.is_behind)
            self.downgrade_button.setEnabled(status.current is not None)

    def schema_current(self) -> None:
        self.schema_is_current.emit()
