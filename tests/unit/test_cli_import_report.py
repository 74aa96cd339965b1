"""What `novamind-desktop import` prints and exits with when the database went away partway
(DESIGN §6: 1 when some rows were not imported but the accepted ones are committed, 2 when
nothing was done). The import itself is the service's (test_import_chunks.py); here its
report is given."""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from types import SimpleNamespace

import pytest

from novamind_desktop import cli_data
from novamind_desktop.domain.errors import StorageUnavailable
from novamind_desktop.services.import_rows import ImportReport, RefusedRow, Stopped

HEADER = (
    "first_name,last_name,date_of_birth,email,phone,address_line,city,postal_code,country,"
    "insurance_provider,insurance_member_id,emergency_contact_name,emergency_contact_phone"
)
LOST = str(StorageUnavailable("lost", where="Check the network connection"))


def _import(tmp_path, monkeypatch, report: ImportReport) -> int:
    path = tmp_path / "patients.csv"
    rows = [f"Ana,Núñez {n},1990-01-0{n},a{n}@example.org,600111222,,,,,,,," for n in range(1, 6)]
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    services = SimpleNamespace(imports=SimpleNamespace(import_patients=lambda actor, rows: report))

    @contextmanager
    def opened(environ):
        yield SimpleNamespace(services=services), None

    monkeypatch.setattr(cli_data, "opened", opened)
    return cli_data.import_file(argparse.Namespace(file=str(path), kind="patients"), {})


def test_an_import_stopped_partway_says_where_and_exits_1(tmp_path, monkeypatch, capsys):
    report = ImportReport(accepted=2, refused=[RefusedRow(3, "phone: Phone number is required.")])
    report.stopped = Stopped(5, LOST)
    assert _import(tmp_path, monkeypatch, report) == 1
    said = capsys.readouterr().err.splitlines()
    assert said == [
        "patients.csv line 3: phone: Phone number is required.",
        f"patients.csv line 5 and after: not imported. {LOST} Import the file again once the "
        "database can be used: what is stored by then is recognised as already present.",
        "Patients: 2 imported, 0 already present, 1 refused, stopped at line 5.",
    ]


def test_an_import_stopped_before_anything_was_stored_exits_2(tmp_path, monkeypatch, capsys):
    report = ImportReport(stopped=Stopped(2, LOST))
    assert _import(tmp_path, monkeypatch, report) == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "Patients: 0 imported, 0 already present, 0 refused, stopped at line 2."
    )


@pytest.mark.parametrize(("refused", "status"), [([], 0), ([RefusedRow(2, "x")], 1)])
def test_an_import_that_ran_to_the_end_exits_as_before(
    tmp_path, monkeypatch, capsys, refused, status
):
    assert _import(tmp_path, monkeypatch, ImportReport(accepted=4, refused=refused)) == status
    assert capsys.readouterr().err.splitlines()[-1].endswith(f"{len(refused)} refused.")


def test_a_commit_cut_off_says_perhaps_and_is_not_nothing_done(tmp_path, monkeypatch, capsys):
    report = ImportReport(stopped=Stopped(2, LOST, maybe_stored=True))
    assert _import(tmp_path, monkeypatch, report) == 1
    assert "patients.csv line 2 and after: perhaps not imported." in capsys.readouterr().err
