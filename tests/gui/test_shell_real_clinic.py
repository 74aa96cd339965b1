"""The shell on a real database built by bootstrap: sign-in and lockout against the real
UserService, role menus, the users dialog and the audit log with its CSV export."""

from __future__ import annotations

import csv
from types import SimpleNamespace

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.ui.admin.audit_dialog import AuditDialog
from novamind_desktop.ui.admin.users_dialog import UsersDialog
from novamind_desktop.ui.app import Session
from novamind_desktop.ui.main_window import MainWindow
from novamind_desktop.ui.sign_in import SignInDialog


def start(qtbot, station, task_runner, qsettings) -> Session:
    session = Session(station.context, task_runner, qsettings)
    session.start()
    qtbot.waitUntil(lambda: isinstance(session.window, SignInDialog))
    qtbot.addWidget(session.window)
    return session


def sign_in(qtbot, session, username, password) -> None:
    dialog = session.window
    dialog.username.setText(username)
    dialog.password.setText(password)
    dialog.sign_in_button.click()


def test_each_role_gets_its_menus(qtbot, workstation, task_runner, qsettings, screenshot):
    station = workstation()
    expected = {
        "desk": (["File", "View", "Help"], ["Appointment book", "Patients"]),
        "doc": (["File", "View", "Help"], ["My schedule", "Patients", "Digital twins"]),
        "admin": (["File", "View", "Admin", "Help"], ["Appointment book", "Patients"]),
    }
    for username, (menus, first_pages) in expected.items():
        session = start(qtbot, station, task_runner, qsettings)
        sign_in(qtbot, session, username, station.password(username))
        qtbot.waitUntil(lambda s=session: isinstance(s.window, MainWindow), timeout=10_000)
        window = session.window
        qtbot.addWidget(window)
        assert [a.text().replace("&", "") for a in window.menuBar().actions()] == menus
        titles = [p.title for p in window.pages]
        assert titles[: len(first_pages)] == first_pages
        screenshot(window, f"shell_real_main_window_{username}")
        qtbot.waitUntil(lambda: task_runner.busy == 0, timeout=10_000)
        window.close()


def test_five_wrong_passwords_lock_the_account(qtbot, workstation, task_runner, qsettings):
    station = workstation()
    session = start(qtbot, station, task_runner, qsettings)
    dialog = session.window
    dialog.presenter._backoff = lambda failures: 0  # the real pauses are 0-8 s
    for attempt in range(1, 6):
        sign_in(qtbot, session, "desk", f"guess number {attempt}")
        qtbot.waitUntil(lambda n=attempt: dialog.presenter.failures == n, timeout=10_000)
    sign_in(qtbot, session, "desk", station.password("desk"))
    qtbot.waitUntil(lambda: "locked until" in dialog.error.text(), timeout=10_000)
    assert not isinstance(session.window, MainWindow)


def test_users_dialog_on_the_real_service(qtbot, workstation, task_runner, screenshot):
    station = workstation()
    admin = Actor.of(station.users["admin"])
    dialog = UsersDialog(station.services.users, task_runner, admin)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 3, timeout=10_000)
    dialog.add_username.setText("sam")
    dialog.add_display_name.setText("Sam Okafor")
    dialog.add_role.setCurrentIndex(dialog.add_role.findData(Role.CLINICIAN))
    dialog.add_password.setText("sam's first password")
    dialog.add_password_again.setText("sam's first password")
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 4, timeout=10_000)
    dialog.select_username("desk")
    dialog.active_button.click()
    qtbot.waitUntil(lambda: dialog.active_button.text() == "Reactivate", timeout=10_000)
    screenshot(dialog, "shell_real_users")
    stored = {u.username: u for u in station.services.users.list_users(admin)}
    assert stored["sam"].role is Role.CLINICIAN
    assert not stored["desk"].active


def test_audit_log_filters_and_exports(qtbot, workstation, task_runner, tmp_path, screenshot):
    station = workstation()
    users = station.services.users
    users.sign_in("desk", station.password("desk"))
    users.sign_in("doc", station.password("doc"))
    admin = Actor.of(station.users["admin"])
    export_to = tmp_path / "audit.csv"
    services = SimpleNamespace(
        audit=station.services.audit,
        users=users,
        appointments=station.services.appointments,
    )
    dialog = AuditDialog(services, task_runner, admin, choose_path=lambda parent: export_to)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() > 0, timeout=10_000)
    qtbot.waitUntil(lambda: dialog.user.count() == 4, timeout=10_000)  # Anyone + 3 accounts

    dialog.user.setCurrentIndex(dialog.user.findData(str(station.users["desk"].id)))
    dialog.action.setCurrentIndex(dialog.action.findData(AuditAction.SIGN_IN))
    dialog.search()
    assert dialog.user.currentIndex() > 0 and dialog.action.currentIndex() > 0
    qtbot.waitUntil(lambda: dialog.message.text() == "1 event.", timeout=10_000)
    event = dialog.model.row_at(0)
    assert event.username == "desk" and event.action is AuditAction.SIGN_IN
    screenshot(dialog, "shell_real_audit_log")

    dialog.export()
    qtbot.waitUntil(lambda: "Exported 1 events" in dialog.message.text(), timeout=10_000)
    with export_to.open(encoding="utf-8") as exported:
        rows = list(csv.reader(exported))
    assert len(rows) == 2 and "desk" in rows[1]


def signed_in_window(qtbot, station, task_runner, qsettings, username, **kwargs) -> MainWindow:
    user = station.users[username]
    window = MainWindow(
        station.services,
        task_runner,
        user,
        database_label=station.context.database_label,
        settings=qsettings,
        **kwargs,
    )
    qtbot.addWidget(window)
    window.show()
    return window


def test_every_admin_menu_entry_opens_its_dialog(
    qtbot, workstation, task_runner, qsettings, screenshot
):
    station = workstation()
    window = signed_in_window(qtbot, station, task_runner, qsettings, "admin")
    assert window.admin is not None
    for key in ("users", "audit", "migrations", "backups", "rotation"):
        window.admin.actions[key].trigger()
        dialog = window.admin.dialogs[key]
        assert dialog.isVisible()
        window.admin.actions[key].trigger()  # a second time raises the same dialog
        assert window.admin.dialogs[key] is dialog
        qtbot.waitUntil(lambda: task_runner.busy == 0, timeout=10_000)
        screenshot(dialog, f"shell_admin_{key}_dialog")
        dialog.close()
    assert task_runner.errors == []


def test_idle_lock_opens_only_with_the_real_password(qtbot, workstation, task_runner, qsettings):
    station = workstation()
    window = signed_in_window(qtbot, station, task_runner, qsettings, "desk", idle_lock_ms=50)
    qtbot.waitUntil(lambda: window.lock.locked, timeout=5000)
    assert window.screens.currentWidget() is window.lock_screen
    window.lock_screen.password.setText("not the password")
    window.lock_screen.unlock_button.click()
    qtbot.waitUntil(lambda: "not right" in window.lock_screen.error.text(), timeout=10_000)
    assert window.lock.locked
    window.lock.watcher._timer.setInterval(60_000)  # stay unlocked once opened
    with qtbot.waitSignal(window.locked_changed, timeout=10_000) as changed:
        window.lock_screen.password.setText(station.password("desk"))
        window.lock_screen.unlock_button.click()
    assert changed.args == [False]
    assert window.screens.currentIndex() == 0
