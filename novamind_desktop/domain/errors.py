"""Errors a person can cause or act on. Messages never contain PHI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from uuid import UUID


class DomainError(Exception):
    """Base of every error the services raise on purpose; str() is a sentence for the user."""


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ValidationFailed(DomainError):
    """One or more fields of a form or import row are invalid."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))

    def for_field(self, name: str) -> str | None:
        return next((e.message for e in self.errors if e.field == name), None)


class NotFound(DomainError):
    def __init__(self, what: str, ident: UUID | str):
        self.what = what
        self.ident = ident
        super().__init__(f"No {what} with id {ident}.")


class PermissionDenied(DomainError):
    def __init__(self, role: str, action: str):
        self.role = role
        self.action = action
        super().__init__(f"A {role} user may not {action}.")


class StaleRecord(DomainError):
    """Another workstation saved the record since it was loaded (optimistic lock)."""

    def __init__(self, what: str, ident: UUID):
        self.what = what
        self.ident = ident
        super().__init__(
            f"This {what} was changed on another workstation since you opened it. "
            "Reload it and apply your change again."
        )


class DuplicateEmail(DomainError):
    def __init__(self) -> None:
        super().__init__("Another patient already has this email address.")


@dataclass
class SlotTaken(DomainError):
    """The clinician already has a booking that overlaps the requested time."""

    clinician_id: UUID
    start: datetime
    end: datetime
    conflicting_ids: list[UUID] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"The clinician is already booked between {self.start:%H:%M} and "
            f"{self.end:%H:%M} on {self.start:%Y-%m-%d}."
        )


class BookBusy(DomainError):
    """Another workstation kept this clinician's book longer than a change waits for it."""

    def __init__(self, clinician_id: UUID):
        self.clinician_id = clinician_id
        super().__init__(
            "Another workstation is still saving this clinician's appointments, so nothing "
            "was saved. Please try again in a moment."
        )


class StorageUnavailable(DomainError):
    """The database could not be used: the connection to it was lost (or never made), it was
    too busy, or the server refused the connection. `saving`: the connection went while a
    change was being committed, so whether it was stored is not known. The sentence names no
    record and no data."""

    def __init__(
        self, kind: Literal["lost", "busy", "refused"], saving: bool = False, where: str = ""
    ):
        self.kind = kind
        self.saving = saving
        if kind == "refused":
            text = (
                "The database server refused this workstation's connection (its user name, "
                "password or access rules may have changed), so this was not done. Please ask "
                "an administrator."
            )
        elif kind == "busy":
            text = (
                "The database is too busy at the moment (other workstations or programs are "
                "using it), so this was not done. Please try again in a moment."
            )
        elif saving:
            text = (
                "The connection to the database was lost while saving, so it is not known "
                "whether the change was stored. Reload to check before trying again."
            )
        else:
            text = (
                "The connection to the database was lost, so this was not done. "
                f"{where or 'Check that the database can be reached'}, then try again; the "
                "app reconnects by itself."
            )
        super().__init__(text)


class KeyRotationStopped(DomainError):
    """Key rotation stopped partway because the database could not be used. The rows done
    stay done (each batch is committed); running it again carries on."""

    def __init__(self, rows_done: int, cause: StorageUnavailable):
        self.rows_done = rows_done
        self.cause = cause
        problem = {
            "lost": "the connection to the database was lost",
            "busy": "the database was too busy",
            "refused": "the database server refused the connection",
        }[cause.kind]
        super().__init__(
            f"Key rotation stopped after re-encrypting {rows_done} rows: {problem}. Those rows "
            "are done; run the rotation again once the database can be used, and it carries "
            "on where it stopped."
        )


class InvalidTransition(DomainError):
    def __init__(self, current: str, target: str):
        super().__init__(f"An appointment that is {current} cannot become {target}.")


class AuthenticationFailed(DomainError):
    def __init__(self) -> None:
        super().__init__("Unknown user name or wrong password.")


class AccountLocked(DomainError):
    def __init__(self, until: datetime):
        self.until = until
        super().__init__(
            f"Too many failed sign-ins. The account is locked until {until:%H:%M} (UTC)."
        )
