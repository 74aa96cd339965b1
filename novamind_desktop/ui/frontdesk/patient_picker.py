"""Choosing the patient for a booking with the same find-as-you-type search as the Patients page."""

from __future__ import annotations

from uuid import UUID

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from novamind_desktop.presenters.patient_search import PatientDirectory, PatientRow
from novamind_desktop.ui.frontdesk.search_page import DEBOUNCE_MS, query_for_index

VISIBLE_MATCHES = 6


class PatientPicker(QWidget):
    chosen = Signal(object)  # PatientRow

    def __init__(self, directory: PatientDirectory, parent: QWidget | None = None):
        super().__init__(parent)
        self.directory = directory
        self.patient: PatientRow | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.edit = QLineEdit()
        self.edit.setObjectName("pickerSearch")
        self.edit.setPlaceholderText("Type part of the name, date of birth or phone")
        self.edit.setClearButtonEnabled(True)
        self.edit.textEdited.connect(lambda _: self._timer.start())
        self.edit.installEventFilter(self)
        layout.addWidget(self.edit)
        self.matches = QListWidget()
        self.matches.setObjectName("pickerMatches")
        self.matches.setMaximumHeight(24 * VISIBLE_MATCHES)
        self.matches.itemActivated.connect(self._choose_item)
        self.matches.itemClicked.connect(self._choose_item)
        self.matches.hide()
        layout.addWidget(self.matches)
        self.chosen_label = QLabel()
        self.chosen_label.setObjectName("pickerChosen")
        self.chosen_label.setStyleSheet("color:#1e6b30;")
        self.chosen_label.setTextFormat(Qt.TextFormat.PlainText)
        self.chosen_label.hide()
        layout.addWidget(self.chosen_label)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._search)

    @property
    def patient_id(self) -> UUID | None:
        return self.patient.patient_id if self.patient else None

    def _search(self) -> None:
        self.patient = None
        self.chosen_label.hide()
        rows = [r for r in self.directory.search(query_for_index(self.edit.text()), 20) if r.active]
        self.matches.clear()
        for row in rows:
            text = f"{row.name}  ·  born {row.date_of_birth}  ·  {row.phone}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, row)
            self.matches.addItem(item)
        self.matches.setVisible(bool(rows))
        if rows:
            self.matches.setCurrentRow(0)

    def flush(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self._search()

    def choose_only_match(self) -> None:
        """Typed enough to leave one patient: that is the one meant."""
        self.flush()
        if self.patient is None and self.matches.count() == 1:
            item = self.matches.item(0)
            if item is not None:
                self._choose_item(item)

    def _choose_item(self, item: QListWidgetItem) -> None:
        row = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(row, PatientRow):
            self.choose(row)

    def choose(self, row: PatientRow) -> None:
        self.patient = row
        self.edit.setText(row.name)
        self.matches.hide()
        next_text = f" · next: {row.next_appointment}" if row.next_appointment else ""
        self.chosen_label.setText(f"✔ {row.name}, born {row.date_of_birth}{next_text}")
        self.chosen_label.show()
        self.chosen.emit(row)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.edit
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and self._handle_key(event.key())
        ):
            return True
        return super().eventFilter(watched, event)

    def _handle_key(self, key: int) -> bool:
        if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.matches.isVisible():
            step = 1 if key == Qt.Key.Key_Down else -1
            row = max(0, min(self.matches.count() - 1, self.matches.currentRow() + step))
            self.matches.setCurrentRow(row)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.flush()
            item = self.matches.currentItem()
            if self.matches.isVisible() and item is not None:
                self._choose_item(item)
                return True
        return False
