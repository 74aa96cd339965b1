"""UserService: first admin, sign-in with back-off and lockout, account administration."""

from datetime import timedelta

import pytest

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.services.users import (
    AccountDeactivated,
    SignInRefused,
    UserService,
    sign_in_delay,
)

from .fakes import FakeHasher

PASSWORD = "a long enough secret"


@pytest.fixture
def service(uow_factory, clock):
    return UserService(uow_factory, clock, FakeHasher())


def test_the_first_admin_only_while_there_are_no_accounts(service, db):
    assert service.needs_first_admin()
    admin = service.create_first_admin(" Ada ", "Ada Admin", "correct horse battery")
    assert (admin.username, admin.role) == ("ada", Role.ADMIN)
    assert db.password_hashes[admin.id] == "fake$correct horse battery"
    assert not service.needs_first_admin()
    assert db.audit[-1].action == AuditAction.CREATE and db.audit[-1].username == "ada"
    with pytest.raises(PermissionDenied):
        service.create_first_admin("eve", "Eve", "another long password")
    assert len(db.users) == 1


@pytest.mark.parametrize(
    ("username", "display_name", "password", "field"),
    [
        ("ad", "Ada", PASSWORD, "username"),
        ("1ada", "Ada", PASSWORD, "username"),
        ("ada lovelace", "Ada", PASSWORD, "username"),
        ("ada", " ", PASSWORD, "display_name"),
        ("ada", "Ada", "short", "password"),
        ("adalovelace", "Ada", "AdaLovelace", "password"),
    ],
)
def test_account_rules(service, username, display_name, password, field):
    with pytest.raises(ValidationFailed) as refused:
        service.create_first_admin(username, display_name, password)
    assert refused.value.for_field(field)


def test_sign_in_succeeds_with_the_right_password_and_is_audited(service, db, frontdesk_user):
    assert service.sign_in("  FIONA ", PASSWORD) == frontdesk_user
    event = db.audit[-1]
    assert (event.action, event.user_id) == (AuditAction.SIGN_IN, frontdesk_user.id)


def test_unknown_names_and_wrong_passwords_give_the_same_sentence(service, db, frontdesk_user):
    with pytest.raises(AuthenticationFailed) as unknown:
        service.sign_in("nobody", PASSWORD)
    with pytest.raises(AuthenticationFailed) as wrong:
        service.sign_in("fiona", "wrong password!")
    assert str(unknown.value) == str(wrong.value) == "Unknown user name or wrong password."
    # The typed name is not recorded: people type passwords into the name field.
    assert "nobody" not in repr(db.audit)


def test_failures_slow_down_then_lock_the_account_for_15_minutes(
    service, db, clock, frontdesk_user
):
    delays = []
    for _ in range(4):
        with pytest.raises(SignInRefused) as refused:
            service.sign_in("fiona", "wrong password!")
        delays.append(refused.value.retry_after.total_seconds())
    assert delays == [0, 1, 2, 4]
    with pytest.raises(AccountLocked) as locked:
        service.sign_in("fiona", "wrong password!")
    assert locked.value.until == clock.now() + timedelta(minutes=15)
    # Even the right password is refused while the lock lasts...
    clock.advance(minutes=14)
    with pytest.raises(AccountLocked):
        service.sign_in("fiona", PASSWORD)
    # ...and works once it has passed, clearing the count.
    clock.advance(minutes=1, seconds=1)
    assert service.sign_in("fiona", PASSWORD).id == frontdesk_user.id
    stored = db.users[frontdesk_user.id]
    assert (stored.failed_sign_ins, stored.locked_until) == (0, None)
    failed = db.actions(AuditAction.SIGN_IN_FAILED)
    assert failed[4].detail == "wrong password (5 of 5); locked for 15 minutes"


