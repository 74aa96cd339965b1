from __future__ import annotations

from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.presenters.main_window import (
    MainWindowPresenter,
    admin_menu_for,
    busy_text,
    status_text,
    window_title,
)
from novamind_desktop.presenters.tasks import SynchronousRunner
from tests.unit.presenters.fakes import FakeAccounts, RecordingView


def test_only_admins_get_the_admin_menu():
    assert not admin_menu_for(Role.FRONTDESK).visible
    assert not admin_menu_for(Role.CLINICIAN).visible
    menu = admin_menu_for(Role.ADMIN)
    assert menu.visible and menu.users and menu.audit_log and menu.database


def test_title_says_demo_in_demo_mode():
    assert window_title("Patients") == "Patients — NOVAMIND Desktop"
    assert "DEMO" in window_title("Patients", demo=True)
    assert "DEMO" not in window_title("Patients", demo=False)


def test_status_line_names_user_role_and_database():
    user = FakeAccounts().add("sam", "pw", Role.CLINICIAN)
    assert status_text(user, "sqlite:///clinic.db") == (
        "Signed in: Sam (sam)",
        "Clinician",
        "Database: sqlite:///clinic.db",
    )
    assert busy_text(0) == "Ready"
    assert busy_text(3) == "Working… (3 tasks)"


def test_sign_out_is_recorded_then_the_window_closes():
    accounts = FakeAccounts()
    user = accounts.add("sam", "pw")
    view = RecordingView()
    MainWindowPresenter(view, accounts, SynchronousRunner(), user).sign_out()
    assert accounts.signed_out == [Actor.of(user)]
    assert view.said("signed_out") == [()]


def test_sign_out_closes_the_window_even_if_the_record_fails():
    accounts = FakeAccounts()
    user = accounts.add("sam", "pw")
    accounts.explode = OSError("disk full")
    view = RecordingView()
    MainWindowPresenter(view, accounts, SynchronousRunner(), user).sign_out()
    assert view.said("signed_out") == [()]


def test_quit_records_the_sign_out_then_lets_the_app_end():
    accounts = FakeAccounts()
    user = accounts.add("sam", "pw")
    view = RecordingView()
    MainWindowPresenter(view, accounts, SynchronousRunner(), user).quit()
    assert accounts.signed_out == [Actor.of(user)]
    assert view.said("ready_to_quit") == [()] and view.said("signed_out") == []


def test_quit_ends_the_app_even_if_the_record_fails():
    accounts = FakeAccounts()
    user = accounts.add("sam", "pw")
    accounts.explode = OSError("disk full")
    view = RecordingView()
    MainWindowPresenter(view, accounts, SynchronousRunner(), user).quit()
    assert view.said("ready_to_quit") == [()]
