"""Keys through the real command line: missing, malformed and wrong keys stop before any
write, naming the variables in use (the key, or the password and salt); after rotate-key the
database opens with the new key alone and not the old one."""

from __future__ import annotations

import base64
import hashlib
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from cli_runner import REPO, Cli, Result

from novamind_desktop.infrastructure.keys import (
    KEY_VAR,
    PASSWORD_VAR,
    PREVIOUS_VAR,
    SALT_VAR,
    generate_key,
)

MAIN = REPO / "main.py"
PASSPHRASE = "a long clinic passphrase"
SALT = "clinic-salt-0123456789"
STAFF_PASSWORD = "correct horse battery staple\n"

PATIENTS = (
    "first_name,last_name,date_of_birth,email,phone,address_line,city,postal_code,country,"
    "insurance_provider,insurance_member_id,emergency_contact_name,emergency_contact_phone\n"
    "Søren,Ødegaard,1971-02-03,soren@example.dk,+4533445566,Kirkevej 1,København,1050,DK,"
    "Tryg,T-77,,\n"
)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_keygen_prints_a_32_byte_url_safe_key(sqlite_cli: Cli) -> None:
    first = sqlite_cli.ok("keygen").stdout.strip()
    second = sqlite_cli.ok("keygen").stdout.strip()
    assert len(base64.urlsafe_b64decode(first)) == 32
    assert first != second
    assert not sqlite_cli.sqlite_file.exists()


@pytest.mark.parametrize("program", ["console script", "main.py"])
def test_the_other_ways_in_are_the_same_program(sqlite_cli: Cli, program: str) -> None:
    """`novamind-desktop` (installed by pyproject's [project.scripts]) and `python main.py`."""
    script = Path(sys.executable).with_name("novamind-desktop")
    started = (str(script),) if program == "console script" else (sys.executable, str(MAIN))
    cli = replace(sqlite_cli, program=started)
    assert len(base64.urlsafe_b64decode(cli.ok("keygen").stdout.strip())) == 32
    missing = cli("db", "status", env={KEY_VAR: None})
    assert missing.returncode == 2 and KEY_VAR in missing.stderr, missing


def test_missing_key_stops_before_the_database_is_created(sqlite_cli: Cli) -> None:
    for command in ((), ("db", "status"), ("export", "patients"), ("rotate-key",)):
        result = sqlite_cli(*command, env={KEY_VAR: None})  # () is the GUI
        assert result.returncode == 2, result
        assert KEY_VAR in result.stderr and "keygen" in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not sqlite_cli.sqlite_file.exists()


def test_malformed_keys_name_their_variable(sqlite_cli: Cli) -> None:
    bad = sqlite_cli("db", "status", env={KEY_VAR: "not-a-key"})
    assert bad.returncode == 2 and KEY_VAR in bad.stderr, bad
    short = base64.urlsafe_b64encode(b"x" * 16).decode()
    bad_previous = sqlite_cli("db", "status", env={PREVIOUS_VAR: f"{generate_key()},{short}"})
    assert bad_previous.returncode == 2 and PREVIOUS_VAR in bad_previous.stderr, bad_previous
    assert not sqlite_cli.sqlite_file.exists()


def test_wrong_key_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.ok("db", "upgrade")
    (tmp_path / "p.csv").write_text(PATIENTS, encoding="utf-8")
    cli.ok("import", "patients", "p.csv")
    before = cli.ok("export", "patients").stdout
    file_before = _digest(cli.sqlite_file) if cli.sqlite_file else None

    commands = ((), ("export", "patients"), ("import", "patients", "p.csv"), ("rotate-key",))
    for command in commands:  # () is the GUI: the sign-in window, then the refusal
        wrong = cli(*command, env={KEY_VAR: generate_key()})
        assert wrong.returncode == 2, wrong
        assert KEY_VAR in wrong.stderr and "does not match" in wrong.stderr
        assert "Traceback" not in wrong.stderr

    if cli.sqlite_file:
        assert _digest(cli.sqlite_file) == file_before
    assert cli.ok("export", "patients").stdout == before


def test_password_and_salt_are_an_alternative_key_source(sqlite_cli: Cli) -> None:
    env = {
        KEY_VAR: None,
        "NOVAMIND_ENCRYPTION_PASSWORD": "a long clinic passphrase",
        "NOVAMIND_ENCRYPTION_SALT": "clinic-salt-0123456789",
    }
    assert sqlite_cli("db", "upgrade", env=env).returncode == 0
    unsalted = sqlite_cli("db", "status", env={**env, "NOVAMIND_ENCRYPTION_SALT": None})
    assert unsalted.returncode == 2
    assert "NOVAMIND_ENCRYPTION_SALT" in unsalted.stderr
    other = sqlite_cli("db", "status", env={**env, "NOVAMIND_ENCRYPTION_PASSWORD": "x" * 20})
    assert other.returncode == 2 and "does not match" in other.stderr


