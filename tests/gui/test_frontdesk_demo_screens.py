"""The front-desk and clinician screens over the --demo clinic, photographed for review.

The demo clinic is what people see first (several clinicians, ~200 patients, two weeks of
appointments, twins), so its screens are the ones that must not look cramped or confusing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from novamind_desktop.bootstrap import build_demo_context
from novamind_desktop.domain.users import Role
from novamind_desktop.ui.main_window import MainWindow
from novamind_desktop.ui.pages import role_pages
from tests.gui.conftest import clinic_settings


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    from novamind_desktop.infrastructure.keys import KEY_VAR, generate_key

    context = build_demo_context(
        clinic_settings(folder, folder / "unused.sqlite3", {KEY_VAR: generate_key()}),
        patients=200,
    )
    yield context
    context.close()


def window_for(qtbot, demo, task_runner, qsettings, role: Role) -> MainWindow:
    account = next(a for a in demo.demo_accounts if a.role is role)
    user = demo.services.users.sign_in(account.username, account.password)
    window = MainWindow(
        demo.services,
        task_runner,
        user,
        database_label=demo.database_label,
        settings=qsettings,
        demo=True,
        pages=role_pages,
    )
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    return window


def busiest_weekday(book) -> None:
    """Today, or the next weekday when the screenshots are taken at a weekend."""
    presenter = book.presenter
    day = presenter.day
    while day.weekday() >= 5:
        day += timedelta(days=1)
    presenter.go_to(day)


def test_demo_front_desk(qtbot, demo, task_runner, qsettings, screenshot):
    window = window_for(qtbot, demo, task_runner, qsettings, Role.FRONTDESK)
    book = window.pages[0].widget
    qtbot.waitUntil(lambda: bool(book.canvas.layout_data.columns))
    busiest_weekday(book)
    qtbot.waitUntil(lambda: not book.presenter._loading and bool(book.canvas.layout_data.blocks))
    assert len(book.canvas.layout_data.columns) >= 3
    screenshot(window, "demo_front_desk_book_day")
    book.toolbar._set_mode("week")
    qtbot.waitUntil(lambda: not book.presenter._loading)
    screenshot(window, "demo_front_desk_book_week")
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    search = window.pages[1].widget
    qtbot.waitUntil(lambda: search.frontdesk.directory.ready)
    qtbot.keyClicks(search.search_box, "ma")
    qtbot.waitUntil(lambda: search.model.rowCount() > 3)
    screenshot(window, "demo_front_desk_search")


def test_demo_clinician(qtbot, demo, task_runner, qsettings, screenshot):
    window = window_for(qtbot, demo, task_runner, qsettings, Role.CLINICIAN)
    schedule = window.pages[0].widget
    qtbot.waitUntil(lambda: bool(schedule.canvas.layout_data.columns))
    busiest_weekday(schedule)
    qtbot.waitUntil(lambda: not schedule.presenter._loading)
    screenshot(window, "demo_clinician_schedule")
    twins = window.pages[2].widget
    window.show_page("digital_twins")
    qtbot.waitUntil(lambda: twins.frontdesk.directory.ready)
    first = twins.frontdesk.directory.search("a", 1)[0]
    twins.picker.choose(first)
    qtbot.waitUntil(lambda: twins.stack.currentIndex() == 1 or "No digital" in twins.empty.text())
    screenshot(window, "demo_clinician_twins")
