"""The day sheet: the whole clinic's or one clinician's day, previewed, printed, saved as PDF."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader
from PySide6.QtPrintSupport import QPrintPreviewDialog, QPrintPreviewWidget
from shiboken6 import isValid

from tests.gui.frontdesk_clinic import build_clinic, open_book, wait_for


@pytest.fixture
def clinic(tmp_path, clinic_url):
    clinic = build_clinic(tmp_path, clinic_url)
    clinic.book("Müller", 0, 10)
    clinic.book("O'Brien", 0, 8, 30, kind="follow_up")
    clinic.book("Lovelace", 1, 9, 15, kind="medication_review", location="Room 3")
    clinic.book("Adams", 2, 14, kind="intake", virtual=True, location="")
    return clinic


def pdf_text(path) -> str:
    """The PDF's text with runs of white space as one space (Qt places words one by one)."""
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def open_sheet(qtbot, book):
    dialog = book.open_day_sheet()
    qtbot.waitUntil(lambda: dialog.pdf_button.isEnabled())
    return dialog


def test_whole_clinic_sheet_as_pdf_has_every_time_and_name(
    qtbot, clinic, task_runner, tmp_path, screenshot
):
    book = open_book(qtbot, clinic, task_runner)
    dialog = open_sheet(qtbot, book)
    assert dialog.who.currentText() == "Whole clinic"
    screenshot(dialog, "frontdesk_day_sheet")
    path = dialog.export_pdf(tmp_path / "day-sheet.pdf")
    text = pdf_text(path)
    for expected in (
        "Day sheet",
        "Monday 04 March 2030",
        "Dr Amara Rivera",
        "08:30",
        "Siobhán O'Brien",
        "10:00",
        "Jürgen Müller",
        "Dr Tom Chen",
        "09:15",
        "Ada Lovelace",
        "Room 3",
        "Sam Okafor",
        "14:00",
        "Zoë Adams",
        "Virtual",
    ):
        assert expected in text, expected
    # In time order within each clinician.
    assert text.index("08:30") < text.index("10:00") < text.index("Dr Tom Chen")


def test_one_clinicians_sheet_leaves_the_others_out(qtbot, clinic, task_runner, tmp_path):
    book = open_book(qtbot, clinic, task_runner)
    dialog = open_sheet(qtbot, book)
    dialog.who.setCurrentIndex(dialog.who.findText("Dr Tom Chen"))
    qtbot.waitUntil(lambda: dialog.sheet is not None and "Dr Tom Chen" in dialog.sheet.title)
    qtbot.waitUntil(lambda: dialog.pdf_button.isEnabled())
    text = pdf_text(dialog.export_pdf(tmp_path / "chen.pdf"))
    assert "Ada Lovelace" in text and "09:15" in text
    assert "Müller" not in text and "Zoë" not in text


def test_print_preview_opens_with_the_sheet(qtbot, clinic, task_runner):
    book = open_book(qtbot, clinic, task_runner)
    dialog = open_sheet(qtbot, book)
    dialog.print_preview()
    preview = wait_for(qtbot, QPrintPreviewDialog)
    assert preview.objectName() == "sheetPrintPreview"
    pages = preview.findChild(QPrintPreviewWidget)
    qtbot.waitUntil(lambda: pages.pageCount() >= 1)  # the sheet was laid out on paper
    preview.reject()
    qtbot.waitUntil(lambda: not isValid(preview) or not preview.isVisible())


def test_an_unwritable_folder_is_reported(qtbot, clinic, task_runner, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    book = open_book(qtbot, clinic, task_runner)
    dialog = open_sheet(qtbot, book)
    assert dialog.export_pdf(tmp_path / "no such folder" / "sheet.pdf") is None
    error = wait_for(qtbot, QMessageBox, "frontdeskError")
    assert "could not be saved" in error.text()
    error.accept()
