"""The task runner's garbage collection: never a long walk on the GUI thread while jobs run,
and cycles still freed on the GUI thread only, at a quiet moment someone asked for."""

from __future__ import annotations

import gc
import threading

from novamind_desktop.presenters.tasks import TaskContext
from novamind_desktop.ui.worker import QtTaskRunner


class _Cycle:
    freed_on: list[threading.Thread] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.freed_on.append(threading.current_thread())


def _busy_runner(qtbot) -> tuple[QtTaskRunner, threading.Event, list[int]]:
    runner = QtTaskRunner(show_error=lambda message: None)
    runner._collector.QUIET_MS_BEFORE_FULL = 300
    release = threading.Event()
    done: list[int] = []

    def wait(ctx: TaskContext) -> int:
        release.wait(10)
        return 1

    runner.submit(wait, on_success=done.append)
    return runner, release, done


def _frozen_cycles(runner: QtTaskRunner) -> list[object]:
    """Ten garbage cycles and a heap larger than a walk may take, all frozen by one tick."""
    gc.collect()
    _Cycle.freed_on.clear()
    for _ in range(10):
        _Cycle()
    large = [[] for _ in range(2 * runner._collector.WALK_BUDGET)]
    runner._collector.collect()
    assert gc.get_freeze_count() >= len(large)
    assert gc.get_count()[0] < runner._collector.WALK_BUDGET
    return large


def test_a_large_heap_is_frozen_not_walked_while_a_job_runs(qtbot):
    runner, release, done = _busy_runner(qtbot)
    try:
        _frozen_cycles(runner)
        runner.request_full_collection()
        qtbot.wait(600)  # longer than the quiet delay, but a job is running
        assert _Cycle.freed_on == []
    finally:
        release.set()
        qtbot.waitUntil(lambda: bool(done))
    qtbot.waitUntil(lambda: len(_Cycle.freed_on) == 10, timeout=5000)
    assert set(_Cycle.freed_on) == {threading.main_thread()}
    assert not runner.full_collection_pending
    runner.shutdown()


def test_frozen_cycles_wait_for_a_requested_quiet_moment(qtbot):
    runner, release, done = _busy_runner(qtbot)
    _frozen_cycles(runner)
    release.set()
    qtbot.waitUntil(lambda: bool(done))
    qtbot.wait(800)  # idle for longer than the quiet delay: still no full walk unasked
    assert _Cycle.freed_on == []
    runner.request_full_collection()
    runner.cancel_full_collection()  # someone came back before the walk
    qtbot.wait(800)
    assert _Cycle.freed_on == []
    runner.request_full_collection()
    qtbot.waitUntil(lambda: len(_Cycle.freed_on) == 10, timeout=5000)
    assert set(_Cycle.freed_on) == {threading.main_thread()}
    runner.shutdown()


def test_the_collector_looks_more_often_while_jobs_run(qtbot):
    runner, release, done = _busy_runner(qtbot)
    collector = runner._collector
    assert collector._timer.interval() == collector.BUSY_INTERVAL_MS
    release.set()
    qtbot.waitUntil(lambda: bool(done))
    assert collector._timer.interval() == collector.IDLE_INTERVAL_MS
    runner.shutdown()


def test_start_up_objects_are_frozen_when_the_runner_starts(qtbot):
    start_up = [[] for _ in range(1000)]
    runner = QtTaskRunner(show_error=lambda message: None)
    assert gc.get_freeze_count() >= len(start_up)
    runner.shutdown()


def test_shutdown_unfreezes_the_heap(qtbot):
    runner, release, done = _busy_runner(qtbot)
    large = [[] for _ in range(2 * runner._collector.WALK_BUDGET)]
    runner._collector.collect()
    assert gc.get_freeze_count() >= len(large)
    release.set()
    qtbot.waitUntil(lambda: bool(done))
    runner.shutdown()
    assert gc.get_freeze_count() == 0
    assert gc.isenabled()
    assert runner.busy == 0


def test_the_runner_shortens_the_switch_interval_while_it_lives(qtbot) -> None:
    """The GUI thread's waits for the interpreter lock stay short while the worker computes;
    the interpreter's own setting comes back when the runner stops."""
    import sys

    from novamind_desktop.ui.worker import GIL_SWITCH_INTERVAL_S

    before = sys.getswitchinterval()
    assert before != GIL_SWITCH_INTERVAL_S
    runner = QtTaskRunner(show_error=lambda message: None)
    try:
        assert sys.getswitchinterval() == GIL_SWITCH_INTERVAL_S
    finally:
        runner.shutdown()
    assert sys.getswitchinterval() == before
