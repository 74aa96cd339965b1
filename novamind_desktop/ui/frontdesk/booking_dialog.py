"""Booking an appointment or a recurring series for a slot picked in the book."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from PySide6.QtCore import QDate, Qt, QTime, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from novamind_desktop.domain.recurrence import Frequency, local_to_utc
from novamind_desktop.presenters.appointment_book import AppointmentBookPresenter
from novamind_desktop.presenters.book_view import BookingDraft
from novamind_desktop.presenters.booking import BookingForm, BookingPresenter
from novamind_desktop.ui.frontdesk.booking_repeat import RepeatEditor
from novamind_desktop.ui.frontdesk.hub import FrontDesk
from novamind_desktop.ui.frontdesk.owned_runner import OwnedRunner
from novamind_desktop.ui.frontdesk.patient_picker import PatientPicker

ERROR_STYLE = "color:#b3261e;"


def _swatch(colour: str) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(colour))
    return QIcon(pixmap)


class BookingDialog(QDialog):
    booking_done = Signal(str)

    def __init__(
        self,
        parent: QWidget,
        frontdesk: FrontDesk,
        book: AppointmentBookPresenter,
        draft: BookingDraft,
    ):
        super().__init__(parent)
        self.setObjectName("bookingDialog")
        self.setWindowTitle("Book an appointment")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setMinimumWidth(700)
        self.tz = book.tz
        c = frontdesk.context
        self.presenter = BookingPresenter(
            self, c.services, OwnedRunner(c.runner, self), c.actor, book.types, c.notify_changed
        )
        self.errors: dict[str, QLabel] = {}
        self._build(frontdesk, book)
        self._apply_draft(draft)

    def _error(self, name: str) -> QLabel:
        label = QLabel()
        label.setTextFormat(Qt.TextFormat.PlainText)  # messages may quote patient names
        label.setObjectName(f"{name}_error")
        label.setStyleSheet(ERROR_STYLE)
        label.setWordWrap(True)
        label.hide()
        self.errors[name] = label
        return label

    def _with_error(self, widget: QWidget, *names: str) -> QWidget:
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(widget)
        for name in names:
            column.addWidget(self._error(name))
        return cell

    def _build(self, frontdesk: FrontDesk, book: AppointmentBookPresenter) -> None:
        outer = QVBoxLayout(self)
        form = QFormLayout()
        self.picker = PatientPicker(frontdesk.directory)
        form.addRow("Patient", self._with_error(self.picker, "patient"))
        self.clinician = QComboBox()
        self.clinician.setObjectName("clinician")
        for clinician in book.clinicians:
            # Ids go into Qt as text: findData cannot compare Python objects.
            self.clinician.addItem(clinician.display_name, str(clinician.id))
        form.addRow("Clinician", self._with_error(self.clinician, "clinician"))
        self.kind = QComboBox()
        self.kind.setObjectName("appointmentType")
        for t in book.types:
            self.kind.addItem(_swatch(t.colour), f"{t.label} ({t.default_minutes} min)", t.name)
        self.kind.currentIndexChanged.connect(self._type_changed)
        form.addRow("Type", self._with_error(self.kind, "appointment_type"))
        form.addRow("When", self._with_error(self._when_row(), "start", "minutes"))
        form.addRow("Where", self._with_error(self._where_row(), "location"))
        self.repeat = RepeatEditor()
        form.addRow("Repeat", self._with_error(self.repeat, "recurrence", "count", "until"))
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes")
        self.notes.setPlaceholderText("Notes for the clinician (optional)")
        self.notes.setFixedHeight(56)
        form.addRow("Notes", self.notes)
        outer.addLayout(form)
        self.general_error = self._error("general")
        outer.addWidget(self.general_error)
        buttons = QDialogButtonBox()
        self.book_button = buttons.addButton("Book", QDialogButtonBox.ButtonRole.AcceptRole)
        self.book_button.setObjectName("bookButton")
        self.book_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.picker.edit.setFocus()

    def _when_row(self) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        self.date = QDateEdit()
        self.date.setObjectName("date")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("ddd d MMM yyyy")
        self.time = QTimeEdit()
        self.time.setObjectName("time")
        self.time.setDisplayFormat("HH:mm")
        self.minutes = QSpinBox()
        self.minutes.setObjectName("minutes")
        self.minutes.setRange(5, 480)
        self.minutes.setSingleStep(5)
        self.minutes.setSuffix(" min")
        self.next_button = QPushButton("Next available")
        self.next_button.setObjectName("nextAvailable")
        self.next_button.setToolTip("First free slot of this clinician and length, from here on")
        self.next_button.setAutoDefault(False)  # Enter books; it never jumps the time
        self.date.setMinimumWidth(150)
        self.time.setFixedWidth(90)
        self.minutes.setFixedWidth(100)
        self.next_button.clicked.connect(lambda: self.presenter.find_next_available(self.form()))
        for widget in (self.date, self.time, QLabel("for"), self.minutes):
            line.addWidget(widget)
        line.addStretch(1)
        line.addWidget(self.next_button)
        return row

    def _where_row(self) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        self.in_person = QRadioButton("In person at")
        self.in_person.setChecked(True)
        self.location = QLineEdit("Main clinic")
        self.location.setObjectName("location")
        self.location.setPlaceholderText("Room or site")
        self.virtual = QRadioButton("Virtual (video)")
        self.virtual.setObjectName("virtual")
        self.virtual.toggled.connect(lambda on: self.location.setEnabled(not on))
        for widget in (self.in_person, self.location, self.virtual):
            line.addWidget(widget)
        return row

    # -- values ----------------------------------------------------------------------------

    def _apply_draft(self, draft: BookingDraft) -> None:
        index = self.clinician.findData(str(draft.clinician_id))
        self.clinician.setCurrentIndex(max(0, index))
        self.set_slot(draft.start, 0)
        dragged = int((draft.end - draft.start).total_seconds() // 60)
        self.minutes.setValue(
            dragged if dragged >= 5 else self.presenter.default_minutes(self.kind.currentData())
        )

    def _type_changed(self, _: int) -> None:
        self.minutes.setValue(self.presenter.default_minutes(self.kind.currentData()))

    def start(self) -> datetime:
        d, t = self.date.date().toPython(), self.time.time().toPython()
        return local_to_utc(datetime.combine(d, t), self.tz)

    def form(self) -> BookingForm:
        repeat: Frequency | None = self.repeat.frequency()
        return BookingForm(
            patient_id=self.picker.patient_id,
            clinician_id=UUID(self.clinician.currentData()) if self.clinician.count() else None,
            appointment_type=self.kind.currentData() or "",
            start=self.start(),
            minutes=self.minutes.value(),
            virtual=self.virtual.isChecked(),
            location="" if self.virtual.isChecked() else self.location.text(),
            notes=self.notes.toPlainText(),
            repeat=repeat,
            count=self.repeat.count() if repeat else None,
            until=self.repeat.until() if repeat else None,
        )

    def submit(self) -> None:
        self.picker.choose_only_match()
        self.presenter.book(self.form())

    # -- BookingView -----------------------------------------------------------------------

    def show_field_errors(self, errors: dict[str, str]) -> None:
        for name, label in self.errors.items():
            label.setText(errors.get(name, ""))
            label.setVisible(bool(errors.get(name)))

    def show_error(self, message: str) -> None:
        self.general_error.setText(message)
        self.general_error.show()

    def set_slot(self, start: datetime, minutes: int) -> None:
        local = start.astimezone(self.tz)
        self.date.setDate(QDate(local.year, local.month, local.day))
        self.time.setTime(QTime(local.hour, local.minute))
        if minutes >= 5:
            self.minutes.setValue(minutes)
        self.repeat.set_first_day(local.date())

    def booked(self, message: str) -> None:
        self.booking_done.emit(message)
        self.accept()
