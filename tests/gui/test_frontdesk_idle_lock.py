"""The front-desk pages under the idle lock: no polling, nothing with patient data fetched or
drawn while it is on, and everything caught up at once when the user is back. A real clinic
file and the real worker; the host window's `locked_changed` is the main window's signal."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from novamind_desktop.domain.users import Actor
from novamind_desktop.ui.frontdesk.search_page import PatientSearchPage
from novamind_desktop.ui.main_window import MainWindow
from novamind_desktop.ui.pages import role_pages
from tests.gui.frontdesk_clinic import build_clinic, open_book, settle, visible

ELSEWHERE = Actor.command_line("desk-2")  # another workstation
KAYA = {
    "first_name": "Mücahit",
    "last_name": "Kaya",
    "date_of_birth": "1990-02-03",
    "phone": "0301234999",
}


class CountingRunner:
    """The real runner, counting the jobs the pages hand it."""

    def __init__(self, runner: Any):
        self.runner = runner
        self.jobs = 0

    def submit(self, *args: Any, **kwargs: Any) -> Any:
        self.jobs += 1
        return self.runner.submit(*args, **kwargs)


@pytest.fixture
def clinic(tmp_path, clinic_url):
    clinic = build_clinic(tmp_path, clinic_url)
    clinic.book("Müller", 0, 10)
    clinic.book("Ødegaard", 1, 9, kind="follow_up")
    return clinic


@pytest.fixture
def desk(qtbot, clinic, task_runner):
    """(book, patient search, counting runner), the search showing "mü"."""
    runner = CountingRunner(task_runner)
    book = open_book(qtbot, clinic, runner)
    search = next(p.widget for p in book.window().pages if isinstance(p.widget, PatientSearchPage))
    search.search_box.setText("mü")
    search.flush()
    assert search.model.rowCount() == 1
    settle(qtbot, book)
    qtbot.waitUntil(lambda: task_runner.busy == 0)
    return book, search, runner


def changes_elsewhere(clinic) -> None:
    clinic.clock.advance(seconds=30)
    clinic.book("Adams", 2, 13)
    clinic.services.patients.register(ELSEWHERE, KAYA)


def test_locked_pages_poll_fetch_and_draw_nothing_and_catch_up_when_unlocked(
    qtbot, clinic, task_runner, desk
):
    book, search, runner = desk
    window, frontdesk = book.window(), book.frontdesk
    window.locked_changed.emit(True)
    assert not book.refresh_timer.isActive() and not frontdesk.poll_timer.isActive()
    jobs = runner.jobs
    changes_elsewhere(clinic)
    book.refresh_timer.timeout.emit()  # a tick that was already queued
    frontdesk.poll_timer.timeout.emit()
    window.data_changed.emit("appointments")  # a job of another page finishing
    window.data_changed.emit("refresh")
    qtbot.waitUntil(lambda: task_runner.busy == 0)
    assert runner.jobs == jobs
    assert len(book.canvas.layout_data.blocks) == 2 and search.model.rowCount() == 1
    window.locked_changed.emit(False)
    qtbot.waitUntil(lambda: len(book.canvas.layout_data.blocks) == 3)  # no tick needed
    qtbot.waitUntil(lambda: search.model.rowCount() == 2)
    assert book.refresh_timer.isActive() and frontdesk.poll_timer.isActive()


def test_answers_arriving_after_the_lock_are_not_drawn(qtbot, clinic, task_runner, desk):
    book, search, _ = desk
    window = book.window()
    changes_elsewhere(clinic)
    book.poll()  # both on their way to the worker …
    book.frontdesk.directory.poll()
    window.locked_changed.emit(True)  # … when the lock comes on
    qtbot.waitUntil(lambda: task_runner.busy == 0)
    assert len(book.canvas.layout_data.blocks) == 2 and search.model.rowCount() == 1
    window.locked_changed.emit(False)
    qtbot.waitUntil(lambda: len(book.canvas.layout_data.blocks) == 3)
    qtbot.waitUntil(lambda: search.model.rowCount() == 2)


def test_messages_naming_patients_wait_for_the_unlock(qtbot, desk):
    book, _, _ = desk
    window, frontdesk = book.window(), book.frontdesk
    frontdesk.status("Booked Zoë Adams, Mon 04 Mar 13:00")
    window.locked_changed.emit(True)
    assert window.statusBar().currentMessage() == ""
    frontdesk.status("Jürgen Müller: checked in")  # a job finishing while locked
    book.show_error("Dr Tom Chen is already booked at that time: Ada Lovelace — Therapy")
    assert window.statusBar().currentMessage() == ""
    assert not visible(QMessageBox, "frontdeskError")
    window.locked_changed.emit(False)
    assert window.statusBar().currentMessage() == "Jürgen Müller: checked in"
    qtbot.waitUntil(lambda: bool(visible(QMessageBox, "frontdeskError")))
    visible(QMessageBox, "frontdeskError")[0].accept()


def test_the_main_windows_lock_pauses_the_book_and_unlocking_refreshes_it_at_once(
    qtbot, clinic, task_runner, qsettings
):
    window = MainWindow(
        clinic.services,
        task_runner,
        clinic.desk_user,
        database_label="SQLite (test)",
        settings=qsettings,
        pages=role_pages,
    )
    qtbot.addWidget(window)
    window.show()
    book = window.pages[0].widget
    qtbot.waitUntil(lambda: len(book.canvas.layout_data.blocks) == 2)
    window.lock_now()
    assert not book.refresh_timer.isActive()
    assert not book.frontdesk.poll_timer.isActive()
    clinic.book("Adams", 2, 13)  # at another desk
    window.lock.unlock()
    qtbot.waitUntil(lambda: len(book.canvas.layout_data.blocks) == 3)
    assert book.refresh_timer.isActive() and book.frontdesk.poll_timer.isActive()
