from __future__ import annotations

from pathlib import Path

from novamind_desktop.domain.maintenance import (
    MigrationLocked,
    UpgradeFailed,
)
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.presenters.admin_database import (
    BackupsPresenter,
    MigrationsPresenter,
    RotationPresenter,
)
from novamind_desktop.presenters.tasks import SynchronousRunner
from tests.unit.presenters.fakes import FakeAdmin, RecordingView

ADMIN = Actor(None, "root", Role.ADMIN)


def migrations(admin: FakeAdmin, answer: bool = True):
    view = RecordingView()
    view.confirm = lambda question: view.calls.append(("confirm", (question,))) or answer
    presenter = MigrationsPresenter(view, admin, SynchronousRunner(), ADMIN)
    presenter.refresh()
    return view, presenter


def log(view: RecordingView) -> list[str]:
    return [args[0] for args in view.said("append_log")]


def test_status_lists_the_pending_revisions():
    view, _ = migrations(FakeAdmin(at=1))
    status = view.last("show_status")
    assert status.current == "0001" and [p.rev for p in status.pending] == ["0002"]
    assert view.said("schema_current") == []


def test_back_up_and_upgrade_logs_each_step_and_reports_the_backup():
    admin = FakeAdmin(at=1)
    view, presenter = migrations(admin)
    presenter.upgrade()
    assert admin.calls == ["upgrade 0002"]
    lines = log(view)
    assert lines[0].startswith("Upgrading sqlite:///clinic from 0001 to 0002")
    assert "Backing up the database" in lines and "0002: Opening hours" in lines
    assert any("/backups/b.sqlite3 (5 rows in 2 tables, verified)" in line for line in lines)
    assert view.said("schema_current") == [()]
    assert view.said("set_running") == [(True,), (False,)]
    assert view.last("show_progress") == (1, 1, "0002: Opening hours")


def test_failed_upgrade_says_the_backup_was_restored():
    admin = FakeAdmin(at=1, fail_with=UpgradeFailed(Path("/backups/b.sqlite3"), restored=True))
    view, presenter = migrations(admin)
    presenter.upgrade()
    assert "restored from the backup at /backups/b.sqlite3" in view.last("show_error")
    assert log(view)[-1].startswith("Failed: The upgrade failed")
    assert view.last("show_status").current == "0001"


def test_a_second_admin_is_refused_by_the_lock():
    view, presenter = migrations(FakeAdmin(at=1, fail_with=MigrationLocked()))
    presenter.upgrade()
    assert "Another administrator" in view.last("show_error")


def test_nothing_to_upgrade_at_head():
    admin = FakeAdmin(at=2)
    view, presenter = migrations(admin)
    presenter.upgrade()
    assert admin.calls == [] and "up to date" in view.last("show_message")


def test_downgrade_names_what_is_dropped_and_needs_a_yes():
    admin = FakeAdmin(at=2)
    view, presenter = migrations(admin, answer=False)
    presenter.downgrade_one_step()
    question = view.last("confirm")
    assert "from revision 0002 to revision 0001" in question and "Opening hours" in question
    assert "dropped" in question
    assert admin.calls == []

    view, presenter = migrations(admin, answer=True)
    presenter.downgrade_one_step()
    assert admin.calls == ["downgrade 0001"]
    assert view.last("show_status").current == "0001"


def test_backup_then_restore_after_confirmation(tmp_path):
    admin = FakeAdmin()
    view = RecordingView()
    view.confirm = lambda question: True
    restored: list[bool] = []
    presenter = BackupsPresenter(
        view, admin, SynchronousRunner(), ADMIN, lambda: restored.append(True)
    )
    presenter.backup(tmp_path / "b.sqlite3")
    assert "Backup written" in view.last("show_message") and "verified" in view.last("show_message")
    presenter.restore(tmp_path / "b.sqlite3")
    assert admin.calls == [f"restore {tmp_path / 'b.sqlite3'}"]
    assert restored == [True]


def test_restore_needs_a_yes():
    admin = FakeAdmin()
    view = RecordingView()
    view.confirm = lambda question: False
    BackupsPresenter(view, admin, SynchronousRunner(), ADMIN).restore(Path("/b.sqlite3"))
    assert admin.calls == []


def test_rotation_reports_progress_and_can_be_resumed():
    admin = FakeAdmin()
    view = RecordingView()
    presenter = RotationPresenter(view, admin, SynchronousRunner(), ADMIN)
    presenter.start()
    assert view.last("show_progress") == (30, 30, "patients: 30 of 30")
    assert view.last("show_message").startswith("Done: all 30 values")
