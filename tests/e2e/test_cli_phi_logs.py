"""No patient data reaches the log file or stderr, whatever the command line goes through:
imports with refused rows, exports, demo data, a wrong key, key rotation, and an unexpected
error whose exception message quotes a decrypted value."""

from __future__ import annotations

import uuid
from pathlib import Path

from cli_runner import Cli
from sqlalchemy import create_engine, select, update

from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.keys import KEY_VAR, PREVIOUS_VAR, generate_key, load_keyring
from novamind_desktop.infrastructure.records import PatientRecord

HEADER = (
    "first_name,last_name,date_of_birth,email,phone,address_line,city,postal_code,country,"
    "insurance_provider,insurance_member_id,emergency_contact_name,emergency_contact_phone"
)
ROWS = [
    "Bartholomew,Quillfeather-O'Brien,1983-07-19,bart.quill@example.org,+441632960961,"
    "17 Marigold Crescent,Llanfairfechan,LL33 0XQ,Wales,Northwind Mutual,NWM-88412937,"
    "Philippa Quillfeather,+441632960999",
    "Ysolde,Þorvaldsdóttir,1990-02-31,ysolde.t@example.is,+3545551234,,,,,,,,",  # bad date
    "Ysolde,Þorvaldsdóttir,1990-02-21,bart.quill@example.org,+3545551234,,,,,,,,",  # email taken
]
PHI = [
    "Bartholomew",
    "Quillfeather",
    "1983-07-19",
    "bart.quill@example.org",
    "441632960961",
    "+44 1632",
    "Marigold",
    "Llanfairfechan",
    "NWM-88412937",
    "Philippa",
    "Þorvaldsdóttir",
    "Ysolde",
    "1990-02-31",
    "ysolde.t@example.is",
    "5551234",
]
SECRET_DOB = "Quillfeather-secret-birthday"


def _assert_no_phi(text: str, where: str) -> None:
    found = [value for value in [*PHI, SECRET_DOB] if value in text]
    assert not found, f"{where} holds patient data: {found}"


def _spoil_a_date_of_birth(cli: Cli) -> None:
    """Store a well-encrypted date of birth that is not a date: reading it raises a
    ValueError whose message quotes the decrypted text. Always the first patient registered
    (the imported one), not whichever row the database happens to return first."""
    cipher = FieldCipher(load_keyring(cli.env))
    engine = create_engine(cli.url)
    first = select(PatientRecord.id).order_by(PatientRecord.created_at, PatientRecord.id)
    try:
        with engine.begin() as connection:
            row_id: uuid.UUID = connection.scalars(first.limit(1)).one()
            blob = cipher.encrypt("patients", "date_of_birth", row_id, SECRET_DOB)
            connection.execute(
                update(PatientRecord).where(PatientRecord.id == row_id).values(date_of_birth=blob)
            )
    finally:
        engine.dispose()


def test_logs_and_stderr_never_hold_patient_data(cli: Cli, tmp_path: Path) -> None:
    stderr: list[str] = []
    source = tmp_path / "patients.csv"
    source.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")

    imported = cli("import", "patients", str(source))
    assert imported.returncode == 1, imported
    stderr.append(imported.stderr)
    exported = cli.ok("export", "patients", "--format", "fhir")
    assert "Quillfeather" in exported.stdout  # the export itself is the point
    stderr.append(exported.stderr)
    stderr.append(cli.ok("demo-data", "--patients", "20", "--seed", "3").stderr)
    wrong = cli("export", "patients", env={KEY_VAR: generate_key()})
    assert wrong.returncode == 2
    stderr.append(wrong.stderr)
    new_key = generate_key()
    rotated = cli("rotate-key", env={KEY_VAR: new_key, PREVIOUS_VAR: cli.env[KEY_VAR]})
    assert rotated.returncode == 0, rotated
    cli.env[KEY_VAR] = new_key
    stderr.append(rotated.stderr)

    _spoil_a_date_of_birth(cli)
    broken = cli("export", "patients")
    assert broken.returncode == 2, broken
    assert "Something went wrong, nothing was saved." in broken.stderr
    assert "Traceback" not in broken.stderr
    stderr.append(broken.stderr)

    log = cli.logs()
    assert "Traceback" in log and "message withheld" in log  # the error was logged…
    _assert_no_phi(log, "the log file")  # …without what it quoted
    _assert_no_phi("\n".join(stderr), "stderr")
