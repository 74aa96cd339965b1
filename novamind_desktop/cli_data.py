"""`import`, `export` and `demo-data`: patients and appointments in and out of the clinic.

Import reads the whole file first (CSV or FHIR R4 Bundle), so a file-level problem (not UTF-8,
wrong header, not a Bundle) stops everything with exit status 2 before any row is stored.
Then the rows go in chunks, a transaction each (services/import_patients.py): refused rows
are reported on stderr with their line (or Bundle entry) number and reason, the others are
kept (exit status 1 if any was refused).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TextIO

from novamind_desktop.cli_commands import (
    EXIT_NOTHING_DONE,
    EXIT_OK,
    EXIT_ROWS_REFUSED,
    opened,
    progress_printer,
    say,
)
from novamind_desktop.infrastructure import csv_formats, fhir_formats
from novamind_desktop.infrastructure.csv_formats import EXTRA_CELLS, Row
from novamind_desktop.infrastructure.demo_clinic import DemoAccount


def _read_rows(kind: str, path: Path) -> tuple[list[tuple[int, Row]], str]:
    """All rows of the file and how to name a position in it ("line" or "entry")."""
    if fhir_formats.looks_like_json(path):
        reader = (
            fhir_formats.read_patient_bundle
            if kind == "patients"
            else fhir_formats.read_appointment_bundle
        )
        return list(reader(path)), "entry"
    reader = (
        csv_formats.read_patient_rows if kind == "patients" else csv_formats.read_appointment_rows
    )
    return list(reader(path)), "line"


def import_file(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from novamind_desktop.services.imports import ImportReport, RefusedRow

    path = Path(args.file)
    rows, position = _read_rows(args.kind, path)
    ragged = [
        RefusedRow(line, "the row has more cells than the header has columns.")
        for line, row in rows
        if EXTRA_CELLS in row
    ]
    good = [(line, row) for line, row in rows if EXTRA_CELLS not in row]
    with opened(environ) as (context, actor):
        imports = context.services.imports
        assert imports is not None
        run = imports.import_patients if args.kind == "patients" else imports.import_appointments
        report: ImportReport = run(actor, good)
    stopped = report.stopped
    refused = sorted([*report.refused, *ragged], key=lambda r: r.line)
    for row in refused:
        say(f"{path.name} {position} {row.line}: {row.reason}")
    if stopped is not None:
        perhaps = "perhaps " if stopped.maybe_stored else ""
        say(
            f"{path.name} {position} {stopped.line} and after: {perhaps}not imported. "
            f"{stopped.reason} Import the file again once the database can be used: what is "
            "stored by then is recognised as already present."
        )
    summary = (
        f"{args.kind.capitalize()}: {report.accepted} imported, "
        f"{report.already_present} already present, {len(refused)} refused"
        + (f", stopped at {position} {stopped.line}." if stopped is not None else ".")
    )
    say(summary)
    if report.exit_status == EXIT_OK and ragged:
        return EXIT_ROWS_REFUSED
    return report.exit_status


# --- export --------------------------------------------------------------------------------


def export(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from novamind_desktop.cli_export import (
        appointment_rows,
        patient_rows,
        walk_in_note,
        write_export,
    )

    if args.format == "ics" and args.kind == "patients":
        say("Patients cannot be exported as a calendar; use --format csv or fhir.")
        return EXIT_NOTHING_DONE
    with opened(environ) as (context, actor):
        if args.kind == "patients":
            rows = patient_rows(context, actor, args.format)
        else:
            rows = appointment_rows(context, actor, args.format)
        with _destination(args.out) as out:
            count = write_export(out, args.kind, args.format, rows, context)
    say(f"Exported {count} {args.kind}" + (f" to {args.out}." if args.out else "."))
    note = walk_in_note(args.kind, args.format, rows)
    if note:
        say(note)
    return EXIT_OK


@contextlib.contextmanager
def _destination(out: str | None) -> Iterator[TextIO]:
    """stdout, or a file written in full before it replaces any file of that name."""
    if out is None:
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            yield stream
        finally:
            stream.flush()
            stream.detach()
        return
    target = Path(out)
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(partial, target)
    except FileNotFoundError:
        raise _export_error(f"The folder {target.parent} does not exist.") from None
    finally:
        partial.unlink(missing_ok=True)


def _export_error(message: str) -> Exception:
    from novamind_desktop.domain.errors import DomainError

    return DomainError(f"{message} Nothing was exported.")


# --- demo data -----------------------------------------------------------------------------


def demo_data(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from novamind_desktop.infrastructure.demo_data import DemoRequest, build_demo_clinic
    from novamind_desktop.infrastructure.passwords import ScryptPasswordHasher

    request = DemoRequest(patients=args.patients, appointments=args.appointments, seed=args.seed)
    with opened(environ) as (context, actor):
        summary = build_demo_clinic(
            context.uow_factory,
            context.cipher,
            ScryptPasswordHasher(),
            context.services.clock,
            context.settings.clinic_timezone,
            request,
            actor=actor,
            progress=progress_printer("Generating"),
        )
    print(
        f"Added {summary.patients} patients, {summary.appointments} appointments and "
        f"{summary.twins} digital twins (seed {args.seed})."
    )
    _print_accounts(summary.accounts)
    return EXIT_OK


def _print_accounts(accounts: Iterable[DemoAccount]) -> None:
    new = [a for a in accounts if a.password]
    if new:
        print("New staff accounts (write the passwords down; they are not shown again):")
        for account in new:
            print(f"  {account.username} ({account.role.value}): {account.password}")
