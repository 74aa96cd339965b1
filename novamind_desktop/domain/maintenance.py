"""What an admin sees and gets back when migrating, backing up or re-keying the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from novamind_desktop.domain.errors import DomainError


@dataclass(frozen=True)
class PendingRevision:
    rev: str
    message: str


@dataclass(frozen=True)
class MigrationStatus:
    database_label: str  # e.g. "postgresql://clinic@db.local/novamind" (password masked)
    current: str | None  # None: an empty database
    head: str
    pending: list[PendingRevision] = field(default_factory=list)
    is_behind: bool = False  # the application knows migrations the database has not run
    is_ahead: bool = False  # the database was migrated by a newer application

    @property
    def up_to_date(self) -> bool:
        return not self.is_behind and not self.is_ahead


@dataclass(frozen=True)
class BackupReport:
    path: Path
    table_counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.table_counts.values())


@dataclass(frozen=True)
class RotationReport:
    rows_total: int
    rows_reencrypted: int
    cancelled: bool = False  # stopped on request; running it again carries on where it stopped


class MigrationLocked(DomainError):
    """Another admin is already migrating, restoring or re-keying this database."""

    def __init__(self, holder: str | None = None):
        self.holder = holder
        who = f" ({holder})" if holder else ""
        super().__init__(
            f"Another administrator{who} is changing the database right now. "
            "Try again when they have finished."
        )


class UpgradeFailed(DomainError):
    """A migration failed. Says whether the backup was put back, and how to do it if not."""

    def __init__(self, backup_path: Path | None, restored: bool):
        self.backup_path = backup_path
        self.restored = restored
        if restored:
            text = (
                f"The upgrade failed; the database was restored from the backup at "
                f"{backup_path}. Nothing was changed."
            )
        elif backup_path is not None:
            text = (
                "The upgrade failed and the database could not be restored automatically. "
                f"Restore it with: novamind-desktop db restore {backup_path}"
            )
        else:
            text = "The upgrade failed and no backup was taken; check the database before use."
        super().__init__(text)
