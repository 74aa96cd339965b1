"""The composition root: environment in, a ready AppContext out. Nothing happens at import.

Start-up checks run in this order and each stops start-up with one sentence (StartupError):
1. the keys (NOVAMIND_ENCRYPTION_KEY …) parse: nothing on disk has been touched yet;
2. the database can be reached;
3. its migration state: newer than this app -> refused; an empty database is set up to head
   (a first start); behind -> reported in AppContext.migration_status (admins may migrate);
4. the key matches the database (key check), before anything else is written.
Only then are the cipher, the unit-of-work factory and the services built.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from novamind_desktop.settings import (
    ConfigurationError,
    Settings,
    StartupError,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from novamind_desktop.domain.maintenance import MigrationStatus
    from novamind_desktop.infrastructure.crypto import FieldCipher
    from novamind_desktop.infrastructure.demo_data import DemoAccount
    from novamind_desktop.infrastructure.keys import KeyRing
    from novamind_desktop.services.ports import Clock, UnitOfWorkFactory
    from novamind_desktop.services.ports_admin import DatabaseAdmin
    from novamind_desktop.services.registry import AppServices

__all__ = [
    "AppContext",
    "ConfigurationError",
    "DatabaseBehind",
    "DatabaseNotSetUp",
    "DatabaseTooNew",
    "DatabaseUnavailable",
    "KeyMismatch",
    "KeyNotConfigured",
    "Settings",
    "StartupError",
    "build_context",
    "configure_logging",
]

log = logging.getLogger(__name__)


class KeyNotConfigured(StartupError):
    """NOVAMIND_ENCRYPTION_KEY (or password + salt) missing or malformed. Names the variable."""


class DatabaseUnavailable(StartupError):
    """The database cannot be reached or opened. Names the database, never its password."""


class DatabaseTooNew(StartupError):
    """The database was migrated by a newer version of NOVAMIND Desktop."""


class DatabaseBehind(StartupError):
    """The database needs `db upgrade` before this version of the app can use it."""


class DatabaseNotSetUp(StartupError):
    """The database holds no NOVAMIND tables yet."""


class KeyMismatch(StartupError):
    """The configured key is not the one the database was written with."""


@dataclass
class AppContext:
    """Everything the GUI and the command line use, built once by build_context()."""

    settings: Settings
    keyring: KeyRing = field(repr=False)
    engine: Engine
    cipher: FieldCipher = field(repr=False)
    uow_factory: UnitOfWorkFactory
    services: AppServices
    database_admin: DatabaseAdmin
    migration_status: MigrationStatus
    database_label: str  # the URL with the password masked
    demo_accounts: Sequence[DemoAccount] = ()
    _cleanups: list[Callable[[], None]] = field(default_factory=list, repr=False)

    @property
    def is_demo(self) -> bool:
        return bool(self.demo_accounts)

    def require_current_schema(self) -> None:
        """Raise DatabaseBehind / DatabaseNotSetUp unless the database is at head."""
        status = self.migration_status
        if status.current is None:
            raise DatabaseNotSetUp(
                f"The database {self.database_label} has not been set up yet; run "
                "`novamind-desktop db upgrade` first."
            )
        if status.is_behind:
            raise DatabaseBehind(
                f"The database is at revision {status.current} but this version of NOVAMIND "
                f"Desktop needs {status.head}; an administrator must run "
                "`novamind-desktop db upgrade` (or use Admin → Database → Migrations)."
            )

    def refresh_migration_status(self) -> MigrationStatus:
        self.migration_status = self.database_admin.status()
        return self.migration_status

    def close(self) -> None:
        """Dispose of the engine and run the cleanups (the demo removes its files)."""
        self.engine.dispose()
        while self._cleanups:
            self._cleanups.pop()()


def configure_logging(settings: Settings) -> None:
    """Logging to the log file only, through the PHI-redacting filter."""
    from novamind_desktop.infrastructure import safe_logging

    try:
        safe_logging.configure(settings.log_level, settings.log_file)
    except OSError:
        raise ConfigurationError(
            f"Cannot write the log file {settings.log_file}; set NOVAMIND_LOG_FILE to a "
            "writable path."
        ) from None


def build_context(
    settings: Settings, *, set_up_empty: bool = True, keyring: KeyRing | None = None
) -> AppContext:
    """Run the start-up checks in order and wire the application.

    `set_up_empty`: migrate an empty database to head (a first start). The `db` commands
    pass False so that `db status` reports an empty database as it is. `keyring`: the keys
    if the caller has loaded them already (load_keys), to spare a second key derivation.
    """
    from novamind_desktop.infrastructure.crypto import FieldCipher
    from novamind_desktop.infrastructure.database import describe

    keyring = keyring or load_keys(settings)
    engine = open_database(settings)
    try:
        status = check_migrations(engine, set_up_empty)
        cipher = FieldCipher(keyring)
        if status.current is not None:
            check_key(engine, cipher)
        context = wire(settings, keyring, engine, cipher, status, describe(engine.url))
    except BaseException:
        engine.dispose()
        raise
    log.info("started: database %s, revision %s", engine.dialect.name, status.current)
    return context


def load_keys(settings: Settings) -> KeyRing:
    from novamind_desktop.infrastructure.keys import KeyConfigError, load_keyring

    try:
        return load_keyring(settings.key_environment)
    except KeyConfigError as error:
        raise KeyNotConfigured(str(error)) from None


def open_database(settings: Settings) -> Engine:
    from novamind_desktop.infrastructure import database

    try:
        url = database.database_url({database.DATABASE_URL_VAR: settings.database_url})
        engine = database.make_engine(url)
        database.check_reachable(engine)
    except database.DatabaseUnreachable as error:
        raise DatabaseUnavailable(str(error)) from None
    except OSError as error:  # e.g. the default data folder cannot be created
        raise DatabaseUnavailable(
            f"Cannot create the database folder ({error.strerror}); set DATABASE_URL."
        ) from None
    return engine


def check_migrations(engine: Engine, set_up_empty: bool) -> MigrationStatus:
    from novamind_desktop.infrastructure import database_admin, migrations

    try:
        status = database_admin.migration_status(engine)
        if status.current is None and set_up_empty:
            log.info("empty database: creating the schema")
            migrations.upgrade(engine.url)
            status = database_admin.migration_status(engine)
    except migrations.MigrationError as error:
        raise DatabaseUnavailable(str(error)) from None
    if status.is_ahead:
        raise DatabaseTooNew(
            f"The database is at revision {status.current}, which is newer than this version "
            "of NOVAMIND Desktop knows; install the newer version of the application."
        )
    return status


def check_key(engine: Engine, cipher: FieldCipher) -> None:
    from novamind_desktop.infrastructure.key_check import WrongKey, verify_key
    from novamind_desktop.services.audit_trail import SystemClock

    try:
        verify_key(engine, cipher, SystemClock())
    except WrongKey as error:
        raise KeyMismatch(str(error)) from None


def wire(
    settings: Settings,
    keyring: KeyRing,
    engine: Engine,
    cipher: FieldCipher,
    status: MigrationStatus,
    label: str,
) -> AppContext:
    from novamind_desktop.infrastructure.database_admin import SqlDatabaseAdmin
    from novamind_desktop.infrastructure.server_clock import ServerClock
    from novamind_desktop.infrastructure.unit_of_work import make_uow_factory

    # Desks sharing a server stamp their saves by its clock, so they find each other's.
    clock = ServerClock.measured(engine)
    uow_factory = make_uow_factory(engine, cipher, clock)
    admin = SqlDatabaseAdmin(engine, cipher, clock, backup_dir=backup_folder(settings, engine))
    services = build_services(settings, uow_factory, clock, admin)
    return AppContext(
        settings=settings,
        keyring=keyring,
        engine=engine,
        cipher=cipher,
        uow_factory=uow_factory,
        services=services,
        database_admin=admin,
        migration_status=status,
        database_label=label,
    )


def build_services(
    settings: Settings,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    admin: DatabaseAdmin,
) -> AppServices:
    from novamind_desktop.infrastructure.passwords import ScryptPasswordHasher
    from novamind_desktop.services.registry import build_app_services

    return build_app_services(
        uow_factory=uow_factory,
        clock=clock,
        hasher=ScryptPasswordHasher(),
        clinic_tz=settings.clinic_timezone,
        database_admin=admin,
    )


def backup_folder(settings: Settings, engine: Engine) -> Path:
    """NOVAMIND_BACKUP_DIR, else `backups/` next to a SQLite file or in the user data folder."""
    if settings.backup_dir is not None:
        return settings.backup_dir
    from novamind_desktop.infrastructure.backups import is_sqlite, sqlite_path

    if is_sqlite(engine.url):
        return sqlite_path(engine.url).parent / "backups"
    from platformdirs import user_data_dir

    return Path(user_data_dir("novamind-desktop", appauthor=False)) / "backups"


def build_demo_context(settings: Settings, *, patients: int = 200, seed: int = 7) -> AppContext:
    """A throwaway clinic: a temp SQLite file, a key that lives only in memory, sample data
    and demo accounts. AppContext.close() deletes it all (so does process exit)."""
    import atexit
    import dataclasses
    import shutil
    import tempfile

    from novamind_desktop.domain.users import Actor
    from novamind_desktop.infrastructure.demo_data import DemoRequest, build_demo_clinic
    from novamind_desktop.infrastructure.keys import KEY_VAR, generate_key
    from novamind_desktop.infrastructure.passwords import ScryptPasswordHasher
    from novamind_desktop.services.audit_trail import SystemClock

    _remove_abandoned_demos(Path(tempfile.gettempdir()))
    folder = Path(tempfile.mkdtemp(prefix=DEMO_PREFIX))
    (folder / "pid").write_text(str(os.getpid()), encoding="ascii")

    def remove() -> None:
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    demo_settings = dataclasses.replace(
        settings,
        database_url=f"sqlite:///{folder / 'demo.sqlite3'}",
        key_environment={KEY_VAR: generate_key()},
        backup_dir=folder / "backups",
    )
    try:
        context = build_context(demo_settings)
        summary = build_demo_clinic(
            context.uow_factory,
            context.cipher,
            ScryptPasswordHasher(),
            SystemClock(),
            settings.clinic_timezone,
            DemoRequest(patients=patients, seed=seed, demo_passwords=True),
            actor=Actor.command_line("demo"),
        )
    except BaseException:
        remove()
        raise
    context.demo_accounts = summary.accounts
    context._cleanups.append(remove)
    return context


DEMO_PREFIX = "novamind-demo-"


def _remove_abandoned_demos(temp: Path) -> None:
    """Demo folders of processes that were killed (atexit never ran). Their data is
    unreadable anyway: the key lived only in that process's memory."""
    import shutil

    if os.name != "posix":  # os.kill(pid, 0) is a liveness probe only on POSIX
        return
    for folder in temp.glob(f"{DEMO_PREFIX}*"):
        try:
            pid = int((folder / "pid").read_text(encoding="ascii"))
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (OSError, ValueError):
            continue  # not ours to judge (no pid file, or another user's process)
