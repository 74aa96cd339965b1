"""Admin → Audit log: who did what to which record, filtered, and exported as CSV."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.users import Actor, User
from novamind_desktop.presenters.admin_audit import ROW_LIMIT, AuditFilter, AuditPresenter
from novamind_desktop.presenters.tasks import TaskRunner
from novamind_desktop.ui.models.rows import Column, RowTableModel
from novamind_desktop.ui.sign_in import error_label, label
from novamind_desktop.ui.style import icon

EVENT_COLUMNS: list[Column[AuditEvent]] = [
    Column("When", lambda e: f"{e.at.astimezone():%Y-%m-%d %H:%M:%S}"),
    Column("User", lambda e: e.username),
    Column("Action", lambda e: e.action.value.replace("_", " ")),
    Column("Record", lambda e: e.entity),
    Column("Record id", lambda e: e.entity_id or ""),
    Column("Detail", lambda e: e.detail, tooltip=lambda e: e.detail),
]


def ask_export_path(parent: QWidget) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(
        parent, "Export audit log", "audit-log.csv", "CSV files (*.csv)"
    )
    return Path(name) if name else None


def _date_box(checkbox_text: str) -> tuple[QCheckBox, QDateEdit]:
    check = QCheckBox(checkbox_text)
    edit = QDateEdit(QDate.currentDate())
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setEnabled(False)
    check.toggled.connect(edit.setEnabled)
    return check, edit


class AuditDialog(QDialog):
    def __init__(
        self,
        services: Any,
        runner: TaskRunner,
        actor: Actor,
        parent: QWidget | None = None,
        choose_path: Callable[[QWidget], Path | None] = ask_export_path,
    ):
        super().__init__(parent)
        self.setWindowTitle("Audit log — NOVAMIND Desktop")
        self.setWindowIcon(icon("audit"))
        self.resize(1000, 620)
        self.choose_path = choose_path  # tests answer the save dialog themselves
        self.model: RowTableModel[AuditEvent] = RowTableModel(EVENT_COLUMNS)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.error = error_label()
        self.message = label("", "hint")
        self._build()
        zone = getattr(services.appointments, "clinic_tz", None) if services else None
        self.presenter = AuditPresenter(self, services.audit, services.users, runner, actor, zone)
        self.presenter.load_users()
        self.search()

    def _build(self) -> None:
        self.user = QComboBox()
        self.user.addItem("Anyone", None)
        self.record_id = QLineEdit()
        self.record_id.setPlaceholderText("patient or record id")
        self.record_id.returnPressed.connect(self.search)
        self.action = QComboBox()
        self.action.addItem("Any action", None)
        for action in AuditAction:
            self.action.addItem(action.value.replace("_", " "), action)
        self.from_check, self.from_date = _date_box("From")
        self.to_check, self.to_date = _date_box("To")
        self.search_button = QPushButton(icon("search"), "Search")
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        self.export_button = QPushButton(icon("export"), "Export CSV…")
        self.export_button.clicked.connect(self.export)

        self.user.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        first = QHBoxLayout()
        for text, widget in (("User", self.user), ("Action", self.action)):
            first.addWidget(label(text, wrap=False))
            first.addWidget(widget)
        first.addWidget(label("Record", wrap=False))
        first.addWidget(self.record_id, 1)
        second = QHBoxLayout()
        for widget in (self.from_check, self.from_date, self.to_check, self.to_date):
            second.addWidget(widget)
        second.addStretch()
        second.addWidget(self.search_button)
        filters = QVBoxLayout()
        filters.addLayout(first)
        filters.addLayout(second)

        layout = QVBoxLayout(self)
        layout.addWidget(label("Audit log", "dialogTitle"))
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.error)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.export_button)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        bottom.addWidget(close)
        layout.addLayout(bottom)

    def criteria(self) -> AuditFilter:
        return AuditFilter(
            user_id=UUID(self.user.currentData()) if self.user.currentIndex() > 0 else None,
            entity_id=self.record_id.text(),
            action=AuditAction(self.action.currentData()) if self.action.currentIndex() else None,
            first_day=_day(self.from_date) if self.from_check.isChecked() else None,
            last_day=_day(self.to_date) if self.to_check.isChecked() else None,
        )

    def search(self) -> None:
        self.presenter.search(self.criteria())

    def export(self) -> None:
        path = self.choose_path(self)
        if path is not None:
            self.presenter.export(path)

    # AuditView
    def show_users(self, users: list[User]) -> None:
        for user in sorted(users, key=lambda u: u.username):
            # Qt compares item data as variants: a string id finds its item again, a UUID not.
            self.user.addItem(f"{user.display_name} ({user.username})", str(user.id))

    def show_events(self, events: list[AuditEvent], truncated: bool) -> None:
        self.model.set_rows(events)
        more = f" (the newest {ROW_LIMIT}; narrow the filters to see older ones)"
        count = "1 event" if len(events) == 1 else f"{len(events)} events"
        self.message.setText(count + (more if truncated else "") + ".")

    def show_error(self, message: str) -> None:
        self.error.setText(message)

    def show_message(self, message: str) -> None:
        self.message.setText(message)

    def set_busy(self, busy: bool) -> None:
        self.search_button.setEnabled(not busy)
        self.export_button.setEnabled(not busy)


def _day(edit: QDateEdit) -> date:
    value = edit.date()
    return date(value.year(), value.month(), value.day())
