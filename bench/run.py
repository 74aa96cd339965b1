"""`python -m bench [--patients N] [--appointments M] [--only SECTION ...]`: run and report."""

from __future__ import annotations

import argparse
import importlib
import os
import time
import traceback
from pathlib import Path

from bench.context import BenchContext
from bench.report import Report

BENCH_DIR = Path(__file__).resolve().parent

# Section name -> module in bench/ with `run(report, ctx)`. Order matters: baselines and the
# cheap sections first, the clinic-sized ones after.
SECTIONS: dict[str, str] = {
    "crypto": "bench.crypto_bench",
    "import": "bench.import_bench",
    "sqlite": "bench.sqlite_bench",
    "gui": "bench.gui_bench",  # reuses the SQLite clinic copy when that section ran
    "pg": "bench.pg_bench",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--patients", type=int, default=100_000)
    p.add_argument("--appointments", type=int, default=1_000_000)
    p.add_argument("--clinicians", type=int, default=20)
    p.add_argument("--import-patients", type=int, default=10_000)
    p.add_argument("--queries", type=int, default=400, help="samples per lookup/search metric")
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--only", nargs="+", choices=list(SECTIONS), help="run just these sections")
    p.add_argument("--skip", nargs="+", choices=list(SECTIONS), default=[])
    p.add_argument("--no-cache", action="store_true", help="rebuild the cached clinic database")
    p.add_argument("--out", type=Path, default=BENCH_DIR, help="folder for results.json/.md")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    report = Report()
    ctx = BenchContext.from_args(args, BENCH_DIR / "cache")
    chosen = [s for s in (args.only or SECTIONS) if s not in args.skip]
    failed: list[str] = []
    try:
        for section in chosen:
            print(f"== {section}", flush=True)
            t0 = time.perf_counter()
            try:
                importlib.import_module(SECTIONS[section]).run(report, ctx)
            except Exception as exc:  # one broken section must not hide the others' numbers
                traceback.print_exc()
                failed.append(section)
                report.note(f"section {section} failed: {type(exc).__name__}: {exc}")
            print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)
    finally:
        ctx.close()
    elapsed = time.perf_counter() - started
    context = {
        "patients": args.patients,
        "appointments": args.appointments,
        "clinicians": args.clinicians,
        "sections": ", ".join(chosen),
        "run time": f"{elapsed:.0f} s",
        "load average (1 min) before / after": f"{load_before:.1f} / {os.getloadavg()[0]:.1f}",
        "cores": os.cpu_count(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    report.write(args.out, "NOVAMIND Desktop benchmarks", context)
    verdicts = [report.passed(m) for m in report.metrics.values()]
    print(
        f"== done in {elapsed:.0f} s: {verdicts.count(True)} targets met, "
        f"{verdicts.count(False)} missed; {args.out / 'results.md'}",
        flush=True,
    )
    return 1 if failed else 0
