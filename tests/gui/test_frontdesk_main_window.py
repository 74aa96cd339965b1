"""The front-desk pages inside the real main window, at the 1366×768 of a reception PC."""

from __future__ import annotations

from PySide6.QtCore import Qt

from novamind_desktop.ui.frontdesk.book_page import AppointmentBookPage
from novamind_desktop.ui.frontdesk.search_page import PatientSearchPage
from novamind_desktop.ui.main_window import MainWindow
from novamind_desktop.ui.pages import role_pages
from tests.gui.frontdesk_clinic import build_clinic


def main_window(qtbot, clinic, task_runner, qsettings, user) -> MainWindow:
    window = MainWindow(
        clinic.services,
        task_runner,
        user,
        database_label="SQLite (test)",
        settings=qsettings,
        pages=role_pages,
    )
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    return window


def test_front_desk_morning(qtbot, tmp_path, task_runner, qsettings, screenshot, clinic_url):
    clinic = build_clinic(tmp_path, clinic_url)
    clinic.book("Müller", 0, 9)
    clinic.book("O'Brien", 0, 10, kind="intake")
    clinic.book("Ødegaard", 1, 9, 30, kind="follow_up")
    clinic.book("Lovelace", 1, 11, kind="medication_review")
    clinic.book("Adams", 2, 13, kind="therapy", virtual=True, location="")
    window = main_window(qtbot, clinic, task_runner, qsettings, clinic.desk_user)
    assert [p.title for p in window.pages] == ["Appointment book", "Patients"]
    book = window.pages[0].widget
    assert isinstance(book, AppointmentBookPage)
    qtbot.waitUntil(lambda: len(book.canvas.layout_data.blocks) == 5)
    screenshot(window, "main_window_front_desk_book")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = window.pages[1].widget
    assert isinstance(search, PatientSearchPage)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is search)
    qtbot.waitUntil(lambda: search.frontdesk.directory.ready)
    qtbot.keyClicks(search.search_box, "o")
    qtbot.waitUntil(lambda: search.model.rowCount() >= 2)
    screenshot(window, "main_window_front_desk_search")
    window.data_changed.emit("appointments")  # another page booked something: the book reloads
    qtbot.waitUntil(lambda: not book.presenter._loading)


def test_clinician_pages(qtbot, tmp_path, task_runner, qsettings, screenshot, clinic_url):
    clinic = build_clinic(tmp_path, clinic_url)
    clinic.book("Müller", 0, 9)
    clinic.book("Lovelace", 1, 11)
    window = main_window(qtbot, clinic, task_runner, qsettings, clinic.clinicians[0])
    assert [p.title for p in window.pages] == ["My schedule", "Patients", "Digital twins"]
    schedule = window.pages[0].widget
    qtbot.waitUntil(lambda: len(schedule.canvas.layout_data.blocks) == 1)
    screenshot(window, "main_window_clinician_schedule")
