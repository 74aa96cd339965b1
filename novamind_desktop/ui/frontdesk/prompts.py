"""Questions and messages for the front desk, all opened with open() so nothing blocks.

Each prompt is window-modal (the rest of the window waits) but returns at once; the answer
arrives through a callback. Tests find the prompt by objectName and click its buttons.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

CANCEL_REASONS = (
    "Patient asked to cancel",
    "Patient unwell",
    "Clinician unavailable",
    "Booked in error",
    "Rescheduled",
)


def _box(parent: QWidget, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)  # patient names are text, never markup
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    return box


def show_error(parent: QWidget, text: str, title: str = "Not done") -> QMessageBox:
    box = _box(parent, QMessageBox.Icon.Warning, title, text)
    box.setObjectName("frontdeskError")
    box.addButton(QMessageBox.StandardButton.Ok)
    box.open()
    return box


def confirm(
    parent: QWidget, title: str, text: str, yes_text: str, on_yes: Callable[[], None]
) -> QMessageBox:
    box = _box(parent, QMessageBox.Icon.Question, title, text)
    box.setObjectName("frontdeskConfirm")
    yes = box.addButton(yes_text, QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton("Keep as it was", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(yes)
    box.setEscapeButton(no)
    box.buttonClicked.connect(lambda button: on_yes() if button is yes else None)
    box.open()
    return box


def ask_scope(
    parent: QWidget, title: str, text: str, on_choice: Callable[[bool], None]
) -> QMessageBox:
    """For a series: only this appointment, or this and every later one."""
    box = _box(parent, QMessageBox.Icon.Question, title, text + "\n\nThis is part of a series.")
    box.setObjectName("frontdeskScope")
    only = box.addButton("Only this one", QMessageBox.ButtonRole.AcceptRole)
    following = box.addButton("This and all following", QMessageBox.ButtonRole.AcceptRole)
    keep = box.addButton("Keep as it was", QMessageBox.ButtonRole.RejectRole)
    only.setObjectName("onlyThis")
    following.setObjectName("allFollowing")
    box.setDefaultButton(only)
    box.setEscapeButton(keep)

    def clicked(button: object) -> None:
        if button is only:
            on_choice(False)
        elif button is following:
            on_choice(True)

    box.buttonClicked.connect(clicked)
    box.open()
    return box


class ReasonDialog(QDialog):
    """Why the appointment is cancelled and, in a series, whether the later ones go too."""

    def __init__(self, parent: QWidget, question: str, in_series: bool):
        super().__init__(parent)
        self.setObjectName("cancelReason")
        self.setWindowTitle("Cancel appointment")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        label = QLabel(question)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addWidget(QLabel("Reason (kept with the appointment):"))
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems(CANCEL_REASONS)
        self.reason.setCurrentIndex(0)
        self.reason.setMinimumWidth(320)
        layout.addWidget(self.reason)
        self.following = QCheckBox("Also cancel all later appointments of this series")
        self.following.setVisible(in_series)
        layout.addWidget(self.following)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton("Cancel appointment", QDialogButtonBox.ButtonRole.AcceptRole)
        back = QPushButton("Keep appointment")
        buttons.addButton(back, QDialogButtonBox.ButtonRole.RejectRole)
        self.ok.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def ask_reason(
    parent: QWidget, question: str, in_series: bool, on_done: Callable[[str, bool], None]
) -> ReasonDialog:
    dialog = ReasonDialog(parent, question, in_series)
    dialog.accepted.connect(
        lambda: on_done(dialog.reason.currentText().strip(), dialog.following.isChecked())
    )
    dialog.open()
    return dialog
