"""Both versions of a patient record side by side, after another workstation saved first."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from novamind_desktop.presenters.patient_form import FieldConflict

_MINE = QColor("#e3f2fd")
_THEIRS = QColor("#fff3e0")


class ConflictDialog(QDialog):
    reapply = Signal()
    take_theirs = Signal()

    def __init__(self, parent: QWidget, conflicts: Sequence[FieldConflict]):
        super().__init__(parent)
        self.setObjectName("conflictDialog")
        self.setWindowTitle("Changed on another workstation")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(860, 380)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Someone saved this patient on another workstation while you were editing. "
            "Nothing has been overwritten. Compare the two versions: <b>Re-apply my changes</b> "
            "puts the fields you changed (blue) on top of their version and saves; "
            "<b>Use their version</b> drops your edits."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        shown = [c for c in conflicts if c.theirs != c.yours or c.you_changed]
        self.table = QTableWidget(len(shown), 4)
        self.table.setObjectName("conflictTable")
        self.table.setHorizontalHeaderLabels(
            ["Field", "Their version (saved)", "Your version", "After re-applying yours"]
        )
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        bold = QFont()
        bold.setBold(True)
        for row, c in enumerate(shown):
            result = c.yours if c.you_changed else c.theirs
            cells = (c.label, c.theirs or "—", c.yours or "—", result or "—")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 1 and c.they_changed:
                    item.setBackground(QBrush(_THEIRS))
                if col == 2 and c.you_changed:
                    item.setBackground(QBrush(_MINE))
                    item.setFont(bold)
                self.table.setItem(row, col, item)
        layout.addWidget(self.table)
        if not shown:
            layout.addWidget(QLabel("The two versions have the same details."))
        buttons = QDialogButtonBox()
        mine = buttons.addButton("Re-apply my changes", QDialogButtonBox.ButtonRole.AcceptRole)
        mine.setObjectName("reapplyButton")
        theirs = buttons.addButton("Use their version", QDialogButtonBox.ButtonRole.RejectRole)
        theirs.setObjectName("theirsButton")
        mine.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.accepted.connect(self.reapply)
        self.rejected.connect(self.take_theirs)
        layout.addWidget(buttons)
