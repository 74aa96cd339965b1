"""The Appointment book page (and a clinician's My schedule): toolbar, time grid, actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from uuid import UUID

from PySide6.QtCore import QDate, QPoint, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMenu, QVBoxLayout, QWidget

from novamind_desktop.domain.users import User
from novamind_desktop.presenters.appointment_book import AppointmentBookPresenter
from novamind_desktop.presenters.book_layout import BookBlock, BookLayout, minute_of
from novamind_desktop.presenters.book_view import STATUS_ACTIONS, BookingDraft, allowed_statuses
from novamind_desktop.presenters.frontdesk_errors import now
from novamind_desktop.ui.frontdesk.book_canvas import BookCanvas
from novamind_desktop.ui.frontdesk.book_toolbar import BookToolbar
from novamind_desktop.ui.frontdesk.booking_dialog import BookingDialog
from novamind_desktop.ui.frontdesk.day_sheet_dialog import DaySheetDialog
from novamind_desktop.ui.frontdesk.hub import FrontDesk
from novamind_desktop.ui.frontdesk.owned_runner import OwnedRunner
from novamind_desktop.ui.frontdesk.prompts import ask_reason, ask_scope, confirm, show_error

REFRESH_INTERVAL_MS = 15_000
BOOK_KEY = "appointment_book"  # the front desk's page (pages.py)


class AppointmentBookPage(QWidget):
    def __init__(
        self, frontdesk: FrontDesk, own_schedule: bool = False, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.setObjectName("mySchedulePage" if own_schedule else "appointmentBookPage")
        self.frontdesk = frontdesk
        c = frontdesk.context
        self.presenter = AppointmentBookPresenter(
            self,
            c.services,
            OwnedRunner(c.runner, self),
            c.actor,
            c.notify_changed,
            own_schedule=own_schedule,
        )
        self._scrolled = False
        self._scroll_day: date | None = None  # only a layout showing this day sets the scroll
        self._build()
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(REFRESH_INTERVAL_MS)
        self.refresh_timer.timeout.connect(self.poll)
        frontdesk.lock_changed.connect(self._lock_changed)
        if self.presenter.can_book:
            frontdesk.book_for_patient = self.book_for
        self.presenter.start()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.toolbar = BookToolbar(self.presenter, self)
        self.toolbar.new_booking.connect(self.new_booking)
        self.toolbar.day_sheet.connect(self.open_day_sheet)
        self.toolbar.today_requested.connect(self.go_to_today)
        layout.addWidget(self.toolbar)
        self.canvas = BookCanvas(self)
        self.canvas.can_book = self.presenter.can_book
        self.canvas.booking_requested.connect(self.presenter.request_booking)
        self.canvas.move_requested.connect(self.presenter.request_move)
        self.canvas.context_requested.connect(self._context_menu)
        self.canvas.activated.connect(self._open_patient_of)
        layout.addWidget(self.canvas, 1)
        hint = (
            "Drag on an empty slot to book · drag a block to move it, its lower edge to "
            "change its length · right-click (or arrow keys, then the Menu key) for "
            "check-in, cancel, no-show"
            if self.presenter.can_book
            else "Right-click an appointment (or arrow keys, then the Menu key) to check the "
            "patient in or complete it · double-click or Enter to open the patient"
        )
        self.hint = QLabel(hint)
        self.hint.setStyleSheet("color:#5f6670;")
        self.hint.setWordWrap(True)  # two lines in a narrow window rather than cut off
        layout.addWidget(self.hint)
        QShortcut(QKeySequence("Alt+Left"), self, activated=lambda: self.presenter.step(-1))
        QShortcut(QKeySequence("Alt+Right"), self, activated=lambda: self.presenter.step(1))
        QShortcut(QKeySequence("Ctrl+T"), self, activated=self.go_to_today)

    def go_to_today(self) -> None:
        # Today's layout opens at the time of day, as at start; one still on its way (of the
        # day the person was on) does not take the scroll.
        self._scrolled = False
        self._scroll_day = now(self.presenter.services).astimezone(self.presenter.tz).date()
        self.presenter.today()

    # -- refresh -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Changes made here: reload the shown range, keeping the selection."""
        self.presenter.reload()

    def poll(self) -> None:
        """The timer: other workstations' changes to the view already open (not audited
        again; the person opened it once)."""
        self.presenter.reload(refresh=True)

    def data_changed(self, topic: str = "") -> None:
        if topic in ("", "appointments", "patients"):
            self.refresh()

    def _lock_changed(self, locked: bool) -> None:
        """The idle lock: no polling, nothing loaded or drawn; unlocked, refresh at once."""
        if locked:
            self.refresh_timer.stop()
            self.presenter.pause()
            return
        self.presenter.resume()
        if self.isVisible():
            self.refresh_timer.start()

    def showEvent(self, event: object) -> None:
        if not self.frontdesk.locked:
            self.refresh_timer.start()
        super().showEvent(event)  # type: ignore[arg-type]

    def hideEvent(self, event: object) -> None:
        self.refresh_timer.stop()
        super().hideEvent(event)  # type: ignore[arg-type]

    # -- AppointmentBookView ---------------------------------------------------------------

    def show_clinicians(self, clinicians: Sequence[User], selected: Sequence[UUID]) -> None:
        self.toolbar.set_clinicians(clinicians, selected)

    def show_layout(self, layout: BookLayout, heading: str) -> None:
        day = self.presenter.day
        self.toolbar.set_heading(heading, QDate(day.year, day.month, day.day))
        moment = now(self.presenter.services)
        self.canvas.today = moment.astimezone(self.presenter.tz).date()
        self.canvas.now_minute = minute_of(moment, self.canvas.today, self.presenter.tz)
        self.canvas.set_layout(layout)
        wanted = self._scroll_day
        if (
            not self._scrolled
            and layout.columns
            and (wanted is None or any(c.day == wanted for c in layout.columns))
        ):
            self._scrolled, self._scroll_day = True, None
            self.canvas.scroll_to_minute(self._opening_minute(layout))

    def _opening_minute(self, layout: BookLayout) -> int:
        """Where the grid opens: with today shown, an hour before now (at 15:20 the desk
        wants the afternoon, not 08:00 with now below the fold); else the working morning."""
        now_minute = self.canvas.now_minute
        if now_minute is not None and any(c.day == self.canvas.today for c in layout.columns):
            return max(layout.first_minute, now_minute - 60)
        return max(layout.first_minute, 7 * 60 + 30)

    def show_error(self, message: str) -> None:
        # Not over the lock screen: the message may name a patient.
        self.frontdesk.when_unlocked(lambda: show_error(self, message))

    def show_status(self, message: str, lasting: bool = False) -> None:
        self.frontdesk.status(message, lasting=lasting)

    def confirm(self, question: str, on_yes: Callable[[], None]) -> None:
        confirm(self, "Move appointment", question, "Move", on_yes)

    def ask_scope(self, question: str, on_choice: Callable[[bool], None]) -> None:
        ask_scope(self, "Move appointment", question, on_choice)

    def ask_reason(
        self, question: str, in_series: bool, on_done: Callable[[str, bool], None]
    ) -> None:
        dialog = ask_reason(self, question, in_series, on_done)
        if question.startswith("Late-cancel"):
            dialog.setWindowTitle("Late cancellation")
            dialog.ok.setText("Record late cancellation")

    def open_booking(self, draft: BookingDraft) -> BookingDialog:
        dialog = BookingDialog(self, self.frontdesk, self.presenter, draft)
        dialog.booking_done.connect(self.show_status)
        dialog.open()
        return dialog

    # -- actions ---------------------------------------------------------------------------

    def book_for(self, patient_id: UUID) -> BookingDialog | None:
        """ "Book appointment…" on a patient's record: this page, the booking dialog at the
        next full hour, the patient already chosen."""
        show_page = getattr(self.window(), "show_page", None)
        if show_page is not None:
            show_page(BOOK_KEY)
        dialog = self.new_booking()
        row = self.frontdesk.directory.row(patient_id)
        if dialog is not None and row is not None:
            dialog.picker.choose(row)
        return dialog

    def new_booking(self) -> BookingDialog | None:
        if not self.presenter.can_book or not self.presenter.clinicians:
            return None
        tz = self.presenter.tz
        moment = now(self.presenter.services).astimezone(tz)
        start = moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        if self.presenter.day != moment.date():
            start = datetime.combine(self.presenter.day, start.time(), tzinfo=tz)
        clinician = self.presenter.week_clinician if self.presenter.mode == "week" else None
        clinician = clinician or (self.presenter.selected or [self.presenter.clinicians[0].id])[0]
        return self.open_booking(BookingDraft(clinician, start, start))

    def open_day_sheet(self) -> DaySheetDialog:
        dialog = DaySheetDialog(self, self.frontdesk.context, self.presenter)
        dialog.open()
        return dialog

    def _open_patient_of(self, block: BookBlock) -> None:
        self.frontdesk.open_patient(block.appointment.patient_id, self.window())

    def status_menu(self, block: BookBlock) -> QMenu:
        menu = QMenu(self)
        menu.setObjectName("appointmentMenu")
        title = menu.addAction(f"{block.patient_name} — {block.time_text}")
        title.setEnabled(False)
        menu.addSeparator()
        allowed = set(allowed_statuses(block.status))
        if self.presenter.can_change_status:
            for status, label in STATUS_ACTIONS:
                if status not in allowed:
                    continue
                if not self.presenter.can_book and label.endswith("…"):
                    continue  # clinicians check in and complete; the front desk cancels
                action = QAction(label, menu)
                action.setObjectName(f"status_{status.value}")
                action.triggered.connect(
                    lambda _=False, s=status: self.presenter.request_status(block.appointment_id, s)
                )
                menu.addAction(action)
        menu.addSeparator()
        open_patient = menu.addAction("Open patient…")
        open_patient.triggered.connect(lambda: self._open_patient_of(block))
        return menu

    def _context_menu(self, block: BookBlock, where: QPoint) -> None:
        self.status_menu(block).popup(where)
