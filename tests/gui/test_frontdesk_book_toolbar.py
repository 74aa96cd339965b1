"""The appointment book's toolbar in the real main window, from a 1024 px screen up: every
control whole, inside the window and clear of the others, in day and in week view."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from novamind_desktop.ui.frontdesk.book_page import AppointmentBookPage
from novamind_desktop.ui.main_window import MainWindow
from novamind_desktop.ui.pages import role_pages
from tests.gui.frontdesk_clinic import build_clinic

SIZES = ((1024, 700), (1366, 768))


@pytest.fixture
def window(qtbot, tmp_path, task_runner, qsettings, clinic_url):
    clinic = build_clinic(tmp_path, clinic_url)
    clinic.book("Müller", 0, 9)
    clinic.book("Ødegaard", 1, 9, 30, kind="follow_up")
    clinic.book("Adams", 2, 13, virtual=True, location="")
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
    assert isinstance(book, AppointmentBookPage)
    qtbot.waitUntil(lambda: len(book.canvas.layout_data.blocks) == 3)
    return window


def resized(window: MainWindow, width: int, height: int) -> None:
    window.resize(width, height)
    for _ in range(3):  # the toolbar's change of rows asks the page for a new layout
        QApplication.sendPostedEvents()
        QApplication.processEvents()
    assert (window.width(), window.height()) == (width, height)


def controls(book: AppointmentBookPage) -> list[QWidget]:
    """The toolbar's visible controls: buttons, date, chooser, check box, heading."""
    toolbar = book.toolbar
    mode_box = toolbar.mode_group.buttons()[0].parentWidget()
    rows = (toolbar.where, toolbar.what, mode_box)
    found = [
        w
        for w in toolbar.findChildren(QWidget)
        if w.parentWidget() in rows and w is not mode_box and w.isVisibleTo(toolbar)
    ]
    assert len(found) >= 10
    return found


def in_window(window: MainWindow, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())


def check_layout(window: MainWindow, book: AppointmentBookPage) -> None:
    inside = window.rect()
    placed = [(w, in_window(window, w)) for w in controls(book)]
    for widget, rect in placed:
        name = widget.objectName() or getattr(widget, "text", lambda: "")()
        assert inside.contains(rect), f"{name!r} is cut off at {window.width()} px: {rect}"
        hint = widget.sizeHint().width()
        if isinstance(widget, QLabel):  # the heading: its whole text
            hint = widget.fontMetrics().horizontalAdvance(widget.text())
        assert widget.width() >= hint, f"{name!r} squeezed to {widget.width()} of {hint} px"
    for n, (first, a) in enumerate(placed):
        for second, b in placed[n + 1 :]:
            assert not a.intersects(b), f"{first.objectName()} overlaps {second.objectName()}"
    # Nothing on the page asks for more room than the window gives (Qt would cut it off).
    assert book.width() >= book.minimumSizeHint().width(), "the page is wider than its room"
    hint = book.hint
    assert inside.contains(in_window(window, hint)), "the hint under the book is cut off"
    assert hint.width() >= hint.minimumSizeHint().width(), "the hint under the book is cut off"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_toolbar_lays_out_cleanly_from_1024_px(qtbot, window, screenshot, width, height):
    book = window.pages[0].widget
    resized(window, width, height)
    assert book.toolbar.two_rows is (width < 1200)  # a second row only when one is too tight
    check_layout(window, book)
    screenshot(window, f"frontdesk_book_toolbar_{width}x{height}")
    book.toolbar.mode_group.buttons()[1].click()  # Week: the clinician list becomes a combo
    qtbot.waitUntil(lambda: book.presenter.mode == "week" and not book.presenter._loading)
    resized(window, width, height)
    check_layout(window, book)
    # The whole working week fits across: no sideways scrolling to reach Friday.
    assert book.canvas.horizontalScrollBar().maximum() == 0
    screenshot(window, f"frontdesk_book_toolbar_week_{width}x{height}")


def test_paging_through_days_never_changes_the_number_of_rows(qtbot, window):
    book = window.pages[0].widget
    for width in (1024, 1200, 1280, 1366):
        resized(window, width, 700)
        rows = book.toolbar.two_rows
        for _ in range(7):  # a week of headings: "Tomorrow, Tuesday", "Saturday 9 March" …
            book.presenter.step(1)
            qtbot.waitUntil(lambda: not book.presenter._loading)
            resized(window, width, 700)
            assert book.toolbar.two_rows is rows
            check_layout(window, book)


def test_the_window_can_still_shrink_to_its_minimum(window):
    resized(window, 960, 600)  # MainWindow's own minimum size
    check_layout(window, window.pages[0].widget)


def test_a_changed_chooser_label_is_laid_out_again_without_a_resize(qtbot, window, screenshot):
    """On a wide screen the toolbar stays on one row, so a label that grows ("All 3
    clinicians" after the list loads, "Clinicians: 1 of 3" after a choice) must re-lay the row
    out by itself: it once overlapped "Show cancelled" until the window was resized."""
    book = window.pages[0].widget
    resized(window, 1600, 900)
    assert book.toolbar.two_rows is False
    clinicians = list(book.toolbar.clinician_actions)
    for chosen in (clinicians[:1], clinicians):
        book.toolbar._choose(chosen)
        qtbot.waitUntil(lambda: not book.presenter._loading)
        for _ in range(3):
            QApplication.sendPostedEvents()
            QApplication.processEvents()
        check_layout(window, book)
    screenshot(window, "frontdesk_book_toolbar_1600x900")
