"""Quitting ends the session like Sign out: the real audit table gets one sign-out, written
before the main window lets the application end (the worker drops what is queued at exit)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtGui import QAction

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.users import Actor
from novamind_desktop.ui.main_window import MainWindow


@pytest.fixture
def station(workstation):
    return workstation()


@pytest.fixture
def window(qtbot, station, task_runner, qsettings) -> MainWindow:
    window = MainWindow(
        station.services,
        task_runner,
        station.users["desk"],
        database_label="SQLite (test)",
        settings=qsettings,
        pages=lambda context: [],  # the shell alone
    )
    qtbot.addWidget(window)
    window.show()
    return window


def sign_outs(station) -> list[str]:
    admin = Actor.of(station.users["admin"])
    events = station.services.audit.query(admin, action=AuditAction.SIGN_OUT)
    return [e.username for e in events]


def quit_action(window: MainWindow) -> QAction:
    (found,) = [a for a in window.findChildren(QAction) if a.text() == "&Quit"]
    return found


def test_file_quit_records_a_sign_out_before_the_app_ends(qtbot, station, window):
    assert sign_outs(station) == []
    with qtbot.waitSignal(window.quit_requested):
        quit_action(window).trigger()
    assert sign_outs(station) == ["desk"]  # written when quit_requested ends the app
    assert not window.isVisible()


def test_the_close_button_records_a_sign_out_too(qtbot, station, window):
    with qtbot.assertNotEmitted(window.session_ended), qtbot.waitSignal(window.quit_requested):
        window.close()  # what the title bar's close button does
    assert sign_outs(station) == ["desk"]
    window.close()  # run_gui closes every window once more at exit: nothing new
    qtbot.waitUntil(lambda: window.runner.busy == 0)
    assert sign_outs(station) == ["desk"]


def test_quitting_while_locked_records_the_sign_out(qtbot, station, window):
    window.lock_now()
    with qtbot.waitSignal(window.quit_requested):
        window.close()
    assert sign_outs(station) == ["desk"]


def test_sign_out_then_exit_records_one_sign_out(qtbot, station, window):
    with qtbot.waitSignal(window.session_ended):
        window.sign_out_action.trigger()
    window.close()  # the app closing every window at exit
    qtbot.waitUntil(lambda: window.runner.busy == 0)
    assert sign_outs(station) == ["desk"]


def test_closing_while_sign_out_is_recorded_quits_instead(qtbot, station, window):
    release = threading.Event()
    window.runner.submit(lambda ctx: release.wait(10), label="a long job")  # the worker is busy
    window.sign_out_action.trigger()
    window.close()  # the user gives up waiting and closes the window
    assert sign_outs(station) == []  # not recorded yet: the worker is still busy
    with qtbot.assertNotEmitted(window.session_ended), qtbot.waitSignal(window.quit_requested):
        release.set()
    assert sign_outs(station) == ["desk"]
