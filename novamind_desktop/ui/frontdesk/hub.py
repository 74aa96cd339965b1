"""What the front-desk pages share in one signed-in session.

The patient directory (the in-memory search index), its refresh timer, the idle lock's
pause, and opening the patient form from anywhere: the search page, the booking dialog, a
block in the book.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from novamind_desktop.domain.patients import Patient
from novamind_desktop.presenters.patient_form import PatientFormPresenter
from novamind_desktop.presenters.patient_search import PatientDirectory
from novamind_desktop.ui.frontdesk.owned_runner import OwnedRunner
from novamind_desktop.ui.frontdesk.patient_dialog import PatientDialog
from novamind_desktop.ui.pages import PageContext

# Other workstations' changes appear within this (the issue asks for 30 s at most).
POLL_INTERVAL_MS = 15_000


class FrontDesk(QObject):
    patient_saved = Signal(object)  # Patient saved on this workstation
    lock_changed = Signal(bool)  # the idle lock came on (True) / went off: pages pause

    def __init__(self, context: PageContext, parent: QObject | None = None):
        super().__init__(parent or context.window)
        self.context = context
        self.directory = PatientDirectory(context.services, context.runner, context.actor)
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_INTERVAL_MS)
        self.poll_timer.timeout.connect(self.directory.poll)
        self._started = False
        self.locked = False
        self._held: list[Callable[[], None]] = []
        # Set by the appointment book page that books: "Book appointment…" on a patient.
        self.book_for_patient: Callable[[UUID], None] | None = None

    def start(self) -> None:
        """Build the index on the worker (once per session) and start polling."""
        if self._started:
            return
        self._started = True
        self.directory.load()
        if not self.locked:
            self.poll_timer.start()

    def set_locked(self, locked: bool) -> None:
        """The idle lock: nothing with patient data is fetched, drawn or said while it is on.

        Polling stops and the pages pause (`lock_changed`); when the user is back everything
        catches up at once, then the messages held meanwhile are shown."""
        if locked == self.locked:
            return
        self.locked = locked
        if locked:
            self.poll_timer.stop()
            self.directory.pause()
            self.lock_changed.emit(True)
            bar = self.context.window.statusBar()
            if bar is not None:
                bar.clearMessage()  # "Booked Jürgen Müller …" must not stay on the locked screen
            return
        self.directory.resume()
        if self._started:
            self.poll_timer.start()
        self.lock_changed.emit(False)
        held, self._held = self._held, []
        for show in held:
            show()

    def when_unlocked(self, show: Callable[[], None]) -> None:
        """Run `show` now, or once the lock is off (a message may name a patient)."""
        if self.locked:
            self._held.append(show)
        else:
            show()

    def status(self, message: str, lasting: bool = False) -> None:
        """`lasting`: shown until another message replaces it (a state, such as the database
        being away), not for the usual ten seconds."""
        self.when_unlocked(lambda: self._show_status(message, lasting))

    def _show_status(self, message: str, lasting: bool) -> None:
        bar = self.context.window.statusBar()
        if bar is not None:
            bar.showMessage(message, 0 if lasting else 10_000)

    def _make_form(self, dialog: PatientDialog) -> PatientFormPresenter:
        c = self.context
        runner = OwnedRunner(c.runner, dialog)
        return PatientFormPresenter(
            dialog, c.services, runner, c.actor, self._saved,
            can_book=self.book_for_patient is not None, notify_changed=c.notify_changed,
        )  # fmt: skip

    def _saved(self, patient: Patient) -> None:
        self.directory.patient_saved(patient)
        self.patient_saved.emit(patient)
        self.context.notify_changed("patients")

    def _dialog(self, parent: QWidget | None) -> PatientDialog:
        dialog = PatientDialog(parent or self.context.window, self._make_form)
        dialog.saved_patient.connect(lambda _patient, message: self.status(message))
        dialog.open_other.connect(lambda pid: self.open_patient(pid, parent))
        dialog.book_for.connect(self._book_for)
        changed = getattr(self.context.window, "data_changed", None)
        if changed is not None:  # booked or moved meanwhile: the list follows (connection
            changed.connect(dialog.appointments_changed)  # ends when the dialog goes)
        return dialog

    def _book_for(self, patient_id: UUID) -> None:
        if self.book_for_patient is not None:
            self.book_for_patient(patient_id)

    def open_patient(self, patient_id: UUID, parent: QWidget | None = None) -> PatientDialog:
        dialog = self._dialog(parent)
        dialog.setWindowTitle("Opening patient…")
        dialog.presenter.open(patient_id)
        dialog.show()
        return dialog

    def new_patient(
        self, prefill: dict[str, str] | None = None, parent: QWidget | None = None
    ) -> PatientDialog:
        dialog = self._dialog(parent)
        dialog.presenter.new(prefill)
        dialog.show()
        return dialog
