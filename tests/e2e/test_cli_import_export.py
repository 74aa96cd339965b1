"""Import and export through the real command line, on SQLite and on PostgreSQL.

Bad rows are refused one by one with their line number and a reason that never quotes the
value; good rows are kept; a file that is unusable as a whole changes nothing (exit 2);
importing twice changes nothing; export -> import -> export is exact, accents and
apostrophes included, and works across the two databases. The one exception, appointments of
walk-in patients (no email address, and both file formats find a patient by email), is said
out loud: the export counts them on stderr, the import refuses them with their line.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from cli_runner import Cli, base_environment

from novamind_desktop.bootstrap import build_context
from novamind_desktop.domain.users import Actor
from novamind_desktop.infrastructure.csv_formats import APPOINTMENT_HEADER, PATIENT_HEADER
from novamind_desktop.services.appointments import BookingRequest
from novamind_desktop.settings import Settings

HEADER = ",".join(PATIENT_HEADER)
PASSWORD = "correct horse battery staple\n"
# Already in the form the app stores (digits-only phones, lower-case emails), so the export
# must reproduce these lines byte for byte.
GOOD = [
    "Jürgen,Müller,1980-04-23,jurgen.muller@example.de,+4930123456,"
    '"Hauptstraße 5, Hinterhaus",Berlin,10115,DE,AOK,A-1,"O\'Brien, Siobhán",+353861234567',
    "Siobhán,O'Brien,1975-11-30,siobhan@example.ie,+353861234567,,Dublin,D02 X285,IE,VHI,,,",
    'Zoë,"D\'Angelo ""Dee""",2001-02-28,,+390612345678,"Via Roma 1\nScala B",Roma,00100,IT,,,,',
    "Søren,Ødegaard,1969-07-14,soren@example.dk,+4533445566,Kirkevej 2,København,1050,DK,Tryg,"
    "T-9,Åsa Þórsson,+4520304050",
]


def _write(path: Path, lines: list[str], header: str = HEADER) -> Path:
    path.write_text("\r\n".join([header, *lines]) + "\r\n", encoding="utf-8", newline="")
    return path


def _fresh_sqlite_cli(tmp_path: Path, name: str) -> Cli:
    folder = tmp_path / name
    folder.mkdir()
    env = base_environment(folder)
    url = f"sqlite:///{folder / 'other.sqlite3'}"
    env["DATABASE_URL"] = url
    return Cli(url, folder, env)


def test_bad_rows_are_refused_with_line_and_reason_and_good_rows_kept(
    cli: Cli, tmp_path: Path
) -> None:
    rows = [
        GOOD[0],
        "Ana,Núñez,1990-02-30,ana@example.es,+34911222333,,,,,,,,",  # line 3: no such date
        "Pat,Other,1961-01-01,JURGEN.MULLER@example.de,+4930999999,,,,,,,,",  # 4: email taken
        ",Nameless,1985-05-05,,+4930555555,,,,,,,,",  # 5: first name missing
        GOOD[1],
        "Too,Many,1985-05-05,,+4930555555,,,,,,,,,surplus",  # 7: one cell too many
        "Bea,Phoneless,1985-05-05,bea@example.org,,,,,,,,,",  # 8: phone missing
    ]
    result = cli("import", "patients", str(_write(tmp_path / "patients.csv", rows)))
    assert result.returncode == 1, result
    refused = [line for line in result.stderr.splitlines() if " line " in line]
    assert [line.split(":")[0] for line in refused] == [
        f"patients.csv line {n}" for n in (3, 4, 5, 7, 8)
    ]
    assert "date_of_birth" in refused[0]
    assert "email" in refused[1]
    assert "first_name" in refused[2]
    assert "more cells" in refused[3]
    assert "phone" in refused[4].lower()
    for value in ("1990-02-30", "JURGEN", "Núñez", "Phoneless", "surplus"):
        assert value not in result.stderr
    assert "2 imported, 0 already present, 5 refused" in result.stderr

    exported = cli.ok("export", "patients").stdout.splitlines()
    assert len(exported) == 3 and "Müller" in exported[1] and "O'Brien" in exported[2]


def test_an_unusable_file_changes_nothing(sqlite_cli: Cli, tmp_path: Path) -> None:
    sqlite_cli.ok("db", "upgrade")
    unknown = _write(tmp_path / "unknown.csv", [GOOD[0] + ",42"], header=HEADER + ",shoe_size")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "\n" + GOOD[0] + "\n").encode("latin-1", "replace"))
    missing_column = _write(tmp_path / "short.csv", ["Ana,Núñez"], header="first_name,last_name")
    cases = {
        unknown: "shoe_size",
        latin1: "UTF-8",
        missing_column: "missing column",
        tmp_path / "absent.csv": "does not exist",
    }
    for path, expected in cases.items():
        result = sqlite_cli("import", "patients", str(path))
        assert result.returncode == 2, result
        assert expected in result.stderr, result
        assert len(result.stderr.strip().splitlines()) == 1, result
    assert sqlite_cli.ok("export", "patients").stdout.strip() == HEADER


