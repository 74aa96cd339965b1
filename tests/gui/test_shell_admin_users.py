"""Admin → Users: add an account, deactivate it, reset its password, change its role."""

from __future__ import annotations

from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.ui.admin.users_dialog import UsersDialog
from tests.unit.presenters.fakes import FakeAccounts


def open_dialog(qtbot, task_runner):
    accounts = FakeAccounts()
    admin = accounts.add("root", "admin password", Role.ADMIN)
    dialog = UsersDialog(accounts, task_runner, Actor.of(admin))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    return accounts, dialog


def test_add_then_manage_an_account(qtbot, task_runner, qtmodeltester, screenshot):
    accounts, dialog = open_dialog(qtbot, task_runner)
    qtbot.keyClicks(dialog.add_username, "sam")
    qtbot.keyClicks(dialog.add_display_name, "Sam Okafor")
    dialog.add_role.setCurrentIndex(dialog.add_role.findData(Role.CLINICIAN))
    qtbot.keyClicks(dialog.add_password, "sam's first password")
    qtbot.keyClicks(dialog.add_password_again, "sam's first password")
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    assert dialog.message.text() == "Account sam added (clinician)."
    assert dialog.add_username.text() == ""
    qtmodeltester.check(dialog.model)

    dialog.select_username("sam")
    assert dialog.active_button.text() == "Deactivate"
    dialog.active_button.click()
    qtbot.waitUntil(lambda: not accounts.users["sam"].active)
    qtbot.waitUntil(lambda: dialog.active_button.text() == "Reactivate")
    screenshot(dialog, "shell_admin_users")

    dialog.role.setCurrentIndex(dialog.role.findData(Role.FRONTDESK))
    dialog.change_role_button.click()
    qtbot.waitUntil(lambda: accounts.users["sam"].role is Role.FRONTDESK)

    dialog.new_password.setText("a brand new password")
    dialog.new_password_again.setText("a brand new password")
    dialog.reset_button.click()
    qtbot.waitUntil(lambda: accounts.passwords["sam"] == "a brand new password")
    assert dialog.new_password.text() == ""


def test_mismatched_passwords_are_refused_in_place(qtbot, task_runner):
    accounts, dialog = open_dialog(qtbot, task_runner)
    dialog.add_username.setText("sam")
    dialog.add_display_name.setText("Sam")
    dialog.add_password.setText("one long password")
    dialog.add_password_again.setText("another long password")
    dialog.add_button.click()
    assert dialog.error.text() == "The two passwords are not the same."
    assert dialog.add_username.text() == "sam"  # what was typed stays
    assert "sam" not in accounts.users
