"""Reading every patient for the in-memory search index: only the columns it shows.

At 100,000 patients the index is built after every sign-in, so this is the hottest read in
the application. It reads raw column values (no SQLAlchemy type processing per row), a
thousand rows at a time, opens each column of a chunk with one FieldCipher.decrypt_column
call and makes the index's own record (IndexedPatient), not a domain Patient. Every step is
Python code or a short C call, so the GUI thread gets the interpreter lock in between.

From HELPER_FROM patients on, a helper process (index_helper.py) opens some of the chunks
on the second core while this process opens the others: AES-GCM in `cryptography` holds the
interpreter lock, so a thread could not. This process still reads every row, in one query
and one snapshot, and hands the helper the sealed bytes of a chunk whenever it has room.
Measured at 100,000 patients on this 2-vCPU machine, that beat letting the helper read its
own share from the database: on SQLite the child's half would not have saved this process
anything (the sorted read of all rows 0.33-0.38 s, of half of them by id range 0.27-0.43 s;
LIMIT k or OFFSET k 1.4-1.6 s each, and even finding the middle key, ORDER BY ... LIMIT 1
OFFSET k, 0.45 s). On PostgreSQL half the rows come ~0.4 s sooner (0.31-0.36 s against
0.68-0.80), but the two sorted halves would need merging here (or the middle key found
first), the child a connection of its own (credentials over the pipe, psycopg2 imported)
and a snapshot of its own. With one read there is nothing to reconcile: the list is the
session's snapshot, its own uncommitted rows included, and the presenter's refresh
watermark (taken before the load starts) covers it exactly as before.
Below HELPER_FROM the process start (~70 ms to the first answer) costs more than it saves:
in-process 0.156 s against 0.181 s at 10,000, 0.279 against 0.237 s at 20,000 (medians of
7 alternating loads).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from datetime import date
from functools import partial
from itertools import filterfalse, repeat
from typing import Any
from uuid import UUID, SafeUUID, uuid4

from sqlalchemy import Dialect, Select, Text, cast, func, literal_column, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Label
from sqlalchemy.types import NullType

from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.records import PatientRecord
from novamind_desktop.infrastructure.repositories.index_helper import Answer, OpeningHelper
from novamind_desktop.services.search_records import IndexedPatient, IndexedPatients

TABLE = "patients"
_FIELDS = ("first_name", "last_name", "date_of_birth", "phone", "email")
_CHUNK = 1000  # rows fetched and opened at a time (a few milliseconds of C each)
# From this many patients a helper process opens part of the values (index_helper.py);
# 1 or less: always (tests), None: never.
HELPER_FROM: int | None = 20_000
# Where the helper is used. The bench's whole index build at 100,000 patients, alternating
# with and without it (a second core must be free for it to pay): SQLite 1.98-2.45 s
# against 2.26-3.11 (faster in 6 of 7 pairs; the load alone in 7 of 7); PostgreSQL faster in
# 7 of 9 pairs (e.g. 2.18/2.82 against 2.90/3.41 s). With every core busy (other benches
# running) it was slower on SQLite in 3 of 5 pairs.
HELPER_DIALECTS = ("sqlite", "postgresql")
# At the end, chunks the helper has not got to yet are opened here, not waited for (tests
# switch it off to make the helper open every chunk it was handed).
TAKE_BACK = True


def _query(as_text: bool) -> Select[*tuple[Any, ...]]:
    """The columns as the driver returns them, no SQLAlchemy processing per row: the id as
    text (or a UUID), the sealed values, the flag. With `as_text` (PostgreSQL) the id and the
    sealed values come as text: psycopg2's own conversions (a Python UUID() per row, an
    unescaped buffer per value) cost ten times more than bytes.fromhex on the hex here.

    The database sorts them (list_all's order). Reading them unsorted and sorting 100,000
    keys in Python instead cost more than it saved on both databases: the sort itself, and
    records made in the table's order and then put in order lie scattered in memory (the
    index build walked them ~15% slower), or raw rows decrypted in sorted order do.

    Nor did overlapping the sort with the decryption pay (measured at 100,000 patients): the
    rows read unsorted while a second connection, on a thread of its own, had the database
    sort only the ids (sent back as one aggregated text, so the threads do not trade the
    interpreter lock per row), each record then put in its place by id. SQLite's sort is
    short (~0.15-0.2 s) and the second query and the placing ate it; on PostgreSQL the rows arrived
    ~0.35 s sooner (the sort of the wide rows is an external merge there), but placing 100,000
    records by id (~0.15-0.2 s of dictionary lookups) left 0-0.4 s, under 0.15 s in half of
    the runs. With both cores busy the extra query made it slower."""
    t = PatientRecord.__table__.c
    if as_text:
        return _text_query()
    row_id = type_coerce(t.id, NullType()).label("id")
    sealed = [type_coerce(t[name], NullType()).label(name) for name in _FIELDS]
    active = type_coerce(t.active, NullType()).label("active")
    return select(row_id, *sealed, active).order_by(t.created_at, t.id)


def _text_query() -> Select[*tuple[Any, ...]]:
    """PostgreSQL: the stored rows sorted first, then the text made. Sorting the hex text
    (twice the bytes, made before the sort) took ~0.14 s longer at 100,000 patients (median
    of 8 alternating reads: 0.755 against 0.615 s). The outer ORDER BY keeps the order a
    guarantee; the planner sees the rows come sorted and sorts once."""
    t = PatientRecord.__table__.c
    stored = (
        select(t.id, *(t[name] for name in _FIELDS), t.active, t.created_at)
        .order_by(t.created_at, t.id)
        .subquery("stored")
    )
    s = stored.c
    row_id: Label[Any] = cast(s.id, Text).label("id")
    sealed = [func.encode(s[name], literal_column("'hex'")).label(name) for name in _FIELDS]
    active = type_coerce(s.active, NullType()).label("active")
    return select(row_id, *sealed, active).order_by(s.created_at, s.id)


def read_index_patients(session: Session, cipher: FieldCipher) -> IndexedPatients:
    """Every patient in the order of PatientRepository.list_all (oldest first)."""
    connection = session.connection()  # the session's transaction
    dialect = connection.dialect
    as_text = dialect.name == "postgresql"
    # The driver's own cursor, in that transaction: the rows as its plain tuples, with no
    # SQLAlchemy Row made per row (the query has no parameters and nothing to convert).
    cursor = connection.connection.cursor()
    helper: OpeningHelper | None = None
    try:
        if _worth_a_helper(
            cursor, dialect.name
        ):  # started first: it comes up while the database sorts
            helper = OpeningHelper.start(cipher, TABLE, _FIELDS)
        load = _Load(cipher, as_text, helper)
        cursor.execute(_sql(dialect, as_text))
        while rows := cursor.fetchmany(_CHUNK):
            load.add(rows)
        return load.finish()
    finally:
        cursor.close()
        if helper is not None:
            helper.close()  # killed if the load was abandoned; always waited for


def _worth_a_helper(cursor: Any, dialect: str) -> bool:
    if HELPER_FROM is None:
        return False
    if HELPER_FROM <= 1:  # forced (tests): on every database
        return True
    if dialect not in HELPER_DIALECTS:
        return False
    cursor.execute(f"SELECT count(*) FROM {TABLE}")  # a few milliseconds at 100,000
    (count,) = cursor.fetchone()
    return int(count) >= HELPER_FROM


class _Load:
    """One load's chunks in order: each opened here, or handed to the helper process while it
    has room and put in its place when it answers. Every chunk read from the one cursor: one
    snapshot, the session's own transaction, whatever the helper does."""

    def __init__(self, cipher: FieldCipher, as_text: bool, helper: OpeningHelper | None):
        self._cipher, self._as_text, self._helper = cipher, as_text, helper
        self._days = _Days()
        self._parts: list[list[IndexedPatient]] = []
        # (place in _parts, ids, active flags, the rows to open here if the helper will not)
        self._waiting: deque[tuple[int, list[UUID], Sequence[Any], Sequence[Any]]] = deque()

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        helper = self._helper
        if helper is not None:
            self._collect(helper, wait=False)
            if helper.has_room:
                stored_ids, *sealed, actives = zip(*rows, strict=True)
                ids, raws = row_ids(stored_ids)
                helper.send(raws, dict(zip(_FIELDS, sealed, strict=True)), self._as_text)
                self._waiting.append((len(self._parts), ids, actives, rows))
                self._parts.append([])
                return
        self._parts.append(_open_chunk(rows, self._cipher, self._days, self._as_text))

    def _collect(self, helper: OpeningHelper, wait: bool) -> None:
        while self._waiting:
            answer = helper.reply(wait)
            if answer is Answer.NOT_YET:
                return
            place, ids, actives, rows = self._waiting.popleft()
            if answer is None or answer is Answer.BROKEN:  # opened here (raises if tampered)
                self._parts[place] = _open_chunk(rows, self._cipher, self._days, self._as_text)
            else:
                self._parts[place] = _records(ids, answer, actives, self._days)

    def finish(self) -> IndexedPatients:
        if self._helper is not None and TAKE_BACK:
            self._take_back_or_wait(self._helper)
        elif self._helper is not None:
            self._collect(self._helper, wait=True)
        patients = IndexedPatients()
        for part in self._parts:
            patients += part
        return patients

    def _take_back_or_wait(self, helper: OpeningHelper) -> None:
        """The chunks still with the helper, from the last one back, opened here rather than
        waited for, but for the one it is on (once it is up and answering)."""
        while self._waiting:
            self._collect(helper, wait=False)
            if len(self._waiting) == 1 and helper.answered and not helper.broken:
                self._collect(helper, wait=True)
            elif self._waiting:
                helper.withdraw_last()
                place, _, _, rows = self._waiting.pop()
                self._parts[place] = _open_chunk(rows, self._cipher, self._days, self._as_text)


_SQL: dict[str, str] = {}  # by dialect name


def _sql(dialect: Dialect, as_text: bool) -> str:
    sql = _SQL.get(dialect.name)
    if sql is None:
        sql = _SQL[dialect.name] = str(_query(as_text).compile(dialect=dialect))
    return sql


def _open_chunk(
    rows: Sequence[Sequence[Any]], cipher: FieldCipher, days: _Days, as_text: bool
) -> list[IndexedPatient]:
    stored_ids, *sealed, actives = zip(*rows, strict=True)
    ids, raws = row_ids(stored_ids)
    opened = [
        cipher.decrypt_column(TABLE, name, raws, _from_hex(column) if as_text else column)
        for name, column in zip(_FIELDS, sealed, strict=True)
    ]
    return _records(ids, opened, actives, days)


def _records(
    ids: list[UUID], opened: list[list[str | None]], actives: Sequence[Any], days: _Days
) -> list[IndexedPatient]:
    first, last, born, phone, email = opened
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


def row_ids(stored: Sequence[Any]) -> tuple[list[UUID], list[bytes]]:
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
