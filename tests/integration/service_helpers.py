"""The services wired as bootstrap wires them, on the real test databases, plus distinctive
PHI samples, raw-storage readers and a unit of work that pauses at a chosen write.

A `Workstation` is one copy of the application: its own engine (own connection pool) and
its own AppServices on the shared database, as two desks of one clinic would have.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import psycopg2
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url

from novamind_desktop.domain.errors import DomainError
from novamind_desktop.domain.patients import normalise_email, normalise_phone
from novamind_desktop.domain.twins import DigitalTwin
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.infrastructure.database import make_engine
from novamind_desktop.infrastructure.database_admin import SqlDatabaseAdmin
from novamind_desktop.infrastructure.passwords import ScryptPasswordHasher
from novamind_desktop.infrastructure.records import AuditEventRecord
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory
from novamind_desktop.services.ports import UnitOfWork, UnitOfWorkFactory
from novamind_desktop.services.registry import AppServices, build_app_services

CLINIC_TZ = ZoneInfo("Europe/Berlin")  # the conftest clock's Monday 09:00 UTC is 10:00 here
AUDIT = AuditEventRecord.__table__
PASSWORD = "correct horse battery staple"
# bootstrap's hasher, at a lower scrypt cost: four staff accounts per test would otherwise
# spend most of the suite's time hashing (the cost itself is tested in tests/unit).
TEST_HASHER = ScryptPasswordHasher(n=2**10)

# --- what the front desk types (every value distinctive, so a stray copy is found) ------

PATIENT_FORM = {
    "first_name": "Ottoline",
    "last_name": "Vandermeulen-Ffrench",
    "date_of_birth": "1979-11-23",
    "email": "Ottoline.VDM@example.net",
    "phone": "+44 7700 900461",
    "address_line": "42 Juniper Wharf Lane",
    "city": "Kirkcudbright",
    "postal_code": "DG6 4XQ",
    "country": "Caledonia Minor",
    "insurance_provider": "Thistlecombe Assurance",
    "insurance_member_id": "TCA-55120943",
    "emergency_contact_name": "Peregrine Vandermeulen",
    "emergency_contact_phone": "+44 7700 900462",
}
EDITED_FORM = PATIENT_FORM | {
    "address_line": "9 Saltmarsh Ropewalk",
    "city": "Portpatrick-on-Sea",
    "insurance_member_id": "TCA-77003318",
}
RIVAL_EDIT = PATIENT_FORM | {"city": "Ballachulish Ferry", "phone": "+44 7700 900777"}
OTHER_FORM = {
    "first_name": "Isambard",
    "last_name": "Okonkwo-Llewellyn",
    "date_of_birth": "1992-02-29",
    "email": "isambard.ol@example.com",
    "phone": "+49 30 5550 1234",
}
APPOINTMENT_NOTES = "Disclosed panic attacks on the Skye ferry"
CANCELLATION_REASON = "Admitted to Raigmore ward overnight"
REVIEW_NOTE = "Escalate: forecast contradicts the Glencoe assessment"
TWIN_TEXTS = (
    "Rumination about the Dunvegan fire",
    "Insomnia since the Lochaber move",
    "Sedation reported by aunt Morwenna",
)
SYMPTOM_FORECAST = {"narrative": TWIN_TEXTS[0], "phq9": [14, 12, 11]}
BIOMETRICS = {"hrv_vs_sleep": {"r": -0.61, "comment": TWIN_TEXTS[1]}}
MEDICATIONS = {"quetiapine": {"response": 0.37, "comment": TWIN_TEXTS[2]}}
TWIN_DOCUMENTS = (SYMPTOM_FORECAST, BIOMETRICS, MEDICATIONS)

IMPORTED_PATIENTS = [
    {
        "first_name": "Henrietta",
        "last_name": "Zwanenburg",
        "date_of_birth": "1961-05-14",
        "email": "h.zwanenburg@example.org",
        "phone": "+31 20 555 0199",
        "insurance_member_id": "ZZ-40417763",
    },
    {
        "first_name": "Tiberius",
        "last_name": "Ó Fearghail",
        "date_of_birth": "2001-12-03",
        "email": "",
        "phone": "+353 1 555 0143",
    },
]
IMPORTED_NOTES = "Referred after Connemara relapse"


def json_text(document: dict[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False)


def _as_typed_and_stored(form: dict[str, str]) -> set[str]:
    """The values as typed, as stored (email lower-cased, phones normalised) and as digits."""
    found = {v for v in form.values() if v}
    for name, value in form.items():
        if "phone" in name and value:
            stored = normalise_phone(value)
            found |= {stored, stored.lstrip("+")}
        elif name == "email" and value:
            found.add(normalise_email(value))
    return found


def _phi_values() -> list[str]:
    forms = [PATIENT_FORM, EDITED_FORM, RIVAL_EDIT, OTHER_FORM, *IMPORTED_PATIENTS]
    typed = set().union(*(_as_typed_and_stored(form) for form in forms))
    free_text = {APPOINTMENT_NOTES, CANCELLATION_REASON, REVIEW_NOTE, IMPORTED_NOTES}
    documents = {json_text(d) for d in TWIN_DOCUMENTS}
    return sorted(typed | free_text | set(TWIN_TEXTS) | documents)


# Every stored PHI value any service test writes; none may reach storage, audit or logs.
PHI_VALUES = _phi_values()


def variants(value: str) -> set[str]:
    return {value, value.lower(), value.upper(), value.casefold()}


def phi_in_text(text: str, values: list[str] = PHI_VALUES) -> list[str]:
    folded = text.casefold()
    return [v for v in values if v.casefold() in folded]


# --- wiring ------------------------------------------------------------------------------


def build_services(
    engine: Engine, uow_factory: UnitOfWorkFactory, db: Any, backup_dir: Path
) -> AppServices:
    """What bootstrap.wire() builds, with the test clock and the clinic's time zone."""
    admin = SqlDatabaseAdmin(engine, db.cipher, db.clock, backup_dir=backup_dir)
    return build_app_services(
        uow_factory=uow_factory,
        clock=db.clock,
        hasher=TEST_HASHER,
        clinic_tz=CLINIC_TZ,
        database_admin=admin,
    )


