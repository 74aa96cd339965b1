"""What the patient and the appointment import share: the rows they read, the report they
give back, the checks of a row's columns, and the chunk loop (ChunkedImport)."""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from itertools import islice
from typing import ClassVar, Generic, TypeVar
from uuid import UUID

from novamind_desktop.domain.errors import (
    DomainError,
    FieldError,
    StorageUnavailable,
    ValidationFailed,
)

Row = tuple[int, Mapping[str, str]]  # (line number in the file, column -> text)
Rows = Iterable[Row]
T = TypeVar("T")
Checked = TypeVar("Checked")


@dataclass(frozen=True)
class RefusedRow:
    line: int
    reason: str

    @classmethod
    def of(cls, line: int, refused: DomainError) -> RefusedRow:
        """The row refused for `refused`. A database that cannot be used is not the row's
        fault, and would refuse every row after it too: that stops the import instead
        (ChunkedImport.run), rather than a refusal per row, each waiting on the network."""
        if isinstance(refused, StorageUnavailable):
            raise refused
        return cls(line, str(refused))


@dataclass(frozen=True)
class Stopped:
    """The import stopped at `line` (the first row it could not write) for `reason`: nothing
    from there on was imported, unless `maybe_stored` (the connection went during a commit,
    so that unit of work's rows may be stored or not)."""

    line: int
    reason: str
    maybe_stored: bool = False


@dataclass
class ImportReport:
    accepted: int = 0
    already_present: int = 0
    refused: list[RefusedRow] = field(default_factory=list)
    stopped: Stopped | None = None

    @property
    def exit_status(self) -> int:
        """The command line's (DESIGN §6): 2 when it stopped before anything was done, 1
        when rows were refused or it stopped partway, 0 when every row is in."""
        if self.nothing_done:
            return 2
        return 1 if self.refused or self.stopped else 0

    @property
    def nothing_done(self) -> bool:
        """Stopped before anything was stored (or could have been) or refused."""
        return (
            self.stopped is not None
            and not self.stopped.maybe_stored
            and not (self.accepted or self.already_present or self.refused)
        )

    def add(self, outcomes: Iterable[Outcome | RefusedRow]) -> None:
        for outcome in outcomes:
            if isinstance(outcome, RefusedRow):
                self.refused.append(outcome)
            elif outcome is Outcome.ACCEPTED:
                self.accepted += 1
            else:
                self.already_present += 1


class Outcome(Enum):
    ACCEPTED = "accepted"
    PRESENT = "already present"


RowOutcome = Outcome | RefusedRow


class _StoppedAt(Exception):
    """The database went away at `line`, in a chunk imported row by row: `done` holds the
    outcomes of the rows before it (each committed on its own)."""

    def __init__(self, line: int, done: list[RowOutcome], lost: StorageUnavailable):
        super().__init__(line)
        self.line, self.done, self.lost = line, done, lost


class ChunkedImport(ABC, Generic[Checked]):
    """An import that writes a chunk of rows in one unit of work, and a chunk the database
    refuses again one row per unit of work, so every good row is still kept and every bad
    one reported with its line.

    An importer says what it checks of a chunk before any unit of work (`_check_chunk`;
    what that raises stops the import), how it writes the checked chunk (`_together`), and
    how it writes one row on its own (`_alone`).
    """

    # Named in the log line of a refused chunk, like "Patient import".
    KIND: ClassVar[str]
    CHUNK_ROWS: ClassVar[int]
    _log: ClassVar[logging.Logger]

    def run(self, rows: Rows, chunk_rows: int | None = None) -> ImportReport:
        """Every chunk, until the database cannot be used (StorageUnavailable): then the
        report says where it stopped, and what came before stays imported. Importing the file
        again later adds the rest (what is stored is recognised as already present)."""
        report = ImportReport()
        for chunk in chunks(rows, self.CHUNK_ROWS if chunk_rows is None else chunk_rows):
            try:
                report.add(self._chunk(chunk))
            except _StoppedAt as stop:  # the rows of the chunk before `line` are done
                report.add(stop.done)
                report.stopped = Stopped(stop.line, str(stop.lost), stop.lost.saving)
            except StorageUnavailable as lost:
                report.stopped = Stopped(chunk[0][0], str(lost), lost.saving)
            if report.stopped is not None:
                self._log.warning("%s stopped at line %d: the database cannot be used.",
                                  self.KIND, report.stopped.line)  # fmt: skip
                break
        return report

    def _chunk(self, chunk: list[Row]) -> list[RowOutcome]:
        checked = self._check_chunk(chunk)
        try:
            return self._together(checked)
        except StorageUnavailable:
            raise  # no row would fare better on its own
        except Exception as failure:  # whatever it was, each row gets a unit of work of its own
            self._log.warning(
                "%s: lines %d-%d failed together (%s); importing them one by one.",
                self.KIND,
                chunk[0][0],
                chunk[-1][0],
                type(failure).__name__,
            )
        done: list[RowOutcome] = []
        for line, row in chunk:
            try:
                done.append(self._alone(line, row))
            except StorageUnavailable as lost:  # the rows before it are committed
                raise _StoppedAt(line, done, lost) from lost
        return done

    @abstractmethod
    def _check_chunk(self, chunk: list[Row]) -> Checked:
        """What is decided of the chunk's rows before it is written (no unit of work)."""

    @abstractmethod
    def _together(self, checked: Checked) -> list[RowOutcome]:
        """The chunk in one unit of work; the outcome of each row, in file order."""

    @abstractmethod
    def _alone(self, line: int, row: Mapping[str, str]) -> RowOutcome:
        """The row in a unit of work of its own (a failed chunk's second try)."""


def invalid(column: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(column, message)])


def refuse_unknown_columns(row: Mapping[str, str], known: tuple[str, ...]) -> None:
    unknown = sorted(set(row) - set(known))
    if unknown:
        raise ValidationFailed([FieldError(column, "Unknown column.") for column in unknown])


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """`items` in lists of `size` (the last one shorter), read lazily."""
    source = iter(items)
    while chunk := list(islice(source, size)):
        yield chunk


def new_ids(count: int) -> list[UUID]:
    """`count` random UUIDs, version 4 as uuid4() makes them, from one os.urandom call.

    uuid4() draws its 16 bytes with a call of its own, and os.urandom lets go of the GIL and
    takes it back. A loop doing that every few dozen microseconds can keep a thread that waits
    for the GIL (the GUI's, while an import runs on the database worker) waiting for as long
    as the loop runs: it is woken at each release, loses the race back to the loop, and starts
    a new switch interval's wait (tens of milliseconds measured for a chunk of 500 rows).
    """
    raw = os.urandom(16 * count)
    return [UUID(bytes=raw[i : i + 16], version=4) for i in range(0, len(raw), 16)]
