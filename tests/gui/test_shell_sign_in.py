"""Sign-in and first-admin dialogs driven as a person would: typing and pressing Enter."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from novamind_desktop.domain.errors import StorageUnavailable
from novamind_desktop.domain.users import Role
from novamind_desktop.ui.first_admin import FirstAdminDialog
from novamind_desktop.ui.sign_in import SignInDialog
from tests.unit.presenters.fakes import FakeAccounts


@pytest.fixture
def accounts() -> FakeAccounts:
    accounts = FakeAccounts()
    accounts.add("maria", "correct horse battery", Role.FRONTDESK)
    return accounts


def sign_in_dialog(qtbot, accounts, runner, **kwargs) -> SignInDialog:
    dialog = SignInDialog(accounts, runner, "sqlite:///clinic.sqlite3", **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def type_and_enter(qtbot, dialog: SignInDialog, username: str, password: str) -> None:
    dialog.username.setText("")
    qtbot.keyClicks(dialog.username, username)
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_sign_in_with_the_right_password(qtbot, accounts, task_runner, screenshot):
    dialog = sign_in_dialog(qtbot, accounts, task_runner)
    screenshot(dialog, "shell_sign_in")
    with qtbot.waitSignal(dialog.signed_in_as) as signed:
        type_and_enter(qtbot, dialog, "maria", "correct horse battery")
    assert signed.args[0].username == "maria"
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.password.text() == ""


def test_wrong_password_then_lockout(qtbot, accounts, task_runner, screenshot):
    dialog = sign_in_dialog(qtbot, accounts, task_runner, backoff=lambda failures: 0)
    for attempt in range(5):
        type_and_enter(qtbot, dialog, "maria", f"guess {attempt}")
        qtbot.waitUntil(lambda n=attempt + 1: dialog.presenter.failures == n)
        assert dialog.error.text() == "Unknown user name or wrong password."
        assert dialog.password.text() == ""
    top_left = Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
    assert dialog.error.alignment() == top_left  # the message sits where the form left room
    type_and_enter(qtbot, dialog, "maria", "correct horse battery")
    qtbot.waitUntil(lambda: "locked" in dialog.error.text())
    screenshot(dialog, "shell_sign_in_locked")
    assert dialog.result() != dialog.DialogCode.Accepted


def test_repeated_failures_slow_the_next_try(qtbot, accounts, task_runner):
    dialog = sign_in_dialog(qtbot, accounts, task_runner)
    for attempt in (1, 2):
        type_and_enter(qtbot, dialog, "maria", "wrong")
        qtbot.waitUntil(lambda n=attempt: dialog.presenter.failures == n)
    assert not dialog.sign_in_button.isEnabled()
    assert dialog.sign_in_button.text() == "Wait 1 s"
    type_and_enter(qtbot, dialog, "maria", "correct horse battery")  # refused while waiting
    assert dialog.presenter.failures == 2 and task_runner.busy == 0
    qtbot.waitUntil(dialog.sign_in_button.isEnabled, timeout=3000)


def test_demo_accounts_are_listed(qtbot, accounts, task_runner, screenshot):
    demo = [("frontdesk", "demo-frontdesk", "frontdesk"), ("admin", "demo-admin", "admin")]
    dialog = sign_in_dialog(qtbot, accounts, task_runner, demo_accounts=demo)
    assert "DEMO" in dialog.windowTitle()
    banner = dialog.findChild(QLabel, "demoBanner")
    assert "demo-frontdesk" in banner.text()
    screenshot(dialog, "shell_sign_in_demo")


def test_first_admin_is_created_with_a_chosen_password(qtbot, task_runner, screenshot):
    accounts = FakeAccounts()
    dialog = FirstAdminDialog(accounts, task_runner, "sqlite:///clinic.sqlite3")
    qtbot.addWidget(dialog)
    dialog.show()
    screenshot(dialog, "shell_first_admin")
    qtbot.keyClicks(dialog.username, "dana")
    qtbot.keyClicks(dialog.display_name, "Dana Fischer")
    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.repeated, "short")
    dialog.create_button.click()
    assert "at least 10" in dialog.error.text()
    for field in (dialog.password, dialog.repeated):
        field.setText("a long admin password")
    with qtbot.waitSignal(dialog.created_user) as created:
        dialog.create_button.click()
    assert created.args[0].role is Role.ADMIN
    assert not accounts.needs_first_admin()


def test_a_database_away_at_sign_in_is_told_whole_and_the_name_is_kept(
    qtbot, accounts, task_runner, screenshot, monkeypatch
):
    """The server restarting as someone signs in: the whole sentence shows (it is longer
    than a wrong password's), the user name stays, and the next try works."""

    def away(*args, **kwargs):
        raise StorageUnavailable("lost", where="Check the network connection and that the "
                                 "database server is running")  # fmt: skip

    dialog = sign_in_dialog(qtbot, accounts, task_runner)
    real = accounts.sign_in
    monkeypatch.setattr(accounts, "sign_in", away)
    type_and_enter(qtbot, dialog, "maria", "correct horse battery")
    qtbot.waitUntil(lambda: "connection to the database was lost" in dialog.error.text())
    assert dialog.username.text() == "maria"
    label = dialog.error
    assert label.heightForWidth(label.width()) <= label.height()  # no line cut off
    screenshot(dialog, "shell_sign_in_database_away")
    monkeypatch.setattr(accounts, "sign_in", real)
    with qtbot.waitSignal(dialog.signed_in_as):
        type_and_enter(qtbot, dialog, "maria", "correct horse battery")
