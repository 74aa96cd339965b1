"""What the patient and the appointment import share: the rows they read, the report they
give back, and the checks of a row's columns."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from itertools import islice
from typing import TypeVar

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
