"""Signing in through UserService on both databases: failures are counted and audited per
account, the lockout holds at every desk, and on PostgreSQL two desks failing at the same
moment both count (parallel guessing must not slip past the lockout)."""

from __future__ import annotations

import itertools
import threading
from datetime import timedelta

import pytest
from service_helpers import (
    PASSWORD,
    at_once,
    audit_rows,
    pause_before,
)

from novamind_desktop.domain.errors import AccountLocked, AuthenticationFailed
from novamind_desktop.domain.users import Role
from novamind_desktop.services.users import AccountDeactivated, SignInRefused

WRONG = "not the password at all"


pytestmark = pytest.mark.usefixtures("logs_hold_no_phi")


def sign_in_events(clinic, username: str) -> list[tuple[str, str]]:
    return [
        (r.action, r.detail)
        for r in audit_rows(clinic.db.engine)
        if r.entity == "user" and r.username == username and r.action.startswith("sign_in")
    ]


def test_five_failures_lock_the_account_at_every_desk(clinic) -> None:
    here, there = clinic.services.users, clinic.workstation().services.users
    name, clock = clinic.frontdesk.username, clinic.db.clock
    for attempt in range(4):
        clock.advance(seconds=10)
        with pytest.raises(SignInRefused):
            (here if attempt % 2 else there).sign_in(name, WRONG)
    clock.advance(seconds=10)
    with pytest.raises(AccountLocked) as caught:
        here.sign_in(name, WRONG)
    assert caught.value.until == clock.now() + timedelta(minutes=15)
    clock.advance(minutes=14)
    with pytest.raises(AccountLocked):  # the other desk, the right password: still locked
        there.sign_in(name, PASSWORD)
    clock.advance(minutes=1, seconds=1)
    user = there.sign_in(name.upper(), PASSWORD)
    assert (user.failed_sign_ins, user.locked_until) == (0, None)
    details = [detail for _, detail in sign_in_events(clinic, name)]
    assert details == [
        "wrong password (1 of 5)",
        "wrong password (2 of 5)",
        "wrong password (3 of 5)",
        "wrong password (4 of 5)",
        "wrong password (5 of 5); locked for 15 minutes",
        "locked",
        "",
    ]


def test_a_deactivated_account_cannot_sign_in_until_reactivated(clinic) -> None:
    users, admin, clock = clinic.services.users, clinic.admin, clinic.db.clock
    desk = clinic.frontdesk
    users.deactivate(admin, desk.user_id)
    clock.advance(minutes=1)
    with pytest.raises(AccountDeactivated):
        users.sign_in(desk.username, PASSWORD)
    users.reactivate(admin, desk.user_id)
    assert users.sign_in(desk.username, PASSWORD).role is Role.FRONTDESK
    changes = [
        (r.username, r.action, r.entity_id)
        for r in audit_rows(clinic.db.engine)
        if r.action in ("deactivate", "reactivate")
    ]
    assert sorted(changes) == [
        ("cli:tests", "deactivate", str(desk.user_id)),
        ("cli:tests", "reactivate", str(desk.user_id)),
    ]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@pytest.mark.postgres
def test_two_desks_failing_at_the_same_moment_both_count(clinic) -> None:
    barrier, saves = threading.Barrier(2, timeout=30), itertools.count()

    def first_saves_meet(_n: int) -> None:
        if next(saves) < 2:  # a retry on fresh data goes straight on
            barrier.wait()

    wrap = pause_before("users", "save", first_saves_meet)
    desks = [clinic.workstation(wrap).services.users for _ in range(2)]
    name = clinic.frontdesk.username
    outcomes = at_once(*(lambda desk=desk: desk.sign_in(name, WRONG) for desk in desks))
    assert [type(o) for o in outcomes] == [SignInRefused, SignInRefused]
    assert all(isinstance(o, AuthenticationFailed) for o in outcomes)
    stored = next(u for u in clinic.services.users.list_users(clinic.admin) if u.username == name)
    assert stored.failed_sign_ins == 2
    details = sorted(detail for _, detail in sign_in_events(clinic, name))
    assert details == ["wrong password (1 of 5)", "wrong password (2 of 5)"]
