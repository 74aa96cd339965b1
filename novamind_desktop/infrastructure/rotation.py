"""Key rotation: re-encrypt every encrypted value under the current master key.

Runs in batches (one transaction each), so a crash or a cancel loses at most one batch and the
next run carries on: rows whose values are already under the current key are skipped. Each
row is updated only if its version is unchanged since it was read, so an edit made on another
workstation in the meantime is never overwritten (the row is picked up by the next pass).
When no value needs an old key any more, the database forgets the old keys' check values, so
it opens with the new key alone and no longer with an old one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, select, update

from novamind_desktop.domain.errors import KeyRotationStopped
from novamind_desktop.domain.maintenance import RotationReport
from novamind_desktop.domain.patients import normalise_email
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.records import TABLES_WITH_PHI, Base
from novamind_desktop.infrastructure.repositories.patients import EMAIL_INDEX_COLUMN
from novamind_desktop.infrastructure.storage_errors import storage_failure

log = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_PASSES = 5  # rows edited during a pass are retried; give up after a few busy passes

Progress = Callable[[int, int, str], None]


@dataclass
class _Tally:
    total: int
    scanned: int = 0
    reencrypted: int = 0
    skipped_busy: int = 0


def rows_needing_rotation(engine: Engine, cipher: FieldCipher) -> int:
    """How many rows still hold a value written under an old key (reads every row)."""
    count = 0
    with engine.connect() as conn:
        for table_name, columns in TABLES_WITH_PHI.items():
            table = Base.metadata.tables[table_name]
            for row in conn.execute(select(*[table.c[c] for c in columns])):
                count += any(cipher.needs_rotation(value) for value in row)
    return count


def rotate(
    engine: Engine,
    cipher: FieldCipher,
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    batch_size: int = BATCH_SIZE,
    on_complete: Callable[[Connection], None] | None = None,
) -> RotationReport:
    """Re-encrypt everything under cipher's current key.

    `on_complete` runs in one transaction once no row needs an old key (the key-check
    bookkeeping: forget the old keys). Cancelling returns a report with cancelled=True.
    """
    tally = _Tally(total=0)
    try:
        tally.total = _total_rows(engine)
        return _passes(engine, cipher, tally, progress, cancelled, batch_size, on_complete)
    except Exception as error:
        # Each batch commits on its own: what was done stays done, and a second run carries
        # on from there. A database gone away says so, with that count.
        failure = storage_failure(error, engine.dialect.name)
        if failure is None:
            raise
        raise KeyRotationStopped(tally.reencrypted, failure) from error


def _passes(
    engine: Engine,
    cipher: FieldCipher,
    tally: _Tally,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    batch_size: int,
    on_complete: Callable[[Connection], None] | None,
) -> RotationReport:
    for attempt in range(1, MAX_PASSES + 1):
        tally.scanned, tally.skipped_busy = 0, 0
        for table_name, columns in TABLES_WITH_PHI.items():
            table = Base.metadata.tables[table_name]
            if not _rotate_table(
                engine, cipher, table, columns, tally, progress, cancelled, batch_size
            ):
                log.info("key rotation cancelled after %d rows", tally.reencrypted)
                return RotationReport(tally.total, tally.reencrypted, cancelled=True)
        if tally.skipped_busy == 0:
            break
        log.info("key rotation pass %d: %d rows changed meanwhile", attempt, tally.skipped_busy)
    remaining = rows_needing_rotation(engine, cipher)
    if remaining:
        raise RuntimeError(f"{remaining} rows still need an old key after rotation")
    if on_complete is not None:
        with engine.begin() as conn:
            on_complete(conn)
    log.info("key rotation complete: %d of %d rows re-encrypted", tally.reencrypted, tally.total)
    return RotationReport(tally.total, tally.reencrypted)


def _total_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return sum(
            int(conn.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0)
            for name in TABLES_WITH_PHI
        )


def _rotate_table(
    engine: Engine,
    cipher: FieldCipher,
    table: Table,
    columns: Sequence[str],
    tally: _Tally,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
    batch_size: int,
) -> bool:
    """One pass over `table`; False if cancelled."""
    last_id: Any = None
    while True:
        if cancelled is not None and cancelled():
            return False
        with engine.begin() as conn:
            query = select(table.c.id, table.c.version, *[table.c[c] for c in columns])
            if last_id is not None:
                query = query.where(table.c.id > last_id)
            rows = conn.execute(query.order_by(table.c.id).limit(batch_size)).all()
            if not rows:
                return True
            for row in rows:
                _rotate_row(conn, cipher, table, columns, row, tally)
            last_id = rows[-1].id
        tally.scanned += len(rows)
        if progress is not None:
            progress(min(tally.scanned, tally.total), tally.total, table.name)


def _rotate_row(
    conn: Connection,
    cipher: FieldCipher,
    table: Table,
    columns: Sequence[str],
    row: Any,
    tally: _Tally,
) -> None:
    stored = {c: getattr(row, c) for c in columns}
    if not any(cipher.needs_rotation(v) for v in stored.values()):
        return
    plain = {c: cipher.decrypt(table.name, c, row.id, v) for c, v in stored.items()}
    values: dict[str, Any] = {c: cipher.encrypt(table.name, c, row.id, p) for c, p in plain.items()}
    if table.name == "patients":
        values.update(patient_lookups(cipher, plain))
    result = conn.execute(
        update(table).where(table.c.id == row.id, table.c.version == row.version).values(**values)
    )
    if result.rowcount == 1:
        tally.reencrypted += 1
    else:
        tally.skipped_busy += 1


def patient_lookups(cipher: FieldCipher, plain: dict[str, str | None]) -> dict[str, Any]:
    """The email blind index and date-of-birth bucket under the current key."""
    email = plain.get("email")
    dob = plain["date_of_birth"]
    assert dob is not None
    return {
        "email_index": cipher.blind_index(EMAIL_INDEX_COLUMN, normalise_email(email))
        if email
        else None,
        "dob_bucket": cipher.dob_bucket(date.fromisoformat(dob)),
    }
