"""Reading every patient for the in-memory search index: only the columns it shows.

At 100,000 patients the index is built after every sign-in, so this is the hottest read in
the application. It reads raw column values (no SQLAlchemy type processing per row), a
thousand rows at a time, opens each column of a chunk with one FieldCipher.decrypt_column
call and makes the index's own record (IndexedPatient), not a domain Patient. The rows are
read in the table's order and put in list_all's order (created_at, id) here, not by the
database (see _query). Every step is Python code or a short C call, so the GUI thread gets
the interpreter lock in between.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from datetime import date
from functools import partial
from itertools import filterfalse, islice, repeat
from operator import lt
from typing import Any
from uuid import UUID, SafeUUID, uuid4

from sqlalchemy import Dialect, Select, Text, cast, func, literal_column, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, Label
from sqlalchemy.types import NullType

from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.records import PatientRecord
from novamind_desktop.services.search_keys import sorted_pieces
from novamind_desktop.services.search_records import (
    IndexedPatient,
    IndexedPatients,
    release_in_pieces,
)

TABLE = "patients"
_FIELDS = ("first_name", "last_name", "date_of_birth", "phone", "email")
_CHUNK = 1000  # rows fetched and opened at a time (a few milliseconds of C each)


def _query(as_text: bool) -> Select[*tuple[Any, ...]]:
    """The columns as the driver returns them, no SQLAlchemy processing per row: the id as
    text (or a UUID), the sealed values, the flag, and created_at as text that sorts as the
    column does. With `as_text` (PostgreSQL) the id and the sealed values come as text:
    psycopg2's own conversions (a Python UUID() per row, an unescaped buffer per value) cost
    ten times more than bytes.fromhex on the hex here.

    No ORDER BY: the rows come in the table's own order and are put in (created_at, id)
    order in Python (_oldest_first). Sorting 100,000 rows with their sealed values made
    SQLite's read twice as long (a temporary B-tree of every row)."""
    t = PatientRecord.__table__.c
    row_id: Label[Any]
    created: ColumnElement[Any]
    if as_text:
        row_id = cast(t.id, Text).label("id")
        sealed = [func.encode(t[name], literal_column("'hex'")).label(name) for name in _FIELDS]
        # Fixed width, so text order is time order (as SQLite's stored text already is).
        utc = t.created_at.op("AT TIME ZONE")(literal_column("'UTC'"))
        created = func.to_char(utc, literal_column("'YYYY-MM-DD HH24:MI:SS.US'"))
    else:
        row_id = type_coerce(t.id, NullType()).label("id")
        sealed = [type_coerce(t[name], NullType()).label(name) for name in _FIELDS]
        created = type_coerce(t.created_at, NullType())
    active = type_coerce(t.active, NullType()).label("active")
    return select(row_id, *sealed, active, created.label("created_at"))


def read_index_patients(session: Session, cipher: FieldCipher) -> IndexedPatients:
    """Every patient in the order of PatientRepository.list_all (oldest first)."""
    connection = session.connection()  # the session's transaction
    dialect = connection.dialect
    as_text = dialect.name == "postgresql"
    patients = IndexedPatients()
    order: list[str] = []  # "created_at\0id" of each, as the database sorts them
    days = _Days()
    # The driver's own cursor, in that transaction: the rows as its plain tuples, with no
    # SQLAlchemy Row made per row (the query has no parameters and nothing to convert).
    cursor = connection.connection.cursor()
    try:
        cursor.execute(_sql(dialect, as_text))
        while rows := cursor.fetchmany(_CHUNK):
            patients += _open_chunk(rows, cipher, days, as_text, order)
    finally:
        cursor.close()
    return _oldest_first(patients, order)


_SQL: dict[str, str] = {}  # by dialect name


def _sql(dialect: Dialect, as_text: bool) -> str:
    sql = _SQL.get(dialect.name)
    if sql is None:
        sql = _SQL[dialect.name] = str(_query(as_text).compile(dialect=dialect))
    return sql


def _oldest_first(patients: IndexedPatients, order: list[str]) -> IndexedPatients:
    """The patients sorted by their `order` keys (unique: they end with the id). Rows written
    one after the other usually come in that order already (a check in C, in pieces);
    otherwise the keys are sample-sorted in pieces, so no C call holds the interpreter lock
    for long, and each patient is found again by key."""
    if _in_order(order):
        release_in_pieces(order)
        return patients
    by_key: dict[str, IndexedPatient] = {}
    for start in range(0, len(order), _CHUNK):
        pairs = zip(order[start : start + _CHUNK], patients[start : start + _CHUNK], strict=True)
        by_key.update(pairs)
    ordered = IndexedPatients()
    for piece in sorted_pieces(order):
        ordered += map(by_key.__getitem__, piece)
    release_in_pieces(order, by_key)
    return ordered