@dataclass
class Workstation:
    """One running copy of the app on the shared database."""

    engine: Engine
    uow_factory: UnitOfWorkFactory
    services: AppServices


def open_workstation(
    db: Any, backup_dir: Path, wrap: Callable[[UnitOfWorkFactory], UnitOfWorkFactory] | None = None
) -> Workstation:
    """A second desk: its own engine and services. `wrap` may decorate its uow factory."""
    engine = make_engine(db.url)
    factory = make_uow_factory(engine, db.cipher, db.clock)
    if wrap is not None:
        factory = wrap(factory)
    return Workstation(engine, factory, build_services(engine, factory, db, backup_dir))


@dataclass
class Clinic:
    """The database, this desk's services and the staff. `workstation()` opens another desk."""

    db: Any
    backup_dir: Path
    services: AppServices
    admin: Actor
    frontdesk: Actor
    frontdesk_2: Actor
    dr_a: Actor
    dr_b: Actor
    _opened: list[Workstation] = field(default_factory=list)

    def workstation(
        self, wrap: Callable[[UnitOfWorkFactory], UnitOfWorkFactory] | None = None
    ) -> Workstation:
        desk = open_workstation(self.db, self.backup_dir, wrap)
        self._opened.append(desk)
        return desk

    def close(self) -> None:
        for desk in self._opened:
            desk.engine.dispose()


def set_up_clinic(db: Any, tmp_path: Path) -> Iterator[Clinic]:
    """Staff added through UserService by the command-line admin, as `users add` does."""
    backup_dir = tmp_path / "backups"
    services = build_services(db.engine, db.uow_factory, db, backup_dir)
    admin = Actor.command_line("tests")

    def staff(username: str, name: str, role: Role) -> Actor:
        return Actor.of(services.users.add_user(admin, username, name, role, PASSWORD))

    clinic = Clinic(
        db,
        backup_dir,
        services,
        admin,
        staff("desk.amara", "Amara Desk", Role.FRONTDESK),
        staff("desk.bertil", "Bertil Desk", Role.FRONTDESK),
        staff("dr.adebayo", "Dr Adebayo", Role.CLINICIAN),
        staff("dr.brennan", "Dr Brennan", Role.CLINICIAN),
    )
    try:
        yield clinic
    finally:
        clinic.close()


def add_twin(db: Any, patient_id: UUID) -> DigitalTwin:
    """The models' output for a patient (written by the model pipeline, not by a service)."""
    with db(Actor.command_line("twin-models")) as uow:
        twin = uow.twins.add(
            DigitalTwin(
                uuid4(),
                patient_id,
                symptom_forecast=SYMPTOM_FORECAST,
                biometric_correlations=BIOMETRICS,
                medication_responses=MEDICATIONS,
                last_updated=db.clock.now(),
            )
        )
        uow.commit()
    return twin


