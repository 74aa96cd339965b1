"""What every long database operation dialog shares: a progress bar, a log, the outcome."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import (
    QDialog,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from novamind_desktop.ui.sign_in import error_label, label


def ask(parent: QWidget, question: str) -> bool:
    """A blocking yes/no question (tests replace OperationDialog.confirm instead)."""
    answer = QMessageBox.question(
        parent,
        "Please confirm",
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class OperationDialog(QDialog):
    """Base of the database dialogs; implements presenters.admin_database.OperationView."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"{title} — NOVAMIND Desktop")
        self.resize(760, 560)
        self.confirm_with: Callable[[QWidget, str], bool] = ask
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.step = label("", "hint")
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setPlaceholderText("What happens is written here.")
        self.log.setMaximumBlockCount(2000)
        self.error = error_label()
        self.message = label("")
        self.close_button = QPushButton("Close")
        self.close_button.setAutoDefault(False)
        self.close_button.clicked.connect(self.close)
        self.running = False

    def operation_layout(self, layout: QVBoxLayout) -> None:
        layout.addWidget(self.progress)
        layout.addWidget(self.step)
        layout.addWidget(self.log, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.message)

    def action_buttons(self) -> list[QPushButton]:
        """Buttons disabled while an operation runs (subclasses list theirs)."""
        return []

    # OperationView
    def set_running(self, running: bool) -> None:
        self.running = running
        for button in self.action_buttons():
            button.setEnabled(not running)
        self.close_button.setEnabled(not running)
        if running:
            self.progress.setRange(0, 0)  # busy until the first report
            self.message.setText("")

    def show_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, max(total, 1)))
        self.step.setText(message)

    def append_log(self, line: str) -> None:
        self.log.appendPlainText(f"{datetime.now():%H:%M:%S}  {line}")

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        if message:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)

    def show_message(self, message: str) -> None:
        self.message.setText(message)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
            self.progress.setValue(1)

    def confirm(self, question: str) -> bool:
        return self.confirm_with(self, question)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.running:  # the job would finish with nobody to tell
            event.ignore()
            return
        super().closeEvent(event)
