"""How presenters run work off the GUI thread, without knowing about Qt.

The Qt implementation (ui/worker.py) runs every job on one database worker thread and delivers
the callbacks on the GUI thread. `SynchronousRunner` runs jobs inline so presenters can be
tested without Qt. Rule: a job never touches widgets; it returns plain domain objects or DTOs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class Cancelled(Exception):
    """Raised inside a job by TaskContext.check_cancelled() when the user cancelled it."""


class TaskContext(Protocol):
    def report(self, done: int, total: int, message: str = "") -> None:
        """Progress; delivered to on_progress on the GUI thread."""

    def cancelled(self) -> bool: ...

    def check_cancelled(self) -> None:
        """Raise Cancelled if the user asked to stop."""


class TaskHandle(Protocol):
    def cancel(self) -> None: ...


class TaskRunner(Protocol):
    def submit(
        self,
        job: Callable[[TaskContext], T],
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[Exception], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        label: str = "",
    ) -> TaskHandle:
        """Queue `job`. Without on_failure, the runner shows the error to the user."""


@dataclass
class _InlineContext:
    on_progress: Callable[[int, int, str], None] | None
    cancel_requested: bool = False

    def report(self, done: int, total: int, message: str = "") -> None:
        if self.on_progress:
            self.on_progress(done, total, message)

    def cancelled(self) -> bool:
        return self.cancel_requested

    def check_cancelled(self) -> None:
        if self.cancel_requested:
            raise Cancelled()


@dataclass
class _InlineHandle:
    context: _InlineContext

    def cancel(self) -> None:
        self.context.cancel_requested = True


@dataclass
class SynchronousRunner:
    """Runs each job at once on the calling thread. For tests and the command line."""

    unhandled: list[Exception] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def submit(
        self,
        job: Callable[[TaskContext], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[Exception], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        label: str = "",
    ) -> TaskHandle:
        self.labels.append(label)
        context = _InlineContext(on_progress)
        try:
            result = job(context)
        except Exception as exc:  # delivered to the caller's handler, like the Qt runner
            if on_failure is not None:
                on_failure(exc)
            else:
                self.unhandled.append(exc)
        else:
            if on_success is not None:
                on_success(result)
        return _InlineHandle(context)
