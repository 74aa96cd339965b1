"""The start-up session with fake services: first admin, the migrations gate, the
ask-an-admin refusal, signing out and back in, quitting."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QMessageBox, QVBoxLayout, QWidget

from novamind_desktop.domain.users import Role
from novamind_desktop.ui.admin.migrations_dialog import MigrationsDialog
from novamind_desktop.ui.app import Session
from novamind_desktop.ui.first_admin import FirstAdminDialog
from novamind_desktop.ui.main_window import MainWindow
from novamind_desktop.ui.pages import Page
from novamind_desktop.ui.sign_in import SignInDialog
from tests.unit.presenters.fakes import FakeAccounts, FakeAdmin


def one_page(context) -> list[Page]:
    widget = QWidget()
    QVBoxLayout(widget).addWidget(QLabel("today"))
    return [Page("today", "Today", widget)]


def make_session(qtbot, task_runner, qsettings, accounts, admin=None, demo=False):
    admin = admin or FakeAdmin(at=2)
    context = SimpleNamespace(
        services=SimpleNamespace(users=accounts, admin=admin),
        settings=SimpleNamespace(idle_lock_minutes=10),
        migration_status=admin.status(None),
        database_label="sqlite:///clinic.sqlite3",
        demo_accounts=(),
    )
    session = Session(context, task_runner, qsettings, demo=demo, pages=one_page)
    session.start()
    return session


def sign_in(qtbot, session, username, password) -> None:
    qtbot.waitUntil(lambda: isinstance(session.window, SignInDialog))
    dialog = session.window
    qtbot.addWidget(dialog)
    dialog.username.setText(username)
    dialog.password.setText(password)
    dialog.sign_in_button.click()


def test_empty_database_asks_for_the_first_admin_then_opens_the_window(
    qtbot, task_runner, qsettings
):
    accounts = FakeAccounts()
    session = make_session(qtbot, task_runner, qsettings, accounts)
    qtbot.waitUntil(lambda: isinstance(session.window, FirstAdminDialog))
    dialog = session.window
    qtbot.addWidget(dialog)
    dialog.username.setText("dana")
    dialog.display_name.setText("Dana Fischer")
    dialog.password.setText("the clinic's admin password")
    dialog.repeated.setText("the clinic's admin password")
    dialog.create_button.click()
    qtbot.waitUntil(lambda: isinstance(session.window, MainWindow))
    qtbot.addWidget(session.window)
    assert session.window.user.username == "dana"
    assert session.window.admin is not None


def test_sign_out_returns_to_sign_in_and_quit_finishes(qtbot, task_runner, qsettings):
    accounts = FakeAccounts()
    accounts.add("maria", "maria's password", Role.FRONTDESK)
    session = make_session(qtbot, task_runner, qsettings, accounts)
    sign_in(qtbot, session, "maria", "maria's password")
    qtbot.waitUntil(lambda: isinstance(session.window, MainWindow))
    window = session.window  # not given to qtbot: the session deletes it after sign-out
    window.sign_out()
    qtbot.waitUntil(lambda: isinstance(session.window, SignInDialog))
    qtbot.waitUntil(lambda: session.main_window is None)
    sign_in(qtbot, session, "maria", "maria's password")
    qtbot.waitUntil(lambda: isinstance(session.window, MainWindow))
    qtbot.addWidget(session.window)
    with qtbot.waitSignal(session.finished) as finished:
        session.window.close()
    assert finished.args == [0]


def test_quitting_at_sign_in_finishes(qtbot, task_runner, qsettings):
    accounts = FakeAccounts()
    accounts.add("maria", "maria's password")
    session = make_session(qtbot, task_runner, qsettings, accounts)
    qtbot.waitUntil(lambda: isinstance(session.window, SignInDialog))
    qtbot.addWidget(session.window)
    with qtbot.waitSignal(session.finished):
        session.window.reject()


def test_database_behind_front_desk_is_told_to_ask_an_admin(
    qtbot, task_runner, qsettings, screenshot
):
    accounts = FakeAccounts()
    accounts.add("maria", "maria's password", Role.FRONTDESK)
    session = make_session(qtbot, task_runner, qsettings, accounts, FakeAdmin(at=1))
    sign_in(qtbot, session, "maria", "maria's password")
    qtbot.waitUntil(lambda: isinstance(session.window, QMessageBox))
    box = session.window
    assert "Ask an administrator" in box.text() and "0001" in box.text()
    screenshot(box, "shell_ask_an_admin")
    box.accept()
    qtbot.waitUntil(lambda: isinstance(session.window, SignInDialog))
    qtbot.addWidget(session.window)
    assert session.main_window is None
    qtbot.waitUntil(lambda: [a.username for a in accounts.signed_out] == ["maria"])


def test_database_behind_admin_upgrades_first(qtbot, task_runner, qsettings, screenshot):
    accounts = FakeAccounts()
    accounts.add("root", "root's password", Role.ADMIN)
    admin = FakeAdmin(at=1)
    session = make_session(qtbot, task_runner, qsettings, accounts, admin)
    sign_in(qtbot, session, "root", "root's password")
    qtbot.waitUntil(lambda: isinstance(session.window, MigrationsDialog))
    dialog = session.window
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.upgrade_button.isEnabled)
    assert "0002 — Opening hours" in dialog.pending.text().replace("<b>", "").replace("</b>", "")
    screenshot(dialog, "shell_migrations_gate")
    dialog.upgrade_button.click()
    qtbot.waitUntil(lambda: isinstance(session.window, MainWindow))
    qtbot.addWidget(session.window)
    assert admin.calls == ["upgrade 0002"]
    assert session.context.migration_status.up_to_date


def test_run_gui_shows_sign_in_and_returns_when_it_is_closed(qtbot, workstation, qapp):
    from novamind_desktop.ui import app as app_module

    station = workstation()
    seen: list[str] = []

    def close_sign_in() -> None:
        dialogs = [w for w in qapp.topLevelWidgets() if isinstance(w, SignInDialog)]
        if not dialogs or not dialogs[0].isVisible():
            QTimer.singleShot(20, close_sign_in)
            return
        seen.append(dialogs[0].windowTitle())
        dialogs[0].reject()

    QTimer.singleShot(0, close_sign_in)
    try:
        assert app_module.run_gui(station.context, demo=False) == 0
    finally:
        qapp.setQuitOnLastWindowClosed(True)
    assert seen == ["Sign in — NOVAMIND Desktop"]


def test_startup_error_goes_to_stderr_and_a_dialog(monkeypatch, capsys, qapp):
    from novamind_desktop.ui import app as app_module

    assert app_module.show_startup_error("Set NOVAMIND_ENCRYPTION_KEY.") == 2
    assert capsys.readouterr().err == "Set NOVAMIND_ENCRYPTION_KEY.\n"

    shown: list[str] = []
    monkeypatch.setattr(app_module, "_headless", lambda: False)
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    assert app_module.show_startup_error("The database cannot be reached.") == 2
    assert shown == ["The database cannot be reached."]


def test_sign_in_shows_while_the_database_opens_on_the_worker(
    qtbot, workstation, task_runner, qsettings, screenshot
):
    station = workstation()  # creates the file and the accounts
    release = threading.Event()
    built: list[threading.Thread] = []

    def open_database():
        built.append(threading.current_thread())
        assert release.wait(20)
        return station.context

    session = Session(open_database, task_runner, qsettings)
    session.start()
    dialog = session.window
    assert isinstance(dialog, SignInDialog)
    qtbot.addWidget(dialog)
    assert not dialog.sign_in_button.isEnabled()
    assert dialog.database.text() == "Opening the database…"
    screenshot(dialog, "shell_sign_in_opening")
    dialog.username.setText("desk")
    dialog.password.setText(station.password("desk"))
    release.set()
    qtbot.waitUntil(dialog.sign_in_button.isEnabled, timeout=10_000)
    assert built and built[0] is not threading.main_thread()
    assert "clinic.sqlite3" in dialog.database.text()
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: isinstance(session.window, MainWindow), timeout=10_000)
    qtbot.addWidget(session.window)


def test_a_database_that_cannot_be_opened_ends_with_its_sentence(
    qtbot, task_runner, qsettings, capsys
):
    from novamind_desktop.settings import StartupError

    def open_database():
        raise StartupError("The database at db.clinic.local cannot be reached; check DATABASE_URL.")

    session = Session(open_database, task_runner, qsettings)
    with qtbot.waitSignal(session.finished) as finished:
        session.start()
    qtbot.addWidget(session.window)
    assert finished.args == [2]
    assert "cannot be reached" in capsys.readouterr().err


def test_demo_accounts_appear_once_the_demo_clinic_has_opened(
    qtbot, workstation, task_runner, qsettings, screenshot
):
    """`--demo` opens its clinic behind the sign-in window: the accounts must still show."""
    station = workstation()
    context = SimpleNamespace(**vars(station.context))
    context.demo_accounts = [("desk", station.password("desk"), "frontdesk")]

    session = Session(lambda: context, task_runner, qsettings, demo=True)
    session.start()
    dialog = session.window
    assert isinstance(dialog, SignInDialog)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(dialog.sign_in_button.isEnabled, timeout=10_000)
    banner = dialog.findChild(QLabel, "demoBanner")
    assert banner is not None and "desk" in banner.text()
    assert "DEMO" in dialog.windowTitle()
    screenshot(dialog, "shell_sign_in_demo_opened")
    banner.linkActivated.emit("desk")  # clicking the account fills in the form
    assert dialog.password.text() == station.password("desk")
    dialog.sign_in_button.click()
    qtbot.waitUntil(lambda: isinstance(session.window, MainWindow), timeout=10_000)
    qtbot.addWidget(session.window)
    assert "DEMO" in session.window.windowTitle()


def test_locking_and_signing_out_ask_for_the_full_garbage_collection(qtbot, task_runner, qsettings):
    task_runner._collector.QUIET_MS_BEFORE_FULL = 60_000  # keep the request visible
    accounts = FakeAccounts()
    accounts.add("maria", "maria's password", Role.FRONTDESK)
    session = make_session(qtbot, task_runner, qsettings, accounts)
    sign_in(qtbot, session, "maria", "maria's password")
    qtbot.waitUntil(lambda: isinstance(session.window, MainWindow))
    window = session.window
    assert not task_runner.full_collection_pending
    window.lock_now()
    assert task_runner.full_collection_pending  # nobody is looking: a quiet moment
    window.lock.unlock()
    assert not task_runner.full_collection_pending  # someone is back: no long walk
    window.sign_out()
    qtbot.waitUntil(lambda: session.main_window is None)
    assert task_runner.full_collection_pending
    sign_in(qtbot, session, "maria", "maria's password")
    qtbot.waitUntil(lambda: isinstance(session.window, MainWindow))
    qtbot.addWidget(session.window)
    assert not task_runner.full_collection_pending
