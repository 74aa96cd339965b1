"""Shown above the form when the patient being registered may already be on file."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from novamind_desktop.presenters.patient_form import DuplicateCandidate


class DuplicatesPanel(QFrame):
    open_requested = Signal(object)  # patient id
    register_anyway = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("duplicatesPanel")
        self.setStyleSheet(
            "#duplicatesPanel { background:#fff8e1; border:1px solid #e0b84c; border-radius:4px; }"
        )
        self._layout = QVBoxLayout(self)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self._layout.addWidget(self.heading)
        self._rows = QVBoxLayout()
        self._layout.addLayout(self._rows)
        footer = QHBoxLayout()
        footer.addStretch(1)
        self.anyway = QPushButton("None of these — register a new patient")
        self.anyway.setObjectName("registerAnyway")
        self.anyway.clicked.connect(self.register_anyway)
        footer.addWidget(self.anyway)
        self._layout.addLayout(footer)
        self.hide()

    def show_candidates(self, candidates: Sequence[DuplicateCandidate]) -> None:
        while self._rows.count():
            item = self._rows.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()
        n = len(candidates)
        self.heading.setText(
            f"<b>This may be a patient already on file</b> — {n} possible match"
            f"{'es' if n != 1 else ''}. Open the existing record instead of creating a duplicate:"
        )
        for candidate in candidates:
            self._rows.addWidget(self._row(candidate))
        self.show()

    def _row(self, c: DuplicateCandidate) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(8, 0, 0, 0)
        details = [f"born {c.date_of_birth}", c.phone] + ([c.email] if c.email else [])
        inactive = " <i>(inactive)</i>" if not c.active else ""
        label = QLabel(
            f"<b>{escape(c.name)}</b>{inactive} · {escape(' · '.join(details))}"
            f"<br><span style='color:#7a5b00'>{escape(c.reasons)}</span>"
        )
        line.addWidget(label, 1)
        button = QPushButton("Open this one instead")
        button.setObjectName("openDuplicate")
        button.clicked.connect(lambda: self.open_requested.emit(c.patient_id))
        line.addWidget(button)
        return row
