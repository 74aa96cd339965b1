"""Desks whose clocks disagree still see each other's changes (infrastructure/server_clock.py).

The patient directory finds other desks' changes by their updated_at stamps, looking back
POLL_OVERLAP from its last look. A desk stamping with its own clock, three minutes slow,
saves patients the others have already looked past; telling the time by the server's clock,
it does not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from service_helpers import CLINIC_TZ, PATIENT_FORM, TEST_HASHER
from sqlalchemy import Engine

from novamind_desktop.bootstrap import build_context
from novamind_desktop.infrastructure.database import make_engine
from novamind_desktop.infrastructure.database_admin import SqlDatabaseAdmin
from novamind_desktop.infrastructure.server_clock import ServerClock
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory
from novamind_desktop.presenters.patient_search import POLL_OVERLAP
from novamind_desktop.services.ports import Clock
from novamind_desktop.services.registry import AppServices, build_app_services
from novamind_desktop.settings import Settings

pytestmark = pytest.mark.usefixtures("logs_hold_no_phi")

SLOW = timedelta(minutes=3)


def three_minutes_slow() -> datetime:
    return datetime.now(UTC) - SLOW


class _OwnClock:
    """A desk that trusts its own clock (what every desk did before ServerClock)."""

    def __init__(self, local: Callable[[], datetime]):
        self.now = local


@pytest.fixture
def desk(clinic: Any, tmp_path: Path) -> Iterator[Callable[[Clock], AppServices]]:
    """desk(clock): another desk on the clinic's database, telling the time by `clock`."""
    engines: list[Engine] = []

    def open_desk(clock: Clock) -> AppServices:
        engine = make_engine(clinic.db.url)
        engines.append(engine)
        factory = make_uow_factory(engine, clinic.db.cipher, clock)
        admin = SqlDatabaseAdmin(engine, clinic.db.cipher, clock, backup_dir=tmp_path / "b")
        return build_app_services(
            uow_factory=factory,
            clock=clock,
            hasher=TEST_HASHER,
            clinic_tz=CLINIC_TZ,
            database_admin=admin,
        )

    yield open_desk
    for engine in engines:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_desk_with_a_slow_clock_still_reaches_the_others(clinic, desk) -> None:
    engine = make_engine(clinic.db.url)
    try:
        slow_clock = ServerClock.measured(engine, three_minutes_slow)
        on_time = ServerClock.measured(engine)
    finally:
        engine.dispose()
    assert abs(slow_clock.offset - SLOW) < timedelta(seconds=2)  # the server's time, not its own
    assert abs(on_time.offset) < timedelta(seconds=2)  # the server runs on this machine

    looked = on_time.now()  # the other desk's last look at the patients
    corrected = desk(slow_clock)
    trusting = desk(_OwnClock(three_minutes_slow))
    seen = corrected.patients.register(clinic.frontdesk, PATIENT_FORM)
    missed = trusting.patients.register(
        clinic.frontdesk_2, {**PATIENT_FORM, "email": "", "phone": "+44 20 7946 0321"}
    )

    other_desk = desk(on_time)
    changed = other_desk.patients.changed_since(clinic.frontdesk, looked - POLL_OVERLAP)
    found = {patient.id for patient in changed}
    assert seen.id in found
    assert missed.id not in found  # the failure ServerClock prevents, shown


def test_the_application_tells_the_time_by_its_database(migrated_db, key_environ, tmp_path):
    environ = {
        **key_environ,
        "DATABASE_URL": migrated_db.url,
        "NOVAMIND_LOG_FILE": str(tmp_path / "novamind.log"),
        "NOVAMIND_BACKUP_DIR": str(tmp_path / "backups"),
        "NOVAMIND_CLINIC_TIMEZONE": "Europe/London",
    }
    context = build_context(Settings.from_environ(environ))
    try:
        clock = context.services.clock
        assert isinstance(clock, ServerClock)
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=2)
        if migrated_db.engine.dialect.name == "sqlite":
            assert clock.offset == timedelta(0)  # one desk's file: its own clock, unmeasured
    finally:
        context.close()


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_desk_left_running_measures_the_offset_again_off_the_gui_thread(migrated_db) -> None:
    slow = [SLOW]  # the desk's clock, which drifts: three minutes slow, later one

    def drifting() -> datetime:
        return datetime.now(UTC) - slow[0]

    engine = make_engine(migrated_db.url)
    try:
        clock = ServerClock.measured(engine, drifting, resync=timedelta(0))
        assert abs(clock.offset - SLOW) < timedelta(seconds=2)
        slow[0] = timedelta(minutes=1)
        clock.now()  # the main thread (the GUI's): never a round trip to the server
        assert abs(clock.offset - SLOW) < timedelta(seconds=2)
        worker = threading.Thread(target=clock.now)  # where saves are stamped
        worker.start()
        worker.join()
        assert abs(clock.offset - timedelta(minutes=1)) < timedelta(seconds=2)
        assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=2)
    finally:
        engine.dispose()
