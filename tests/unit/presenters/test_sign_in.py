from __future__ import annotations

from datetime import UTC, datetime

import pytest

from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.presenters.sign_in import (
    UNEXPECTED,
    FirstAdminPresenter,
    SignInPresenter,
    UnlockPresenter,
    sign_in_backoff,
)
from novamind_desktop.presenters.tasks import SynchronousRunner
from tests.unit.presenters.fakes import FakeAccounts, RecordingView


@pytest.fixture
def accounts() -> FakeAccounts:
    accounts = FakeAccounts()
    accounts.add("maria", "correct horse battery")
    return accounts


def test_right_password_signs_in(accounts):
    view = RecordingView()
    SignInPresenter(view, accounts, SynchronousRunner()).sign_in(" maria ", "correct horse battery")
    assert view.last("signed_in").username == "maria"
    assert view.said("set_busy") == [(True,), (False,)]


def test_empty_fields_are_refused_without_a_job(accounts):
    view, runner = RecordingView(), SynchronousRunner()
    SignInPresenter(view, accounts, runner).sign_in("maria", "")
    assert view.last("show_error") == "Enter your user name and password."
    assert runner.labels == []


def test_wrong_password_says_so_clears_the_password_and_slows_down(accounts):
    view = RecordingView()
    presenter = SignInPresenter(view, accounts, SynchronousRunner())
    for _ in range(4):
        presenter.sign_in("maria", "wrong")
    assert view.last("show_error") == "Unknown user name or wrong password."
    assert len(view.said("clear_password")) == 4
    assert [args[0] for args in view.said("pause_input")] == [0, 1, 2, 4]
    assert view.said("signed_in") == []


def test_fifth_failure_locks_the_account(accounts):
    view = RecordingView()
    presenter = SignInPresenter(view, accounts, SynchronousRunner(), backoff=lambda n: 0)
    for _ in range(5):
        presenter.sign_in("maria", "wrong")
    presenter.sign_in("maria", "correct horse battery")
    local = datetime(2030, 1, 1, 12, 15, tzinfo=UTC).astimezone()
    assert f"locked until {local:%H:%M}" in view.last("show_error")
    assert view.said("signed_in") == []


def test_unexpected_failure_shows_the_generic_sentence_and_logs_no_data(accounts, caplog):
    accounts.explode = RuntimeError("maria's password hash is abc")
    view = RecordingView()
    SignInPresenter(view, accounts, SynchronousRunner()).sign_in("maria", "x")
    assert view.last("show_error") == UNEXPECTED
    assert "RuntimeError" in caplog.text
    assert "maria" not in caplog.text


def test_backoff_grows_and_is_capped():
    assert [sign_in_backoff(n) for n in range(1, 8)] == [0, 1, 2, 4, 8, 8, 8]


def test_first_admin_checks_the_form_before_any_job():
    view, runner, accounts = RecordingView(), SynchronousRunner(), FakeAccounts()
    presenter = FirstAdminPresenter(view, accounts, runner)
    presenter.create("", "Anna", "long enough pass", "long enough pass")
    assert "user name" in view.last("show_error")
    presenter.create("anna", "Anna", "short", "short")
    assert "at least 10 characters" in view.last("show_error")
    presenter.create("anna", "Anna", "long enough pass", "long enough pasS")
    assert view.last("show_error") == "The two passwords are not the same."
    assert runner.labels == []
    presenter.create("anna", "Anna Admin", "long enough pass", "long enough pass")
    assert view.last("created").role is Role.ADMIN
    assert not accounts.needs_first_admin()


def test_unlock_needs_the_signed_in_users_password(accounts):
    view = RecordingView()
    actor = Actor.of(accounts.users["maria"])
    presenter = UnlockPresenter(view, accounts, SynchronousRunner(), actor)
    presenter.unlock("guess")
    assert "not right" in view.last("show_error")
    assert view.said("unlocked") == []
    presenter.unlock("correct horse battery")
    assert view.said("unlocked") == [()]