# --- reading storage around the services -------------------------------------------------


def audit_rows(engine: Engine) -> list[Any]:
    """The audit table read with plain Core SQL, oldest first."""
    with engine.connect() as connection:
        return list(connection.execute(select(AUDIT).order_by(AUDIT.c.at, AUDIT.c.id)))


def raw_storage(url: str) -> str:
    """Everything the database holds, as text a thief could grep.

    SQLite: the file and its WAL, decoded byte for byte. PostgreSQL: every row of every table
    in the server's own text form (bytea as hex)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        parts = [path, path.with_name(path.name + "-wal")]
        return b"".join(p.read_bytes() for p in parts if p.exists()).decode("latin-1")
    connection = psycopg2.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, dbname=parsed.database
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            dumped = []
            for (name,) in cursor.fetchall():
                cursor.execute(f'SELECT t::text FROM "{name}" AS t')
                dumped.extend(row[0] for row in cursor.fetchall())
        return "\n".join(dumped)
    finally:
        connection.close()


def phi_in_storage(url: str, values: list[str] = PHI_VALUES) -> list[str]:
    """Stored values readable in the raw storage: as UTF-8 text, or as hex (PostgreSQL bytea)."""
    raw = raw_storage(url)
    hex_text = raw.lower()
    found = []
    for value in values:
        for form in variants(value):
            if form.encode().decode("latin-1") in raw or form.encode().hex() in hex_text:
                found.append(value)
                break
    return found


# --- logs -----------------------------------------------------------------------------------


def watch_logs_for_phi(
    caplog: pytest.LogCaptureFixture, values: list[str] = PHI_VALUES
) -> Iterator[None]:
    """Capture every log record of the test at DEBUG (SQL statements and parameters
    included) and fail if any holds a stored PHI value. Runs as a fixture: on teardown it
    reads the records of the set-up and call phases (caplog.text is only the current one)."""
    for name in (None, "sqlalchemy", "novamind_desktop"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield
    records = caplog.get_records("setup") + caplog.get_records("call")
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    leaked = phi_in_text("\n".join(formatter.format(record) for record in records), values)
    assert leaked == [], f"stored values appeared in the logs: {len(leaked)}"


# --- two desks at once ------------------------------------------------------------------------


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call on its own thread; each result, or the DomainError it raised."""

    def outcome(call: Callable[[], Any]) -> Any:
        try:
            return call()
        except DomainError as refused:
            return refused

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(outcome, call) for call in calls]
        return [future.result(timeout=120) for future in futures]


def split(outcomes: list[Any], kind: type, refusal: type[DomainError]) -> tuple[Any, Any]:
    won = [o for o in outcomes if isinstance(o, kind)]
    lost = [o for o in outcomes if isinstance(o, refusal)]
    assert (len(won), len(lost)) == (1, 1), outcomes
    return won[0], lost[0]


# --- a unit of work that stops at a chosen write ------------------------------------------


class _PausingRepository:
    def __init__(self, inner: Any, method: str, pause: Callable[[int], None]):
        self._inner, self._method, self._pause, self._calls = inner, method, pause, 0

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if name != self._method:
            return found

        def paused(*args: Any, **kwargs: Any) -> Any:
            self._calls += 1
            self._pause(self._calls)
            return found(*args, **kwargs)

        return paused


class _PausingUnitOfWork:
    def __init__(self, inner: UnitOfWork, repository: str, method: str, pause: Any):
        self._inner, self._repository, self._method, self._pause = inner, repository, method, pause

    def __enter__(self) -> UnitOfWork:
        uow = self._inner.__enter__()
        repository = getattr(uow, self._repository)
        setattr(uow, self._repository, _PausingRepository(repository, self._method, self._pause))
        return uow

    def __exit__(self, *exc: Any) -> None:
        self._inner.__exit__(*exc)


def pause_before(
    repository: str, method: str, pause: Callable[[int], None]
) -> Callable[[UnitOfWorkFactory], UnitOfWorkFactory]:
    """Wrap a uow factory so `uow.<repository>.<method>` first calls pause(n), n counting
    the calls within that unit of work: the service's own checks have already run."""

    def wrap(inner: UnitOfWorkFactory) -> UnitOfWorkFactory:
        def factory(actor: Actor) -> UnitOfWork:
            return _PausingUnitOfWork(inner(actor), repository, method, pause)  # type: ignore[return-value]

        return factory

    return wrap
