"""Check in, complete, cancel, no-show, recurring series, refresh, and a clinician's day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.recurrence import Frequency
from novamind_desktop.domain.users import Actor
from novamind_desktop.presenters.book_view import BookingDraft
from novamind_desktop.ui.frontdesk.book_paint import block_tooltip
from novamind_desktop.ui.frontdesk.booking_dialog import BookingDialog
from novamind_desktop.ui.frontdesk.prompts import ReasonDialog
from tests.gui.frontdesk_clinic import (
    CLINIC_TZ,
    MONDAY,
    build_clinic,
    click,
    drag,
    open_book,
    point,
    reload,
    settle,
    wait_for,
)


@pytest.fixture
def clinic(tmp_path, clinic_url):
    clinic = build_clinic(tmp_path, clinic_url)
    clinic.book("Müller", 0, 10)
    clinic.book("O'Brien", 0, 11, kind="follow_up")
    clinic.book("Lovelace", 1, 9)
    return clinic


def menu_action(book, appointment_id, status: AppointmentStatus):
    block = book.canvas.layout_data.block(appointment_id)
    menu = book.status_menu(block)
    names = [a.objectName() for a in menu.actions() if a.objectName()]
    action = next((a for a in menu.actions() if a.objectName() == f"status_{status}"), None)
    return action, names


def set_status(qtbot, book, clinic, appointment_id, status) -> None:
    action, names = menu_action(book, appointment_id, status)
    assert action is not None, names
    shown_version = book.canvas.layout_data.block(appointment_id).appointment.version
    action.trigger()
    qtbot.waitUntil(lambda: _shown_version(book, appointment_id) != shown_version)


def tooltip(book, appointment_id) -> str:
    """What the pointer resting on the block shows."""
    return block_tooltip(book.canvas.layout_data.block(appointment_id))


def _shown_version(book, appointment_id) -> int | None:
    """The version the book shows (None once hidden): changes when the book has reloaded."""
    block = book.canvas.layout_data.block(appointment_id)
    return None if block is None else block.appointment.version


def test_check_in_then_complete_stamped_with_time_and_user(qtbot, clinic, task_runner):
    book = open_book(qtbot, clinic, task_runner)
    muller = clinic.booked[0]
    _, names = menu_action(book, muller.id, AppointmentStatus.CHECKED_IN)
    assert names == [
        "status_checked_in", "status_cancelled", "status_late_cancelled", "status_no_show"
    ]  # fmt: skip
    set_status(qtbot, book, clinic, muller.id, AppointmentStatus.CHECKED_IN)
    stored = clinic.stored(muller.id)
    assert stored.status is AppointmentStatus.CHECKED_IN
    assert stored.status_changed_by == "desk" and stored.status_changed_at == clinic.clock.now()
    assert book.canvas.layout_data.block(muller.id).status is AppointmentStatus.CHECKED_IN
    assert "Checked in 08:55 by desk" in tooltip(book, muller.id)  # March: London is UTC
    _, names = menu_action(book, muller.id, AppointmentStatus.COMPLETED)
    assert names == ["status_completed", "status_scheduled"]
    clinic.clock.advance(minutes=50)
    set_status(qtbot, book, clinic, muller.id, AppointmentStatus.COMPLETED)
    assert clinic.stored(muller.id).status is AppointmentStatus.COMPLETED
    assert "Completed 09:45 by desk" in tooltip(book, muller.id)
    assert "Checked in" not in tooltip(book, muller.id)  # the latest change; the audit log has all
    assert menu_action(book, muller.id, AppointmentStatus.CANCELLED)[1] == []


def test_cancel_with_a_reason_frees_the_slot(qtbot, clinic, task_runner, screenshot):
    book = open_book(qtbot, clinic, task_runner)
    obrien = clinic.booked[1]
    action, _ = menu_action(book, obrien.id, AppointmentStatus.CANCELLED)
    action.trigger()
    dialog = wait_for(qtbot, ReasonDialog)
    assert not dialog.following.isVisibleTo(dialog)  # not part of a series
    dialog.reason.setCurrentText("Patient unwell")
    screenshot(dialog, "frontdesk_cancel_reason")
    dialog.ok.click()
    qtbot.waitUntil(lambda: book.canvas.layout_data.block(obrien.id) is None)  # hidden
    assert clinic.stored(obrien.id).status is AppointmentStatus.CANCELLED
    assert clinic.stored(obrien.id).cancellation_reason == "Patient unwell"
    book.toolbar.cancelled_box.setChecked(True)
    settle(qtbot, book)
    assert book.canvas.layout_data.block(obrien.id).status is AppointmentStatus.CANCELLED
    clinic.book("Adams", 0, 11, kind="follow_up")  # the freed slot can be booked again


def test_no_show_and_late_cancel(qtbot, clinic, task_runner, screenshot):
    book = open_book(qtbot, clinic, task_runner)
    muller, obrien = clinic.booked[0], clinic.booked[1]
    clinic.clock.advance(hours=1, minutes=30)  # 10:25: Mr Müller has not come
    set_status(qtbot, book, clinic, muller.id, AppointmentStatus.NO_SHOW)
    assert clinic.stored(muller.id).status is AppointmentStatus.NO_SHOW
    action, _ = menu_action(book, obrien.id, AppointmentStatus.LATE_CANCELLED)
    action.trigger()
    dialog = wait_for(qtbot, ReasonDialog)
    dialog.reason.setCurrentText("Called at 10:40, car broke down")
    dialog.ok.click()
    qtbot.waitUntil(lambda: clinic.stored(obrien.id).status is AppointmentStatus.LATE_CANCELLED)
    book.toolbar.cancelled_box.setChecked(True)
    settle(qtbot, book)
    assert "Marked as no-show 10:25 by desk" in tooltip(book, muller.id)
    assert "Cancelled late 10:25 by desk" in tooltip(book, obrien.id)
    screenshot(book.window(), "frontdesk_book_statuses")


def booking_for_odegaard(qtbot, book, clinic, kind: str) -> BookingDialog:
    """The booking dialog on Sam Okafor's 15:00, Søren Ødegaard picked by search, `kind` set."""
    start = clinic.at(15).astimezone(clinic.booked[0].start.tzinfo)
    book.open_booking(BookingDraft(clinic.clinicians[2].id, start, start))
    dialog = wait_for(qtbot, BookingDialog)
    dialog.picker.edit.insert("Ødegaard")
    dialog.picker.flush()
    dialog.picker.choose(dialog.picker.matches.item(0).data(Qt.ItemDataRole.UserRole))
    dialog.kind.setCurrentIndex(dialog.kind.findData(kind))
    return dialog


