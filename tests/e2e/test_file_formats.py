"""The file formats the command line reads and writes, in process (fast, no database)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from novamind_desktop.infrastructure import csv_formats, fhir_formats
from novamind_desktop.infrastructure.csv_formats import (
    EXTRA_CELLS,
    PATIENT_HEADER,
    ImportFileError,
    read_patient_rows,
)
from novamind_desktop.infrastructure.ics_format import CalendarEntry, write_calendar
from novamind_desktop.infrastructure.pg_backups import PG_BIN_VAR, BackupUnavailable, find_tool

HEADER = ",".join(PATIENT_HEADER)


def test_line_numbers_follow_the_file_not_the_records(tmp_path: Path) -> None:
    text = (
        "\ufeff" + HEADER + "\n"
        'Ana,Núñez,1990-01-01,,+3491,"Calle Mayor 1\nPiso 2\nPuerta B",,,,,,,\n'
        "\n"
        "Bo,Ek,1991-01-01,,+4670,,,,,,,,,one too many\n"
        "Cy,D'Arcy,1992-01-01,,+3531,,,,,,,\n"
    )
    path = tmp_path / "p.csv"
    path.write_text(text, encoding="utf-8")
    rows = list(read_patient_rows(path))
    assert [line for line, _ in rows] == [2, 6, 7]
    assert rows[0][1]["address_line"] == "Calle Mayor 1\nPiso 2\nPuerta B"
    assert EXTRA_CELLS in rows[1][1]
    assert rows[2][1]["last_name"] == "D'Arcy" and rows[2][1]["emergency_contact_phone"] == ""


def test_header_problems_are_named(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("first_name,last_name,first_name,nickname\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as refused:
        list(read_patient_rows(path))
    message = str(refused.value)
    assert "'nickname'" in message and "missing column(s) date_of_birth" in message
    assert "repeated column(s) first_name" in message
    path.write_text("", encoding="utf-8")
    with pytest.raises(ImportFileError, match="empty"):
        list(read_patient_rows(path))


def test_csv_writer_quotes_what_needs_quoting() -> None:
    out = io.StringIO(newline="")
    row = {name: "" for name in PATIENT_HEADER}
    row.update(first_name='Zoë "Z"', last_name="O'Brien, Jr.")
    csv_formats.write_patients(out, [row])
    assert out.getvalue().splitlines()[1].startswith('"Zoë ""Z""","O\'Brien, Jr."')


def test_fhir_refuses_other_resources_and_other_json(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    path.write_text(
        json.dumps(
            {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Observation"}}]}
        ),
        encoding="utf-8",
    )
    with pytest.raises(ImportFileError, match="Observation"):
        list(fhir_formats.read_patient_bundle(path))
    path.write_text('{"resourceType": "Patient"}', encoding="utf-8")
    with pytest.raises(ImportFileError, match="not a FHIR Bundle"):
        list(fhir_formats.read_patient_bundle(path))
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ImportFileError, match="not valid JSON"):
        list(fhir_formats.read_patient_bundle(path))


def test_fhir_appointment_statuses_survive_the_round_trip() -> None:
    base = dict.fromkeys(csv_formats.APPOINTMENT_HEADER, "")
    for status in (
        "scheduled",
        "checked_in",
        "completed",
        "cancelled",
        "late_cancelled",
        "no_show",
    ):
        row = {
            **base,
            "patient_email": "a@b.org",
            "clinician_username": "dr.x",
            "status": status,
            "start": "2031-01-01T09:00:00+01:00",
            "end": "2031-01-01T09:30:00+01:00",
            "appointment_type": "therapy",
            "virtual": "true",
            "location": "Room 1",
        }
        back = fhir_formats.appointment_row_from_fhir(fhir_formats.appointment_resource(row))
        assert back == row


def test_a_walk_in_appointment_names_its_patient_without_an_empty_identifier() -> None:
    row = {
        "patient_email": "",
        "clinician_username": "dr.x",
        "status": "scheduled",
        "start": "2031-01-01T09:00:00+01:00",
        "end": "2031-01-01T09:30:00+01:00",
        "appointment_type": "therapy",
        "virtual": "false",
        "location": "Room 1",
        "notes": "",
    }
    resource = fhir_formats.appointment_resource(row)
    patient = resource["participant"][0]["actor"]
    assert patient["type"] == "Patient" and "identifier" not in patient  # "" is not valid FHIR
    assert fhir_formats.appointment_row_from_fhir(resource)["patient_email"] == ""


def test_calendar_lines_are_folded_and_escaped() -> None:
    start = datetime(2031, 1, 1, 9, tzinfo=UTC)
    entry = CalendarEntry(
        uid="x@novamind",
        start=start,
        end=start.replace(hour=10),
        summary="Therapy: Siobhán Ní Bhriain-O'Connor, Jr.; with Dr. Þórdís Åberg " * 2,
        location="Room 1",
    )
    out = io.StringIO(newline="")
    assert write_calendar(out, [entry], start) == 1
    lines = out.getvalue().split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in lines)
    unfolded = out.getvalue().replace("\r\n ", "")
    assert "O'Connor\\, Jr.\\; with" in unfolded and "DTSTART:20310101T090000Z" in unfolded


def test_pg_tools_too_old_for_the_server_are_refused() -> None:
    with pytest.raises(BackupUnavailable, match="pg_dump version 99 or newer"):
        find_tool("pg_dump", 99)
    assert find_tool("pg_dump", 10).name == "pg_dump"


def test_pg_tools_come_from_the_chosen_folder_alone(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    real = find_tool("pg_dump", 10)
    monkeypatch.setenv(PG_BIN_VAR, str(real.parent))
    assert find_tool("pg_dump", 10) == real.parent / "pg_dump"
    monkeypatch.setenv(PG_BIN_VAR, str(tmp_path))  # no tools there: no falling back to PATH
    with pytest.raises(BackupUnavailable, match=f"none was found in {PG_BIN_VAR}"):
        find_tool("pg_dump", 10)
