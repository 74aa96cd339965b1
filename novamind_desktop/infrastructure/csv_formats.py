"""Patient and appointment CSV files (DESIGN §6): exact headers, UTF-8, per-line rows.

Reading yields `(line_number, row)` pairs: the line number is where the record starts in the
file (the header is line 1), so a refused row can be named precisely even when a quoted field
spans several lines. Writing uses the same header, so an export imports back unchanged,
except an appointment of a patient with no email address (its patient_email is empty: the
file names patients by email; cli_export.walk_in_note says so when exporting).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TextIO

from novamind_desktop.domain.errors import DomainError
from novamind_desktop.services.import_appointments import APPOINTMENT_FIELDS

PATIENT_HEADER: tuple[str, ...] = (
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "address_line",
    "city",
    "postal_code",
    "country",
    "insurance_provider",
    "insurance_member_id",
    "emergency_contact_name",
    "emergency_contact_phone",
)

# The columns the appointment import reads, in the order an export writes them.
APPOINTMENT_HEADER: tuple[str, ...] = APPOINTMENT_FIELDS

Row = dict[str, str]
# Key under which a row with more cells than the header keeps the surplus (see _row).
EXTRA_CELLS = "__extra_cells__"


class ImportFileError(DomainError):
    """The file as a whole cannot be imported. str() is one sentence naming the problem."""


def read_text(path: Path) -> str:
    """The file's text; refuses anything that is not UTF-8 (a byte-order mark is allowed)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a folder, not a file.") from None
    except OSError as exc:
        raise ImportFileError(f"{path} cannot be read ({exc.strerror}).") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"{path} is not UTF-8 text (first invalid byte on line {line}); "
            'save it as UTF-8 ("CSV UTF-8" in spreadsheet programs) and import it again.'
        ) from None


def _check_header(path: Path, found: list[str], expected: tuple[str, ...]) -> None:
    names = [name.strip() for name in found]
    unknown = [name for name in names if name not in expected]
    missing = [name for name in expected if name not in names]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    problems = []
    if unknown:
        problems.append("unknown column(s) " + ", ".join(repr(n) for n in unknown))
    if missing:
        problems.append("missing column(s) " + ", ".join(missing))
    if duplicated:
        problems.append("repeated column(s) " + ", ".join(duplicated))
    if problems:
        raise ImportFileError(
            f"{path} does not have the expected header ({'; '.join(problems)}). "
            f"The first line must be: {','.join(expected)}"
        )


def _rows(path: Path, expected: tuple[str, ...]) -> Iterator[tuple[int, Row]]:
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportFileError(f"{path} is empty; the first line must be the header.")
        _check_header(path, header, expected)
        names = [name.strip() for name in header]
        start = reader.line_num + 1
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # blank lines are harmless
            yield line, _row(names, cells)
    except csv.Error as exc:
        raise ImportFileError(
            f"{path} is not valid CSV near line {reader.line_num} ({exc})."
        ) from None


def _row(names: list[str], cells: list[str]) -> Row:
    # A short row leaves the trailing fields empty; a long row keeps the surplus under a key
    # no field has, so the use case can refuse that one row with a reason.
    row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(names)}
    if len(cells) > len(names):
        row[EXTRA_CELLS] = ",".join(cells[len(names) :])
    return row


def read_patient_rows(path: Path) -> Iterator[tuple[int, Row]]:
    """The data rows of a patient CSV; raises ImportFileError before the first row if the
    file as a whole is unusable (not UTF-8, wrong header)."""
    return _checked(path, PATIENT_HEADER)


def read_appointment_rows(path: Path) -> Iterator[tuple[int, Row]]:
    return _checked(path, APPOINTMENT_HEADER)


def _checked(path: Path, expected: tuple[str, ...]) -> Iterator[tuple[int, Row]]:
    # Read the whole file now, so a file-level problem surfaces before any row is imported.
    rows = list(_rows(path, expected))
    return iter(rows)


def write_rows(out: TextIO, header: tuple[str, ...], rows: Iterable[Row]) -> int:
    """Write the header and rows (missing fields empty); returns the number of rows."""
    writer = csv.DictWriter(out, fieldnames=list(header), lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({name: row.get(name, "") for name in header})
        count += 1
    return count


def write_patients(out: TextIO, rows: Iterable[Row]) -> int:
    return write_rows(out, PATIENT_HEADER, rows)


def write_appointments(out: TextIO, rows: Iterable[Row]) -> int:
    return write_rows(out, APPOINTMENT_HEADER, rows)