def test_importing_twice_changes_nothing(sqlite_cli: Cli, tmp_path: Path) -> None:
    path = _write(tmp_path / "patients.csv", GOOD)
    first = sqlite_cli.ok("import", "patients", str(path))
    assert "4 imported, 0 already present, 0 refused" in first.stderr
    again = sqlite_cli.ok("import", "patients", str(path))
    assert "0 imported, 4 already present, 0 refused" in again.stderr
    assert "Exported 4 patients" in sqlite_cli.ok("export", "patients").stderr


def test_csv_round_trip_is_exact_across_databases(cli: Cli, tmp_path: Path) -> None:
    source = _write(tmp_path / "patients.csv", GOOD)
    cli.ok("import", "patients", str(source))
    exported = tmp_path / "exported.csv"
    cli.ok("export", "patients", "--format", "csv", "--out", str(exported))
    assert exported.read_bytes() == source.read_bytes()

    other = _fresh_sqlite_cli(tmp_path, "second")
    other.ok("import", "patients", str(exported))
    again = tmp_path / "again.csv"
    other.ok("export", "patients", "--out", str(again))
    assert again.read_bytes() == source.read_bytes()


def test_fhir_bundle_round_trip(sqlite_cli: Cli, tmp_path: Path) -> None:
    sqlite_cli.ok("import", "patients", str(_write(tmp_path / "patients.csv", GOOD)))
    bundle_path = tmp_path / "patients.json"
    sqlite_cli.ok("export", "patients", "--format", "fhir", "--out", str(bundle_path))
    bundle = json.loads(bundle_path.read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle"
    assert {e["resource"]["resourceType"] for e in bundle["entry"]} == {"Patient"}
    assert bundle["entry"][0]["resource"]["name"][0]["family"] == "Müller"

    other = _fresh_sqlite_cli(tmp_path, "second")
    other.ok("import", "patients", str(bundle_path))
    assert other.ok("export", "patients").stdout == sqlite_cli.ok("export", "patients").stdout


def _appointments_header() -> str:
    return ",".join(APPOINTMENT_HEADER)


# Appointment rows the import books (patients found by email), and how a walk-in comes out.
BOOKED = [
    "jurgen.muller@example.de,dr.rossi,2031-03-03T09:00:00+01:00,2031-03-03T09:50:00+01:00,"
    'therapy,scheduled,false,Room 2,"Sleep diary, week 3"',
    "siobhan@example.ie,dr.rossi,2031-03-03T10:00:00+01:00,2031-03-03T10:30:00+01:00,"
    "follow_up,scheduled,true,,",
]
WALK_IN_ROW = (
    ",dr.rossi,2031-03-03T11:00:00+01:00,2031-03-03T11:30:00+01:00,follow_up,scheduled,false,,"
)
WALK_IN_REASON = "the patient has no email address on record"


def test_appointments_import_export_round_trip(cli: Cli, tmp_path: Path) -> None:
    cli.ok("import", "patients", str(_write(tmp_path / "patients.csv", GOOD)))
    cli.ok("users", "add", "dr.rossi", "--role", "clinician", "--password-stdin", stdin=PASSWORD)
    rows = [
        *BOOKED,
        "siobhan@example.ie,dr.rossi,2031-03-03T09:30:00+01:00,2031-03-03T10:00:00+01:00,"
        "follow_up,scheduled,false,,",  # line 4: overlaps the therapy session
        "siobhan@example.ie,dr.nobody,2031-03-04T09:00:00+01:00,2031-03-04T09:30:00+01:00,"
        "follow_up,scheduled,false,,",  # line 5: no such clinician
        "siobhan@example.ie,dr.rossi,2031-03-04T09:00:00,2031-03-04T09:30:00,"
        "follow_up,scheduled,false,,",  # line 6: no UTC offset
    ]
    path = _write(tmp_path / "appointments.csv", rows, header=_appointments_header())
    result = cli("import", "appointments", str(path))
    assert result.returncode == 1, result
    refused = [line.split(":")[0] for line in result.stderr.splitlines() if " line " in line]
    assert refused == [f"appointments.csv line {n}" for n in (4, 5, 6)]
    assert "2 imported" in result.stderr

    exported = tmp_path / "appointments-out.csv"
    cli.ok("export", "appointments", "--out", str(exported))
    assert exported.read_text(encoding="utf-8").splitlines()[1:] == rows[:2]
    again = cli.ok("import", "appointments", str(exported))
    assert "0 imported, 2 already present, 0 refused" in again.stderr
    bundle = tmp_path / "appointments.json"
    cli.ok("export", "appointments", "--format", "fhir", "--out", str(bundle))
    from_fhir = cli.ok("import", "appointments", str(bundle))
    assert "0 imported, 2 already present, 0 refused" in from_fhir.stderr

    calendar = cli.ok("export", "appointments", "--format", "ics").stdout
    assert calendar.count("BEGIN:VEVENT") == 2
    assert "DTSTART:20310303T080000Z" in calendar
    assert "Sleep diary" not in calendar  # clinical notes stay out of calendars


def _book_walk_in(cli: Cli) -> None:
    """Book Zoë (GOOD[2], no email) at the desk, as the app does: no file can name her."""
    context = build_context(Settings.from_environ(cli.env))
    actor = Actor.command_line("test")
    try:
        with context.uow_factory(actor) as uow:
            walk_in = next(p for p in uow.patients.list_all() if not p.details.email)
            clinician = uow.users.by_username("dr.rossi")
        assert clinician is not None
        start = datetime.fromisoformat("2031-03-03T11:00:00+01:00")
        request = BookingRequest(walk_in.id, clinician.id, start, "follow_up")
        context.services.appointments.book(actor, request)
    finally:
        context.close()


def _clinic_with_a_walk_in(cli: Cli, tmp_path: Path) -> None:
    """GOOD's patients, dr.rossi, BOOKED imported and Zoë's walk-in appointment booked."""
    cli.ok("import", "patients", str(_write(tmp_path / "patients.csv", GOOD)))
    cli.ok("users", "add", "dr.rossi", "--role", "clinician", "--password-stdin", stdin=PASSWORD)
    booked = _write(tmp_path / "booked.csv", BOOKED, header=_appointments_header())
    cli.ok("import", "appointments", str(booked))
    _book_walk_in(cli)


def test_an_export_counts_the_walk_in_appointments_it_cannot_bring_back(
    cli: Cli, tmp_path: Path
) -> None:
    _clinic_with_a_walk_in(cli, tmp_path)
    exported = tmp_path / "appointments-out.csv"
    result = cli.ok("export", "appointments", "--out", str(exported))
    assert exported.read_text(encoding="utf-8").splitlines()[1:] == [*BOOKED, WALK_IN_ROW]
    warning = [line for line in result.stderr.splitlines() if "no email address" in line]
    assert len(warning) == 1, result
    assert warning[0].startswith("1 of the 3 appointments exported is for a patient"), result
    assert "cannot be imported back" in warning[0] and "db backup" in warning[0], result
    for phi in ("Zoë", "D'Angelo", "2001-02-28", "+390612345678"):
        assert phi not in result.stderr

    fhir = cli.ok("export", "appointments", "--format", "fhir")
    assert "1 of the 3 appointments exported" in fhir.stderr, fhir
    calendar = cli.ok("export", "appointments", "--format", "ics")
    assert "no email address" not in calendar.stderr  # a calendar is never imported


def test_an_import_refuses_a_walk_in_row_by_its_line_and_keeps_the_others(
    cli: Cli, tmp_path: Path
) -> None:
    _clinic_with_a_walk_in(cli, tmp_path)
    exported = tmp_path / "appointments-out.csv"
    cli.ok("export", "appointments", "--out", str(exported))

    again = cli("import", "appointments", str(exported))
    assert again.returncode == 1, again
    refused = [line for line in again.stderr.splitlines() if " line " in line]
    assert len(refused) == 1 and refused[0].startswith("appointments-out.csv line 4: "), again
    assert WALK_IN_REASON in refused[0], again
    assert "No patient has this email address" not in again.stderr
    assert "0 imported, 2 already present, 1 refused" in again.stderr

    other = _fresh_sqlite_cli(tmp_path, "second")
    other.ok("import", "patients", str(_write(tmp_path / "patients.csv", GOOD)))
    other.ok("users", "add", "dr.rossi", "--role", "clinician", "--password-stdin", stdin=PASSWORD)
    moved = other("import", "appointments", str(exported))
    assert moved.returncode == 1, moved
    assert "2 imported, 0 already present, 1 refused" in moved.stderr
    kept = other.ok("export", "appointments").stdout.splitlines()[1:]
    assert kept == BOOKED


def test_a_fhir_export_does_not_bring_walk_in_appointments_back_either(
    cli: Cli, tmp_path: Path
) -> None:
    _clinic_with_a_walk_in(cli, tmp_path)
    bundle = tmp_path / "appointments.json"
    cli.ok("export", "appointments", "--format", "fhir", "--out", str(bundle))
    result = cli("import", "appointments", str(bundle))
    assert result.returncode == 1, result
    refused = [line for line in result.stderr.splitlines() if " entry " in line]
    assert len(refused) == 1 and refused[0].startswith("appointments.json entry 3: "), result
    assert WALK_IN_REASON in refused[0], result
    assert "0 imported, 2 already present, 1 refused" in result.stderr
