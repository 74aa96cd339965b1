"""The Patients page: one search box, results as you type, Enter opens the patient."""

from __future__ import annotations

import re
from collections.abc import Sequence
from uuid import UUID

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from novamind_desktop.domain.users import Permission, may
from novamind_desktop.presenters.patient_search import PatientRow, PatientSearchPresenter
from novamind_desktop.ui.frontdesk.dates import parse_typed_date
from novamind_desktop.ui.frontdesk.hub import FrontDesk
from novamind_desktop.ui.frontdesk.search_model import PatientResultsModel

DEBOUNCE_MS = 120
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def query_for_index(text: str) -> str:
    """A whole-query date in the workstation's short format becomes ISO for the index."""
    day = parse_typed_date(text)
    return day.isoformat() if day is not None else text


def prefill_from_query(text: str) -> dict[str, str]:
    """What a receptionist typed before deciding the patient is new seeds the form."""
    text = text.strip()
    day = parse_typed_date(text)
    if day is not None:
        return {"date_of_birth": day.isoformat()}
    if "@" in text:
        return {"email": text}
    if re.fullmatch(r"[+\d\s().\-/]{4,}", text):
        return {"phone": text}
    words = [w[:1].upper() + w[1:] for w in text.split()]
    if len(words) >= 2:
        return {"first_name": " ".join(words[:-1]), "last_name": words[-1]}
    return {"last_name": words[0]} if words else {}


_SUMMARY_STYLE = {
    False: "color:#555;padding:2px 0;",
    True: "color:#8a4b00;background:#fff4e0;border-radius:3px;padding:2px 4px;",
}


class PatientSearchPage(QWidget):
    def __init__(self, frontdesk: FrontDesk, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("patientSearchPage")
        self.frontdesk = frontdesk
        self.can_register = may(frontdesk.context.actor.role, Permission.WRITE_PATIENTS)
        self.model = PatientResultsModel(self)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._run_search)
        self._build()
        self.presenter = PatientSearchPresenter(self, frontdesk.directory)
        self.presenter.search("")

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        top = QHBoxLayout()
        self.search_box = QLineEdit()
        self.search_box.setObjectName("patientSearchBox")
        self.search_box.setPlaceholderText(
            "Find a patient — name, date of birth, phone or email   (Ctrl+F)"
        )
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMinimumHeight(34)
        font = self.search_box.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.search_box.setFont(font)
        self.search_box.textChanged.connect(lambda _: self._debounce.start())
        self.search_box.installEventFilter(self)
        top.addWidget(self.search_box, 1)
        self.new_button = QPushButton("New patient…")
        self.new_button.setObjectName("newPatientButton")
        self.new_button.setShortcut("Ctrl+N")
        self.new_button.setToolTip("Register a new patient (Ctrl+N)")
        self.new_button.setMinimumHeight(34)
        self.new_button.clicked.connect(self._new_patient)
        self.new_button.setVisible(self.can_register)
        top.addWidget(self.new_button)
        layout.addLayout(top)
        self.summary = QLabel()
        self.summary.setObjectName("searchSummary")
        self.summary.setWordWrap(True)  # a long note (the database away) wraps, never widens
        self.summary.setStyleSheet(_SUMMARY_STYLE[False])
        layout.addWidget(self.summary)
        self.table = QTableView()
        self.table.setObjectName("patientResults")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(28)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 190), (2, 180), (3, 230)):
            header.resizeSection(column, width)
        self.table.doubleClicked.connect(lambda index: self.presenter.open_row(index.row()))
        self.table.installEventFilter(self)
        layout.addWidget(self.table, 1)

    # -- keyboard: type, arrow down into the list, Enter opens ------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key = event.key()
        if watched is self.search_box:
            if key in _ENTER:
                self.flush()
                self.presenter.open_row(self._current_row())
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.model.rowCount():
                self.table.setFocus()
                return False
        elif watched is self.table and key in _ENTER:
            self.presenter.open_row(self._current_row())
            return True
        return super().eventFilter(watched, event)

    def _current_row(self) -> int:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else 0

    def flush(self) -> None:
        """Run a pending (debounced) search now."""
        if self._debounce.isActive():
            self._debounce.stop()
            self._run_search()

    def _run_search(self) -> None:
        self.presenter.search(query_for_index(self.search_box.text()))

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def _new_patient(self) -> None:
        self.frontdesk.new_patient(prefill_from_query(self.search_box.text()), self.window())

    # -- PatientSearchView ---------------------------------------------------------------

    def show_results(self, rows: Sequence[PatientRow], summary: str) -> None:
        selected = self.model.row_at(self._current_row()) if self.model.rowCount() else None
        self.model.set_rows(rows)
        self.summary.setText(summary)
        # Amber while the list may be out of date (the database cannot be reached): the
        # usual grey line is easy to read past. Set when it changes, not at every keystroke
        # (a new style sheet re-polishes the label).
        style = _SUMMARY_STYLE[bool(self.frontdesk.directory.stale)]
        if self.summary.styleSheet() != style:
            self.summary.setStyleSheet(style)
        if rows:
            keep = next(
                (n for n, r in enumerate(rows) if selected and r.patient_id == selected.patient_id),
                0,
            )
            self.table.selectRow(keep)

    def open_patient(self, patient_id: UUID) -> None:
        self.frontdesk.open_patient(patient_id, self.window())

    def showEvent(self, event: object) -> None:
        self.frontdesk.start()
        super().showEvent(event)  # type: ignore[arg-type]
