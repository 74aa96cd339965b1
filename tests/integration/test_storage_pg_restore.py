"""Restoring a PostgreSQL backup is all or nothing: a restore that fails after the point where
the tables the backup lacks are dropped leaves every table and every row as they were, and
says so, naming the backup file to retry with; one that succeeds leaves exactly the backup's
tables and rows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from novamind_desktop.domain.users import Actor
from novamind_desktop.infrastructure import backups, pg_backups
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.database import make_engine
from novamind_desktop.infrastructure.demo_data import DemoRequest, build_demo_clinic
from novamind_desktop.infrastructure.key_check import verify_key
from novamind_desktop.infrastructure.passwords import ScryptPasswordHasher
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory

ACTOR = Actor.command_line("tests")
PASSWORD = "s3cret-pw"  # the test server trusts every login; the password must still not show


@pytest.fixture
def clinic(pg_server, pg_template, cipher: FieldCipher, clock) -> Iterator[Engine]:
    """A PostgreSQL database at head holding a small clinic, reached with a password."""
    name = pg_server.create_database(template=pg_template)
    engine = make_engine(pg_server.url(name).replace("@", f":{PASSWORD}@", 1))
    try:
        verify_key(engine, cipher, clock)
        build_demo_clinic(
            make_uow_factory(engine, cipher, clock),
            cipher,
            ScryptPasswordHasher(n=2**10),
            clock,
            ZoneInfo("Europe/Dublin"),
            DemoRequest(patients=12, appointments=10, seed=5),
            actor=ACTOR,
        )
        yield engine
    finally:
        engine.dispose()
        pg_server.drop_database(name)


def every_row(engine: Engine) -> dict[str, list[str]]:
    """Each table of the schema with all its rows as text, in a stable order."""
    with engine.connect() as conn:
        names = conn.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).all()
        return {
            name: sorted(conn.scalars(text(f'SELECT t::text FROM "{name}" AS t')).all())
            for name in names
        }


@dataclass(frozen=True)
class Backup:
    path: Path
    rows: dict[str, list[str]]  # every_row() when the backup was taken


@pytest.fixture
def backup(clinic: Engine, tmp_path: Path) -> Backup:
    """A backup of the clinic, which has changed since: a table a later migration added,
    pointing at the patients (so the backup's own drops need it gone first), and three
    appointments fewer."""
    taken = Backup(tmp_path / "clinic.backup", every_row(clinic))
    backups.backup(clinic, taken.path)
    with clinic.begin() as conn:
        conn.execute(text("CREATE TABLE later_feature (patient_id uuid REFERENCES patients (id))"))
        conn.execute(text("INSERT INTO later_feature SELECT id FROM patients LIMIT 2"))
        conn.execute(
            text("DELETE FROM appointments WHERE id IN (SELECT id FROM appointments LIMIT 3)")
        )
    return taken


def refused_leaving_all_as_before(clinic: Engine, backup: Backup) -> str:
    """Restore, which must fail and leave every table and row as they were; the message."""
    before = every_row(clinic)
    assert len(before["later_feature"]) == 2 and before != backup.rows
    with pytest.raises(backups.BackupError) as failed:
        backups.restore(clinic, backup.path)
    assert every_row(clinic) == before
    message = str(failed.value)
    assert "as it was before" in message and f"Retry with {backup.path}" in message
    assert PASSWORD not in message
    return message


def test_a_restore_failing_after_the_drops_leaves_every_table_and_row_as_before(
    clinic: Engine, backup: Backup
) -> None:
    # One index definition in the archive's table of contents made invalid SQL of the same
    # length: the archive still reads (its data is intact), but the restore fails after the
    # tables are dropped, made again and filled, when it builds that index.
    content = backup.path.read_bytes()
    assert b"CREATE INDEX " in content
    backup.path.write_bytes(content.replace(b"CREATE INDEX ", b"CREATE INDEZ ", 1))

    assert 'syntax error at or near "INDEZ"' in refused_leaving_all_as_before(clinic, backup)


def test_a_pg_restore_that_stops_early_commits_nothing(
    clinic: Engine, backup: Backup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pg_restore writing its script up to the first index (the drops, the tables and all
    # their rows: a script psql runs without an error) and then failing, as when it is
    # killed or its disk fails: psql must not commit what it has read.
    real = pg_backups.find_tool("pg_restore", clinic.dialect.server_version_info[0])
    stops_early = tmp_path / "bin" / "pg_restore"
    stops_early.parent.mkdir()
    stops_early.write_text(
        "#!/bin/sh\n"
        'case "$*" in *--clean*) ;; *) exec "$0.real" "$@" ;; esac\n'
        '"$0.real" "$@" | sed \'/^CREATE INDEX/,$d\'\n'
        "echo 'pg_restore: error: stopped early' >&2\n"
        "exit 1\n"
    )
    stops_early.chmod(0o755)
    stops_early.with_name("pg_restore.real").symlink_to(real)
    find_tool = pg_backups.find_tool
    monkeypatch.setattr(
        pg_backups,
        "find_tool",
        lambda name, major: stops_early if name == "pg_restore" else find_tool(name, major),
    )

    message = refused_leaving_all_as_before(clinic, backup)
    assert "pg_restore reported: pg_restore: error: stopped early" in message


def test_a_restore_whose_row_counts_do_not_verify_is_rolled_back(
    clinic: Engine, backup: Backup, monkeypatch: pytest.MonkeyPatch
) -> None:
    read = pg_backups.dump_row_counts

    def one_patient_more(archive: Path, env: Mapping[str, str], major: int) -> dict[str, int]:
        counts = read(archive, env, major)
        return {**counts, "patients": counts["patients"] + 1}

    monkeypatch.setattr(pg_backups, "dump_row_counts", one_patient_more)

    assert "row counts differ in patients" in refused_leaving_all_as_before(clinic, backup)


def test_a_restore_leaves_exactly_the_backups_tables_and_rows(
    clinic: Engine, backup: Backup
) -> None:
    report = backups.restore(clinic, backup.path)

    assert every_row(clinic) == backup.rows
    assert report.table_counts == {name: len(rows) for name, rows in backup.rows.items()}
