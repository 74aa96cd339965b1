"""A task runner whose callbacks are dropped once the widget they report to is gone.

A dialog closed (and deleted) while its job still runs, or a window closed at sign-out,
must not receive the result: calling into a deleted Qt object raises on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject
from shiboken6 import isValid

from novamind_desktop.presenters.tasks import TaskContext, TaskHandle, TaskRunner

T = TypeVar("T")


class OwnedRunner:
    """TaskRunner that forwards to `runner` and calls back only while `owner` exists."""

    def __init__(self, runner: TaskRunner, owner: QObject):
        self._runner = runner
        self._owner = owner

    def _guard(self, callback: Callable[..., None] | None) -> Callable[..., None] | None:
        if callback is None:
            return None

        def guarded(*args: Any) -> None:
            if isValid(self._owner):
                callback(*args)

        return guarded

    def submit(
        self,
        job: Callable[[TaskContext], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[Exception], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        label: str = "",
    ) -> TaskHandle:
        # A failure nobody may hear about any more is still not shown in a stray dialog.
        failure = self._guard(on_failure) or self._guard(lambda exc: None)
        return self._runner.submit(
            job, self._guard(on_success), failure, self._guard(on_progress), label
        )
