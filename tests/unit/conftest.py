"""Fixtures for service tests: a fake database, its unit-of-work factory, a clock, actors."""

from datetime import UTC, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from novamind_desktop.domain.users import Actor, Role, User

from .fakes import FakeDatabase, FakeUnitOfWorkFactory, FixedClock

CLINIC_TZ = ZoneInfo("Europe/Berlin")
# A Monday morning in June, before the clinic opens.
NOW = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
def db(clock):
    return FakeDatabase(clock)


@pytest.fixture
def uow_factory(db):
    return FakeUnitOfWorkFactory(db)


def add_user(db, username, role, display_name=None, password="a long enough secret"):
    user = User(uuid4(), username, display_name or username.title(), role)
    db.users[user.id] = user
    db.password_hashes[user.id] = "fake$" + password
    return user


@pytest.fixture
def frontdesk_user(db):
    return add_user(db, "fiona", Role.FRONTDESK, "Fiona Front")


@pytest.fixture
def clinician_user(db):
    return add_user(db, "dr.chen", Role.CLINICIAN, "Dr Chen")


@pytest.fixture
def other_clinician(db):
    return add_user(db, "dr.okafor", Role.CLINICIAN, "Dr Okafor")


@pytest.fixture
def admin_user(db):
    return add_user(db, "ada", Role.ADMIN, "Ada Admin")


@pytest.fixture
def frontdesk(frontdesk_user):
    return Actor.of(frontdesk_user)


@pytest.fixture
def clinician(clinician_user):
    return Actor.of(clinician_user)


@pytest.fixture
def admin(admin_user):
    return Actor.of(admin_user)
