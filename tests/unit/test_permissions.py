"""Every use case refuses the roles that may not run it, before touching anything."""

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.errors import PermissionDenied
from novamind_desktop.domain.recurrence import Frequency, Recurrence
from novamind_desktop.domain.twins import ReviewStatus
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.services.appointments import BookingRequest
from novamind_desktop.services.registry import AppServices, build_app_services

from .conftest import CLINIC_TZ
from .fakes import FakeDatabaseAdmin, FakeHasher

ID = uuid4()
WHEN = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
REQUEST = BookingRequest(ID, ID, WHEN, "therapy")
RAW = {"first_name": "A", "last_name": "B", "date_of_birth": "1990-01-01", "phone": "123456"}

CALLS = {
    "patients.register": lambda s, a: s.patients.register(a, RAW),
    "patients.update": lambda s, a: s.patients.update(a, ID, 1, RAW),
    "patients.deactivate": lambda s, a: s.patients.deactivate(a, ID, 1),
    "patients.reactivate": lambda s, a: s.patients.reactivate(a, ID, 1),
    "patients.get": lambda s, a: s.patients.get(a, ID),
    "patients.possible_duplicates": lambda s, a: s.patients.possible_duplicates(a, RAW),
    "patients.all_for_index": lambda s, a: s.patients.all_for_index(a),
    "appointments.book": lambda s, a: s.appointments.book(a, REQUEST),
    "appointments.book_series": lambda s, a: s.appointments.book_series(
        a, REQUEST, Recurrence(Frequency.WEEKLY, count=2)
    ),
    "appointments.move": lambda s, a: s.appointments.move(a, ID, 1, WHEN, WHEN),
    "appointments.move_following": lambda s, a: s.appointments.move_following(a, ID, 1, WHEN, WHEN),
    "appointments.cancel": lambda s, a: s.appointments.change_status(
        a, ID, 1, AppointmentStatus.CANCELLED, "r"
    ),
    "appointments.cancel_following": lambda s, a: s.appointments.cancel_following(
        a, ID, 1, AppointmentStatus.CANCELLED, "r"
    ),
    "appointments.check_in": lambda s, a: s.appointments.change_status(
        a, ID, 1, AppointmentStatus.CHECKED_IN
    ),
    "appointments.schedule": lambda s, a: s.appointments.schedule(a, WHEN, WHEN),
    "appointments.types": lambda s, a: s.appointments.types(a),
    "twins.get": lambda s, a: s.twins.get(a, ID),
    "twins.review": lambda s, a: s.twins.review(a, ID, 1, ReviewStatus.REVIEWED, ""),
    "users.list_users": lambda s, a: s.users.list_users(a),
    "users.add_user": lambda s, a: s.users.add_user(a, "newbie", "N", Role.ADMIN, "x" * 12),
    "users.deactivate": lambda s, a: s.users.deactivate(a, ID),
    "users.reactivate": lambda s, a: s.users.reactivate(a, ID),
    "users.reset_password": lambda s, a: s.users.reset_password(a, ID, "x" * 12),
    "users.change_role": lambda s, a: s.users.change_role(a, ID, Role.ADMIN),
    "audit.query": lambda s, a: s.audit.query(a),
    "audit.export_csv": lambda s, a: s.audit.export_csv(a, [], Path("never-written.csv")),
    "admin.status": lambda s, a: s.admin.status(a),
    "admin.backup": lambda s, a: s.admin.backup(a, Path("b.sqlite3")),
    "admin.restore": lambda s, a: s.admin.restore(a, Path("b.sqlite3")),
    "admin.upgrade": lambda s, a: s.admin.upgrade(a),
    "admin.downgrade": lambda s, a: s.admin.downgrade(a, "0001"),
    "admin.rotate_key": lambda s, a: s.admin.rotate_key(a),
    "imports.patients": lambda s, a: s.imports.import_patients(a, []),
    "imports.appointments": lambda s, a: s.imports.import_appointments(a, []),
}

ADMIN_ONLY = [name for name in CALLS if name.split(".")[0] in {"users", "audit", "admin"}]
DENIED = {
    Role.FRONTDESK: [*ADMIN_ONLY, "twins.get", "twins.review"],
    Role.CLINICIAN: [
        *ADMIN_ONLY,
        "patients.register",
        "patients.update",
        "patients.deactivate",
        "patients.reactivate",
        "appointments.book",
        "appointments.book_series",
        "appointments.move",
        "appointments.move_following",
        "appointments.cancel",
        "appointments.cancel_following",
        "imports.patients",
        "imports.appointments",
    ],
}


@pytest.fixture
def services(uow_factory, clock) -> AppServices:
    return build_app_services(
        uow_factory=uow_factory,
        clock=clock,
        hasher=FakeHasher(),
        clinic_tz=CLINIC_TZ,
        database_admin=FakeDatabaseAdmin(),
    )


@pytest.mark.parametrize(
    ("role", "call"), [(role, call) for role, calls in DENIED.items() for call in calls]
)
def test_the_wrong_role_is_refused_before_anything_happens(services, db, uow_factory, role, call):
    actor = Actor(uuid4(), f"a-{role.value}", role)
    with pytest.raises(PermissionDenied) as refused:
        CALLS[call](services, actor)
    assert refused.value.role == role.value
    assert not any(uow.committed for uow in uow_factory.opened)
    assert db.audit == [] and db.patients == {} and db.appointments == {}


@pytest.mark.parametrize(
    ("role", "call"),
    [
        (Role.FRONTDESK, "patients.all_for_index"),
        (Role.FRONTDESK, "appointments.schedule"),
        (Role.CLINICIAN, "patients.all_for_index"),
        (Role.CLINICIAN, "patients.possible_duplicates"),
        (Role.CLINICIAN, "appointments.types"),
        (Role.CLINICIAN, "twins.get"),
        (Role.ADMIN, "users.list_users"),
        (Role.ADMIN, "audit.query"),
        (Role.ADMIN, "admin.status"),
        (Role.ADMIN, "imports.patients"),
    ],
)
def test_the_right_role_gets_through(services, role, call):
    CALLS[call](services, Actor(uuid4(), "someone", role))


# Every signed-in role may call these (or they run before anyone has signed in).
OPEN_TO_ALL = {
    "find_by_email",
    "find_by_date_of_birth",
    "changed_since",
    "clinicians",
    "get",
    "for_patient",
    "next_for_patients",
    "next_available",
    "change_status",  # checking in: frontdesk and clinicians; cancelling is tested above
    "downgrade_steps",
    "needs_first_admin",
    "create_first_admin",
    "sign_in",
    "sign_out",
    "verify_password",
}


def test_the_matrix_covers_every_public_method(services):
    listed = {name.split(".")[1] for name in CALLS}
    for name in ("patients", "appointments", "twins", "users", "audit", "admin"):
        service = getattr(services, name)
        public = {
            m for m in dir(service) if not m.startswith("_") and callable(getattr(service, m))
        }
        assert public - OPEN_TO_ALL <= listed, (name, public - OPEN_TO_ALL - listed)
