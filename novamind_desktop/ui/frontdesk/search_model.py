"""Item model of the patient search results: a thin adapter over immutable PatientRows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from novamind_desktop.presenters.patient_search import PatientRow
from novamind_desktop.presenters.phone_display import phone_text

Index = QModelIndex | QPersistentModelIndex

COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("born_text", "Date of birth (age)"),
    ("phone", "Phone"),
    ("next_appointment", "Next appointment"),
)
_INACTIVE = QColor("#8a8a8a")


class PatientResultsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[PatientRow, ...] = ()

    def set_rows(self, rows: Sequence[PatientRow]) -> None:
        self.beginResetModel()
        self._rows = tuple(rows)
        self.endResetModel()

    def row_at(self, row: int) -> PatientRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.ItemDataRole.DisplayRole:
            text = getattr(row, key)
            if key == "name" and not row.active:
                return f"{text} (inactive)"
            if key == "next_appointment" and not text:
                return "—"
            if key == "phone":
                return phone_text(text)
            return text
        if role == Qt.ItemDataRole.ForegroundRole and not row.active:
            return QBrush(_INACTIVE)
        if role == Qt.ItemDataRole.ToolTipRole and key == "name":
            return "Press Enter or double-click to open"
        if role == Qt.ItemDataRole.UserRole:
            return str(row.patient_id)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section][1]
        return None
