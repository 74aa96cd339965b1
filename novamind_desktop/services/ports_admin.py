"""What the admin use cases need from the database as a whole: migrations, backups, keys.

infrastructure/database_admin.py implements it over Alembic, SQLite's backup API / pg_dump,
and the re-encryption job. Every operation that changes the whole database takes the
maintenance lock itself and raises MigrationLocked when another admin holds it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from novamind_desktop.domain.maintenance import (
    BackupReport,
    MigrationLocked,
    MigrationStatus,
    PendingRevision,
    RotationReport,
    UpgradeFailed,
)

__all__ = [
    "BackupReport",
    "DatabaseAdmin",
    "MigrationLocked",
    "MigrationStatus",
    "PendingRevision",
    "Progress",
    "RotationReport",
    "UpgradeFailed",
]

# progress(done, total, what is happening now), e.g. (3, 10, "re-encrypting patients").
Progress = Callable[[int, int, str], None]


class DatabaseAdmin(Protocol):
    def status(self) -> MigrationStatus:
        """Current and head revision and what is pending; the label masks any password."""

    def backup(self, path: Path | None = None) -> BackupReport:
        """Copy the whole database to `path` (a dated file in the backup folder if None) and
        verify the copy: reopened, row counts compared."""

    def restore(self, path: Path) -> BackupReport:
        """Replace the database with a backup. Holds the maintenance lock."""

    def upgrade(
        self,
        target: str = "head",
        progress: Progress | None = None,
        *,
        take_backup: bool = True,
    ) -> BackupReport | None:
        """Back up (verified), then migrate to `target`, under the maintenance lock.

        On failure raises UpgradeFailed, after restoring the backup where that can be done
        automatically (SQLite); otherwise the error names the backup and the restore command.
        """

    def downgrade_steps(self, target: str) -> list[PendingRevision]:
        """The revisions a downgrade to `target` would undo, newest first (for confirmation)."""

    def downgrade(self, target: str, progress: Progress | None = None) -> None:
        """Undo migrations down to `target`, under the maintenance lock."""

    def rotate_key(
        self,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> RotationReport:
        """Re-encrypt every value under the current key, in batches; resumable. Stops early
        (report.cancelled) when `cancelled()` turns true."""
