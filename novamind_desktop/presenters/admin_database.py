"""Admin → Database: migrations (back up and upgrade, downgrade one step), backup and
restore, and re-keying. Every step runs on the worker; the maintenance lock in the service
refuses a second administrator instead of letting two race."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from novamind_desktop.domain.maintenance import (
    BackupReport,
    MigrationStatus,
    PendingRevision,
    RotationReport,
)
from novamind_desktop.domain.users import Actor
from novamind_desktop.presenters.sign_in import failure_sentence
from novamind_desktop.presenters.tasks import Cancelled, TaskContext, TaskHandle, TaskRunner

Progress = Callable[[int, int, str], None]


class DatabaseAdministration(Protocol):
    """The part of services.admin.AdminService these dialogs use."""

    def status(self, actor: Actor) -> MigrationStatus: ...

    def upgrade(
        self, actor: Actor, target: str = "head", progress: Progress | None = None
    ) -> BackupReport | None: ...

    def downgrade_steps(self, actor: Actor, target: str) -> list[PendingRevision]: ...

    def downgrade(self, actor: Actor, target: str, progress: Progress | None = None) -> Any: ...

    def backup(self, actor: Actor, path: Path | None = None) -> BackupReport: ...

    def restore(self, actor: Actor, path: Path) -> BackupReport: ...

    def rotate_key(
        self,
        actor: Actor,
        progress: Progress | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> RotationReport: ...


class OperationView(Protocol):
    """What a long database operation shows: progress, a log and the outcome."""

    def set_running(self, running: bool) -> None: ...

    def show_progress(self, done: int, total: int, message: str) -> None: ...

    def append_log(self, line: str) -> None: ...

    def show_error(self, message: str) -> None: ...

    def show_message(self, message: str) -> None: ...

    def confirm(self, question: str) -> bool: ...


class MigrationsView(OperationView, Protocol):
    def show_status(self, status: MigrationStatus) -> None: ...

    def schema_current(self) -> None:
        """The database is at the application's head revision (after an upgrade, say)."""


def backup_summary(report: BackupReport) -> str:
    tables = len(report.table_counts)
    return f"{report.path} ({report.rows} rows in {tables} tables, verified)"


def downgrade_question(steps: list[PendingRevision], target: str) -> str:
    undone = steps[0]
    back_to = "an empty database" if target == "base" else f"revision {target}"
    return (
        f"Downgrade the database from revision {undone.rev} to {back_to}?\n\n"
        f"This undoes “{undone.message}”: what that revision added (tables, columns, "
        "indexes) is dropped, with any data stored in it. This version of NOVAMIND needs that "
        "revision, so staff cannot work until it is upgraded again.\n\n"
        "Take a backup first (Admin → Database → Backup and restore) if you may need that data."
    )


class _Operation:
    """Runs one job with progress and log lines; shared by the three presenters."""

    def __init__(self, view: OperationView, runner: TaskRunner):
        self._view = view
        self._runner = runner
        self._last_message = ""

    def run(
        self,
        job: Callable[[TaskContext], Any],
        label: str,
        succeeded: Callable[[Any], None],
        failed: Callable[[Exception], None] | None = None,
    ) -> TaskHandle:
        self._last_message = ""
        self._view.set_running(True)
        self._view.show_error("")

        def done(result: Any) -> None:
            self._view.set_running(False)
            succeeded(result)

        def not_done(exc: Exception) -> None:
            self._view.set_running(False)
            if isinstance(exc, Cancelled):  # stopped before it began: nothing to report
                self._view.append_log("Stopped before it began; nothing was changed.")
                self._view.show_message("Stopped; nothing was changed.")
                return
            sentence = failure_sentence(exc, label)
            self._view.append_log(f"Failed: {sentence}")
            self._view.show_error(sentence)
            if failed is not None:
                failed(exc)

        return self._runner.submit(
            job, on_success=done, on_failure=not_done, on_progress=self.progress, label=label
        )

    def progress(self, done: int, total: int, message: str) -> None:
        self._view.show_progress(done, total, message)
        if message and message != self._last_message:
            self._last_message = message
            self._view.append_log(message[:1].upper() + message[1:])


