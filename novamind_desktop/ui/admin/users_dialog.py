"""Admin → Users: the staff accounts, and the forms to add and change them."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from novamind_desktop.domain.users import Actor, Role, User
from novamind_desktop.presenters.admin_users import UserAccounts, UsersPresenter
from novamind_desktop.presenters.main_window import ROLE_LABELS
from novamind_desktop.presenters.tasks import TaskRunner
from novamind_desktop.ui.models.rows import Column, RowTableModel
from novamind_desktop.ui.sign_in import error_label, label
from novamind_desktop.ui.style import icon


def account_state(user: User) -> str:
    if not user.active:
        return "Deactivated"
    if user.locked_until is not None:
        return f"Locked until {user.locked_until.astimezone():%H:%M}"
    return "Active"


USER_COLUMNS: list[Column[User]] = [
    Column("User name", lambda u: u.username),
    Column("Name", lambda u: u.display_name),
    Column("Role", lambda u: ROLE_LABELS[u.role]),
    Column("State", account_state),
]


def role_box() -> QComboBox:
    box = QComboBox()
    for role in Role:
        box.addItem(ROLE_LABELS[role], role)
    return box


def password_field(placeholder: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    return field


class UsersDialog(QDialog):
    def __init__(
        self,
        users: UserAccounts,
        runner: TaskRunner,
        actor: Actor,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Users — NOVAMIND Desktop")
        self.setWindowIcon(icon("users"))
        self.resize(900, 600)
        self.model: RowTableModel[User] = RowTableModel(USER_COLUMNS, muted=lambda u: not u.active)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.error = error_label()
        self.message = label("", "hint")
        self._build()
        # No default button: Enter acts on the form it was pressed in.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        self.add_password_again.returnPressed.connect(self._add)
        self.new_password_again.returnPressed.connect(self._reset_password)
        self.presenter = UsersPresenter(self, users, runner, actor)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_changed())
        self._selection_changed()
        self.presenter.load()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(label("Staff accounts", "dialogTitle"))
        top = QHBoxLayout()
        top.addWidget(self.table, 3)
        top.addWidget(self._selected_panel(), 2)
        layout.addLayout(top, 1)
        layout.addWidget(self._add_panel())
        layout.addWidget(self.error)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        bottom.addWidget(close)
        layout.addLayout(bottom)

    def _selected_panel(self) -> QGroupBox:
        box = QGroupBox("Selected account")
        form = QFormLayout(box)
        self.selected_name = label("Select an account in the list.")
        form.addRow(self.selected_name)
        self.role = role_box()
        self.change_role_button = QPushButton("Change role")
        self.change_role_button.clicked.connect(self._change_role)
        row = QHBoxLayout()
        row.addWidget(self.role, 1)
        row.addWidget(self.change_role_button)
        form.addRow("Role", row)
        self.new_password = password_field("new password")
        self.new_password_again = password_field("new password again")
        self.reset_button = QPushButton("Set new password")
        self.reset_button.clicked.connect(self._reset_password)
        form.addRow("Password", self.new_password)
        form.addRow("", self.new_password_again)
        form.addRow("", self.reset_button)
        self.active_button = QPushButton("Deactivate")
        self.active_button.setObjectName("danger")
        self.active_button.clicked.connect(self._toggle_active)
        form.addRow("", self.active_button)
        return box

    def _add_panel(self) -> QGroupBox:
        box = QGroupBox("Add an account")
        grid = QHBoxLayout(box)
        self.add_username = QLineEdit()
        self.add_username.setPlaceholderText("user name")
        self.add_display_name = QLineEdit()
        self.add_display_name.setPlaceholderText("name, e.g. Sam Okafor")
        self.add_role = role_box()
        self.add_password = password_field("password")
        self.add_password_again = password_field("password again")
        self.add_button = QPushButton(icon("user_add"), "Add")
        self.add_button.clicked.connect(self._add)
        for widget in (
            self.add_username,
            self.add_display_name,
            self.add_role,
            self.add_password,
            self.add_password_again,
            self.add_button,
        ):
            grid.addWidget(widget)
        return box

    def selected(self) -> User | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def select_username(self, username: str) -> None:
        for row, user in enumerate(self.model.rows):
            if user.username == username:
                self.table.selectRow(row)

    def _selection_changed(self) -> None:
        user = self.selected()
        for widget in (self.role, self.change_role_button, self.reset_button, self.active_button):
            widget.setEnabled(user is not None)
        if user is None:
            self.selected_name.setText("Select an account in the list.")
            return
        self.selected_name.setText(f"<b>{user.display_name}</b> ({user.username})")
        self.role.setCurrentIndex(self.role.findData(user.role))
        self.active_button.setText("Deactivate" if user.active else "Reactivate")
        self.active_button.setObjectName("danger" if user.active else "")
        self.active_button.style().polish(self.active_button)

    def _add(self) -> None:
        if self.presenter.add(
            self.add_username.text(),
            self.add_display_name.text(),
            Role(self.add_role.currentData()),
            self.add_password.text(),
            self.add_password_again.text(),
        ):
            for field in (
                self.add_username,
                self.add_display_name,
                self.add_password,
                self.add_password_again,
            ):
                field.clear()

    def _change_role(self) -> None:
        user = self.selected()
        if user is not None:
            self.presenter.change_role(user, Role(self.role.currentData()))

    def _reset_password(self) -> None:
        user = self.selected()
        if user is not None and self.presenter.reset_password(
            user, self.new_password.text(), self.new_password_again.text()
        ):
            self.new_password.clear()
            self.new_password_again.clear()

    def _toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        if user.active:
            self.presenter.deactivate(user)
        else:
            self.presenter.reactivate(user)

    # UsersView
    def show_users(self, users: list[User]) -> None:
        keep = self.selected()
        self.model.set_rows(sorted(users, key=lambda u: (not u.active, u.username)))
        if keep is not None:
            self.select_username(keep.username)
        self._selection_changed()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        if message:
            self.message.setText("")

    def show_message(self, message: str) -> None:
        self.message.setText(message)

    def set_busy(self, busy: bool) -> None:
        self.add_button.setEnabled(not busy)
