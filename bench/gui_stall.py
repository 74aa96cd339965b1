"""Child process for gui_max_stall_ms: a 5 ms heartbeat on the GUI thread while the real
database worker (ui/worker.py QtTaskRunner) does the heavy jobs of a working day.

    python -m bench.gui_stall CONFIG.json      prints one JSON line with the gaps

Phase 1 (baseline): the heartbeat alone, the worker idle, for `idle_seconds`.
Phase 2: the same heartbeat while the worker, one job after another, imports the CSV into a
fresh database (ImportService, as the import dialog does), migrates that database down one
revision and back up with a backup (AdminService, as the Migrations dialog does), then loads
large lists from the big clinic: every patient for the search index with their next
appointments and the index build, a week of the appointment book for every clinician, and
the audit log. The gap between two heartbeats beyond the 5 ms interval is the GUI stall.
"""

from __future__ import annotations

import gc
import json
import math
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from novamind_desktop.bootstrap import Settings, build_context
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.infrastructure import csv_formats
from novamind_desktop.services.search import PatientSearchIndex
from novamind_desktop.ui.worker import QtTaskRunner

INTERVAL_MS = 5


class Heartbeat:
    """Each beat also notes the CPU time the GUI thread and the worker thread have used so
    far (a microsecond to read), so that a long gap can be told apart: the worker computed
    through it (it held the GIL, or kept the GUI thread waiting for it), or neither thread
    ran (the machine gave the process no CPU; the idle baseline sees the same)."""

    def __init__(self) -> None:
        self.beats: list[float] = []
        self.cpu: list[tuple[float, float]] = []  # (GUI thread, worker thread) seconds, per beat
        self._worker_clock: int | None = None
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self._beat)

    def watch_worker(self, thread_ident: int) -> None:
        """Called on the worker thread by its first job (no thread CPU clocks on Windows)."""
        if self._worker_clock is None and hasattr(time, "pthread_getcpuclockid"):
            self._worker_clock = time.pthread_getcpuclockid(thread_ident)

    def _beat(self) -> None:
        self.beats.append(time.perf_counter())
        self.cpu.append((time.thread_time(), self._worker_cpu()))

    def _worker_cpu(self) -> float:
        """NaN until the first job has named the worker thread (or once it has ended)."""
        if self._worker_clock is None:
            return math.nan
        try:
            return time.clock_gettime(self._worker_clock)
        except OSError:
            return math.nan

    def gaps_ms(self, since: float, until: float) -> list[float]:
        beats = [b for b in self.beats if since <= b <= until]
        return [(b - a) * 1000 for a, b in pairwise(beats)]

    def worst_gap_cpu_ms(self, since: float, until: float) -> dict[str, float]:
        """CPU time each thread used during the longest gap between `since` and `until`."""
        spans = [
            (self.beats[i] - self.beats[i - 1], i)
            for i in range(1, len(self.beats))
            if since <= self.beats[i - 1] and self.beats[i] <= until
        ]
        if not spans:
            return {"worst_gap_gui_cpu_ms": math.nan, "worst_gap_worker_cpu_ms": math.nan}
        _, i = max(spans)
        (gui_a, worker_a), (gui_b, worker_b) = self.cpu[i - 1], self.cpu[i]
        return {
            "worst_gap_gui_cpu_ms": (gui_b - gui_a) * 1000,
            "worst_gap_worker_cpu_ms": (worker_b - worker_a) * 1000,
        }


