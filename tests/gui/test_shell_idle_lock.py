"""Windows that appear while the session is locked (an error from a job that finished after
the lock) are covered by the lock screen from their first paint until the unlock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from novamind_desktop.domain.users import Role
from novamind_desktop.ui.idle_lock import LockScreen
from tests.gui.test_shell_main_window import make_window
from tests.unit.presenters.fakes import FakeAccounts

SECRET = "Could not save Jürgen Müller, born 1961-04-02"


@pytest.fixture
def accounts() -> FakeAccounts:
    return FakeAccounts()


def covers(box: QMessageBox) -> list[LockScreen]:
    return [c for c in box.findChildren(LockScreen) if c.isVisible()]


def readable(box: QMessageBox) -> bool:
    """Whether the box's message could be seen: its label is on screen and not covered."""
    label = next(w for w in box.findChildren(QLabel) if w.text() == SECRET)
    if not label.isVisible():
        return False
    spot = label.mapTo(box, label.rect().center())
    return box.childAt(spot) is label


def unlock_with(qtbot, screen: LockScreen, password: str) -> None:
    qtbot.keyClicks(screen.password, password)
    qtbot.keyClick(screen.password, Qt.Key.Key_Return)


def test_a_message_box_shown_while_locked_stays_covered_until_the_password(
    qtbot, task_runner, qsettings, accounts, screenshot
):
    window = make_window(qtbot, task_runner, qsettings, accounts, Role.FRONTDESK)
    window.lock_now()
    box = QMessageBox(QMessageBox.Icon.Warning, "NOVAMIND", SECRET, parent=window)
    box.setWindowModality(Qt.WindowModality.ApplicationModal)  # like QMessageBox.warning
    box.show()
    qtbot.waitExposed(box)
    qtbot.waitUntil(lambda: box.width() >= covers(box)[0].minimumSizeHint().width())
    (cover,) = covers(box)
    assert cover.geometry() == box.rect() and not readable(box)
    screenshot(box, "shell_idle_lock_message_box")

    unlock_with(qtbot, cover, "wrong")
    qtbot.waitUntil(lambda: "not right" in cover.error.text())
    assert window.lock.locked and covers(box) == [cover] and not readable(box)

    with qtbot.waitSignal(window.locked_changed) as unlocked:
        unlock_with(qtbot, cover, "a long password")
    assert unlocked.args == [False]
    assert box.isVisible() and covers(box) == [] and readable(box)
    assert window.lock_screen.isHidden() or not window.lock.locked
    box.close()


def test_windows_shown_after_the_unlock_are_left_alone(qtbot, task_runner, qsettings, accounts):
    window = make_window(qtbot, task_runner, qsettings, accounts, Role.FRONTDESK)
    window.lock_now()
    window.lock.unlock()
    box = QMessageBox(QMessageBox.Icon.Warning, "NOVAMIND", SECRET, parent=window)
    box.show()
    qtbot.waitExposed(box)
    assert covers(box) == [] and readable(box)
    box.close()
