"""The patient form: register or edit, errors beside the field, duplicates, stale saves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from novamind_desktop.domain.patients import PATIENT_FIELDS, Patient
from novamind_desktop.presenters.patient_appointments import PatientAppointments
from novamind_desktop.presenters.patient_form import (
    FIELD_LABELS,
    DuplicateCandidate,
    FieldConflict,
    PatientFormPresenter,
)
from novamind_desktop.ui.frontdesk.appointments_panel import PatientAppointmentsPanel
from novamind_desktop.ui.frontdesk.conflict_dialog import ConflictDialog
from novamind_desktop.ui.frontdesk.dates import typed_date_to_iso
from novamind_desktop.ui.frontdesk.duplicates_panel import DuplicatesPanel
from novamind_desktop.ui.frontdesk.prompts import confirm, show_error

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Identity", ("first_name", "last_name", "date_of_birth")),
    ("Contact", ("phone", "email")),
    ("Address", ("address_line", "city", "postal_code", "country")),
    ("Insurance", ("insurance_provider", "insurance_member_id")),
    ("Emergency contact", ("emergency_contact_name", "emergency_contact_phone")),
)
# Inside the "Emergency contact" box the section title already says whose name and phone.
SHORT_LABELS = {"emergency_contact_name": "Name", "emergency_contact_phone": "Phone"}
REQUIRED = frozenset({"first_name", "last_name", "date_of_birth", "phone"})
PLACEHOLDERS = {
    "date_of_birth": "e.g. 1984-03-27 or 27/03/1984",
    "phone": "e.g. +44 20 7946 0018",
    "email": "optional",
}
ERROR_STYLE = "color:#b3261e;"
ERROR_FIELD = "QLineEdit { border: 1px solid #b3261e; border-radius: 3px; padding: 2px; }"


class PatientDialog(QDialog):
    """Non-modal: a receptionist can look something up in the book while it is open."""

    saved_patient = Signal(object, str)  # Patient, message
    open_other = Signal(object)  # UUID of a possible duplicate to open instead
    book_for = Signal(object)  # UUID of this patient, to book an appointment for

    def __init__(
        self,
        parent: QWidget,
        make_presenter: Callable[[PatientDialog], PatientFormPresenter],
    ):
        super().__init__(parent)
        self.setObjectName("patientDialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(760)
        self.edits: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}
        self._build()
        self.presenter = make_presenter(self)
        self._set_editable(self.presenter.can_edit)

    # -- building ------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        self.banner = QLabel()
        self.banner.setObjectName("inactiveBanner")
        self.banner.setStyleSheet(
            "background:#fff4e5;border:1px solid #f0b46a;padding:6px;border-radius:4px;"
        )
        self.banner.hide()
        outer.addWidget(self.banner)
        self.duplicates = DuplicatesPanel()
        self.duplicates.open_requested.connect(self._open_duplicate)
        self.duplicates.register_anyway.connect(
            lambda: self.presenter.register_anyway(self.values())
        )
        outer.addWidget(self.duplicates)
        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        placement = ((0, 0, 1), (0, 1, 1), (1, 0, 1), (1, 1, 1), (2, 0, 2))
        for (title, names), (row, col, span) in zip(SECTIONS, placement, strict=True):
            grid.addWidget(self._section(title, names), row, col, 1, span)
        outer.addLayout(grid)
        self.appointments = PatientAppointmentsPanel()
        self.appointments.book_requested.connect(self._book)
        self.appointments.check_in_requested.connect(lambda line: self.presenter.check_in(line))
        outer.addWidget(self.appointments)
        self.general_error = QLabel()
        self.general_error.setTextFormat(Qt.TextFormat.PlainText)
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        outer.addWidget(self.general_error)
        outer.addLayout(self._buttons())
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self._save)

    def _section(self, title: str, names: Sequence[str]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for name in names:
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.setPlaceholderText(PLACEHOLDERS.get(name, ""))
            error = QLabel()
            error.setObjectName(f"{name}_error")
            error.setStyleSheet(ERROR_STYLE)
            error.setWordWrap(True)
            error.hide()
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(edit)
            column.addWidget(error)
            label = SHORT_LABELS.get(name, FIELD_LABELS[name]) + (" *" if name in REQUIRED else "")
            form.addRow(label, cell)
            self.edits[name], self.errors[name] = edit, error
        return box

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.active_button = QPushButton()
        self.active_button.setObjectName("activeButton")
        self.active_button.clicked.connect(self._toggle_active)
        self.active_button.hide()
        row.addWidget(self.active_button)
        row.addWidget(QLabel("<small>* required</small>"))
        row.addStretch(1)
        self.cancel_button = QPushButton("Close")
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Save")
        self.save_button.setObjectName("saveButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._save)
        row.addWidget(self.cancel_button)
        row.addWidget(self.save_button)
        return row

    def _set_editable(self, editable: bool) -> None:
        for edit in self.edits.values():
            edit.setReadOnly(not editable)
        self.save_button.setVisible(editable)
        self.active_button.setEnabled(editable)

    # -- what the user typed -------------------------------------------------------------

    def values(self) -> dict[str, str]:
        raw = {name: self.edits[name].text() for name in PATIENT_FIELDS}
        raw["date_of_birth"] = typed_date_to_iso(raw["date_of_birth"])
        return raw

    def _save(self) -> None:
        if self.save_button.isVisible():
            self.presenter.save(self.values())

    def _toggle_active(self) -> None:
        patient = self.presenter.patient
        if patient is None:
            return
        if not patient.active:
            self.presenter.set_active(True)
            return
        confirm(
            self,
            "Deactivate patient",
            f"Deactivate {patient.full_name}? The record and appointment history are kept, "
            "but the patient is no longer offered when booking. You can reactivate at any time.",
            "Deactivate",
            lambda: self.presenter.set_active(False),
        )

    def appointments_changed(self, topic: str) -> None:
        if topic in ("appointments", "refresh", "restore"):
            self.presenter.load_appointments()

    def _book(self) -> None:
        patient = self.presenter.patient
        if patient is not None:
            self.book_for.emit(patient.id)

    def _open_duplicate(self, patient_id: UUID) -> None:
        self.open_other.emit(patient_id)
        self.reject()

    # -- PatientFormView -----------------------------------------------------------------

    def show_patient(self, values: dict[str, str], patient: Patient | None) -> None:
        for name, edit in self.edits.items():
            edit.setText(values.get(name, ""))
        self.show_field_errors({})
        self.duplicates.hide()
        if patient is None:
            self.setWindowTitle("Register a new patient")
            self.save_button.setText("Register")
            self.active_button.hide()
            self.banner.hide()
            return
        self.setWindowTitle(f"Patient — {patient.full_name}")
        self.save_button.setText("Save changes")
        self.active_button.show()
        self.active_button.setText("Reactivate" if not patient.active else "Deactivate…")
        self.banner.setVisible(not patient.active)
        self.appointments.offer_booking(patient.active and self.presenter.can_book)
        self.appointments.offer_check_in(self.presenter.can_check_in)
        self.banner.setText(
            "This patient is <b>inactive</b>: not offered when booking. Reactivate to book again."
        )

    def show_field_errors(self, errors: dict[str, str]) -> None:
        first: QLineEdit | None = None
        for name, label in self.errors.items():
            message = errors.get(name, "")
            label.setText(message)
            label.setVisible(bool(message))
            self.edits[name].setStyleSheet(ERROR_FIELD if message else "")
            if message and first is None:
                first = self.edits[name]
        self.general_error.hide()
        if first is not None:
            first.setFocus()

    def show_error(self, message: str) -> None:
        self.general_error.setText(message)
        self.general_error.show()

    def show_duplicates(self, candidates: Sequence[DuplicateCandidate]) -> None:
        self.duplicates.show_candidates(candidates)

    def show_conflict(self, conflicts: Sequence[FieldConflict]) -> None:
        dialog = ConflictDialog(self, conflicts)
        dialog.reapply.connect(self.presenter.reapply_mine)
        dialog.take_theirs.connect(self.presenter.take_theirs)
        dialog.open()

    def saved(self, patient: Patient, message: str) -> None:
        self.saved_patient.emit(patient, message)
        self.accept()

    def show_status(self, message: str) -> None:
        self.saved_patient.emit(self.presenter.patient, message)

    def show_appointments(self, appointments: PatientAppointments) -> None:
        self.appointments.show_appointments(appointments)

    def show_message(self, message: str) -> Any:
        return show_error(self, message)
