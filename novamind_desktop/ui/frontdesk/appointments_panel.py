"""The patient form's list of the patient's appointments: the coming ones, then the last few."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout, QWidget

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

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Appointments", parent)
        self.setObjectName("patientAppointments")
        column = QVBoxLayout(self)
        column.setSpacing(2)
        self.coming_heading = QLabel("Coming")
        self.coming_heading.setStyleSheet(HEADING_STYLE)
        self.coming = _plain()
        self.coming.setObjectName("comingAppointments")
        self.earlier_heading = QLabel()
        self.earlier_heading.setStyleSheet(HEADING_STYLE)
        self.earlier = _plain()
        self.earlier.setObjectName("earlierAppointments")
        for widget in (self.coming_heading, self.coming, self.earlier_heading, self.earlier):
            column.addWidget(widget)
        self.hide()

    def show_appointments(self, appointments: PatientAppointments) -> None:
        self.coming.setText(_lines(appointments.coming) or "Nothing booked.")
        shown, total = len(appointments.earlier), appointments.earlier_total
        self.earlier_heading.setText(
            "Earlier" + (f" (the last {shown} of {total})" if total > shown else "")
        )
        self.earlier.setText(_lines(appointments.earlier) or "None yet.")
        self.show()