class MigrationsPresenter:
    def __init__(
        self,
        view: MigrationsView,
        admin: DatabaseAdministration,
        runner: TaskRunner,
        actor: Actor,
    ):
        self._view = view
        self._admin = admin
        self._runner = runner
        self._actor = actor
        self._operation = _Operation(view, runner)
        self.status: MigrationStatus | None = None

    def refresh(self) -> None:
        self._runner.submit(
            lambda ctx: self._admin.status(self._actor),
            on_success=self._show,
            on_failure=lambda exc: self._view.show_error(failure_sentence(exc, "status")),
            label="migration status",
        )

    def _show(self, status: MigrationStatus) -> None:
        self.status = status
        self._view.show_status(status)
        if status.up_to_date:
            self._view.schema_current()

    def upgrade(self) -> None:
        status = self.status
        if status is None or not status.is_behind:
            self._view.show_message("The database is up to date; there is nothing to upgrade.")
            return
        self._view.append_log(
            f"Upgrading {status.database_label} from {status.current or 'empty'} to "
            f"{status.head}: a verified backup first, then {len(status.pending)} migration(s)."
        )
        self._operation.run(
            lambda ctx: self._admin.upgrade(self._actor, status.head, ctx.report),
            "upgrade",
            self._upgraded,
            lambda exc: self.refresh(),
        )

    def _upgraded(self, report: BackupReport | None) -> None:
        if report is not None:
            self._view.append_log(f"Backup kept at {backup_summary(report)}.")
        self._view.append_log("Upgrade finished.")
        self._view.show_message("The database was upgraded.")
        self.refresh()

    def downgrade_one_step(self) -> None:
        self._runner.submit(
            lambda ctx: self._admin.downgrade_steps(self._actor, "base"),
            on_success=self._ask_downgrade,
            on_failure=lambda exc: self._view.show_error(failure_sentence(exc, "downgrade")),
            label="downgrade preview",
        )

    def _ask_downgrade(self, steps: list[PendingRevision]) -> None:
        if not steps:
            self._view.show_message("The database is empty; there is nothing to downgrade.")
            return
        target = steps[1].rev if len(steps) > 1 else "base"
        if not self._view.confirm(downgrade_question(steps, target)):
            return
        self._view.append_log(f"Downgrading: undoing {steps[0].rev} ({steps[0].message}).")
        self._operation.run(
            lambda ctx: self._admin.downgrade(self._actor, target, ctx.report),
            "downgrade",
            lambda _: self._downgraded(target),
            lambda exc: self.refresh(),
        )

    def _downgraded(self, target: str) -> None:
        self._view.append_log(f"Downgrade finished; the database is at {target}.")
        self._view.show_message(f"The database was downgraded to {target}.")
        self.refresh()


class BackupsPresenter:
    def __init__(
        self,
        view: OperationView,
        admin: DatabaseAdministration,
        runner: TaskRunner,
        actor: Actor,
        restored: Callable[[], None] = lambda: None,
    ):
        self._view = view
        self._admin = admin
        self._actor = actor
        self._restored = restored  # e.g. every page reloads
        self._operation = _Operation(view, runner)

    def backup(self, path: Path | None) -> None:
        self._view.append_log(f"Backing up to {path or 'the backup folder'}…")
        self._operation.run(
            lambda ctx: self._admin.backup(self._actor, path),
            "backup",
            lambda report: self._done(f"Backup written: {backup_summary(report)}."),
        )

    def restore(self, path: Path) -> None:
        question = (
            f"Replace the whole database with the backup {path}?\n\n"
            "Everything saved since that backup was taken is lost. Ask everyone else to close "
            "NOVAMIND first."
        )
        if not self._view.confirm(question):
            return
        self._view.append_log(f"Restoring from {path}…")
        self._operation.run(
            lambda ctx: self._admin.restore(self._actor, path), "restore", self._after_restore
        )

    def _after_restore(self, report: BackupReport) -> None:
        self._done(
            f"Restored from {report.path} ({report.rows} rows). Other workstations should "
            "restart NOVAMIND."
        )
        self._restored()

    def _done(self, message: str) -> None:
        self._view.append_log(message)
        self._view.show_message(message)


class RotationPresenter:
    def __init__(
        self,
        view: OperationView,
        admin: DatabaseAdministration,
        runner: TaskRunner,
        actor: Actor,
    ):
        self._view = view
        self._admin = admin
        self._actor = actor
        self._operation = _Operation(view, runner)
        self._handle: TaskHandle | None = None

    def start(self) -> None:
        self._view.append_log("Re-encrypting every stored value under the current key…")
        self._handle = self._operation.run(
            lambda ctx: self._admin.rotate_key(self._actor, ctx.report, ctx.cancelled),
            "rotate key",
            self._finished,
        )

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._view.append_log("Stopping after the current batch…")

    def _finished(self, report: RotationReport) -> None:
        self._handle = None
        if report.cancelled:
            message = (
                f"Stopped: {report.rows_reencrypted} of {report.rows_total} values re-encrypted. "
                "Start again to carry on where it stopped."
            )
        else:
            message = (
                f"Done: all {report.rows_total} values are encrypted with the current key "
                f"({report.rows_reencrypted} re-encrypted). The previous keys are no longer "
                "needed."
            )
        self._view.append_log(message)
        self._view.show_message(message)
