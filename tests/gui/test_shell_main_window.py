"""The main window with hand-made pages and fake accounts: menus by role, navigation and its
memory, the status bar, the idle lock and signing out."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QVBoxLayout, QWidget

from novamind_desktop.domain.users import Role
from novamind_desktop.ui.main_window import MainWindow
from novamind_desktop.ui.pages import Page, PageContext
from tests.unit.presenters.fakes import FakeAccounts


def two_pages(context: PageContext) -> list[Page]:
    def page(text: str) -> QWidget:
        widget = QWidget()
        QVBoxLayout(widget).addWidget(QLabel(text))
        return widget

    return [
        Page("patients", "Patients", page("patient list")),
        Page("appointment_book", "Appointment book", page("the book")),
    ]


@pytest.fixture
def accounts() -> FakeAccounts:
    return FakeAccounts()


def make_window(qtbot, task_runner, qsettings, accounts, role, **kwargs) -> MainWindow:
    user = accounts.add(f"{role.value}1", "a long password", role)
    services = SimpleNamespace(users=accounts)
    window = MainWindow(
        services,
        task_runner,
        user,
        database_label="sqlite:///tmp/clinic.sqlite3",
        settings=qsettings,
        pages=kwargs.pop("pages", two_pages),
        **kwargs,
    )
    qtbot.addWidget(window)
    window.show()
    return window


def menu_titles(window: MainWindow) -> list[str]:
    return [a.text().replace("&", "") for a in window.menuBar().actions()]


def test_front_desk_sees_its_pages_and_no_admin_menu(
    qtbot, task_runner, qsettings, accounts, screenshot
):
    window = make_window(qtbot, task_runner, qsettings, accounts, Role.FRONTDESK)
    assert menu_titles(window) == ["File", "View", "Help"]
    assert window.windowTitle() == "Patients — NOVAMIND Desktop"
    assert window.user_label.text() == "Signed in: Frontdesk1 (frontdesk1)"
    assert window.role_label.text() == "Front desk"
    assert "sqlite:///tmp/clinic.sqlite3" in window.database_label.text()
    screenshot(window, "shell_main_window_frontdesk")


def test_admin_gets_the_admin_menu(qtbot, task_runner, qsettings, accounts, screenshot):
    window = make_window(qtbot, task_runner, qsettings, accounts, Role.ADMIN)
    assert menu_titles(window) == ["File", "View", "Admin", "Help"]
    assert window.admin is not None
    assert set(window.admin.actions) == {"users", "audit", "migrations", "backups", "rotation"}
    screenshot(window, "shell_main_window_admin")


def test_demo_mode_says_demo_in_the_title(qtbot, task_runner, qsettings, accounts):
    window = make_window(qtbot, task_runner, qsettings, accounts, Role.CLINICIAN, demo=True)
    assert "DEMO" in window.windowTitle()


def test_shortcuts_switch_pages_and_the_last_page_is_remembered(
    qtbot, task_runner, qsettings, accounts
):
    window = make_window(qtbot, task_runner, qsettings, accounts, Role.FRONTDESK)
    window.page_actions[1].trigger()
    assert window.stack.currentIndex() == 1
    assert window.current_page().key == "appointment_book"
    assert window.windowTitle().startswith("Appointment book")
    window.resize(960, 650)  # the offscreen screen is 800x800: stay near it
    window.close()

    again = make_window(qtbot, task_runner, qsettings, accounts, Role.FRONTDESK)
    assert again.current_page().key == "appointment_book"
    assert again.size().height() == 650  # a fresh window opens at 720


def test_busy_indicator_follows_the_worker(qtbot, task_runner, qsettings, accounts):
    window = make_window(qtbot, task_runner, qsettings, accounts, Role.FRONTDESK)
    window._busy(2)
    assert window.busy_bar.isVisible() and "2 tasks" in window.busy_label.text()
    with qtbot.waitSignal(task_runner.busy_changed, check_params_cb=lambda n: n == 0):
        task_runner.submit(lambda ctx: None)
    assert not window.busy_bar.isVisible()
    assert window.busy_label.text() == "Ready"


def test_idle_lock_hides_everything_until_the_password(
    qtbot, task_runner, qsettings, accounts, screenshot
):
    window = make_window(qtbot, task_runner, qsettings, accounts, Role.FRONTDESK, idle_lock_ms=50)
    dialog = QDialog(window)
    QVBoxLayout(dialog).addWidget(QLineEdit("typed but not saved"))
    dialog.resize(400, 300)
    dialog.show()
    with qtbot.waitSignal(window.locked_changed, timeout=5000) as locked:
        pass  # no input: the watcher fires on its own
    assert locked.args == [True]
    assert window.screens.currentWidget() is window.lock_screen
    assert not window.stack.isVisible()
    assert not any(a.isEnabled() for a in window.page_actions)
    cover = window.lock._covers[0]
    assert cover.parentWidget() is dialog and cover.isVisible()
    screenshot(window, "shell_idle_lock")

    qtbot.keyClicks(window.lock_screen.password, "wrong")
    qtbot.keyClick(window.lock_screen.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "not right" in window.lock_screen.error.text())
    assert window.lock.locked

    with qtbot.waitSignal(window.locked_changed) as unlocked:
        qtbot.keyClicks(window.lock_screen.password, "a long password")
        qtbot.keyClick(window.lock_screen.password, Qt.Key.Key_Return)
    assert unlocked.args == [False]
    assert window.stack.isVisible()
    assert all(a.isEnabled() for a in window.page_actions)
    assert dialog.isVisible() and dialog.findChild(QLineEdit).text() == "typed but not saved"


def test_input_keeps_the_lock_away(qtbot, task_runner, qsettings, accounts):
    window = make_window(qtbot, task_runner, qsettings, accounts, Role.FRONTDESK)
    watcher = window.lock.watcher
    watcher._timer.setInterval(60_000)
    watcher._timer.start()
    remaining = watcher._timer.remainingTime()
    watcher._timer.setInterval(120_000)
    qtbot.keyClick(window.navigation, Qt.Key.Key_Down)
    assert watcher._timer.remainingTime() > remaining  # restarted with the new interval


def test_sign_out_from_the_lock_screen(qtbot, task_runner, qsettings, accounts):
    window = make_window(qtbot, task_runner, qsettings, accounts, Role.FRONTDESK)
    window.lock_now()
    with qtbot.waitSignal(window.session_ended):
        window.lock_screen.sign_out_button.click()
    assert [a.username for a in accounts.signed_out] == ["frontdesk1"]
    assert not window.isVisible()


def test_help_lists_the_keyboard_shortcuts(qtbot, task_runner, qsettings, accounts, screenshot):
    from PySide6.QtWidgets import QMessageBox

    window = make_window(qtbot, task_runner, qsettings, accounts, Role.ADMIN)
    window._shortcuts()
    box = window.findChild(QMessageBox)
    qtbot.waitUntil(box.isVisible)
    for expected in (
        "Ctrl+Q",
        "Quit",
        "Ctrl+L",
        "Lock now",
        "Ctrl+1",
        "Patients",
        "Ctrl+Shift+U",
        "Users",
    ):
        assert expected in box.text()
    screenshot(box, "shell_shortcuts")
    box.close()
