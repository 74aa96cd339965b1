"""The DatabaseAdmin port (services/ports_admin.py): migrations, backups, restore, re-keying.

Every operation that changes the database as a whole holds the maintenance lock (a file lock
beside a SQLite file, an advisory lock on PostgreSQL), so a second admin is refused instead of
racing. An upgrade is preceded by a verified backup; if a migration fails, a SQLite file is
put back from that backup at once, and for PostgreSQL the error names the backup and the
exact restore command.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, delete, inspect, select, text

from novamind_desktop.domain.errors import DomainError
from novamind_desktop.domain.maintenance import (
    BackupReport,
    MigrationStatus,
    PendingRevision,
    RotationReport,
    UpgradeFailed,
)
from novamind_desktop.infrastructure import backups, migrations
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.database import describe
from novamind_desktop.infrastructure.maintenance_lock import maintenance_lock
from novamind_desktop.infrastructure.records import EncryptionKeyRecord
from novamind_desktop.services.ports import Clock

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]


class BackupKeyMismatch(backups.BackupError):
    """The backup was written with a key that is not configured."""


class MaintenanceRefused(DomainError):
    """A migration or re-keying cannot go ahead; str() says why and what to do."""


@contextmanager
def _as_domain_errors() -> Iterator[None]:
    """Migration and decryption problems reach the admin (GUI or CLI) as one sentence."""
    from novamind_desktop.infrastructure.crypto import DecryptionError

    try:
        yield
    except migrations.MigrationError as error:
        raise MaintenanceRefused(str(error)) from None
    except DecryptionError as error:
        raise MaintenanceRefused(
            f"{error} Nothing more was changed; rows done so far stay re-encrypted."
        ) from None


_REVISION = re.compile(r"^revision(?:\s*:\s*[^=]+)?\s*=\s*['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(
    r"^down_revision(?:\s*:\s*[^=]+)?\s*=\s*(?:['\"]([^'\"]+)['\"]|None)", re.MULTILINE
)


def _script_head() -> str | None:
    """The head revision read from the scripts' text, without importing Alembic (~0.5 s at
    every start). None when the history is not a plain chain; Alembic then decides."""
    from novamind_desktop.paths import migrations_dir

    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (migrations_dir() / "versions").glob("*.py"):
        text = script.read_text(encoding="utf-8")
        revision, down = _REVISION.search(text), _DOWN.search(text)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        versions = connection.scalars(text("SELECT version_num FROM alembic_version")).all()
    return versions[0] if len(versions) == 1 else None


def migration_status(engine: Engine) -> MigrationStatus:
    """The domain view of migrations.status(): current, head, pending with their messages.

    The common case, a database at head, is answered without Alembic."""
    head = _script_head()
    if head is not None and _stored_revision(engine) == head:
        return MigrationStatus(describe(engine.url), head, head)
    found = migrations.status(engine.url)
    return MigrationStatus(
        database_label=describe(engine.url),
        current=found.current,
        head=found.head,
        pending=[PendingRevision(rev, message) for rev, message in found.pending],
        is_behind=found.is_behind,
        is_ahead=found.is_ahead,
    )


class SqlDatabaseAdmin:
    """Implements services.ports_admin.DatabaseAdmin over Alembic, backups and rotation."""

    def __init__(
        self,
        engine: Engine,
        cipher: FieldCipher,
        clock: Clock,
        *,
        backup_dir: Path,
        run_upgrade: Callable[..., None] = migrations.upgrade,
    ):
        self._engine = engine
        self._cipher = cipher
        self._clock = clock
        self._backup_dir = backup_dir
        self._run_upgrade = run_upgrade  # tests inject a failing migration here

    # --- status --------------------------------------------------------------------------

    @property
    def database_label(self) -> str:
        return describe(self._engine.url)

    @property
    def is_sqlite(self) -> bool:
        return backups.is_sqlite(self._engine.url)

    def status(self) -> MigrationStatus:
        return migration_status(self._engine)

    def downgrade_steps(self, target: str) -> list[PendingRevision]:
        """The revisions a downgrade to `target` would undo, newest first."""
        from alembic.script import ScriptDirectory

        current = self.status().current
        if current is None or target == current:
            return []
        script = ScriptDirectory.from_config(migrations.alembic_config(self._engine.url))
        try:
            revisions = list(script.iterate_revisions(current, target))
        except Exception:  # alembic raises several kinds for an unknown or upward target
            raise MaintenanceRefused(
                f"Cannot downgrade from {current} to {target}: no such earlier revision."
            ) from None
        return [
            PendingRevision(r.revision, (r.doc or r.revision).strip().splitlines()[0])
            for r in revisions
            if r.revision != target
        ]

    # --- backups -------------------------------------------------------------------------

    def default_backup_path(self, reason: str = "backup") -> Path:
        stamp = self._clock.now().strftime("%Y%m%dT%H%M%SZ")
        suffix = ".sqlite3" if self.is_sqlite else ".pgdump"
        path = self._backup_dir / f"novamind-{reason}-{stamp}{suffix}"
        number = 1
        while path.exists():  # two backups within one second
            number += 1
            path = self._backup_dir / f"novamind-{reason}-{stamp}-{number}{suffix}"
        return path

    def backup(self, path: Path | None = None) -> BackupReport:
        path = path or self.default_backup_path()
        if path.parent == self._backup_dir:
            path.parent.mkdir(parents=True, exist_ok=True)
        return backups.backup(self._engine, path)

    def restore(self, path: Path) -> BackupReport:
        with maintenance_lock(self._engine):
            if self.is_sqlite:
                self._refuse_foreign_sqlite_backup(path)
            return backups.restore(self._engine, path)

    def _refuse_foreign_sqlite_backup(self, path: Path) -> None:
        """A backup the configured keys cannot read would lock everyone out; refuse it."""
        import sqlite3

        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                rows = conn.execute("SELECT key_id, check_value FROM encryption_keys").fetchall()
            finally:
                conn.close()
        except sqlite3.DatabaseError:
            return  # not a database at all: backups.restore explains that
        ours = {k.key_id.hex(): self._cipher.key_check(k) for k in self._cipher.keyring.all_keys}
        if rows and not any(ours.get(key_id) == bytes(check) for key_id, check in rows):
            raise BackupKeyMismatch(
                f"{path} was written with an encryption key that is not configured; set that "
                "key in NOVAMIND_PREVIOUS_ENCRYPTION_KEYS (or NOVAMIND_ENCRYPTION_KEY) first."
            )

    # --- migrations ----------------------------------------------------------------------

    def upgrade(
        self,
        target: str = "head",
        progress: Progress | None = None,
        *,
        take_backup: bool = True,
    ) -> BackupReport | None:
        """Back up (verified), then migrate; on failure put SQLite back from the backup."""
        with maintenance_lock(self._engine), _as_domain_errors():
            report = None
            if take_backup and self.status().current is not None:  # an empty DB has nothing
                if progress:
                    progress(0, 1, "backing up the database")
                report = self.backup(self.default_backup_path("before-upgrade"))
            try:
                self._run_upgrade(self._engine.url, target, progress)
            except (migrations.MigrationError, DomainError):
                raise
            except Exception:
                log.exception("migration to %s failed", target)
                raise self._after_failed_upgrade(report) from None
            finally:
                self._engine.dispose()  # pooled connections may hold the old schema
            return report

    def _after_failed_upgrade(self, report: BackupReport | None) -> UpgradeFailed:
        if report is None:
            return UpgradeFailed(None, restored=False)
        if not self.is_sqlite:
            return UpgradeFailed(report.path, restored=False)
        try:
            backups.restore(self._engine, report.path)
        except backups.BackupError:
            log.exception("automatic restore after a failed upgrade failed")
            return UpgradeFailed(report.path, restored=False)
        return UpgradeFailed(report.path, restored=True)

    def downgrade(self, target: str, progress: Progress | None = None) -> None:
        with maintenance_lock(self._engine), _as_domain_errors():
            try:
                migrations.downgrade(self._engine.url, target, progress)
            finally:
                self._engine.dispose()

    # --- keys ----------------------------------------------------------------------------

    def rotate_key(
        self,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> RotationReport:
        """Re-encrypt everything under the current key; afterwards only it opens the DB."""
        from novamind_desktop.infrastructure import rotation

        with maintenance_lock(self._engine), _as_domain_errors():
            return rotation.rotate(
                self._engine,
                self._cipher,
                progress=progress,
                cancelled=cancelled,
                on_complete=self._forget_old_keys,
            )

    def _forget_old_keys(self, connection: object) -> None:
        from sqlalchemy import Connection

        assert isinstance(connection, Connection)
        current = self._cipher.current_key_id.hex()
        known = connection.scalars(select(EncryptionKeyRecord.key_id)).all()
        if current not in known:
            raise RuntimeError("the current key is not recorded; restart to run the key check")
        connection.execute(delete(EncryptionKeyRecord).where(EncryptionKeyRecord.key_id != current))
        log.info("old keys forgotten: %d", len(known) - 1)

    def keys_in_use(self) -> list[str]:
        """Ids (hex) of the keys the database has recorded."""
        with self._engine.connect() as connection:
            return list(connection.scalars(select(EncryptionKeyRecord.key_id)).all())
