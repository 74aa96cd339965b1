"""The Qt task runner: one worker thread, callbacks on the GUI thread, errors as sentences."""

from __future__ import annotations

import gc
import logging
import threading

from novamind_desktop.domain.errors import NotFound
from novamind_desktop.presenters.tasks import Cancelled, TaskContext
from novamind_desktop.ui.worker import UNEXPECTED_ERROR, QtTaskRunner


def test_job_runs_off_the_gui_thread_and_success_arrives_on_it(qtbot, task_runner):
    seen: dict[str, object] = {}

    def job(ctx: TaskContext) -> int:
        seen["job_thread"] = threading.current_thread()
        return 42

    def done(value: int) -> None:
        seen["value"] = value
        seen["callback_thread"] = threading.current_thread()

    task_runner.submit(job, on_success=done, label="answer")
    qtbot.waitUntil(lambda: "value" in seen)
    assert seen["value"] == 42
    assert seen["job_thread"] is not threading.main_thread()
    assert seen["callback_thread"] is threading.main_thread()


def test_jobs_run_one_at_a_time_in_submission_order_on_one_thread(qtbot, task_runner):
    order: list[int] = []
    threads: set[int] = set()
    running = [0]
    overlaps: list[int] = []

    def make(i: int):
        def job(ctx: TaskContext) -> int:
            running[0] += 1
            overlaps.append(running[0])
            threads.add(threading.get_ident())
            order.append(i)
            running[0] -= 1
            return i

        return job

    results: list[int] = []
    for i in range(20):
        task_runner.submit(make(i), on_success=results.append)
    qtbot.waitUntil(lambda: len(results) == 20)
    assert order == list(range(20)) == results
    assert len(threads) == 1
    assert max(overlaps) == 1


def test_progress_and_busy_count_reach_the_gui(qtbot, task_runner):
    progress: list[tuple[int, int, str]] = []
    busy: list[int] = []
    task_runner.busy_changed.connect(busy.append)

    def job(ctx: TaskContext) -> str:
        for i in range(3):
            ctx.report(i + 1, 3, f"step {i + 1}")
        return "ok"

    with qtbot.waitSignal(task_runner.busy_changed, check_params_cb=lambda n: n == 0):
        task_runner.submit(job, on_progress=lambda d, t, m: progress.append((d, t, m)))
    assert progress == [(1, 3, "step 1"), (2, 3, "step 2"), (3, 3, "step 3")]
    assert busy == [1, 0]
    assert task_runner.busy == 0


def test_cancelling_a_running_job(qtbot, task_runner):
    started, release = threading.Event(), threading.Event()
    failures: list[Exception] = []

    def job(ctx: TaskContext) -> None:
        started.set()
        release.wait(10)
        ctx.check_cancelled()

    handle = task_runner.submit(job, on_failure=failures.append)
    assert started.wait(10)
    handle.cancel()
    release.set()
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0], Cancelled)
    assert task_runner.errors == []


def test_a_job_cancelled_while_queued_never_runs(qtbot, task_runner):
    release = threading.Event()
    ran: list[str] = []
    failures: list[Exception] = []
    task_runner.submit(lambda ctx: release.wait(10))
    handle = task_runner.submit(lambda ctx: ran.append("second"), on_failure=failures.append)
    handle.cancel()
    release.set()
    qtbot.waitUntil(lambda: bool(failures))
    assert ran == []
    assert isinstance(failures[0], Cancelled)


def test_domain_error_is_shown_as_its_sentence(qtbot, task_runner):
    def job(ctx: TaskContext) -> None:
        raise NotFound("patient", "p-1")

    task_runner.submit(job)
    qtbot.waitUntil(lambda: bool(task_runner.errors))
    assert task_runner.errors == ["No patient with id p-1."]


def test_unexpected_error_is_logged_without_its_message(qtbot, task_runner, caplog):
    def job(ctx: TaskContext) -> None:
        raise ValueError("Jane Doe, born 1980-04-23")

    with caplog.at_level(logging.ERROR, logger="novamind_desktop.ui.worker"):
        task_runner.submit(job, label="load patient")
        qtbot.waitUntil(lambda: bool(task_runner.errors))
    assert task_runner.errors == [UNEXPECTED_ERROR]
    assert "ValueError" in caplog.text
    assert "test_shell_worker.py" in caplog.text
    assert "Jane" not in caplog.text
    assert "1980" not in caplog.text


def test_caller_may_handle_failures_itself(qtbot, task_runner):
    failures: list[Exception] = []
    task_runner.submit(lambda ctx: 1 / 0, on_failure=failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0], ZeroDivisionError)
    assert task_runner.errors == []


def test_shutdown_stops_the_thread_and_drops_later_jobs(qtbot):
    shown: list[str] = []
    runner = QtTaskRunner(show_error=shown.append)
    done: list[int] = []
    runner.submit(lambda ctx: 1, on_success=done.append)
    qtbot.waitUntil(lambda: bool(done))
    runner.shutdown()
    assert not runner._thread.isRunning()
    ran: list[int] = []
    # A page's refresh timer firing while the app closes: dropped, not run, not shown.
    runner.submit(lambda ctx: ran.append(2), on_success=done.append, on_failure=done.append)
    qtbot.wait(50)
    assert ran == [] and done == [1] and shown == []
    assert runner.busy == 0


class _Cyclic:
    """Garbage only the cyclic collector can free; remembers the thread that freed it."""

    freed_on: list[threading.Thread] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cyclic.freed_on.append(threading.current_thread())


def test_garbage_is_collected_on_the_gui_thread_only(qtbot, task_runner):
    # Qt widgets in reference cycles must never be freed by the worker thread.
    gc.collect()
    _Cyclic.freed_on.clear()
    for _ in range(gc.get_threshold()[0] // 2):
        _Cyclic()
    done: list[int] = []

    def allocate(ctx: TaskContext) -> int:
        kept = [[] for _ in range(5 * gc.get_threshold()[0])]  # would trigger a collection
        return len(kept)

    task_runner.submit(allocate, on_success=done.append)
    qtbot.waitUntil(lambda: bool(done))
    assert _Cyclic.freed_on == []
    for _ in range(gc.get_threshold()[0]):
        _Cyclic()
    qtbot.waitUntil(lambda: bool(_Cyclic.freed_on), timeout=5000)
    assert set(_Cyclic.freed_on) == {threading.main_thread()}
    assert not gc.isenabled()


def test_collection_is_automatic_again_after_shutdown(qtbot):
    runner = QtTaskRunner(show_error=lambda message: None)
    assert not gc.isenabled()
    runner.shutdown()
    assert gc.isenabled()
