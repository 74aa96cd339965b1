"""The database worker: one QThread, one worker QObject, jobs run one after another.

Rule: a job never touches widgets. It receives a TaskContext, does database and crypto work,
and returns plain domain objects or DTOs. Callbacks (success, failure, progress) run on the
GUI thread: they reach it through queued signals because the worker lives on another thread.
Failures are shown to the user unless the caller passes on_failure (Anki's taskman does the
same). An unexpected error is logged by type and code location only: its message might
quote patient data.

Python's cyclic garbage collector runs in whichever thread happens to allocate. A job
allocates a lot, so it would often be the worker that frees a closed dialog's widgets, and
Qt widgets must die on the GUI thread. While a runner is alive, automatic collection is off
and a GUI-thread timer collects instead (pyqtgraph's GarbageCollector does the same). Jobs
are likewise only ever released on the GUI thread.

A collection holds the GIL, so it stalls the GUI whichever thread runs it, for as long as it
takes to walk its generations (about a microsecond per object and reference). So:
- when the runner starts, everything start-up built (modules, Qt wrappers) is frozen: it
  leaves every later walk;
- a GUI-thread timer collects only the young generations, and only while they are small
  (WALK_BUDGET); while a job runs, and allocates fast, it looks every BUSY_INTERVAL_MS so
  they stay small. A larger young heap (the search index, a large list a job is loading) is
  frozen instead, which is O(1);
- a frozen object whose reference count drops is still freed at once. Only reference cycles
  among frozen objects wait for a full collection, which walks the whole heap (hundreds of
  milliseconds with a large clinic's search index) and so runs only when someone asked for
  one at a quiet moment (request_full_collection: the idle lock came on, a user signed out)
  and the worker has then been idle for QUIET_MS_BEFORE_FULL; still on the GUI thread.
"""

from __future__ import annotations

import gc
import itertools
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

from novamind_desktop.domain.errors import DomainError
from novamind_desktop.presenters.tasks import Cancelled, TaskContext, TaskHandle

GIL_SWITCH_INTERVAL_S = 0.001
log = logging.getLogger(__name__)

UNEXPECTED_ERROR = "Something went wrong; nothing was saved."


def error_sentence(exc: BaseException) -> str:
    """What the user reads: a domain error's own sentence, else the generic one."""
    return str(exc) if isinstance(exc, DomainError) else UNEXPECTED_ERROR


