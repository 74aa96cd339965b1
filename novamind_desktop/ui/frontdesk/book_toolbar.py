"""The appointment book's toolbar: date, day or week, which clinicians, book, day sheet."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from PySide6.QtCore import QDate, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSpacerItem,
    QToolButton,
    QWidget,
)

from novamind_desktop.domain.users import User
from novamind_desktop.presenters.appointment_book import AppointmentBookPresenter

# The longest heading the book shows ("Wednesday 30 September"): the room it keeps on one row.
_LONGEST_HEADING = "Wednesday 30 September"
_SPACING = 6


class BookToolbar(QWidget):
    """Where the book is (◀ Today ▶, date, heading) and what it shows and does (day or week,
    clinicians, cancelled, New booking, Day sheet): one row when the page is wide enough for
    both, otherwise two, so nothing is squeezed or overlaps from 1024 px windows up."""

    new_booking = Signal()
    day_sheet = Signal()
    today_requested = Signal()  # the page goes to today and scrolls to now

    def __init__(self, presenter: AppointmentBookPresenter, parent: QWidget | None = None):
        super().__init__(parent)
        self.presenter = presenter
        self.clinician_actions: dict[UUID, QAction] = {}
        self.where = self._where_row()
        self.what = self._what_row()
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 4)
        self._grid.setHorizontalSpacing(_SPACING)
        self._grid.setVerticalSpacing(4)
        self._grid.setColumnStretch(0, 1)
        self.two_rows: bool | None = None
        self._sync_mode()

    def _where_row(self) -> QWidget:
        box, row = _row()
        for text, tip, slot in (
            ("◀", "Previous day or week (Alt+Left)", lambda: self.presenter.step(-1)),
            ("Today", "Go to today (Ctrl+T)", self.today_requested.emit),
            ("▶", "Next day or week (Alt+Right)", lambda: self.presenter.step(1)),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("bookDate")
        self.date_edit.setCalendarPopup(True)
        # No weekday: the heading beside it names the day ("Today, Monday").
        self.date_edit.setDisplayFormat("d MMM yyyy")
        self.date_edit.dateChanged.connect(lambda d: self.presenter.go_to(d.toPython()))
        row.addWidget(self.date_edit)
        self.heading = QLabel()
        self.heading.setObjectName("bookHeading")
        self.heading.setStyleSheet("font-weight:600;font-size:12pt;padding-left:8px;")
        # The heading gives way first when the window is narrow; the buttons never do.
        self.heading.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.heading.setMinimumWidth(80)
        row.addWidget(self.heading, 1)
        return box

    def _what_row(self) -> QWidget:
        box, row = _row()
        row.addWidget(self._mode_buttons())
        self.clinician_button = QToolButton()
        self.clinician_button.setObjectName("clinicianChooser")
        self.clinician_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.clinician_menu = QMenu(self.clinician_button)
        self.clinician_button.setMenu(self.clinician_menu)
        row.addWidget(self.clinician_button)
        self.week_combo = QComboBox()
        self.week_combo.setObjectName("weekClinician")
        self.week_combo.currentIndexChanged.connect(self._week_clinician_chosen)
        row.addWidget(self.week_combo)
        self.cancelled_box = QCheckBox("Show cancelled")
        self.cancelled_box.setObjectName("showCancelled")
        self.cancelled_box.toggled.connect(self.presenter.set_show_cancelled)
        row.addWidget(self.cancelled_box)
        # Pushes the buttons to the right edge on the second row; nothing on the first.
        self._gap = QSpacerItem(0, 0, QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
        row.addItem(self._gap)
        self.book_button = QPushButton("New booking…")
        self.book_button.setObjectName("newBookingButton")
        self.book_button.setShortcut("Ctrl+B")
        self.book_button.setToolTip("Book an appointment (Ctrl+B)")
        self.book_button.clicked.connect(self.new_booking)
        self.book_button.setVisible(self.presenter.can_book)
        row.addWidget(self.book_button)
        sheet = QPushButton("Day sheet…")
        sheet.setObjectName("daySheetButton")
        sheet.setToolTip("Print or save the day's list as PDF (Ctrl+P)")
        sheet.setShortcut("Ctrl+P")
        sheet.clicked.connect(self.day_sheet)
        row.addWidget(sheet)
        return box

    # -- one row or two ------------------------------------------------------------------

    def one_row_width(self) -> int:
        """Width the toolbar needs on one row, whatever the heading or chooser says now, so
        that paging through days or switching day and week never makes it jump."""
        self.heading.ensurePolished()
        heading = self.heading.fontMetrics().horizontalAdvance(_LONGEST_HEADING) + 10
        choosers = (self.clinician_button, self.week_combo)
        chooser = 0
        if not self.presenter.own_schedule:
            chooser = max(max(c.sizeHint().width(), c.minimumWidth()) for c in choosers)
        widths = [heading, chooser]
        for part in (self.where, self.what):
            for child in part.findChildren(
                QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
            ):
                if child not in (self.heading, *choosers) and not child.isHidden():
                    widths.append(max(child.sizeHint().width(), child.minimumWidth()))
        return sum(widths) + _SPACING * (len(widths) - 1)

    def _fit(self, width: int) -> None:
        two_rows = width < self.one_row_width()
        if two_rows == self.two_rows:
            return
        self.two_rows = two_rows
        grid = self._grid
        grid.removeWidget(self.where)
        grid.removeWidget(self.what)
        if two_rows:
            grid.addWidget(self.where, 0, 0, 1, 2)
            grid.addWidget(self.what, 1, 0, 1, 2)
            self._gap.changeSize(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        else:
            grid.addWidget(self.where, 0, 0)
            grid.addWidget(self.what, 0, 1)
            self._gap.changeSize(0, 0, QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Minimum)
        layout = self.what.layout()
        if layout is not None:
            layout.invalidate()

    def minimumSizeHint(self) -> QSize:
        # The two-row minimum: the toolbar never holds the window wider than two rows need.
        width = max(self.where.minimumSizeHint().width(), self.what.minimumSizeHint().width())
        return QSize(width, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._fit(event.size().width())
        super().resizeEvent(event)

    def _mode_buttons(self) -> QWidget:
        box = QWidget()
        line = QHBoxLayout(box)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(0)
        self.mode_group = QButtonGroup(box)
        for mode, text in (("day", "Day"), ("week", "Week")):
            button = QToolButton()
            button.setObjectName(f"{mode}Mode")
            button.setText(text)
            button.setCheckable(True)
            button.setChecked(self.presenter.mode == mode)
            button.clicked.connect(lambda _=False, m=mode: self._set_mode(m))
            self.mode_group.addButton(button)
            line.addWidget(button)
        return box

    def _set_mode(self, mode: str) -> None:
        self.presenter.set_mode(mode)  # type: ignore[arg-type]
        self._sync_mode()

    def _sync_mode(self) -> None:
        week = self.presenter.mode == "week"
        own = self.presenter.own_schedule
        self.clinician_button.setVisible(not week and not own)
        self.week_combo.setVisible(week and not own)
        for button in self.mode_group.buttons():
            button.setChecked(button.objectName() == f"{self.presenter.mode}Mode")
        self._fit(self.width())

    def set_heading(self, heading: str, day: QDate) -> None:
        self.heading.setText(heading)
        with QSignalBlocker(self.date_edit):
            self.date_edit.setDate(day)
        self._sync_mode()

    def set_clinicians(self, clinicians: Sequence[User], selected: Sequence[UUID]) -> None:
        self.clinician_menu.clear()
        self.clinician_actions = {}
        everyone = self.clinician_menu.addAction("Show all clinicians")
        everyone.triggered.connect(lambda: self._choose([c.id for c in clinicians]))
        self.clinician_menu.addSeparator()
        for clinician in clinicians:
            action = self.clinician_menu.addAction(clinician.display_name)
            action.setCheckable(True)
            action.setChecked(clinician.id in selected)
            action.toggled.connect(lambda _=False: self._choose(self._checked()))
            self.clinician_actions[clinician.id] = action
        with QSignalBlocker(self.week_combo):
            self.week_combo.clear()
            for clinician in clinicians:
                self.week_combo.addItem(clinician.display_name, str(clinician.id))
            week = self.presenter.week_clinician
            index = next((n for n, c in enumerate(clinicians) if c.id == week), 0)
            self.week_combo.setCurrentIndex(index)
        self._label_clinicians()

    def _checked(self) -> list[UUID]:
        return [cid for cid, action in self.clinician_actions.items() if action.isChecked()]

    def _choose(self, ids: list[UUID]) -> None:
        for cid, action in self.clinician_actions.items():
            with QSignalBlocker(action):
                action.setChecked(cid in ids)
        self.presenter.set_selected(ids)
        self._label_clinicians()

    def _label_clinicians(self) -> None:
        shown, total = len(self._checked()), len(self.clinician_actions)
        text = f"All {total} clinicians" if shown == total else f"Clinicians: {shown} of {total}"
        self.clinician_button.setText(text)
        # Room for the menu arrow, which the style draws over the text otherwise.
        width = self.clinician_button.fontMetrics().horizontalAdvance(text)
        self.clinician_button.setMinimumWidth(width + 44)
        self._fit(self.width())

    def _week_clinician_chosen(self, index: int) -> None:
        clinician = self.week_combo.itemData(index)
        if clinician:
            self.presenter.set_week_clinician(UUID(clinician))


def _row() -> tuple[QWidget, QHBoxLayout]:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(_SPACING)
    return box, row