def test_weekly_series_then_move_and_cancel_this_and_following(qtbot, clinic, task_runner):
    book = open_book(qtbot, clinic, task_runner)
    dialog = booking_for_odegaard(qtbot, book, clinic, "therapy")
    dialog.repeat.set_frequency(Frequency.WEEKLY)
    dialog.repeat.times.setValue(4)
    assert dialog.form().repeat is Frequency.WEEKLY and dialog.form().count == 4
    dialog.book_button.click()
    qtbot.waitUntil(lambda: len(_series(clinic)) == 4)
    series = _series(clinic)
    assert [a.start - series[0].start for a in series] == [timedelta(weeks=n) for n in range(4)]
    bar = book.window().statusBar()
    qtbot.waitUntil(lambda: "Booked 4 appointments" in bar.currentMessage())
    # Week 2: move it and every later one an hour later.
    book.presenter.go_to(MONDAY + timedelta(weeks=1))
    settle(qtbot, book)
    second = series[1]
    drag(book, point(book, 2, 15 * 60 + 20), point(book, 2, 16 * 60 + 20))
    box = wait_for(qtbot, QMessageBox, "frontdeskScope")
    click(box, "allFollowing")
    qtbot.waitUntil(lambda: clinic.stored(second.id).version > second.version)
    moved = _series(clinic)
    assert [a.start - s.start for a, s in zip(moved, series, strict=True)] == [
        timedelta(0), timedelta(hours=1), timedelta(hours=1), timedelta(hours=1)
    ]  # fmt: skip
    # Week 3: cancel it and the one after.
    book.presenter.go_to(MONDAY + timedelta(weeks=2))
    settle(qtbot, book)
    third = moved[2]
    action, _ = menu_action(book, third.id, AppointmentStatus.CANCELLED)
    action.trigger()
    reason = wait_for(qtbot, ReasonDialog)
    assert reason.following.isVisibleTo(reason)
    reason.following.setChecked(True)
    reason.ok.click()
    qtbot.waitUntil(lambda: clinic.stored(moved[3].id).status is AppointmentStatus.CANCELLED)
    statuses = [a.status for a in _series(clinic)]
    assert statuses == [AppointmentStatus.SCHEDULED] * 2 + [AppointmentStatus.CANCELLED] * 2


