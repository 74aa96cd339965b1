"""What every repository shares: sealing PHI to its row, and turning flush errors into
domain errors inside a savepoint (so the unit of work stays usable after a refused write)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from novamind_desktop.domain.errors import StaleRecord
from novamind_desktop.infrastructure.crypto import FieldCipher


class RowSealer:
    """Encrypts and decrypts the PHI columns of one table, each value bound to its row id."""

    def __init__(self, cipher: FieldCipher, table: str):
        self.cipher = cipher
        self.table = table

    def seal(self, column: str, row_id: UUID, value: str) -> bytes:
        sealed = self.cipher.encrypt(self.table, column, row_id, value)
        assert sealed is not None
        return sealed

    def seal_optional(self, column: str, row_id: UUID, value: str | None) -> bytes | None:
        return self.cipher.encrypt(self.table, column, row_id, value)

    def open(self, column: str, row_id: UUID, blob: bytes | None) -> str:
        """The plaintext; an absent value reads as ""."""
        return self.cipher.decrypt(self.table, column, row_id, blob) or ""

    def open_optional(self, column: str, row_id: UUID, blob: bytes | None) -> str | None:
        return self.cipher.decrypt(self.table, column, row_id, blob)


@contextmanager
def guarded_write(session: Session, what: str, ident: UUID) -> Iterator[None]:
    """Run the block and flush it in a savepoint.

    An optimistic-lock conflict becomes StaleRecord. IntegrityError is re-raised for the
    caller to translate; either way only the savepoint is rolled back.
    """
    try:
        with session.begin_nested():
            yield
    except StaleDataError:
        raise StaleRecord(what, ident) from None


def constraint_name(error: IntegrityError) -> str:
    """The violated constraint's name on PostgreSQL, else the driver message (SQLite names
    the table.column in it, e.g. "UNIQUE constraint failed: patients.email_index")."""
    original = error.orig
    diag = getattr(original, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return name or str(original)


def sqlstate(error: IntegrityError) -> str | None:
    return getattr(error.orig, "pgcode", None)
