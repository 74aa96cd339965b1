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

from novamind_desktop.bootstrap import build_context
from novamind_desktop.domain.errors import StorageUnavailable
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.settings import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("logs_hold_no_phi")]

DESK = Actor(uuid4(), "frontdesk.ines", Role.FRONTDESK)
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
