"""The patient form's list of the patient's appointments: the coming ones, then the last few."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from novamind_desktop.presenters.patient_appointments import AppointmentLine, PatientAppointments

HEADING_STYLE = "font-weight:600;color:#1f2328;"


def _plain(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # a location is typed by people: never markup
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _lines(lines: tuple[AppointmentLine, ...]) -> str:
    return "\n".join(line.text for line in lines)


class PatientAppointmentsPanel(QGroupBox):
    """Hidden until the appointments of an opened patient arrive (not for a new one)."""

    book_requested = Signal()
    check_in_requested = Signal(object)  # the AppointmentLine of today's appointment

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Appointments", parent)
        self.setObjectName("patientAppointments")
        column = QVBoxLayout(self)
        column.setSpacing(2)
        top = QHBoxLayout()
        self.coming_heading = QLabel("Coming")
        self.coming_heading.setStyleSheet(HEADING_STYLE)
        self.book_button = QPushButton("Book appointment…")
        self.book_button.setObjectName("bookForPatient")
        self.book_button.setToolTip("Open the appointment book with this patient chosen")
        self.book_button.clicked.connect(self.book_requested)
        self.book_button.hide()
        self.check_in_button = QPushButton()
        self.check_in_button.setObjectName("checkInPatient")
        self.check_in_button.clicked.connect(lambda: self.check_in_requested.emit(self._arriving))
        self.check_in_button.hide()
        self._arriving: AppointmentLine | None = None
        self._check_in_offered = False
        top.addWidget(self.coming_heading)
        top.addStretch(1)
        top.addWidget(self.check_in_button)
        top.addWidget(self.book_button)
        column.addLayout(top)
        self.coming = _plain()
        self.coming.setObjectName("comingAppointments")
        self.earlier_heading = QLabel()
        self.earlier_heading.setStyleSheet(HEADING_STYLE)
        self.earlier = _plain()
        self.earlier.setObjectName("earlierAppointments")
        for widget in (self.coming, self.earlier_heading, self.earlier):
            column.addWidget(widget)
        self.hide()

    def offer_booking(self, offered: bool) -> None:
        self.book_button.setVisible(offered)

    def offer_check_in(self, offered: bool) -> None:
        self._check_in_offered = offered

    def show_appointments(self, appointments: PatientAppointments) -> None:
        self.coming.setText(_lines(appointments.coming) or "Nothing booked.")
        shown, total = len(appointments.earlier), appointments.earlier_total
        self.earlier_heading.setText(
            "Earlier" + (f" (the last {shown} of {total})" if total > shown else "")
        )
        self.earlier.setText(_lines(appointments.earlier) or "None yet.")
        self._arriving = appointments.arriving
        if self._arriving is not None:
            self.check_in_button.setText(f"Check in for {self._arriving.starts}")
        self.check_in_button.setVisible(self._check_in_offered and self._arriving is not None)
        self.show()
