"""startup_to_login_ms (with startup_bare_qapplication_ms) and gui_max_stall_ms (with the
idle heartbeat as its baseline). Both run the GUI in subprocesses, offscreen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory

from bench import cache, clinic, import_bench, startup
from bench.app import environ
from bench.context import BenchContext
from bench.report import Report, at_most, at_most_times_baseline
from novamind_desktop.infrastructure import migrations

REPO = Path(__file__).resolve().parent.parent


def _clinic(ctx: BenchContext) -> clinic.Clinic:
    if ctx.sqlite_clinic is None:
        ctx.sqlite_clinic = cache.working_copy(ctx)
    return ctx.sqlite_clinic


def startup_metrics(report: Report, ctx: BenchContext, url: str) -> None:
    samples = startup.measure(environ(ctx, url))
    report.add(
        "startup_bare_qapplication_ms",
        startup.median(samples["bare"]),
        "ms",
        **startup.summary(samples["bare"]),
    )
    report.add(
        "startup_to_login_ms",
        startup.median(samples["app"]),
        "ms",
        baseline="startup_bare_qapplication_ms",
        target=at_most_times_baseline(2.0),
        **startup.summary(samples["app"]),
    )


def previous_revision(url: str) -> str:
    script = ScriptDirectory.from_config(migrations.alembic_config(url))
    head = script.get_revision("head")
    assert head is not None and isinstance(head.down_revision, str)
    return head.down_revision


def stall_metrics(report: Report, ctx: BenchContext, clinic_url: str) -> None:
    csv_path = import_bench.write_csv(ctx.scratch / "stall.csv", ctx.import_patients, ctx.seed)
    fresh_url = f"sqlite:///{ctx.scratch / 'stall.sqlite3'}"
    config = {
        "csv": str(csv_path),
        "fresh_environ": environ(ctx, fresh_url),
        "clinic_environ": environ(ctx, clinic_url),
        "down_to": previous_revision(fresh_url),
        "idle_seconds": 3.0,
    }
    config_path = ctx.scratch / "stall.json"
    config_path.write_text(json.dumps(config))
    done = subprocess.run(
        [sys.executable, "-m", "bench.gui_stall", str(config_path)],
        cwd=REPO,
        env=ctx.environ(),
        capture_output=True,
        text=True,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"gui_stall failed: {done.stderr.strip()[-2000:]}")
    result = json.loads(lines[-1])
    if result["failures"]:
        raise RuntimeError(f"a worker job failed: {result['failures']}")
    report.add("gui_idle_max_gap_ms", result["idle_max_gap_ms"], "ms", interval_ms=5)
    jobs = {f"job_{k}_s": v for k, v in result["jobs_s"].items()}
    jobs.update({f"worst_gap_{k}_ms": v for k, v in result["worst_gap_by_job_ms"].items()})
    report.add(
        "gui_max_stall_ms",
        result["busy_max_gap_ms"],
        "ms",
        baseline="gui_idle_max_gap_ms",
        target=at_most(16.0),
        p99_gap_ms=result["busy_p99_gap_ms"],
        busy_s=result["busy_seconds"],
        beats=result["beats"],
        imported=ctx.import_patients,
        gc_max_pause_ms=result["gc_max_pause_ms"],
        gc_max_pause_cpu_ms=result["gc_max_pause_cpu_ms"],
        gc_setup_max_pause_ms=result["gc_setup_max_pause_ms"],
        gc_max_pause_on_gui_thread=result["gc_max_pause_on_gui_thread"],
        gc_full_collections=result["gc_full_collections"],
        worst_gap_worker_cpu_ms=result["worst_gap_worker_cpu_ms"],
        worst_gap_gui_cpu_ms=result["worst_gap_gui_cpu_ms"],
        switch_interval_ms=result["switch_interval_ms"],
        **jobs,
    )
    explain_stall(report, result)


def explain_stall(report: Report, result: dict) -> None:
    """Say where the longest gap came from: a collection on the GUI thread, or a job."""
    worst, pause = result["busy_max_gap_ms"], result["gc_max_pause_ms"]
    if worst <= 16:
        return
    if result["gc_max_pause_on_gui_thread"] and pause >= 0.8 * (worst - 5):
        report.note(
            f"gui_max_stall_ms: the longest gap ({worst:.0f} ms) is a generation-"
            f"{result['gc_max_pause_generation']} garbage collection of {pause:.0f} ms on the "
            "GUI thread (ui/worker.py collects on a GUI-thread timer while a runner lives)."
        )
        return
    by_job = result["worst_gap_by_job_ms"]
    job = max(by_job, key=by_job.get) if by_job else "?"
    report.note(
        f"gui_max_stall_ms: the longest gap ({worst:.0f} ms) came during the worker job "
        f"'{job}' and is not a garbage collection (longest {pause:.0f} ms): the worker held "
        "the GIL, i.e. one long call into C (a big sort, join or driver call) that Python "
        "cannot interrupt."
    )


def run(report: Report, ctx: BenchContext) -> None:
    url = _clinic(ctx).url
    startup_metrics(report, ctx, url)
    stall_metrics(report, ctx, url)
