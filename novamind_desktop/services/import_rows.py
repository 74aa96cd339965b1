"""What the patient and the appointment import share: the rows they read, the report they
give back, and the checks of a row's columns."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from itertools import islice
from typing import TypeVar
from uuid import UUID

from novamind_desktop.domain.errors import FieldError, ValidationFailed

Rows = Iterable[tuple[int, Mapping[str, str]]]  # (line number in the file, column -> text)
T = TypeVar("T")


@dataclass(frozen=True)
class RefusedRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    accepted: int = 0
    already_present: int = 0
    refused: list[RefusedRow] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """The command line's: 0 when every row was accepted (or already there), 1 otherwise."""
        return 1 if self.refused else 0

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
