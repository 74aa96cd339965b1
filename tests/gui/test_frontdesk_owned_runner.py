"""Results of jobs whose dialog was closed meanwhile are dropped, not delivered to a corpse."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from novamind_desktop.ui.frontdesk.owned_runner import OwnedRunner


def test_callbacks_stop_when_the_owner_is_deleted(qtbot, task_runner):
    owner = QWidget()
    runner = OwnedRunner(task_runner, owner)
    release = threading.Event()
    heard: list[object] = []
    runner.submit(lambda ctx: release.wait(5) and "done", heard.append, heard.append)
    runner.submit(lambda ctx: 1 / 0, heard.append, heard.append)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not isValid(owner))
    release.set()
    qtbot.waitUntil(lambda: task_runner.busy == 0)
    assert heard == []
    assert task_runner.errors == []  # nor shown as an error dialog


def test_callbacks_arrive_while_the_owner_lives(qtbot, task_runner):
    owner = QWidget()
    qtbot.addWidget(owner)
    runner = OwnedRunner(task_runner, owner)
    heard: list[object] = []
    runner.submit(lambda ctx: 42, heard.append)
    runner.submit(lambda ctx: 1 / 0, None, lambda exc: heard.append(type(exc).__name__))
    qtbot.waitUntil(lambda: len(heard) == 2)
    assert heard == [42, "ZeroDivisionError"]