def test_a_monthly_virtual_series_until_a_date(qtbot, clinic, task_runner):
    book = open_book(qtbot, clinic, task_runner)
    dialog = booking_for_odegaard(qtbot, book, clinic, "medication_review")
    dialog.location.clear()  # where does not matter for a video call...
    dialog.virtual.click()
    assert not dialog.location.isEnabled()
    dialog.repeat.set_frequency(Frequency.MONTHLY)
    dialog.repeat.by_date.click()
    dialog.repeat.end_date.setDate(QDate(2030, 6, 4))  # the last one falls on the day itself
    form = dialog.form()
    assert (form.repeat, form.count, form.until) == (Frequency.MONTHLY, None, date(2030, 6, 4))
    dialog.book_button.click()
    qtbot.waitUntil(lambda: len(_series(clinic)) == 4)
    series = _series(clinic)
    days = [a.start.astimezone(CLINIC_TZ).date() for a in series]
    assert days == [date(2030, m, 4) for m in (3, 4, 5, 6)]  # 4 Mar, 4 Apr, 4 May, 4 Jun
    assert all(a.virtual and a.location == "" for a in series)  # ...and none was asked for
    assert all(a.appointment_type == "medication_review" for a in series)
    # April's moves an hour later, alone.
    book.presenter.go_to(date(2030, 4, 4))
    settle(qtbot, book)
    drag(book, point(book, 2, 15 * 60 + 10), point(book, 2, 16 * 60 + 10))
    click(wait_for(qtbot, QMessageBox, "frontdeskScope"), "onlyThis")
    qtbot.waitUntil(lambda: clinic.stored(series[1].id).version > series[1].version)
    moved = _series(clinic)
    assert [a.start - s.start for a, s in zip(moved, series, strict=True)] == [
        timedelta(0), timedelta(hours=1), timedelta(0), timedelta(0)
    ]  # fmt: skip


def _series(clinic):
    patient = clinic.patient("Ødegaard").id
    found = clinic.services.appointments.for_patient(clinic.desk, patient)
    return [a for a in found if a.series_id is not None]


def test_another_workstations_booking_appears_and_the_selection_stays(qtbot, clinic, task_runner):
    book = open_book(qtbot, clinic, task_runner)
    muller = clinic.booked[0]
    book.canvas.select(muller.id)
    clinic.book("Adams", 1, 13)  # booked at the other desk
    book.refresh_timer.timeout.emit()  # the 15-second refresh
    qtbot.waitUntil(lambda: len(book.canvas.layout_data.blocks) == 4)
    assert book.canvas.selected == muller.id


def test_a_move_into_a_taken_slot_says_who_is_there(qtbot, clinic, task_runner):
    book = open_book(qtbot, clinic, task_runner)
    drag(book, point(book, 0, 10 * 60 + 20), point(book, 1, 9 * 60 + 20))
    click(wait_for(qtbot, QMessageBox, "frontdeskConfirm"), "Move")
    error = wait_for(qtbot, QMessageBox, "frontdeskError")
    assert "Dr Tom Chen is already booked at that time" in error.text()
    assert "Ada Lovelace — Therapy, Mon 04 Mar 09:00–09:50 (scheduled)" in error.text()
    error.accept()
    reload(qtbot, book)
    assert clinic.stored(clinic.booked[0].id).clinician_id == clinic.clinicians[0].id


def test_a_clinician_sees_only_their_own_schedule_and_cannot_book(
    qtbot, clinic, task_runner, screenshot
):
    rivera = Actor.of(clinic.clinicians[0])
    book = open_book(qtbot, clinic, task_runner, rivera)
    assert book.objectName() == "mySchedulePage"
    assert [c.title for c in book.canvas.layout_data.columns] == ["Dr Amara Rivera"]
    assert {b.clinician_name for b in book.canvas.layout_data.blocks} == {"Dr Amara Rivera"}
    assert not book.toolbar.book_button.isVisibleTo(book)
    drag(book, point(book, 0, 8 * 60 + 30), point(book, 0, 9 * 60 + 30))  # an empty slot
    assert not [w for w in book.window().findChildren(BookingDialog) if w.isVisible()]
    muller = clinic.booked[0]
    _, names = menu_action(book, muller.id, AppointmentStatus.CHECKED_IN)
    assert names == ["status_checked_in", "status_no_show"]
    set_status(qtbot, book, clinic, muller.id, AppointmentStatus.CHECKED_IN)
    assert clinic.stored(muller.id).status_changed_by == "rivera"
    screenshot(book.window(), "clinician_my_schedule")
