"""FakeDatabaseAdmin: the migration runner, backups and key rotation, in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from novamind_desktop.domain.maintenance import (
    BackupReport,
    MigrationLocked,
    MigrationStatus,
    PendingRevision,
    RotationReport,
    UpgradeFailed,
)


class FakeDatabaseAdmin:
    """In-memory stand-in for the migration runner. Workstations sharing one `lock` dict see
    each other's maintenance lock, like two processes on one database."""

    def __init__(self, current: str | None = "0001", lock: dict[str, str] | None = None):
        self.current = current
        self.revisions = [("0001", "initial schema"), ("0002", "clinic working hours")]
        self.calls: list[str] = []
        self.fail_upgrade = False
        self.restores_automatically = True
        self.rows = 0
        self.rotated = 0
        self.lock = {} if lock is None else lock
        self.during: Callable[[], None] = lambda: None  # runs while the lock is held

    @property
    def head(self) -> str:
        return self.revisions[-1][0]

    @contextmanager
    def _maintenance(self, what: str) -> Iterator[None]:
        if "holder" in self.lock:
            raise MigrationLocked()
        self.lock["holder"] = what
        try:
            self.during()
            yield
        finally:
            del self.lock["holder"]

    def status(self) -> MigrationStatus:
        known = [rev for rev, _ in self.revisions]
        position = known.index(self.current) + 1 if self.current in known else 0
        ahead = self.current is not None and self.current not in known
        pending = [] if ahead else [PendingRevision(r, m) for r, m in self.revisions[position:]]
        return MigrationStatus(
            "sqlite:///clinic.db", self.current, self.head, pending, bool(pending), ahead
        )

    def backup(self, path: Path | None = None) -> BackupReport:
        path = path or Path(f"backup-{len(self.calls)}.sqlite3")
        self.calls.append(f"backup {path.name}")
        return BackupReport(path, {"patients": self.rows, "users": 1})

    def restore(self, path: Path) -> BackupReport:
        with self._maintenance("restore"):
            self.calls.append(f"restore {path.name}")
            return BackupReport(path, {"patients": self.rows})

    def upgrade(
        self,
        target: str = "head",
        progress: Callable[[int, int, str], None] | None = None,
        *,
        take_backup: bool = True,
    ) -> BackupReport | None:
        with self._maintenance("upgrade"):
            report = self.backup(Path("before-upgrade.sqlite3")) if take_backup else None
            self.calls.append(f"upgrade {target}")
            if progress:
                progress(1, 1, f"running {target}")
            if self.fail_upgrade:
                path = report.path if report else None
                raise UpgradeFailed(path, restored=bool(report) and self.restores_automatically)
            self.current = self.head if target == "head" else target
            return report

    def downgrade_steps(self, target: str) -> list[PendingRevision]:
        known = [rev for rev, _ in self.revisions]
        if self.current not in known:
            return []
        newer = self.revisions[known.index(target) + 1 : known.index(self.current) + 1]
        return [PendingRevision(r, m) for r, m in reversed(newer)]

    def downgrade(
        self, target: str, progress: Callable[[int, int, str], None] | None = None
    ) -> None:
        with self._maintenance("downgrade"):
            self.calls.append(f"downgrade {target}")
            self.current = target

    def rotate_key(
        self,
        progress: Callable[[int, int, str], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> RotationReport:
        with self._maintenance("rotate"):
            self.calls.append("rotate_key")
            while self.rotated < self.rows:
                if cancelled is not None and cancelled():
                    return RotationReport(self.rows, self.rotated, cancelled=True)
                self.rotated += 1
                if progress:
                    progress(self.rotated, self.rows, "patients")
            return RotationReport(self.rows, self.rotated)
