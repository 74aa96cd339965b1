"""The benchmark code runs end to end on a tiny clinic. Timings are not checked here (nothing
in tests/ asserts on speed); what is checked is that every metric is produced, named as the
issues name it, with its same-run baseline, and written to results.json and results.md."""

from __future__ import annotations

import gc
import json
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import cache, clinic_metrics, crypto_bench, import_bench, queries  # noqa: E402
from bench.app import opened  # noqa: E402
from bench.context import BenchContext  # noqa: E402
from bench.report import Report  # noqa: E402
from bench.timing import percentile  # noqa: E402

PATIENTS, APPOINTMENTS = 200, 2_000


@pytest.fixture
def ctx(tmp_path: Path):
    context = BenchContext(
        patients=PATIENTS,
        appointments=APPOINTMENTS,
        clinicians=4,
        import_patients=20,
        queries=20,
        seed=11,
        cache_dir=tmp_path / "cache",
    )
    yield context
    context.close()


def test_percentile_is_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 95) == 95.0
    assert percentile(samples, 50) == 50.0
    assert percentile([3.0], 95) == 3.0


def test_field_cipher_and_fernet_seed_metrics(ctx: BenchContext):
    report = Report()
    crypto_bench.measure(report, ctx.cipher(), ctx.master_key, count=200)
    decrypt = report.metrics["field_decrypt_us"]
    assert decrypt.baseline == "field_decrypt_fernet_seed_us"
    assert report.baseline_value(decrypt) is not None
    assert {"field_encrypt_us", "field_decrypt_fernet_seed_us"} <= report.metrics.keys()
    assert report.passed(decrypt) in (True, False)


def test_the_synthetic_clinic_reads_back_through_the_repositories(ctx: BenchContext):
    built = cache.working_copy(ctx)
    with opened(ctx, built) as app:
        rows = queries.plain_rows(app.engine, 50)
        first, last, dob, _phone, email = next(r for r in rows if r[4])
        found = app.services.patients.find_by_email(app.frontdesk, email)
        assert found is not None
        assert (found.details.first_name, found.details.last_name) == (first, last)
        assert found.details.date_of_birth == dob
        with app.context.uow_factory(app.admin) as uow:
            assert uow.patients.count() == PATIENTS
            assert uow.appointments.count() == APPOINTMENTS
    path, built_on = cache.sqlite_clinic(ctx)
    assert cache.sqlite_clinic(ctx) == (path, built_on)  # the cache is reused, not rebuilt
    assert built_on == built.today


def test_a_build_keeps_the_entry_of_the_previous_shape_built_last(ctx: BenchContext):
    """A worktree on the previous schema shares the cache: its entry stays, older ones go."""
    ctx.cache_dir.mkdir(parents=True)
    for age, shape in enumerate(("new", "previous", "older")):
        (ctx.cache_dir / f"pg-1-2-{shape}").mkdir()
        meta = ctx.cache_dir / f"pg-1-2-{shape}.json"
        meta.write_text("{}")
        os.utime(meta, (1e9 - age * 1000, 1e9 - age * 1000))
    (ctx.cache_dir / "pg-1-2-new.building").mkdir()
    (ctx.cache_dir / "clinic-1-2-older.sqlite3").write_text("another stem")
    cache.make_room(ctx, "pg-1-2", ctx.cache_dir / "pg-1-2-new")
    assert sorted(p.name for p in ctx.cache_dir.iterdir()) == [
        "clinic-1-2-older.sqlite3",
        "pg-1-2-previous",
        "pg-1-2-previous.json",
    ]


def test_a_cached_clinic_the_application_cannot_read_is_rebuilt(ctx: BenchContext):
    path, _ = cache.sqlite_clinic(ctx)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:  # as if the storage format had changed since
        connection.execute(text("UPDATE patients SET first_name = last_name"))
    engine.dispose()
    assert not cache.readable(f"sqlite:///{path}", ctx)
    cache.sqlite_clinic(ctx)
    assert cache.readable(f"sqlite:///{path}", ctx)


def test_clinic_metrics_write_results_with_baselines(ctx: BenchContext, tmp_path: Path):
    report = Report()
    built = cache.working_copy(ctx)
    with opened(ctx, built) as app:
        clinic_metrics.run_all(report, app, n=20, seed=ctx.seed)
    expected = {
        "email_lookup_p95_ms": "email_lookup_plaintext_p95_ms",
        "dob_lookup_p95_ms": "dob_lookup_plaintext_p95_ms",
        "search_index_build_s": "search_index_plaintext_read_s",
        "patient_search_p95_ms": "patient_search_plaintext_like_p95_ms",
        "day_view_p95_ms": "day_view_plaintext_p95_ms",
    }
    for name, baseline in expected.items():
        assert report.metrics[name].baseline == baseline
        assert baseline in report.metrics
    assert report.metrics["search_index_build_s"].detail["runs"] >= 1
    assert report.metrics["search_index_build_s"].detail["with_automatic_gc_s"] > 0
    assert gc.isenabled()  # timed with automatic collection off, as on the app's worker
    assert report.metrics["day_view_p95_ms"].detail["appointments_per_day"] > 0

    report.write(tmp_path, "smoke", {"patients": PATIENTS})
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["patient_search_p95_ms"]["unit"] == "ms"
    assert results["patient_search_p95_ms"]["baseline"] == "patient_search_plaintext_like_p95_ms"
    assert isinstance(results["patient_search_p95_ms"]["pass"], bool)
    table = (tmp_path / "results.md").read_text()
    assert "| day_view_p95_ms |" in table


def test_csv_import_metric_runs_the_command_line(ctx: BenchContext):
    report = Report()
    import_bench.run(report, ctx)
    metric = report.metrics["import_20_patients_s"]
    assert metric.baseline == "import_20_patients_plaintext_s"
    assert metric.detail["rows"] == 20
