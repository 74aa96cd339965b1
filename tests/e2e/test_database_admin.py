"""The DatabaseAdmin behind the Admin menu and the `db` commands, on SQLite and PostgreSQL:
a failing migration is undone from the verified backup (SQLite) or named with its restore
command (PostgreSQL); a second admin is refused; key rotation can be cancelled, resumed, and
ends with a database only the new key opens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from novamind_desktop.domain.maintenance import MigrationLocked, UpgradeFailed
from novamind_desktop.domain.users import Actor
from novamind_desktop.infrastructure import migrations, rotation
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.database import make_engine
from novamind_desktop.infrastructure.database_admin import SqlDatabaseAdmin
from novamind_desktop.infrastructure.demo_data import DemoRequest, build_demo_clinic
from novamind_desktop.infrastructure.key_check import WrongKey, verify_key
from novamind_desktop.infrastructure.keys import KeyRing, MasterKey
from novamind_desktop.infrastructure.maintenance_lock import maintenance_lock
from novamind_desktop.infrastructure.passwords import ScryptPasswordHasher
from novamind_desktop.infrastructure.records import PatientRecord
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory

ACTOR = Actor.command_line("tests")
ZONE = ZoneInfo("Europe/Berlin")


def _clinic(
    engine: Engine, cipher: FieldCipher, clock: object, patients: int = 40, appointments: int = 0
) -> None:
    build_demo_clinic(
        make_uow_factory(engine, cipher, clock),  # type: ignore[arg-type]
        cipher,
        ScryptPasswordHasher(n=2**10),
        clock,  # type: ignore[arg-type]
        ZONE,
        DemoRequest(patients=patients, appointments=appointments, seed=11),
        actor=ACTOR,
    )


def _patients(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(PatientRecord)) or 0)


@pytest.fixture
def at_first_revision(db_url: str, cipher: FieldCipher, clock: object) -> Iterator[Engine]:
    """A database at revision 0001 holding a small clinic."""
    migrations.upgrade(db_url, "0001")
    engine = make_engine(db_url)
    verify_key(engine, cipher, clock)  # type: ignore[arg-type]
    _clinic(engine, cipher, clock)
    yield engine
    engine.dispose()


def _failing_upgrade(url: object, target: str, progress: object) -> None:
    migrations.upgrade(url, target)  # really changes the schema first…
    raise RuntimeError("injected failure in the middle of the upgrade")


def test_a_failed_upgrade_is_undone_or_named(
    at_first_revision: Engine, cipher: FieldCipher, clock: object, tmp_path: Path
) -> None:
    engine = at_first_revision
    admin = SqlDatabaseAdmin(
        engine,
        cipher,
        clock,
        backup_dir=tmp_path,
        run_upgrade=_failing_upgrade,  # type: ignore[arg-type]
    )
    with pytest.raises(UpgradeFailed) as failed:
        admin.upgrade()
    assert failed.value.backup_path is not None and failed.value.backup_path.is_file()
    if engine.dialect.name == "sqlite":
        assert failed.value.restored
        assert admin.status().current == "0001"
    else:
        assert not failed.value.restored
        assert f"novamind-desktop db restore {failed.value.backup_path}" in str(failed.value)
        admin.restore(failed.value.backup_path)
        assert admin.status().current == "0001"
    assert _patients(engine) == 40

    real = SqlDatabaseAdmin(engine, cipher, clock, backup_dir=tmp_path)  # type: ignore[arg-type]
    assert [p.rev for p in real.status().pending] == ["0002", "0003"]
    real.upgrade()
    assert real.status().up_to_date and _patients(engine) == 40
    assert [s.rev for s in real.downgrade_steps("0001")] == ["0003", "0002"]


def test_a_second_admin_is_refused_while_one_is_at_work(
    at_first_revision: Engine, cipher: FieldCipher, clock: object, tmp_path: Path
) -> None:
    admin = SqlDatabaseAdmin(at_first_revision, cipher, clock, backup_dir=tmp_path)  # type: ignore[arg-type]
    other_engine = make_engine(at_first_revision.url)
    try:
        with maintenance_lock(other_engine):
            with pytest.raises(MigrationLocked):
                admin.upgrade()
            with pytest.raises(MigrationLocked):
                admin.rotate_key()
            assert admin.status().current == "0001"
        admin.upgrade()  # free again
    finally:
        other_engine.dispose()
    assert admin.status().up_to_date


def test_rotation_can_stop_resume_and_then_the_old_key_is_refused(
    migrated_db: object, clock: object, tmp_path: Path
) -> None:
    engine: Engine = migrated_db.engine  # type: ignore[attr-defined]
    old: FieldCipher = migrated_db.cipher  # type: ignore[attr-defined]
    _clinic(engine, old, clock, patients=60, appointments=40)
    with make_uow_factory(engine, old, clock)(ACTOR) as uow:  # type: ignore[arg-type]
        someone = uow.patients.list_all()[7].details
    new_key = MasterKey(bytes(range(32)))
    both = FieldCipher(KeyRing(new_key, (old.keyring.current,)))
    verify_key(engine, both, clock)  # type: ignore[arg-type]

    calls = []
    stopped = rotation.rotate(
        engine,
        both,
        batch_size=25,
        progress=lambda *a: calls.append(a),
        cancelled=lambda: bool(calls),
    )
    assert stopped.cancelled and 0 < stopped.rows_reencrypted <= 25
    left = rotation.rows_needing_rotation(engine, both)
    assert left > 0

    admin = SqlDatabaseAdmin(engine, both, clock, backup_dir=tmp_path)  # type: ignore[arg-type]
    finished = admin.rotate_key()
    assert not finished.cancelled and finished.rows_reencrypted == left
    assert rotation.rows_needing_rotation(engine, both) == 0
    assert admin.keys_in_use() == [new_key.key_id.hex()]

    only_new = FieldCipher(KeyRing(new_key))
    verify_key(engine, only_new, clock)  # type: ignore[arg-type]
    with make_uow_factory(engine, only_new, clock)(ACTOR) as uow:  # type: ignore[arg-type]
        assert len(uow.patients.list_all()) == 60
        if someone.email:
            found = uow.patients.find_by_email(someone.email)
            assert found is not None and found.details == someone
        assert someone in [
            p.details for p in uow.patients.find_by_date_of_birth(someone.date_of_birth)
        ]
    with pytest.raises(WrongKey):
        verify_key(engine, FieldCipher(KeyRing(old.keyring.current)), clock)  # type: ignore[arg-type]
