"""The front-desk pages in the background: the book's 15-second refresh, the patient index's
polling, the idle lock. A real clinic file; the audit rows are read from its audit table."""

from __future__ import annotations

import pytest

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.users import Actor
from tests.gui.frontdesk_clinic import build_clinic, open_book, settle

AUDITOR = Actor.command_line("tests")


@pytest.fixture
def clinic(tmp_path, clinic_url):
    clinic = build_clinic(tmp_path, clinic_url)
    clinic.book("Müller", 0, 10)
    clinic.book("Ødegaard", 1, 9, kind="follow_up")
    return clinic


def book_reads(clinic) -> list[str]:
    """Audited reads of the appointment book, oldest first (their detail; the tests move the
    clock on between reads)."""
    events = clinic.services.audit.query(AUDITOR, action=AuditAction.READ)
    return [e.detail for e in reversed(events) if e.entity == "appointment_book"]


def test_the_15_second_refresh_is_not_audited_but_a_change_of_day_is(qtbot, clinic, task_runner):
    book = open_book(qtbot, clinic, task_runner)
    settle(qtbot, book)
    assert book_reads(clinic) == ["2 appointments from 2030-03-04 00:00 UTC"]
    clinic.book("Adams", 2, 13)  # at another desk
    clinic.clock.advance(seconds=15)
    book.refresh_timer.timeout.emit()  # what the timer does every 15 seconds
    qtbot.waitUntil(lambda: len(book.canvas.layout_data.blocks) == 3)
    clinic.clock.advance(seconds=15)
    book.refresh_timer.timeout.emit()
    settle(qtbot, book)
    assert len(book_reads(clinic)) == 1
    clinic.clock.advance(seconds=15)
    book.presenter.step(1)  # Alt+Right: the receptionist opens Tuesday
    settle(qtbot, book)
    assert book_reads(clinic)[1:] == ["0 appointments from 2030-03-05 00:00 UTC"]
    clinic.clock.advance(seconds=15)
    book.refresh_timer.timeout.emit()
    settle(qtbot, book)
    assert len(book_reads(clinic)) == 2
