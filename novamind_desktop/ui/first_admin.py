"""The first start on an empty database: create the administrator account.

There are no default passwords: whoever sets up the clinic chooses one here.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from novamind_desktop.domain.users import User
from novamind_desktop.presenters.sign_in import MIN_PASSWORD_LENGTH, Accounts, FirstAdminPresenter
from novamind_desktop.presenters.tasks import TaskRunner
from novamind_desktop.ui.sign_in import error_label, label
from novamind_desktop.ui.style import icon


class FirstAdminDialog(QDialog):
    """Emits created(User) and accepts itself once the account exists."""

    created_user = Signal(object)

    def __init__(
        self,
        users: Accounts,
        runner: TaskRunner,
        database_label: str,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Set up NOVAMIND Desktop")
        self.setWindowIcon(icon("logo"))
        self.setMinimumWidth(480)
        self.username = QLineEdit()
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("e.g. Dana Fischer")
        self.password = QLineEdit()
        self.repeated = QLineEdit()
        for field in (self.password, self.repeated):
            field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"at least {MIN_PASSWORD_LENGTH} characters")
        self.error = error_label()
        self.create_button = QPushButton("Create administrator")
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self._submit)
        buttons = QDialogButtonBox()
        buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addWidget(label("Welcome to NOVAMIND", "dialogTitle"))
        layout.addWidget(
            label(
                f"The database ({database_label}) has no accounts yet. Create the "
                "administrator account now; the administrator then adds the front-desk "
                "staff and clinicians from the Admin menu. There is no default password: "
                "choose one that only you know.",
                "hint",
            )
        )
        form = QFormLayout()
        form.addRow("User name", self.username)
        form.addRow("Your name", self.display_name)
        form.addRow("Password", self.password)
        form.addRow("Password again", self.repeated)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.presenter = FirstAdminPresenter(self, users, runner)

    def _submit(self) -> None:
        self.presenter.create(
            self.username.text(),
            self.display_name.text(),
            self.password.text(),
            self.repeated.text(),
        )

    # FirstAdminView
    def show_error(self, message: str) -> None:
        self.error.setText(message)

    def set_busy(self, busy: bool) -> None:
        self.create_button.setEnabled(not busy)

    def created(self, user: User) -> None:
        self.password.clear()
        self.repeated.clear()
        self.created_user.emit(user)
        self.accept()
