"""Admin → Database on real SQLite files built by bootstrap: upgrading a database created at
the previous revision, a failure mid-upgrade that puts the backup back, two administrators
racing, downgrading one step, backup and restore, re-keying."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import inspect

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.users import Actor
from novamind_desktop.infrastructure import migrations
from novamind_desktop.infrastructure.database_admin import SqlDatabaseAdmin
from novamind_desktop.services.admin import AdminService
from novamind_desktop.ui.admin.backup_dialog import BackupDialog
from novamind_desktop.ui.admin.migrations_dialog import MigrationsDialog
from novamind_desktop.ui.admin.rotation_dialog import RotationDialog
from novamind_desktop.ui.app import Session
from novamind_desktop.ui.main_window import MainWindow
from novamind_desktop.ui.sign_in import SignInDialog
from tests.gui.conftest import RecordingRunner

HOURS_TABLE = "clinic_opening_hours"  # what migration 0002 adds


def tables(station) -> set[str]:
    station.context.engine.dispose()
    return set(inspect(station.context.engine).get_table_names())


def admin_service(station, run_upgrade) -> AdminService:
    """The station's AdminService with its migration step replaced (to fail or to wait)."""
    context = station.context
    database_admin = SqlDatabaseAdmin(
        context.engine,
        context.cipher,
        context.services.clock,
        backup_dir=context.settings.backup_dir,
        run_upgrade=run_upgrade,
    )
    return AdminService(database_admin, context.uow_factory, context.services.clock)


def open_dialog(qtbot, admin, runner, station) -> MigrationsDialog:
    dialog = MigrationsDialog(admin, runner, Actor.of(station.users["admin"]))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.presenter.status is not None, timeout=10_000)
    return dialog


def log_text(dialog: MigrationsDialog) -> str:
    return dialog.log.toPlainText()


def test_admin_upgrades_a_database_at_the_previous_revision(
    qtbot, workstation, task_runner, qsettings, screenshot
):
    station = workstation("0001")
    assert station.context.migration_status.is_behind
    assert HOURS_TABLE not in tables(station)
    session = Session(station.context, task_runner, qsettings)
    session.start()
    qtbot.waitUntil(lambda: isinstance(session.window, SignInDialog), timeout=10_000)
    qtbot.addWidget(session.window)
    session.window.username.setText("admin")
    session.window.password.setText(station.password("admin"))
    session.window.sign_in_button.click()
    qtbot.waitUntil(lambda: isinstance(session.window, MigrationsDialog), timeout=10_000)
    dialog = session.window
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.upgrade_button.isEnabled, timeout=10_000)
    assert dialog.current.text() == "0001" and dialog.head.text() == "0003"
    assert "0002" in dialog.pending.text() and "opening hours" in dialog.pending.text().lower()
    assert "clinic.sqlite3" in dialog.database.text()
    screenshot(dialog, "shell_migrations_before")

    dialog.upgrade_button.click()
    qtbot.waitUntil(lambda: isinstance(session.window, MainWindow), timeout=20_000)
    qtbot.addWidget(session.window)
    screenshot(dialog, "shell_migrations_after")
    log = log_text(dialog)
    assert "Backing up the database" in log and "0002" in log
    assert "verified" in log and "Upgrade finished." in log
    assert HOURS_TABLE in tables(station)
    assert station.context.database_admin.status().current == "0003"
    backups = list(Path(station.context.settings.backup_dir).glob("*.sqlite3"))
    assert len(backups) == 1
    admin = Actor.of(station.users["admin"])
    events = station.services.audit.query(admin, action=AuditAction.MIGRATE)
    assert [e.username for e in events] == ["admin"] and "0001 -> 0003" in events[0].detail


def test_failure_mid_upgrade_restores_the_sqlite_backup(
    qtbot, workstation, task_runner, screenshot
):
    station = workstation("0001")

    def migrate_then_fail(url, target, progress):
        migrations.upgrade(url, target, progress)  # the schema has changed ...
        raise RuntimeError("the power went out")  # ... and then the migration dies

    dialog = open_dialog(qtbot, admin_service(station, migrate_then_fail), task_runner, station)
    dialog.upgrade_button.click()
    qtbot.waitUntil(lambda: "restored from the backup" in dialog.error.text(), timeout=20_000)
    screenshot(dialog, "shell_migrations_failed")
    assert "Nothing was changed" in dialog.error.text()
    assert "Failed: The upgrade failed" in log_text(dialog)
    assert HOURS_TABLE not in tables(station)
    assert station.context.database_admin.status().current == "0001"
    qtbot.waitUntil(lambda: dialog.current.text() == "0001", timeout=10_000)
    assert task_runner.errors == []