def log_unexpected(exc: BaseException, label: str = "") -> None:
    """Log type and code locations of an unexpected error, never its message (may hold PHI)."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames[::-1])
    log.error("Job %r failed: %s.%s at %s", label, type(exc).__module__, type(exc).__name__, where)


class _GuiThreadCollector(QObject):
    """Runs the cyclic garbage collector on the GUI thread only, without stalling a frame."""

    users = 0
    WALK_BUDGET = 3_000  # objects a collection on the GUI thread may walk (~3 ms)
    BUSY_INTERVAL_MS = 20  # a job allocates fast: look often, so each walk stays short
    IDLE_INTERVAL_MS = 100
    QUIET_MS_BEFORE_FULL = 1_000  # a requested full collection waits for an idle worker

    def __init__(self, parent: QObject, busy: Callable[[], bool] = lambda: False):
        super().__init__(parent)
        self._busy = busy
        self._quiet_ms = 0
        self._full_requested = False
        self._young_runs = self._middle_runs = 0  # collections since the older one
        self._middle_size = 0  # at most this many objects sit in generation 1
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(self.IDLE_INTERVAL_MS)
        if _GuiThreadCollector.users == 0:
            gc.disable()
            self._freeze()  # start-up's modules and objects are long-lived
        _GuiThreadCollector.users += 1

    def busy_changed(self, jobs: int) -> None:
        """Look more often while jobs run (called by the runner as jobs come and go)."""
        interval = self.BUSY_INTERVAL_MS if jobs else self.IDLE_INTERVAL_MS
        if self._timer.isActive() and self._timer.interval() != interval:
            self._timer.setInterval(interval)

    def collect(self) -> None:
        self._collect_young()
        self._quiet_ms = 0 if self._busy() else self._quiet_ms + self._timer.interval()
        if self._full_requested and self._quiet_ms >= self.QUIET_MS_BEFORE_FULL:
            self.full_collection()

    def _collect_young(self) -> None:
        first, second, _third = gc.get_threshold()
        young = gc.get_count()[0]
        if young <= first:
            return
        if young + self._middle_size > self.WALK_BUDGET or self._middle_runs >= second:
            self._freeze()
        elif self._young_runs >= second:
            gc.collect(1)
            self._young_runs, self._middle_size = 0, 0
            self._middle_runs += 1
        else:
            gc.collect(0)
            self._young_runs += 1
            self._middle_size += young  # an upper bound: survivors move up a generation

    def _freeze(self) -> None:
        """O(1): everything tracked leaves every later walk (and the walk's counters reset)."""
        gc.freeze()
        self._young_runs = self._middle_runs = self._middle_size = 0

    def request_full_collection(self) -> None:
        """Free the cycles among frozen objects once the worker has been idle for a while."""
        self._full_requested = True

    def cancel_full_collection(self) -> None:
        """Someone is back (the lock went off, a user signed in): no long walk now."""
        self._full_requested = False

    @property
    def full_requested(self) -> bool:
        return self._full_requested

    def full_collection(self) -> None:
        """Walk the whole heap: only at a quiet moment, as it takes as long as the heap is big."""
        self._full_requested = False
        gc.unfreeze()
        gc.collect(2)
        self._freeze()
        self._quiet_ms = 0

    def stop(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            _GuiThreadCollector.users -= 1
            if _GuiThreadCollector.users == 0:
                gc.unfreeze()
                gc.enable()


@dataclass
class _Job:
    id: int
    fn: Callable[[TaskContext], Any]
    label: str
    on_success: Callable[[Any], None] | None
    on_failure: Callable[[Exception], None] | None
    on_progress: Callable[[int, int, str], None] | None
    cancel_event: threading.Event = field(default_factory=threading.Event)


class _Context:
    """The TaskContext a job sees on the worker thread."""

    def __init__(self, job: _Job, worker: _Worker):
        self._job = job
        self._worker = worker

    def report(self, done: int, total: int, message: str = "") -> None:
        self._worker.progressed.emit(self._job.id, done, total, message)

    def cancelled(self) -> bool:
        return self._job.cancel_event.is_set()

    def check_cancelled(self) -> None:
        if self.cancelled():
            raise Cancelled()


class _Worker(QObject):
    """Lives on the worker thread; its slot runs jobs in the order they were queued."""

    finished = Signal(int, object, object)  # job id, result, exception or None
    progressed = Signal(int, int, int, str)  # job id, done, total, message

    @Slot(object)
    def run(self, job: _Job) -> None:
        if job.cancel_event.is_set():
            self.finished.emit(job.id, None, Cancelled())
            return
        try:
            result = job.fn(_Context(job, self))
        except Exception as exc:
            self.finished.emit(job.id, None, exc)
        else:
            self.finished.emit(job.id, result, None)


@dataclass
class _Handle:
    job: _Job

    def cancel(self) -> None:
        self.job.cancel_event.set()


def show_error_dialog(message: str) -> None:
    """The default way a failure reaches the user."""
    QMessageBox.warning(QApplication.activeWindow(), "NOVAMIND", message)


class QtTaskRunner(QObject):
    """The TaskRunner the GUI uses (presenters.tasks.TaskRunner)."""

    busy_changed = Signal(int)  # number of jobs queued or running
    _dispatch = Signal(object)

    def __init__(
        self,
        show_error: Callable[[str], None] = show_error_dialog,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self._show_error = show_error
        self._jobs: dict[int, _Job] = {}
        self._ids = itertools.count(1)
        self._thread = QThread()
        self._thread.setObjectName("novamind-db-worker")
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        self._dispatch.connect(self._worker.run)
        self._worker.finished.connect(self._deliver)
        self._worker.progressed.connect(self._progress)
        self._collector = _GuiThreadCollector(self, busy=lambda: bool(self._jobs))
        self.busy_changed.connect(self._collector.busy_changed)
        # While the worker runs Python, the GUI thread waits for the interpreter lock up to
        # one switch interval each time it needs it, several times a frame (default 5 ms: a
        # timer, a queued signal and the collector add up past a 16 ms frame). 1 ms keeps
        # those waits short; the import and index jobs measured no slower (bench gui).
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        self._thread.start()

    @property
    def busy(self) -> int:
        return len(self._jobs)

    def request_full_collection(self) -> None:
        """A quiet moment (screen locked, user signed out): free the cycles among long-lived
        objects once the worker has been idle for a second. See the module docstring."""
        self._collector.request_full_collection()

    def cancel_full_collection(self) -> None:
        self._collector.cancel_full_collection()

    @property
    def full_collection_pending(self) -> bool:
        return self._collector.full_requested

    def submit(
        self,
        job: Callable[[TaskContext], Any],
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[Exception], None] | None = None,
        on_progress: Callable[[int, int, str], None] | None = None,
        label: str = "",
    ) -> TaskHandle:
        queued = _Job(next(self._ids), job, label, on_success, on_failure, on_progress)
        if not self._thread.isRunning():
            # The app is closing: a page's timer can still fire after the worker stopped.
            # Like jobs still queued at exit, this one is dropped; nothing runs, nothing shows.
            log.info("Dropped a job submitted after the database worker stopped (%s).", label)
            queued.cancel_event.set()
            return _Handle(queued)
        self._jobs[queued.id] = queued
        self.busy_changed.emit(len(self._jobs))
        self._dispatch.emit(queued)
        return _Handle(queued)

    @Slot(int, int, int, str)
    def _progress(self, job_id: int, done: int, total: int, message: str) -> None:
        job = self._jobs.get(job_id)
        if job is not None and job.on_progress is not None:
            job.on_progress(done, total, message)

    @Slot(int, object, object)
    def _deliver(self, job_id: int, result: Any, error: Exception | None) -> None:
        job = self._jobs.pop(job_id, None)
        if job is None:
            return
        self.busy_changed.emit(len(self._jobs))
        if error is None:
            if job.on_success is not None:
                job.on_success(result)
            return
        if not isinstance(error, DomainError | Cancelled):
            log_unexpected(error, job.label)
        if job.on_failure is not None:
            job.on_failure(error)
        elif not isinstance(error, Cancelled):  # the user asked for that; nothing to say
            self._show_error(error_sentence(error))

    def shutdown(self, timeout_ms: int = 30_000) -> None:
        """Cancel what is queued, let the running job finish, stop the thread."""
        for job in self._jobs.values():
            job.cancel_event.set()
        self._thread.quit()
        if not self._thread.wait(timeout_ms):
            log.error("The database worker did not stop within %d ms.", timeout_ms)
        # Only now, on the GUI thread, let go of the jobs and what their closures hold.
        self._jobs.clear()
        self._collector.stop()
        sys.setswitchinterval(self._switch_interval)