def test_after_a_lock_expires_a_wrong_password_counts_from_one(service, db, clock, frontdesk_user):
    for _ in range(4):
        with pytest.raises(SignInRefused):
            service.sign_in("fiona", "wrong password!")
    with pytest.raises(AccountLocked):
        service.sign_in("fiona", "wrong password!")
    clock.advance(minutes=16)
    with pytest.raises(SignInRefused) as refused:
        service.sign_in("fiona", "wrong password!")
    assert refused.value.retry_after == sign_in_delay(1)
    assert db.users[frontdesk_user.id].failed_sign_ins == 1


def test_a_deactivated_account_cannot_sign_in(service, admin, frontdesk_user):
    service.deactivate(admin, frontdesk_user.id)
    with pytest.raises(AccountDeactivated, match="deactivated"):
        service.sign_in("fiona", PASSWORD)
    with pytest.raises(AuthenticationFailed):  # a wrong password does not reveal it
        service.sign_in("fiona", "wrong password!")


def test_unlocking_after_idle_checks_the_password_and_counts_failures(
    service, db, frontdesk, frontdesk_user
):
    assert service.verify_password(frontdesk, PASSWORD) is True
    for _ in range(4):
        assert service.verify_password(frontdesk, "nope nope nope") is False
    with pytest.raises(AccountLocked):
        service.verify_password(frontdesk, "nope nope nope")
    assert service.verify_password(Actor.command_line("root"), PASSWORD) is False


def test_sign_out_is_audited(service, db, frontdesk):
    service.sign_out(frontdesk)
    assert db.audit[-1].action == AuditAction.SIGN_OUT


def test_admins_add_users_with_unique_names(service, db, admin):
    user = service.add_user(admin, "Dr.Who", "Doctor Who", Role.CLINICIAN, PASSWORD)
    assert user.username == "dr.who" and db.password_hashes[user.id] == f"fake${PASSWORD}"
    assert db.audit[-1].detail == "role clinician"
    with pytest.raises(ValidationFailed) as taken:
        service.add_user(admin, "dr.who", "Another", Role.FRONTDESK, PASSWORD)
    assert taken.value.for_field("username") == "This user name is taken."
    assert [u.username for u in service.list_users(admin)] == ["ada", "dr.who"]


def test_reset_password_lifts_a_lockout(service, db, admin, frontdesk_user):
    for _ in range(4):
        with pytest.raises(SignInRefused):
            service.sign_in("fiona", "wrong password!")
    with pytest.raises(AccountLocked):
        service.sign_in("fiona", "wrong password!")
    with pytest.raises(ValidationFailed):
        service.reset_password(admin, frontdesk_user.id, "short")
    service.reset_password(admin, frontdesk_user.id, "brand new passphrase")
    assert service.sign_in("fiona", "brand new passphrase").id == frontdesk_user.id
    assert db.actions(AuditAction.UPDATE)[-1].detail == "password reset"
    assert "brand new" not in repr(db.audit)


def test_change_role_and_reactivate(service, db, admin, frontdesk_user):
    changed = service.change_role(admin, frontdesk_user.id, Role.CLINICIAN)
    assert changed.role is Role.CLINICIAN
    assert db.audit[-1].detail == "role frontdesk -> clinician"
    service.deactivate(admin, frontdesk_user.id)
    assert service.reactivate(admin, frontdesk_user.id).active is True
    with pytest.raises(NotFound):
        service.deactivate(admin, changed.id.__class__(int=7))


def test_the_last_active_admin_is_protected(service, db, admin, admin_user, frontdesk_user):
    with pytest.raises(ValidationFailed):
        service.deactivate(admin, admin_user.id)  # oneself
    with pytest.raises(ValidationFailed):
        service.change_role(admin, admin_user.id, Role.FRONTDESK)  # oneself
    cli = Actor.command_line("root")
    with pytest.raises(ValidationFailed, match="at least one active administrator"):
        service.change_role(cli, admin_user.id, Role.FRONTDESK)
    with pytest.raises(ValidationFailed, match="at least one active administrator"):
        service.deactivate(cli, admin_user.id)
    second = service.add_user(cli, "bob", "Bob", Role.ADMIN, PASSWORD)
    assert service.deactivate(cli, second.id).active is False
    assert db.users[admin_user.id].active is True