def test_two_admins_racing_the_second_is_refused(qtbot, workstation, task_runner, screenshot):
    first = workstation("0001")
    second = workstation()  # another workstation on the same clinic file
    entered, release = threading.Event(), threading.Event()

    def slow_upgrade(url, target, progress):
        entered.set()
        assert release.wait(20)
        migrations.upgrade(url, target, progress)

    dialog_a = open_dialog(qtbot, admin_service(first, slow_upgrade), task_runner, first)
    runner_b = RecordingRunner()
    try:
        dialog_b = open_dialog(qtbot, second.services.admin, runner_b, second)
        dialog_a.upgrade_button.click()
        assert entered.wait(20)  # the first admin holds the lock now
        dialog_b.upgrade_button.click()
        qtbot.waitUntil(lambda: "Another administrator" in dialog_b.error.text(), timeout=10_000)
        screenshot(dialog_b, "shell_migrations_refused")
        release.set()
        qtbot.waitUntil(lambda: "upgraded" in dialog_a.message.text(), timeout=20_000)
        dialog_b.presenter.refresh()
        qtbot.waitUntil(lambda: dialog_b.current.text() == "0003", timeout=10_000)
        assert not dialog_b.upgrade_button.isEnabled()
    finally:
        release.set()
        runner_b.shutdown()


def test_downgrade_one_step_names_what_is_dropped(qtbot, workstation, task_runner):
    station = workstation()
    dialog = open_dialog(qtbot, station.services.admin, task_runner, station)
    questions: list[str] = []
    dialog.confirm_with = lambda parent, question: questions.append(question) is None
    dialog.downgrade_button.click()
    qtbot.waitUntil(lambda: dialog.current.text() == "0002", timeout=20_000)
    assert "from revision 0003 to revision 0002" in questions[0]
    assert "date-of-birth lookups" in questions[0].lower()
    assert HOURS_TABLE in tables(station)
    qtbot.waitUntil(dialog.downgrade_button.isEnabled, timeout=10_000)
    dialog.downgrade_button.click()
    qtbot.waitUntil(lambda: dialog.current.text() == "0001", timeout=20_000)
    assert "from revision 0002 to revision 0001" in questions[1]
    assert "opening hours" in questions[1].lower() and "dropped" in questions[1]
    assert HOURS_TABLE not in tables(station)
    assert dialog.upgrade_button.isEnabled()


def test_backup_then_restore(qtbot, workstation, task_runner, tmp_path, screenshot):
    station = workstation()
    target = tmp_path / "saved" / "clinic-backup.sqlite3"
    target.parent.mkdir()
    dialog = BackupDialog(
        station.services.admin,
        task_runner,
        Actor.of(station.users["admin"]),
        choose_path=lambda parent, purpose: target,
    )
    dialog.confirm_with = lambda parent, question: True
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.backup_to_button.click()
    qtbot.waitUntil(lambda: "Backup written" in dialog.message.text(), timeout=20_000)
    assert target.exists() and "verified" in dialog.message.text()
    dialog.restore_button.click()
    qtbot.waitUntil(lambda: "Restored from" in dialog.message.text(), timeout=20_000)
    screenshot(dialog, "shell_backup_restore")
    assert task_runner.errors == []


def register_patient(station) -> None:
    station.services.patients.register(
        Actor.of(station.users["desk"]),
        {"first_name": "Jürgen", "last_name": "Müller", "date_of_birth": "1984-03-27",
         "phone": "+49 151 2345 6789", "email": "j.mueller@example.de"},
    )  # fmt: skip


def rotation_dialog(qtbot, station, runner) -> RotationDialog:
    dialog = RotationDialog(station.services.admin, runner, Actor.of(station.users["admin"]))
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_rotate_key_runs_to_the_end(qtbot, workstation, task_runner, screenshot):
    station = workstation()
    register_patient(station)
    dialog = rotation_dialog(qtbot, station, task_runner)
    dialog.start_button.click()
    assert dialog.stop_button.isEnabled() and not dialog.close_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Done"), timeout=20_000)
    screenshot(dialog, "shell_rotate_key")
    assert "Done: all 0 values" not in dialog.message.text()
    assert dialog.start_button.isEnabled() and not dialog.stop_button.isEnabled()
    assert dialog.progress.value() == dialog.progress.maximum()


def test_rotation_stopped_before_it_began(qtbot, workstation, task_runner):
    station = workstation()
    register_patient(station)
    dialog = rotation_dialog(qtbot, station, task_runner)
    busy = threading.Event()
    task_runner.submit(lambda ctx: busy.wait(20))  # the worker is busy with another job
    dialog.start_button.click()
    dialog.stop_button.click()
    busy.set()
    qtbot.waitUntil(lambda: "nothing was changed" in dialog.message.text(), timeout=20_000)
    assert task_runner.errors == [] and dialog.error.text() == ""
    dialog.start_button.click()  # and it can be started again
    qtbot.waitUntil(lambda: dialog.message.text().startswith("Done"), timeout=20_000)