def test_rotate_key_then_only_the_new_key_opens_the_database(cli: Cli, tmp_path: Path) -> None:
    cli.ok("db", "upgrade")
    (tmp_path / "p.csv").write_text(PATIENTS, encoding="utf-8")
    cli.ok("import", "patients", "p.csv")
    cli.ok("demo-data", "--patients", "30", "--seed", "4")
    exported = cli.ok("export", "patients").stdout
    old_key, new_key = cli.env[KEY_VAR], generate_key()

    rotated = cli("rotate-key", env={KEY_VAR: new_key, PREVIOUS_VAR: old_key})
    assert rotated.returncode == 0, rotated
    assert "Re-encrypted" in rotated.stdout

    cli.env[KEY_VAR] = new_key
    assert cli.ok("export", "patients").stdout == exported
    again = cli.ok("rotate-key")  # nothing left under the old key: a no-op
    assert "Re-encrypted 0 of" in again.stdout

    old_alone = cli("export", "patients", env={KEY_VAR: old_key})
    assert old_alone.returncode == 2 and "does not match" in old_alone.stderr, old_alone


def test_rotating_to_a_password_and_salt_names_them_afterwards(sqlite_cli: Cli) -> None:
    sqlite_cli.ok("db", "upgrade")
    old_key = sqlite_cli.env.pop(KEY_VAR)
    sqlite_cli.env.update({PASSWORD_VAR: PASSPHRASE, SALT_VAR: SALT})
    rotated = sqlite_cli("rotate-key", env={PREVIOUS_VAR: old_key})
    assert rotated.returncode == 0, rotated
    assert f"opens with {PASSWORD_VAR} and {SALT_VAR} alone" in rotated.stdout, rotated
    assert KEY_VAR not in rotated.stdout and PASSPHRASE not in rotated.stdout
    assert "Up to date" in sqlite_cli.ok("db", "status").stdout


def _refused_naming_password_and_salt(result: Result) -> None:
    """Exit 2, one line naming the password and salt variables (the ones in use), not
    NOVAMIND_ENCRYPTION_KEY, and holding neither secret."""
    assert result.returncode == 2, result
    assert PASSWORD_VAR in result.stderr and SALT_VAR in result.stderr, result
    assert KEY_VAR not in result.stderr, result
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert PASSPHRASE not in result.stderr and SALT not in result.stderr


def test_a_wrong_password_or_salt_names_those_variables(cli: Cli) -> None:
    del cli.env[KEY_VAR]
    cli.env.update({PASSWORD_VAR: PASSPHRASE, SALT_VAR: SALT})
    cli.ok("db", "upgrade")  # records the key derived from this password and salt
    add = ("users", "add", "dr.weber", "--role", "clinician", "--password-stdin")
    wrongs = ({PASSWORD_VAR: "another long passphrase"}, {SALT_VAR: "another-salt-0123456789"})
    for wrong in wrongs:
        for command in (("db", "status"), add):
            result = cli(*command, env=wrong, stdin=STAFF_PASSWORD)
            _refused_naming_password_and_salt(result)
            assert "does not match" in result.stderr
    assert "Added clinician dr.weber" in cli.ok(*add, stdin=STAFF_PASSWORD).stdout


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({SALT_VAR: SALT}, f"{PASSWORD_VAR} is not set"),  # the password was forgotten
        ({PASSWORD_VAR: PASSPHRASE}, f"{SALT_VAR} must be set"),
        ({PASSWORD_VAR: PASSPHRASE, SALT_VAR: "tiny-salt"}, f"{SALT_VAR} must be set"),
        ({PASSWORD_VAR: "tiny-pass", SALT_VAR: SALT}, f"{PASSWORD_VAR} must be at least"),
    ],
    ids=["salt-only", "password-only", "short-salt", "short-password"],
)
def test_an_incomplete_password_and_salt_names_what_to_set(
    sqlite_cli: Cli, env: dict[str, str], says: str
) -> None:
    result = sqlite_cli("db", "status", env={KEY_VAR: None, **env})
    assert result.returncode == 2, result
    assert says in result.stderr, result
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert all(value not in result.stderr for value in env.values())
    assert not sqlite_cli.sqlite_file.exists()
