"""Admin → Database → Rotate encryption key: re-encrypt everything under the current key."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from novamind_desktop.domain.users import Actor
from novamind_desktop.presenters.admin_database import DatabaseAdministration, RotationPresenter
from novamind_desktop.presenters.tasks import TaskRunner
from novamind_desktop.ui.admin.operation import OperationDialog
from novamind_desktop.ui.sign_in import label
from novamind_desktop.ui.style import icon

EXPLANATION = (
    "To change the key: set the new key in NOVAMIND_ENCRYPTION_KEY, put the old one in "
    "NOVAMIND_PREVIOUS_ENCRYPTION_KEYS, restart NOVAMIND, then start here. Every stored value "
    "is re-encrypted in batches; you can stop at any time (or the computer may crash) and "
    "start again later: it carries on where it stopped. When it has finished, the old key is "
    "no longer needed."
)


class RotationDialog(OperationDialog):
    def __init__(
        self,
        admin: DatabaseAdministration,
        runner: TaskRunner,
        actor: Actor,
        parent: QWidget | None = None,
    ):
        super().__init__("Rotate encryption key", parent)
        self.setWindowIcon(icon("key"))
        self.resize(720, 460)
        self.start_button = QPushButton(icon("key"), "Start re-encrypting")
        self.start_button.setObjectName("primary")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        for button in (self.start_button, self.stop_button):
            button.setAutoDefault(False)
        self.presenter = RotationPresenter(self, admin, runner, actor)
        self.start_button.clicked.connect(self.presenter.start)
        self.stop_button.clicked.connect(self._stop)

        layout = QVBoxLayout(self)
        layout.addWidget(label("Rotate the encryption key", "dialogTitle"))
        layout.addWidget(label(EXPLANATION, "hint"))
        self.operation_layout(layout)
        buttons = QHBoxLayout()
        buttons.addStretch()
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

    def action_buttons(self) -> list[QPushButton]:
        return [self.start_button]

    def set_running(self, running: bool) -> None:
        super().set_running(running)
        self.stop_button.setEnabled(running)

    def _stop(self) -> None:
        self.stop_button.setEnabled(False)
        self.presenter.cancel()
