"""The shared PostgreSQL server restarts while a desk works: through the application as
bootstrap wires it, on a server of this test's own (so it can be stopped). While it is down,
a lookup and a registration are refused with the sentence that says so, nothing is stored
and nothing of the patient reaches the log; once it is back, the same services carry on
without a restart of the app."""

from __future__ import annotations

from uuid import uuid4

import pytest
from pg_server import PostgresServer
from service_helpers import PATIENT_FORM
from storage_samples import new_patient

from novamind_desktop.bootstrap import build_context
from novamind_desktop.domain.errors import KeyRotationStopped, StorageUnavailable
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.infrastructure import migrations
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.database import make_engine
from novamind_desktop.infrastructure.key_check import KeyCheck, unlock, verify_key
from novamind_desktop.infrastructure.keys import KEY_VAR, PREVIOUS_VAR, generate_key, load_keyring
from novamind_desktop.infrastructure.rotation import rotate, rows_needing_rotation
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory
from novamind_desktop.settings import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("logs_hold_no_phi")]

DESK = Actor(uuid4(), "frontdesk.ines", Role.FRONTDESK)
ADMIN = Actor(uuid4(), "admin.oda", Role.ADMIN)
NEWCOMER = {**PATIENT_FORM, "email": "newcomer@example.net", "phone": "+44 7700 900999"}


@pytest.fixture
def own_server():
    server = PostgresServer()
    try:
        yield server.start()
    finally:
        server.stop()


def test_a_server_restart_is_told_while_it_lasts_and_the_desk_carries_on_after(
    own_server, key_environ, tmp_path
) -> None:
    environ = {
        **key_environ,
        "DATABASE_URL": own_server.url(own_server.create_database()),
        "NOVAMIND_LOG_FILE": str(tmp_path / "novamind.log"),
        "NOVAMIND_BACKUP_DIR": str(tmp_path / "backups"),
    }
    context = build_context(Settings.from_environ(environ))  # migrates the empty database
    patients = context.services.patients
    try:
        ada = patients.register(DESK, PATIENT_FORM)
        refused: dict[str, StorageUnavailable] = {}

        def while_down() -> None:
            with pytest.raises(StorageUnavailable) as lookup:
                patients.find_by_email(DESK, PATIENT_FORM["email"])
            with pytest.raises(StorageUnavailable) as registration:
                patients.register(DESK, NEWCOMER)
            refused.update(lookup=lookup.value, registration=registration.value)

        own_server.restart_after(while_down)
        for error in refused.values():
            assert (error.kind, error.saving) == ("lost", False)
            assert str(error).startswith("The connection to the database was lost, so this")
        found = patients.find_by_email(DESK, PATIENT_FORM["email"])
        assert found is not None and found.id == ada.id
        assert patients.find_by_email(DESK, NEWCOMER["email"]) is None  # not half-stored
        assert patients.register(DESK, NEWCOMER).details.email == NEWCOMER["email"]
    finally:
        context.close()


def test_a_key_rotation_cut_off_by_a_restart_says_how_far_it_got_and_carries_on(
    own_server, clock
) -> None:
    """Each batch of a rotation commits on its own. The server stops after the first batch:
    the admin is told how many rows are done (not "nothing was saved"), and a second run
    after the restart finishes the job."""
    url = own_server.url(own_server.create_database())
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        old_key, new_key = generate_key(), generate_key()
        old = unlock(engine, {KEY_VAR: old_key}, clock)
        with make_uow_factory(engine, old, clock)(ADMIN) as uow:
            for n in range(5):
                uow.patients.add(new_patient(email=f"p{n}@example.org"))
            uow.commit()
        rotating = FieldCipher(load_keyring({KEY_VAR: new_key, PREVIOUS_VAR: old_key}))
        assert verify_key(engine, rotating, clock) is KeyCheck.ROTATION_STARTED
        batches: list[int] = []

        def progress(done: int, total: int, _what: str = "") -> None:
            batches.append(done)
            if len(batches) == 1:
                own_server.stop_for_now()

        try:
            with pytest.raises(KeyRotationStopped) as stopped:
                rotate(engine, rotating, progress=progress, batch_size=2)
        finally:
            own_server.start_again()
        done = stopped.value.rows_done
        assert 0 < done < 5 and stopped.value.cause.kind == "lost"
        assert str(stopped.value).startswith(f"Key rotation stopped after re-encrypting {done}")
        assert rows_needing_rotation(engine, rotating) == 5 - done  # those stay done
        report = rotate(engine, rotating, batch_size=2)
        assert report.rows_reencrypted == 5 - done
        assert rows_needing_rotation(engine, rotating) == 0
    finally:
        engine.dispose()
