"""A receptionist finding patients: type, see results, Enter opens; Ctrl+F from anywhere."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.errors import StorageUnavailable
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.services.patients import PatientService
from novamind_desktop.ui.frontdesk.book_page import BOOK_KEY
from novamind_desktop.ui.frontdesk.booking_dialog import BookingDialog
from novamind_desktop.ui.frontdesk.pages import frontdesk_pages
from novamind_desktop.ui.frontdesk.patient_dialog import PatientDialog
from novamind_desktop.ui.frontdesk.search_page import PatientSearchPage
from tests.gui.frontdesk_clinic import (
    CLINIC_TZ,
    HostWindow,
    build_clinic,
    page_context,
    wait_for,
)


@pytest.fixture
def desk(qtbot, tmp_path, task_runner, clinic_url):
    clinic = build_clinic(tmp_path, clinic_url)
    window = HostWindow()
    qtbot.addWidget(window)
    pages = frontdesk_pages(page_context(clinic, task_runner, window, clinic.desk))
    window.add_pages(pages)
    window.show()
    search = next(p.widget for p in pages if isinstance(p.widget, PatientSearchPage))
    qtbot.waitUntil(lambda: search.frontdesk.directory.ready)
    return clinic, window, search


def type_query(qtbot, search: PatientSearchPage, text: str) -> None:
    search.search_box.clear()
    qtbot.keyClicks(search.search_box, text)
    # The debounce timer runs the search ~120 ms after the last key.
    qtbot.waitUntil(lambda: not search._debounce.isActive())


def names(search: PatientSearchPage) -> list[str]:
    return [search.model.row_at(n).name for n in range(search.model.rowCount())]


def test_find_as_you_type_ignoring_case_and_accents(qtbot, desk, qtmodeltester, screenshot):
    clinic, window, search = desk
    window.show_page("patients")
    clinic.book("Müller", 0, 10)
    search.frontdesk.directory.poll()  # the next appointment column
    qtbot.waitUntil(lambda: not search.frontdesk.directory._polling)
    for query, expected in (
        ("mull", ["Jürgen Müller"]),
        ("obri", ["Siobhán O'Brien"]),
        ("sor", ["Søren Ødegaard"]),
        ("27/03/1984", ["Jürgen Müller"]),
        ("1975-11-30", ["Søren Ødegaard"]),
        ("9460", ["Ada Lovelace"]),
        ("zoe.adams@", ["Zoë Adams"]),
    ):
        type_query(qtbot, search, query)
        assert names(search) == expected, query
    type_query(qtbot, search, "mull")
    assert search.model.row_at(0).next_appointment == "Today 10:00"  # Mon 04 Mar 2030
    assert search.summary.text() == "1 patient found."
    qtmodeltester.check(search.model)
    type_query(qtbot, search, "a")
    qtmodeltester.check(search.model)
    assert sorted(names(search)) == ["Ada Lovelace", "Zoë Adams"]
    screenshot(window, "frontdesk_patient_search")


def test_enter_opens_the_patient_with_her_appointments(qtbot, desk, screenshot):
    clinic, window, search = desk
    clinic.book("Lovelace", 1, 9, 30, kind="medication_review", location="Room 3")
    window.show_page("patients")
    type_query(qtbot, search, "lovelace")
    qtbot.keyClick(search.search_box, Qt.Key.Key_Return)
    dialog = _wait_for_dialog(qtbot)
    qtbot.waitUntil(lambda: dialog.edits["last_name"].text() == "Lovelace")
    assert dialog.edits["phone"].text() == "02079460018"  # stored normalised
    assert dialog.windowTitle() == "Patient — Ada Lovelace"
    qtbot.waitUntil(dialog.appointments.isVisible)
    assert dialog.appointments.coming.text() == (
        "Mon 04 Mar 2030 09:30–09:50 · Medication review with Dr Tom Chen · Room 3"
    )
    assert dialog.appointments.earlier.text() == "None yet."
    screenshot(dialog, "frontdesk_patient_with_appointments")
    assert dialog.appointments.book_button.isVisible()
    dialog.appointments.book_button.click()  # "Book appointment…": the book, her chosen
    booking = wait_for(qtbot, BookingDialog)
    assert booking.picker.patient is not None and booking.picker.patient.name == "Ada Lovelace"
    assert window.stack.currentWidget() is next(p.widget for p in window.pages if p.key == BOOK_KEY)
    booking.kind.setCurrentIndex(booking.kind.findData("follow_up"))
    booking.book_button.click()
    qtbot.waitUntil(lambda: "Follow up" in dialog.appointments.coming.text())  # it follows
    dialog.close()


def test_a_patient_at_the_desk_is_checked_in_from_her_record(qtbot, desk, screenshot):
    clinic, window, search = desk
    booked = clinic.book("Lovelace", 1, 9, 30, kind="medication_review", location="Room 3")
    window.show_page("patients")
    type_query(qtbot, search, "lovelace")
    qtbot.keyClick(search.search_box, Qt.Key.Key_Return)
    dialog = _wait_for_dialog(qtbot)
    button = dialog.appointments.check_in_button
    qtbot.waitUntil(button.isVisible)
    assert button.text() == "Check in for 09:30"  # today's, at 08:55
    screenshot(dialog, "frontdesk_patient_check_in")
    button.click()
    qtbot.waitUntil(lambda: "checked in" in dialog.appointments.coming.text())
    stored = clinic.services.appointments.get(clinic.desk, booked.id)
    assert stored.status is AppointmentStatus.CHECKED_IN and stored.status_changed_by == "desk"
    assert not button.isVisible()  # nothing left to check in for today
    assert "Ada Lovelace: checked in for 09:30." in window.statusBar().currentMessage()
    dialog.close()


def test_ctrl_f_jumps_to_the_search_box_from_another_page(qtbot, desk):
    _clinic, window, search = desk
    window.show_page("appointment_book")
    assert window.stack.currentWidget() is not search
    action = next(a for a in window.actions() if a.objectName() == "findPatientAction")
    assert action.shortcut().toString() == "Ctrl+F"
    action.trigger()
    assert window.stack.currentWidget() is search
    qtbot.waitUntil(lambda: search.search_box.hasFocus() or not window.isActiveWindow())


def register_elsewhere(clinic, first: str, last: str, born: str, phone: str) -> None:
    """A patient registered at another desk 20 s later (its own service: no shared index)."""
    elsewhere = PatientService(clinic.uow, clinic.clock, clinic_tz=CLINIC_TZ)
    clinic.clock.advance(seconds=20)
    form = {"first_name": first, "last_name": last, "date_of_birth": born, "phone": phone}
    elsewhere.register(clinic.desk, form)


def test_changes_from_another_workstation_appear_after_a_poll(qtbot, desk):
    clinic, window, search = desk
    window.show_page("patients")
    register_elsewhere(clinic, "Niamh", "Walsh", "1988-08-08", "0851234567")
    type_query(qtbot, search, "walsh")
    assert names(search) == []
    search.frontdesk.poll_timer.timeout.emit()  # what the 15-second timer does
    qtbot.waitUntil(lambda: names(search) == ["Niamh Walsh"])


def test_a_poll_keeps_the_query_and_the_selected_patient(qtbot, desk):
    clinic, window, search = desk
    window.show_page("patients")
    type_query(qtbot, search, "a")
    assert sorted(names(search)) == ["Ada Lovelace", "Zoë Adams"]
    chosen = names(search).index("Zoë Adams")
    search.table.selectRow(chosen)
    register_elsewhere(clinic, "Aaron", "Abbott", "1990-01-02", "0851234500")
    search.frontdesk.poll_timer.timeout.emit()
    qtbot.waitUntil(lambda: len(names(search)) == 3)  # the list refreshed under the cursor
    assert search.search_box.text() == "a"
    assert search.model.row_at(search.table.currentIndex().row()).name == "Zoë Adams"


def test_new_patient_is_prefilled_from_what_was_typed(qtbot, desk):
    _clinic, window, search = desk
    window.show_page("patients")
    type_query(qtbot, search, "maria lopez")
    assert names(search) == []
    assert "No patient matches" in search.summary.text()
    search.new_button.click()
    dialog = _wait_for_dialog(qtbot)
    assert dialog.edits["first_name"].text() == "Maria"
    assert dialog.edits["last_name"].text() == "Lopez"
    assert dialog.windowTitle() == "Register a new patient"
    dialog.close()


def _wait_for_dialog(qtbot) -> PatientDialog:
    found: list[PatientDialog] = []

    def visible() -> bool:
        found[:] = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, PatientDialog) and w.isVisible()
        ]
        return bool(found)

    qtbot.waitUntil(visible)
    return found[-1]


def test_front_desk_pages_and_a_clinicians_pages(qtbot, tmp_path, task_runner):
    clinic = build_clinic(tmp_path)
    window = HostWindow()
    qtbot.addWidget(window)
    desk_pages = frontdesk_pages(page_context(clinic, task_runner, window, clinic.desk))
    assert [p.title for p in desk_pages] == ["Appointment book", "Patients"]
    clinician = Actor.of(clinic.clinicians[0])
    other = HostWindow()
    qtbot.addWidget(other)
    pages = frontdesk_pages(page_context(clinic, task_runner, other, clinician))
    assert [p.title for p in pages] == ["My schedule", "Patients", "Digital twins"]
    search = pages[1].widget
    assert not search.new_button.isVisibleTo(search)
    admin = Actor.command_line("tests")
    third = HostWindow()
    qtbot.addWidget(third)
    admin_pages = frontdesk_pages(page_context(clinic, task_runner, third, admin))
    assert [p.title for p in admin_pages] == ["Appointment book", "Patients", "Digital twins"]
    assert admin.role is Role.ADMIN


def test_with_the_database_away_the_results_stay_and_the_line_says_why(
    qtbot, desk, screenshot, monkeypatch
):
    _clinic, window, search = desk
    window.show_page("patients")
    type_query(qtbot, search, "mull")
    width = window.minimumSizeHint().width()

    def away(actor, since):
        raise StorageUnavailable("lost", where="Check the network connection")

    monkeypatch.setattr(search.frontdesk.directory.services.patients, "changed_since", away)
    search.frontdesk.directory.poll()
    qtbot.waitUntil(lambda: "cannot be reached" in search.summary.text())
    assert names(search) == ["Jürgen Müller"]
    assert search.summary.text().startswith("1 patient found. The database cannot be reached")
    assert window.minimumSizeHint().width() <= width  # the long line wraps
    screenshot(window, "frontdesk_search_database_away")
    monkeypatch.undo()
    search.frontdesk.directory.poll()
    qtbot.waitUntil(lambda: search.summary.text() == "1 patient found.")
