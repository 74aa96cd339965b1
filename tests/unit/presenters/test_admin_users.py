from __future__ import annotations

from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.presenters.admin_users import UsersPresenter
from novamind_desktop.presenters.tasks import SynchronousRunner
from tests.unit.presenters.fakes import FakeAccounts, RecordingView


def setup():
    accounts = FakeAccounts()
    admin = accounts.add("root", "admin password", Role.ADMIN)
    view, runner = RecordingView(), SynchronousRunner()
    return accounts, admin, view, UsersPresenter(view, accounts, runner, Actor.of(admin)), runner


def test_add_checks_the_form_then_lists_the_new_account():
    accounts, _, view, presenter, runner = setup()
    assert not presenter.add("sam", "Sam Okafor", Role.CLINICIAN, "short", "short")
    assert "at least 10" in view.last("show_error")
    assert not presenter.add("", "Sam", Role.CLINICIAN, "long password!", "long password!")
    assert runner.labels == []
    assert presenter.add("sam", "Sam Okafor", Role.CLINICIAN, "long password!", "long password!")
    assert {u.username for u in view.last("show_users")} == {"root", "sam"}
    assert view.last("show_message") == "Account sam added (clinician)."
    assert accounts.passwords["sam"] == "long password!"


def test_taken_user_name_is_reported_as_the_services_sentence():
    _, _, view, presenter, _ = setup()
    presenter.add("root", "Another Root", Role.ADMIN, "long password!", "long password!")
    assert "taken" in view.last("show_error")


def test_deactivate_reactivate_role_and_password():
    accounts, _, view, presenter, _ = setup()
    sam = accounts.add("sam", "old password", Role.FRONTDESK)
    presenter.deactivate(sam)
    assert not accounts.users["sam"].active
    presenter.reactivate(accounts.users["sam"])
    assert accounts.users["sam"].active
    presenter.change_role(accounts.users["sam"], Role.CLINICIAN)
    assert accounts.users["sam"].role is Role.CLINICIAN
    assert presenter.reset_password(accounts.users["sam"], "new password 1", "new password 1")
    assert accounts.passwords["sam"] == "new password 1"
    assert "give it to them in person" in view.last("show_message")


def test_an_admin_cannot_lock_themselves_out():
    accounts, admin, view, presenter, runner = setup()
    presenter.deactivate(admin)
    presenter.change_role(admin, Role.FRONTDESK)
    assert "ask another administrator" in view.last("show_error")
    assert accounts.users["root"].active and accounts.users["root"].role is Role.ADMIN
    assert runner.labels == []