def _in_order(keys: list[str]) -> bool:
    for start in range(0, len(keys), _CHUNK):
        piece = keys[start : start + _CHUNK + 1]  # overlapping by one: each pair is looked at
        if not all(map(lt, piece, islice(piece, 1, None))):
            return False
    return True


def _open_chunk(
    rows: Sequence[Sequence[Any]],
    cipher: FieldCipher,
    days: _Days,
    as_text: bool,
    order: list[str],
) -> list[IndexedPatient]:
    stored_ids, *sealed, actives, created = zip(*rows, strict=True)
    order += map(_ORDER_KEY, zip(created, stored_ids, strict=True))
    ids, raws = _row_ids(stored_ids)
    first, last, born, phone, email = (
        cipher.decrypt_column(TABLE, name, raws, _from_hex(column) if as_text else column)
        for name, column in zip(_FIELDS, sealed, strict=True)
    )
    # C-level map()s over the chunk, no bytecode per row. Names, birth date and phone are
    # NOT NULL columns: decrypt_column gives a str for each.
    return list(
        map(
            _new_record,
            zip(
                ids,
                first,
                last,
                days.of(born),  # type: ignore[arg-type]
                phone,
                email,
                map(bool, actives),
                strict=True,
            ),
        )
    )


_new_record = partial(tuple.__new__, IndexedPatient)  # _make without its Python frame
_ORDER_KEY = "\x00".join  # of (created_at, id): sorts as ORDER BY created_at, id does


def _from_hex(column: Sequence[str | None]) -> list[bytes | None]:
    if None in column:
        return [None if value is None else bytes.fromhex(value) for value in column]
    return list(map(bytes.fromhex, column))  # type: ignore[arg-type]


class _Days(dict[str, date]):
    """date.fromisoformat, remembered: 100,000 patients share some 30,000 birthdays."""

    def of(self, texts: Sequence[str]) -> Iterator[date]:
        """The dates of `texts`, the new ones read in one C-level map (no frame per date)."""
        # Not set(texts).difference(self): for a dict subclass that walks all of self.
        new = list(filterfalse(self.__contains__, set(texts)))
        if new:
            self.update(zip(new, map(date.fromisoformat, new), strict=True))
        return map(self.__getitem__, texts)


def _row_ids(stored: Sequence[Any]) -> tuple[list[UUID], list[bytes]]:
    """The ids as UUIDs and as the 16 bytes the AAD binds (SQLite stores 32 hex digits;
    the PostgreSQL driver hands over UUIDs, or their text)."""
    if stored and isinstance(stored[0], UUID):
        return list(stored), [i.bytes for i in stored]
    if stored and len(stored[0]) != 32:  # "8-4-4-4-12" text
        stored = list(map(str.replace, stored, repeat("-"), repeat("")))
    raws = list(map(bytes.fromhex, stored))
    return _uuids(raws), raws


def _uuids_by_init(raws: list[bytes]) -> list[UUID]:
    return [UUID(bytes=raw) for raw in raws]


def _uuids_in_c(raws: list[bytes]) -> list[UUID]:
    """UUID(bytes=raw) for each, the way UUID.__init__ itself stores them (object.__setattr__
    of `int` and `is_safe`), but as C-level map()s: a sixth of the cost, no bytecode per id."""
    uuids = list(map(object.__new__, repeat(UUID, len(raws))))
    deque(map(object.__setattr__, uuids, repeat("int"), map(int.from_bytes, raws)), maxlen=0)
    deque(map(object.__setattr__, uuids, repeat("is_safe"), repeat(SafeUUID.unknown)), maxlen=0)
    return uuids


def _fast_uuids_work() -> bool:
    samples = [uuid4().bytes for _ in range(3)]
    made, expected = _uuids_in_c(samples), _uuids_by_init(samples)
    return all(
        (m == e, hash(m) == hash(e), str(m) == str(e), m.bytes == e.bytes, m.is_safe == e.is_safe)
        == (True,) * 5
        for m, e in zip(made, expected, strict=True)
    )


# Checked once at import: a Python whose UUID stores its value differently gets the plain way.
_uuids = _uuids_in_c if _fast_uuids_work() else _uuids_by_init
