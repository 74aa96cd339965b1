"""Registering and editing patients as a receptionist does, on a real SQLite clinic."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget
from shiboken6 import isValid

from novamind_desktop.domain.patients import details_as_text
from novamind_desktop.services.patients import PatientService
from novamind_desktop.ui.frontdesk.conflict_dialog import ConflictDialog
from novamind_desktop.ui.frontdesk.hub import FrontDesk
from novamind_desktop.ui.frontdesk.patient_dialog import PatientDialog
from tests.gui.frontdesk_clinic import CLINIC_TZ, HostWindow, build_clinic, page_context


@pytest.fixture
def desk(qtbot, tmp_path, task_runner, clinic_url):
    clinic = build_clinic(tmp_path, clinic_url)
    window = HostWindow()
    qtbot.addWidget(window)
    frontdesk = FrontDesk(page_context(clinic, task_runner, window, clinic.desk))
    frontdesk.start()
    window.show()
    qtbot.waitUntil(lambda: frontdesk.directory.ready)
    return clinic, window, frontdesk


def fill(qtbot, dialog: PatientDialog, **values: str) -> None:
    for name, text in values.items():
        edit = dialog.edits[name]
        edit.clear()
        if text.isascii():
            qtbot.keyClicks(edit, text)
        else:  # QTest can only type ASCII keys; insert() is what an input method does
            edit.insert(text)


def wait_for(qtbot, kind: type, check: Callable[[QWidget], bool] = lambda w: True) -> QWidget:
    found: list[QWidget] = []

    def present() -> bool:
        found[:] = [
            w for w in QApplication.topLevelWidgets()
            if isinstance(w, kind) and w.isVisible() and check(w)
        ]  # fmt: skip
        return bool(found)

    qtbot.waitUntil(present)
    return found[-1]


def closed(dialog: QWidget) -> bool:
    """Closed dialogs delete themselves (WA_DeleteOnClose)."""
    return not isValid(dialog) or not dialog.isVisible()


def button(box: QWidget, text: str) -> QPushButton:
    return next(b for b in box.findChildren(QPushButton) if b.text() == text)


def test_a_refused_form_keeps_the_text_and_points_at_each_field(qtbot, desk, screenshot):
    _clinic, window, frontdesk = desk
    dialog = frontdesk.new_patient()
    fill(qtbot, dialog, last_name="Kowalski", date_of_birth="2099-01-01", phone="call me")
    fill(qtbot, dialog, email="not an email", city="Kraków")
    dialog.save_button.click()
    errors = {n: e.text() for n, e in dialog.errors.items() if e.isVisibleTo(dialog)}
    assert errors == {
        "first_name": "First name is required.",
        "date_of_birth": "Date of birth is in the future.",
        "phone": "Phone number may contain only digits, spaces, + - ( ).",
        "email": "Email address is not valid.",
    }
    assert dialog.edits["city"].text() == "Kraków"  # nothing typed is lost
    assert dialog.edits["phone"].text() == "call me"
    screenshot(dialog, "frontdesk_patient_form_errors")
    fill(qtbot, dialog, first_name="Anna", date_of_birth="02/02/1992", phone="0161 496 0000")
    fill(qtbot, dialog, email="anna@example.pl")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: closed(dialog))
    assert [r.name for r in frontdesk.directory.search("kowal")] == ["Anna Kowalski"]
    assert "Anna Kowalski registered." in window.statusBar().currentMessage()


def test_registration_warns_of_a_duplicate_and_opens_that_one_instead(qtbot, desk, screenshot):
    _clinic, _window, frontdesk = desk
    dialog = frontdesk.new_patient()
    fill(qtbot, dialog, first_name="jürgen", last_name="MÜLLER", date_of_birth="1984-03-27")
    fill(qtbot, dialog, phone="0049 30 1234567")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.duplicates.isVisible())
    labels = " ".join(w.text() for w in dialog.duplicates.findChildren(type(dialog.banner)))
    assert "Jürgen Müller" in labels and "same name and date of birth" in labels
    screenshot(dialog, "frontdesk_patient_duplicate_warning")
    button(dialog.duplicates, "Open this one instead").click()
    existing = wait_for(qtbot, PatientDialog, lambda d: d is not dialog)
    qtbot.waitUntil(lambda: existing.edits["last_name"].text() == "Müller")
    assert existing.windowTitle() == "Patient — Jürgen Müller"
    assert len(frontdesk.directory.search("muller")) == 1  # nothing was registered


def test_someone_else_after_all_is_registered_anyway(qtbot, desk):
    _clinic, _window, frontdesk = desk
    dialog = frontdesk.new_patient()
    fill(qtbot, dialog, first_name="Conor", last_name="O'Brien", date_of_birth="2015-06-01")
    fill(qtbot, dialog, phone="01632 960123")  # the family's shared landline
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.duplicates.isVisible())
    labels = " ".join(w.text() for w in dialog.duplicates.findChildren(type(dialog.banner)))
    assert "same phone" in labels
    dialog.duplicates.anyway.click()
    qtbot.waitUntil(lambda: closed(dialog))
    found = sorted(r.name for r in frontdesk.directory.search("o'brien"))
    assert found == ["Conor O'Brien", "Siobhán O'Brien"]


def test_a_stale_save_shows_both_versions_and_reapplies_mine(qtbot, desk, screenshot):
    clinic, _window, frontdesk = desk
    lovelace = clinic.patient("Lovelace")
    dialog = frontdesk.open_patient(lovelace.id)
    qtbot.waitUntil(lambda: dialog.edits["last_name"].text() == "Lovelace")
    # Meanwhile, at the other desk, someone corrects the phone number.
    elsewhere = PatientService(clinic.uow, clinic.clock, clinic_tz=CLINIC_TZ)
    theirs = {**details_as_text(lovelace.details), "phone": "020 7946 0999"}
    elsewhere.update(clinic.desk, lovelace.id, lovelace.version, theirs)
    fill(qtbot, dialog, email="ada@example.org")
    dialog.save_button.click()
    conflict = wait_for(qtbot, ConflictDialog)
    rows = {
        conflict.table.item(r, 0).text(): (
            conflict.table.item(r, 1).text(),
            conflict.table.item(r, 2).text(),
        )
        for r in range(conflict.table.rowCount())
    }
    assert rows["Phone"] == ("02079460999", "02079460018")
    assert rows["Email"] == ("—", "ada@example.org")
    screenshot(conflict, "frontdesk_patient_conflict")
    button(conflict, "Re-apply my changes").click()
    qtbot.waitUntil(lambda: closed(dialog))
    stored = clinic.services.patients.get(clinic.desk, lovelace.id)
    assert stored.details.email == "ada@example.org"  # mine
    assert stored.details.phone == "02079460999"  # theirs, not silently overwritten


def test_deactivate_after_confirming_then_reactivate(qtbot, desk, screenshot):
    clinic, _window, frontdesk = desk
    adams = clinic.patient("Adams")
    dialog = frontdesk.open_patient(adams.id)
    qtbot.waitUntil(lambda: dialog.active_button.isVisible())
    assert dialog.active_button.text() == "Deactivate…"
    dialog.active_button.click()
    box = wait_for(qtbot, QMessageBox)
    button(box, "Deactivate").click()
    qtbot.waitUntil(lambda: dialog.banner.isVisible())
    assert dialog.active_button.text() == "Reactivate"
    screenshot(dialog, "frontdesk_patient_inactive")
    assert frontdesk.directory.search("zoe")[0].active is False
    assert not clinic.services.patients.get(clinic.desk, adams.id).active
    dialog.active_button.click()
    qtbot.waitUntil(lambda: not dialog.banner.isVisible())
    assert clinic.services.patients.get(clinic.desk, adams.id).active
    dialog.close()
