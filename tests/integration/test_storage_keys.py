"""A missing, malformed or wrong key stops start-up before anything is written; a rotation
in progress (old key listed as previous) is accepted and recorded."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from storage_samples import new_patient

from novamind_desktop.infrastructure import migrations
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.database import make_engine
from novamind_desktop.infrastructure.key_check import (
    DatabaseNotMigrated,
    KeyCheck,
    WrongKey,
    unlock,
    verify_key,
)
from novamind_desktop.infrastructure.keys import (
    KEY_VAR,
    PREVIOUS_VAR,
    KeyConfigError,
    generate_key,
    load_keyring,
)
from novamind_desktop.infrastructure.records import EncryptionKeyRecord, PatientRecord
from novamind_desktop.infrastructure.rotation import rotate
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory

pytestmark = pytest.mark.usefixtures("storage_logs_hold_no_phi")

KEYS = EncryptionKeyRecord.__table__


def fingerprint(engine) -> str:
    """What a write would change: SQLite file + WAL bytes; on PostgreSQL every stored row of
    the tables the key check and repositories touch, plus the commit counter."""
    if engine.dialect.name == "sqlite":
        path = Path(make_url(engine.url).database or "")
        digest = hashlib.sha256()
        for part in (path, path.with_name(path.name + "-wal")):
            digest.update(part.read_bytes() if part.exists() else b"")
        return digest.hexdigest()
    with engine.connect() as connection:
        keys = connection.execute(select(KEYS).order_by(KEYS.c.key_id)).all()
        patients = connection.execute(select(PatientRecord.__table__)).all()
    return repr((keys, patients))


@pytest.fixture
def migrated_engine(db_url: str):
    migrations.upgrade(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def stored_key_ids(engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.scalars(select(KEYS.c.key_id)))


@pytest.mark.parametrize(
    "environ",
    [{}, {KEY_VAR: ""}, {KEY_VAR: "not-a-key"}, {KEY_VAR: "c2hvcnQ="}],
    ids=["missing", "empty", "malformed", "too-short"],
)
def test_missing_or_malformed_key_stops_before_any_write(migrated_engine, clock, environ):
    migrated_engine.dispose()
    before = fingerprint(migrated_engine)
    with pytest.raises(KeyConfigError, match=KEY_VAR):
        unlock(migrated_engine, environ, clock)
    migrated_engine.dispose()
    assert fingerprint(migrated_engine) == before
    assert stored_key_ids(migrated_engine) == []


def test_malformed_previous_key_is_named(migrated_engine, clock) -> None:
    environ = {KEY_VAR: generate_key(), PREVIOUS_VAR: "garbage"}
    with pytest.raises(KeyConfigError, match=PREVIOUS_VAR):
        unlock(migrated_engine, environ, clock)
    assert stored_key_ids(migrated_engine) == []


def test_first_run_records_the_key_and_later_runs_accept_it(migrated_engine, clock) -> None:
    environ = {KEY_VAR: generate_key()}
    cipher = unlock(migrated_engine, environ, clock)
    assert stored_key_ids(migrated_engine) == [cipher.current_key_id.hex()]
    assert verify_key(migrated_engine, cipher, clock) is KeyCheck.MATCHES
    assert stored_key_ids(migrated_engine) == [cipher.current_key_id.hex()]


def test_a_wrong_key_stops_before_any_write(migrated_engine, clock, admin_actor) -> None:
    right = unlock(migrated_engine, {KEY_VAR: generate_key()}, clock)
    with make_uow_factory(migrated_engine, right, clock)(admin_actor) as uow:
        uow.patients.add(new_patient())
        uow.commit()
    migrated_engine.dispose()
    before = fingerprint(migrated_engine)

    with pytest.raises(WrongKey) as caught:
        unlock(migrated_engine, {KEY_VAR: generate_key()}, clock)
    assert KEY_VAR in str(caught.value) and PREVIOUS_VAR in str(caught.value)
    assert right.current_key_id.hex() in str(caught.value)

    migrated_engine.dispose()
    assert fingerprint(migrated_engine) == before


def test_an_unknown_previous_key_does_not_make_a_wrong_key_right(migrated_engine, clock):
    unlock(migrated_engine, {KEY_VAR: generate_key()}, clock)
    environ = {KEY_VAR: generate_key(), PREVIOUS_VAR: generate_key()}
    with pytest.raises(WrongKey):
        unlock(migrated_engine, environ, clock)
    assert len(stored_key_ids(migrated_engine)) == 1


def test_rotation_records_the_new_key_next_to_the_old(migrated_engine, clock) -> None:
    old_key, new_key = generate_key(), generate_key()
    old = unlock(migrated_engine, {KEY_VAR: old_key}, clock)
    rotating = FieldCipher(load_keyring({KEY_VAR: new_key, PREVIOUS_VAR: old_key}))
    assert verify_key(migrated_engine, rotating, clock) is KeyCheck.ROTATION_STARTED
    assert stored_key_ids(migrated_engine) == sorted(
        [old.current_key_id.hex(), rotating.current_key_id.hex()]
    )
    # Until the rotation has finished, the new key alone is refused: old rows need the old key.
    new_only = FieldCipher(load_keyring({KEY_VAR: new_key}))
    with pytest.raises(WrongKey, match=PREVIOUS_VAR):
        verify_key(migrated_engine, new_only, clock)
    # Rotation forgets the old key once no value needs it; then the new key alone opens it.
    rotate(
        migrated_engine,
        rotating,
        on_complete=lambda connection: connection.execute(
            KEYS.delete().where(KEYS.c.key_id != rotating.current_key_id.hex())
        ),
    )
    assert verify_key(migrated_engine, new_only, clock) is KeyCheck.MATCHES


def test_lost_check_value_with_unreadable_patients_is_a_wrong_key(
    migrated_engine, clock, admin_actor
) -> None:
    right = unlock(migrated_engine, {KEY_VAR: generate_key()}, clock)
    with make_uow_factory(migrated_engine, right, clock)(admin_actor) as uow:
        uow.patients.add(new_patient())
        uow.commit()
    with migrated_engine.begin() as connection:
        connection.execute(KEYS.delete())
    with pytest.raises(WrongKey):
        unlock(migrated_engine, {KEY_VAR: generate_key()}, clock)
    assert stored_key_ids(migrated_engine) == []
    assert verify_key(migrated_engine, right, clock) is KeyCheck.FIRST_RUN


def test_an_unmigrated_database_is_reported(db_url: str, cipher, clock) -> None:
    engine = make_engine(db_url)
    try:
        with pytest.raises(DatabaseNotMigrated, match="db upgrade"):
            verify_key(engine, cipher, clock)
    finally:
        engine.dispose()
