"""The appointment book as the front desk uses it on a Monday morning: look, book, drag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.ui.frontdesk.book_geometry import HEADER_HEIGHT
from novamind_desktop.ui.frontdesk.booking_dialog import BookingDialog
from tests.gui.frontdesk_clinic import (
    build_clinic,
    click,
    drag,
    drop,
    hold_and_move,
    open_book,
    point,
    reload,
    settle,
    wait_for,
)


@pytest.fixture
def clinic(tmp_path, clinic_url):
    clinic = build_clinic(tmp_path, clinic_url)
    clinic.book("Müller", 0, 10, kind="therapy")
    clinic.book("O'Brien", 0, 11, kind="intake", virtual=True, location="")
    clinic.book("Ødegaard", 1, 9, kind="follow_up")
    clinic.book("Lovelace", 1, 9, 30, kind="medication_review", location="Room 3")
    clinic.book("Adams", 2, 14, kind="therapy")
    return clinic


def columns(book) -> list[str]:
    return [c.title for c in book.canvas.layout_data.columns]


def columns_day(book):
    (day,) = {c.day for c in book.canvas.layout_data.columns}
    return day


def patients_in(book, column: int) -> list[str]:
    blocks = [b for b in book.canvas.layout_data.blocks if b.column == column]
    return [b.patient_name for b in sorted(blocks, key=lambda b: b.start_minute)]


def test_day_view_shows_every_clinician_side_by_side(qtbot, clinic, task_runner, screenshot):
    book = open_book(qtbot, clinic, task_runner)
    qtbot.waitUntil(lambda: len(book.canvas.layout_data.blocks) == 5)
    assert columns(book) == ["Dr Amara Rivera", "Dr Tom Chen", "Sam Okafor"]
    assert patients_in(book, 0) == ["Jürgen Müller", "Siobhán O'Brien"]
    assert patients_in(book, 1) == ["Søren Ødegaard", "Ada Lovelace"]
    muller = book.canvas.layout_data.blocks[0]
    assert (muller.start_minute, muller.end_minute, muller.type_label) == (600, 650, "Therapy")
    assert book.toolbar.heading.text() == "Today, Monday"
    screenshot(book.window(), "frontdesk_book_day")
    book.toolbar._choose([clinic.clinicians[1].id])  # only Dr Chen today
    settle(qtbot, book)
    assert columns(book) == ["Dr Tom Chen"]
    assert book.toolbar.clinician_button.text() == "Clinicians: 1 of 3"


def test_week_view_for_one_clinician(qtbot, clinic, task_runner, screenshot):
    clinic.book("Lovelace", 0, 9, day=clinic.at(0).date() + timedelta(days=2))
    book = open_book(qtbot, clinic, task_runner)
    click(book.toolbar, "weekMode")
    settle(qtbot, book)
    assert columns(book) == [
        "Mon 04 Mar", "Tue 05 Mar", "Wed 06 Mar", "Thu 07 Mar", "Fri 08 Mar"
    ]  # fmt: skip
    assert patients_in(book, 0) == ["Jürgen Müller", "Siobhán O'Brien"]
    assert patients_in(book, 2) == ["Ada Lovelace"]
    assert book.toolbar.week_combo.isVisibleTo(
        book
    ) and not book.toolbar.clinician_button.isVisibleTo(book)
    screenshot(book.window(), "frontdesk_book_week")
    book.toolbar.week_combo.setCurrentIndex(1)
    settle(qtbot, book)
    assert patients_in(book, 0) == ["Søren Ødegaard", "Ada Lovelace"]
    book.presenter.step(1)
    settle(qtbot, book)
    assert book.canvas.layout_data.blocks == ()
    assert book.toolbar.heading.text() == "Next week"
    assert book.toolbar.week_combo.currentText() == "Dr Tom Chen"


def test_drag_on_an_empty_slot_books_the_patient_picked_by_search(
    qtbot, clinic, task_runner, screenshot
):
    book = open_book(qtbot, clinic, task_runner)
    drag(book, point(book, 1, 11 * 60), point(book, 1, 11 * 60 + 50))
    dialog = wait_for(qtbot, BookingDialog)
    assert dialog.clinician.currentText() == "Dr Tom Chen"
    assert dialog.time.time().toString("HH:mm") == "11:00"
    assert dialog.minutes.value() == 50
    qtbot.keyClicks(dialog.picker.edit, "lovel")
    qtbot.waitUntil(lambda: dialog.picker.matches.count() == 1)
    qtbot.keyClick(dialog.picker.edit, Qt.Key.Key_Return)
    assert dialog.picker.patient.name == "Ada Lovelace"
    dialog.kind.setCurrentIndex(dialog.kind.findData("intake"))
    assert dialog.minutes.value() == 60  # the type sets the default length
    screenshot(dialog, "frontdesk_booking_dialog")
    dialog.book_button.click()
    qtbot.waitUntil(lambda: "Ada Lovelace" in patients_in(book, 1)[2:])
    booked = [s for s in clinic.on_day() if s.patient_name == "Ada Lovelace"]
    assert sorted(s.appointment.start.astimezone(clinic.at(0).tzinfo).strftime("%H:%M")
                  for s in booked) == ["09:30", "11:00"]  # fmt: skip


def test_a_missing_patient_is_pointed_out_not_booked(qtbot, clinic, task_runner):
    book = open_book(qtbot, clinic, task_runner)
    book.new_booking()
    dialog = wait_for(qtbot, BookingDialog)
    dialog.book_button.click()
    assert dialog.errors["patient"].isVisibleTo(dialog)
    assert "Choose the patient" in dialog.errors["patient"].text()
    dialog.reject()


def test_a_taken_slot_names_the_booking_in_the_way(qtbot, clinic, task_runner, screenshot):
    book = open_book(qtbot, clinic, task_runner)
    book.open_booking(_draft(book, 0, 10 * 60 + 20))
    dialog = wait_for(qtbot, BookingDialog)
    dialog.picker.edit.insert("Zoë")  # one match: Book takes it without picking from the list
    dialog.book_button.click()
    qtbot.waitUntil(lambda: dialog.general_error.isVisible())
    text = dialog.general_error.text()
    assert "Dr Amara Rivera is already booked" in text
    assert "Jürgen Müller — Therapy, Mon 04 Mar 10:00–10:50 (scheduled)" in text
    screenshot(dialog, "frontdesk_booking_slot_taken")
    dialog.reject()


def _draft(book, column: int, minute: int):
    from novamind_desktop.presenters.book_layout import at_minute
    from novamind_desktop.presenters.book_view import BookingDraft

    col = book.presenter.layout.columns[column]
    start = at_minute(col.day, minute, book.presenter.tz)
    return BookingDraft(col.clinician_id, start, start)


def test_next_available_slot_skips_booked_time(qtbot, clinic, task_runner):
    clinic.book("Adams", 0, 9, kind="follow_up")  # Rivera: 09:00-09:30, 10:00-10:50, 11:00-12:00
    book = open_book(qtbot, clinic, task_runner)
    book.open_booking(_draft(book, 0, 9 * 60))
    dialog = wait_for(qtbot, BookingDialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("therapy"))
    click(dialog, "nextAvailable")
    qtbot.waitUntil(lambda: dialog.time.time().toString("HH:mm") != "09:00")
    assert dialog.time.time().toString("HH:mm") == "12:00"
    assert dialog.minutes.value() == 50
    dialog.reject()


def test_drag_a_block_to_another_time_and_clinician_after_confirming(
    qtbot, clinic, task_runner, screenshot
):
    book = open_book(qtbot, clinic, task_runner)
    muller = clinic.booked[0]
    drag(book, point(book, 0, 10 * 60 + 20), point(book, 2, 16 * 60 + 20))
    box = wait_for(qtbot, QMessageBox, "frontdeskConfirm")
    assert box.text() == (
        "Move Jürgen Müller's therapy from Mon 04 Mar 10:00–10:50 to "
        "Mon 04 Mar 16:00–16:50 with Sam Okafor?"
    )
    screenshot(box, "frontdesk_move_confirm")
    click(box, "Move")
    qtbot.waitUntil(lambda: "Jürgen Müller" in patients_in(book, 2))
    moved = clinic.stored(muller.id)
    assert moved.clinician_id == clinic.clinicians[2].id
    assert moved.start == clinic.at(16).astimezone(moved.start.tzinfo)


def test_a_refresh_during_a_drag_waits_for_the_drop(qtbot, clinic, task_runner):
    book = open_book(qtbot, clinic, task_runner)
    muller = clinic.booked[0]
    target = point(book, 2, 16 * 60 + 20)
    hold_and_move(book, point(book, 0, 10 * 60 + 20), target)
    clinic.book("Lovelace", 0, 13)  # at another desk, while the receptionist drags
    book.refresh_timer.timeout.emit()  # the 15-second refresh
    qtbot.waitUntil(lambda: book.canvas._pending is not None)  # arrived, held back
    assert patients_in(book, 0) == ["Jürgen Müller", "Siobhán O'Brien"]  # nothing jumped
    drop(book, target)
    click(wait_for(qtbot, QMessageBox, "frontdeskConfirm"), "Move")
    qtbot.waitUntil(lambda: "Jürgen Müller" in patients_in(book, 2))
    assert clinic.stored(muller.id).clinician_id == clinic.clinicians[2].id
    assert patients_in(book, 0) == ["Siobhán O'Brien", "Ada Lovelace"]  # and the refresh shown


def test_the_keyboard_goes_from_appointment_to_appointment(qtbot, clinic, task_runner):
    book = open_book(qtbot, clinic, task_runner)
    canvas = book.canvas
    canvas.setFocus()
    # What the page does with the two signals (a menu, the patient's record) is what the mouse
    # tests check; here only that the keys ask for them.
    canvas.context_requested.disconnect()
    canvas.activated.disconnect()

    def selected() -> str:
        return canvas.selected_block().patient_name

    qtbot.keyClick(canvas, Qt.Key.Key_Down)  # nothing selected: the first of the first column
    assert selected() == "Jürgen Müller"
    qtbot.keyClick(canvas, Qt.Key.Key_Down)
    assert selected() == "Siobhán O'Brien"  # 11:00, after Müller's 10:00
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    assert selected() == "Ada Lovelace"  # Dr Chen's nearest to 11:00 is 09:30
    qtbot.keyClick(canvas, Qt.Key.Key_Up)
    assert selected() == "Søren Ødegaard"
    with qtbot.waitSignal(canvas.context_requested) as menu:
        qtbot.keyClick(canvas, Qt.Key.Key_Menu)  # the status menu, for the selected one
    assert menu.args[0].patient_name == "Søren Ødegaard"
    with qtbot.waitSignal(canvas.activated) as opened:
        qtbot.keyClick(canvas, Qt.Key.Key_Return)
    assert opened.args[0].patient_name == "Søren Ødegaard"
    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert canvas.selected is None


def test_declining_the_confirmation_leaves_the_appointment(qtbot, clinic, task_runner):
    book = open_book(qtbot, clinic, task_runner)
    muller = clinic.booked[0]
    drag(book, point(book, 0, 10 * 60 + 20), point(book, 0, 13 * 60 + 20))
    click(wait_for(qtbot, QMessageBox, "frontdeskConfirm"), "Keep as it was")
    reload(qtbot, book)
    assert clinic.stored(muller.id).version == muller.version


def test_drag_the_lower_edge_to_make_it_longer(qtbot, clinic, task_runner):
    book = open_book(qtbot, clinic, task_runner)
    muller = clinic.booked[0]
    geo = book.canvas.geometry_now()
    bottom = geo.block_rect(book.canvas.layout_data.block(muller.id)).bottom() - 2
    start = point(book, 0, 0)
    start.setY(bottom)
    end = point(book, 0, 11 * 60)
    drag(book, start, end)
    box = wait_for(qtbot, QMessageBox, "frontdeskConfirm")
    assert "to Mon 04 Mar 10:00–11:00?" in box.text()
    click(box, "Move")
    qtbot.waitUntil(lambda: clinic.stored(muller.id).version > muller.version)
    stored = clinic.stored(muller.id)
    assert stored.end - stored.start == timedelta(hours=1)
    assert stored.status is AppointmentStatus.SCHEDULED


def test_today_opens_at_the_time_of_day_and_the_today_button_returns_to_it(
    qtbot, clinic, task_runner
):
    """At 12:20 the desk wants midday and the afternoon: now in view with the last hour above
    it, not 07:30 with now near the fold. Back from another day, Today does the same."""
    clinic.clock.current = datetime(2030, 3, 4, 12, 20, tzinfo=UTC)  # London is on UTC
    now_minute = 12 * 60 + 20
    book = open_book(qtbot, clinic, task_runner)
    settle(qtbot, book)

    def shown() -> tuple[float, float]:
        geo = book.canvas.geometry_now()
        viewport = book.canvas.viewport().height()
        return geo.minute_at(HEADER_HEIGHT), geo.minute_at(viewport)

    top, bottom = shown()  # as far down as the grid goes, in a window this tall
    assert 9 * 60 < top <= now_minute - 60 and bottom > now_minute + 60
    book.window().resize(1024, 560)
    qtbot.waitUntil(lambda: shown()[1] - shown()[0] < 6 * 60)
    book.canvas.verticalScrollBar().setValue(0)
    book.presenter.step(1)  # Tuesday: the grid stays where the person left it
    settle(qtbot, book)
    assert shown()[0] < 9 * 60
    book.toolbar.today_requested.emit()  # the Today button
    settle(qtbot, book)
    assert book.presenter.day == clinic.clock.now().date()
    assert shown()[0] == pytest.approx(now_minute - 60, abs=2)
    book.canvas.verticalScrollBar().setValue(0)
    book.presenter.step(1)  # Tuesday asked for, and before it is back …
    book.toolbar.today_requested.emit()  # … Today: Tuesday's layout does not take the scroll
    qtbot.waitUntil(lambda: book.presenter.day == clinic.clock.now().date())
    settle(qtbot, book)
    assert columns_day(book) == clinic.clock.now().date()
    assert shown()[0] == pytest.approx(now_minute - 60, abs=2)
