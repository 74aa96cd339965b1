"""import_10k_patients_s: `novamind-desktop import patients FILE` into a fresh SQLite file.

The command runs as a user runs it (a subprocess of `python -m novamind_desktop`), so the
figure includes start-up and the key/database checks; `import_cli_startup_s` (the same
process running `db status`) says how much of it that is. Baseline, same run: the same CSV
read with the csv module and each row inserted into a plaintext table in its own
transaction, on the application's own SQLite engine settings.
"""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, insert

from bench import synthetic
from bench.app import environ
from bench.context import BenchContext
from bench.report import Report, at_most
from novamind_desktop.infrastructure import csv_formats
from novamind_desktop.infrastructure.database import make_engine

REPO = Path(__file__).resolve().parent.parent
IMPORT_SEED_OFFSET = 1000  # other people than the clinic's


def write_csv(path: Path, count: int, seed: int) -> Path:
    rows = synthetic.patient_rows(count, seed + IMPORT_SEED_OFFSET)
    with path.open("w", encoding="utf-8", newline="") as out:
        csv_formats.write_patients(out, rows)
    return path


def cli(ctx: BenchContext, url: str, *args: str) -> float:
    """Seconds the command took; raises if it did not accept every row."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "novamind_desktop", *args],
        cwd=REPO,
        env=environ(ctx, url),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"novamind-desktop {args[0]} failed: {done.stderr.strip()[-1000:]}")
    return elapsed


def plaintext_import(path: Path, url: str) -> float:
    """The floor: parse the CSV, one INSERT + COMMIT per row, nothing else."""
    table = Table(
        "plain_import",
        MetaData(),
        Column("n", Integer, primary_key=True),
        *(Column(name, String(254)) for name in csv_formats.PATIENT_HEADER),
    )
    engine = make_engine(url)
    try:
        table.metadata.create_all(engine)
        start = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as source:
            for row in csv.DictReader(source):
                with engine.begin() as connection:
                    connection.execute(insert(table), row)
        return time.perf_counter() - start
    finally:
        engine.dispose()


def run(report: Report, ctx: BenchContext) -> None:
    count = ctx.import_patients
    source = write_csv(ctx.scratch / "import.csv", count, ctx.seed)
    base = plaintext_import(source, f"sqlite:///{ctx.scratch / 'plain-import.sqlite3'}")
    url = f"sqlite:///{ctx.scratch / 'import.sqlite3'}"
    cli(ctx, url, "db", "upgrade")
    startup = min(cli(ctx, url, "db", "status") for _ in range(3))
    took = cli(ctx, url, "import", "patients", str(source))
    name = f"import_{count // 1000}k_patients_s" if count >= 1000 else f"import_{count}_patients_s"
    report.add(f"{name.removesuffix('_s')}_plaintext_s", base, "s", rows=count)
    report.add("import_cli_startup_s", startup, "s")
    report.add(
        name,
        took,
        "s",
        baseline=f"{name.removesuffix('_s')}_plaintext_s",
        target=at_most(10.0 * count / 10_000),
        rows=count,
        per_row_ms=took / count * 1000,
    )
