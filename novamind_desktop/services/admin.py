"""Database administration from the Admin menu and the CLI: status, backups, migrations, keys.

The work itself (and the lock that keeps two admins apart) is the DatabaseAdmin port's; this
layer checks the permission and writes the audit trail of who ran what.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.maintenance import (
    BackupReport,
    MigrationStatus,
    PendingRevision,
    RotationReport,
    UpgradeFailed,
)
from novamind_desktop.domain.users import Actor, Permission
from novamind_desktop.services import audit_trail
from novamind_desktop.services.audit_trail import DATABASE
from novamind_desktop.services.ports import Clock, UnitOfWorkFactory
from novamind_desktop.services.ports_admin import DatabaseAdmin, Progress

log = logging.getLogger(__name__)


class AdminService:
    def __init__(self, database_admin: DatabaseAdmin, uow_factory: UnitOfWorkFactory, clock: Clock):
        self._db = database_admin
        self._uow = uow_factory
        self._clock = clock

    def _audit(self, actor: Actor, action: AuditAction, detail: str) -> None:
        with self._uow(actor) as uow:
            audit_trail.record(uow, self._clock, actor, action, DATABASE, None, detail)
            uow.commit()

    def _audit_if_possible(self, actor: Actor, action: AuditAction, detail: str) -> None:
        """After a failure the schema may not take the event; say so in the log, go on."""
        try:
            self._audit(actor, action, detail)
        except Exception as exc:  # the original failure matters more than this one
            log.warning("could not audit %s: %s", action.value, type(exc).__name__)

    def status(self, actor: Actor) -> MigrationStatus:
        actor.require(Permission.ADMINISTER_DATABASE)
        return self._db.status()

    def backup(self, actor: Actor, path: Path | None = None) -> BackupReport:
        """A verified copy of the database (to a dated file in the backup folder if no path)."""
        actor.require(Permission.ADMINISTER_DATABASE)
        report = self._db.backup(path)
        self._audit(actor, AuditAction.BACKUP, f"{report.rows} rows to {report.path.name}")
        return report

    def restore(self, actor: Actor, path: Path) -> BackupReport:
        """Replace the database with a backup; recorded in the restored database's log."""
        actor.require(Permission.ADMINISTER_DATABASE)
        report = self._db.restore(path)
        self._audit_if_possible(actor, AuditAction.RESTORE, f"restored from {path.name}")
        return report

    def upgrade(
        self,
        actor: Actor,
        target: str = "head",
        progress: Progress | None = None,
        *,
        take_backup: bool = True,
    ) -> BackupReport | None:
        """Back up, then migrate. MigrationLocked if another admin is at it; UpgradeFailed
        (saying whether the backup was put back) if a migration fails."""
        actor.require(Permission.ADMINISTER_DATABASE)
        before = self._db.status().current or "empty"
        try:
            report = self._db.upgrade(target, progress, take_backup=take_backup)
        except UpgradeFailed as failed:
            outcome = "restored from backup" if failed.restored else "not restored"
            detail = f"upgrade {before} -> {target} failed; {outcome}"
            self._audit_if_possible(actor, AuditAction.MIGRATE, detail)
            raise
        after = self._db.status().current or target
        backup_note = f" after backup {report.path.name}" if report is not None else ""
        self._audit(actor, AuditAction.MIGRATE, f"upgrade {before} -> {after}{backup_note}")
        return report

    def downgrade_steps(self, actor: Actor, target: str) -> list[PendingRevision]:
        """What a downgrade to `target` would undo, for the confirmation question."""
        actor.require(Permission.ADMINISTER_DATABASE)
        return self._db.downgrade_steps(target)

    def downgrade(
        self, actor: Actor, target: str, progress: Progress | None = None
    ) -> list[PendingRevision]:
        """Undo migrations down to `target`; returns what was undone. Audited first: a
        downgrade can remove the table the event would go to."""
        actor.require(Permission.ADMINISTER_DATABASE)
        steps = self._db.downgrade_steps(target)
        undone = ", ".join(f"{s.rev} ({s.message})" for s in steps) or "nothing"
        self._audit(actor, AuditAction.MIGRATE, f"downgrade to {target} undoing {undone}")
        self._db.downgrade(target, progress)
        return steps

    def rotate_key(
        self,
        actor: Actor,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> RotationReport:
        """Re-encrypt everything under the current key; can be cancelled and run again."""
        actor.require(Permission.ADMINISTER_DATABASE)
        report = self._db.rotate_key(progress, cancelled)
        detail = f"{report.rows_reencrypted} of {report.rows_total} values re-encrypted"
        if report.cancelled:
            detail += "; cancelled, run again to finish"
        self._audit(actor, AuditAction.ROTATE_KEY, detail)
        return report