class GcWatch:
    """Records every cyclic garbage collection: generation, thread, when, and how long in
    wall-clock time and in the collecting thread's CPU time. The wall time can include
    waiting for the GIL (a gc callback is Python code, so the other thread may run in
    between); the CPU time is the collection's own work."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, str, float, float, float]] = []  # gen, thread, at, ms, cpu
        self._started: dict[int, tuple[float, float]] = {}
        gc.callbacks.append(self._event)

    def _event(self, phase: str, info: dict[str, int]) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if phase == "start":
            self._started[threading.get_ident()] = (now, cpu)
            return
        at, cpu_at = self._started.pop(threading.get_ident(), (now, cpu))
        thread = threading.current_thread().name
        wall_ms, cpu_ms = (now - at) * 1000, (cpu - cpu_at) * 1000
        self.pauses.append((info["generation"], thread, at, wall_ms, cpu_ms))

    def summary(self, since: float, until: float) -> dict[str, float]:
        """Collections during the busy phase (the runner's jobs); the longest one before it
        (the bench's own set-up on the GUI thread, no runner yet) is reported apart."""
        busy = [p for p in self.pauses if since <= p[2] <= until]
        worst = max(busy, key=lambda p: p[3], default=(0, "", 0.0, 0.0, 0.0))
        return {
            "gc_collections": len(busy),
            "gc_full_collections": sum(1 for p in busy if p[0] == 2),
            "gc_max_pause_ms": worst[3],
            "gc_max_pause_cpu_ms": max((p[4] for p in busy), default=0.0),
            "gc_max_pause_generation": worst[0],
            "gc_max_pause_on_gui_thread": worst[1] == "MainThread",
            "gc_setup_max_pause_ms": max((p[3] for p in self.pauses if p[2] < since), default=0.0),
        }


def run_for(seconds: float) -> None:
    """Spin the Qt event loop (as app.exec() does) for `seconds`."""
    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


def jobs(config: dict[str, Any]) -> list[tuple[str, Callable[[Any], object]]]:
    """The worker's jobs, built here, run on the worker thread."""
    admin = Actor(None, "cli:bench", Role.ADMIN)
    rows = list(csv_formats.read_patient_rows(Path(config["csv"])))
    fresh = build_context(Settings.from_environ(config["fresh_environ"]))
    clinic = build_context(Settings.from_environ(config["clinic_environ"]))
    week = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    def index(_: Any) -> int:
        patients = clinic.services.patients.all_for_index(admin)
        upcoming = clinic.services.appointments.next_for_patients(admin, datetime.now(UTC))
        PatientSearchIndex().build(patients, upcoming)
        return len(patients)

    return [
        ("import", lambda _: fresh.services.imports.import_patients(admin, rows)),
        ("downgrade", lambda _: fresh.services.admin.downgrade(admin, config["down_to"])),
        ("upgrade", lambda _: fresh.services.admin.upgrade(admin, "head")),
        ("index", index),
        (
            "week",
            lambda _: clinic.services.appointments.schedule(
                admin, week, week + timedelta(days=7), None
            ),
        ),
        ("audit", lambda _: clinic.services.audit.query(admin, limit=1000)),
    ]


def main(config_path: str) -> None:
    config = json.loads(Path(config_path).read_text())
    app = QApplication(sys.argv[:1])
    collections = GcWatch()
    heart = Heartbeat()
    heart.timer.start()
    run_for(0.3)  # settle
    idle_from = time.perf_counter()
    run_for(config["idle_seconds"])
    idle_to = time.perf_counter()

    failures: list[str] = []
    spans: dict[str, tuple[float, float]] = {}
    todo = jobs(config)
    runner = QtTaskRunner(show_error=failures.append)
    loop = QEventLoop()
    remaining = [len(todo)]

    def done(_result: object) -> None:
        remaining[0] -= 1
        if not remaining[0]:
            loop.quit()

    def failed(error: Exception) -> None:
        failures.append(f"{type(error).__name__}: {error}")
        loop.quit()

    busy_from = time.perf_counter()
    for label, job in todo:
        runner.submit(_timed(job, label, spans, heart), done, failed, label=label)
    switch_interval_ms = sys.getswitchinterval() * 1000  # the runner's, restored at shutdown
    loop.exec()
    busy_to = time.perf_counter()
    heart.timer.stop()
    runner.shutdown()
    app.processEvents()
    idle, busy = heart.gaps_ms(idle_from, idle_to), heart.gaps_ms(busy_from, busy_to)
    print(
        json.dumps(
            {
                "idle_max_gap_ms": max(idle),
                "busy_max_gap_ms": max(busy),
                "busy_p99_gap_ms": sorted(busy)[int(len(busy) * 0.99)],
                "busy_seconds": busy_to - busy_from,
                "beats": len(busy),
                "jobs_s": {k: end - start for k, (start, end) in spans.items()},
                "worst_gap_by_job_ms": worst_gap_by_job(
                    [b for b in heart.beats if busy_from <= b <= busy_to], spans
                ),
                "failures": failures,
                "switch_interval_ms": switch_interval_ms,
                **heart.worst_gap_cpu_ms(busy_from, busy_to),
                **collections.summary(busy_from, busy_to),
            }
        )
    )


def _timed(
    job: Callable[[Any], object],
    label: str,
    spans: dict[str, tuple[float, float]],
    heart: Heartbeat,
) -> Callable[[Any], object]:
    def run(context: Any) -> object:
        heart.watch_worker(threading.get_ident())
        start = time.perf_counter()
        result = job(context)
        spans[label] = (start, time.perf_counter())
        return result

    return run


def worst_gap_by_job(beats: list[float], spans: dict[str, tuple[float, float]]) -> dict:
    """For each job, the longest heartbeat gap that overlapped its run (where stalls come from)."""
    worst: dict[str, float] = {}
    for a, b in pairwise(beats):
        for label, (start, end) in spans.items():
            if a < end and b > start:
                worst[label] = max(worst.get(label, 0.0), (b - a) * 1000)
    return worst


if __name__ == "__main__":
    main(sys.argv[1])
