"""Bulk writing of pre-sealed rows: the work that can be parallel is done in the workers.

A worker turns row dicts into what the driver takes directly: for SQLite, parameter tuples
already passed through each column's SQLAlchemy bind processor (UUID as hex, UTC datetimes
made naive as records.UtcDateTime does), written with one Core executemany per chunk; for
PostgreSQL, a COPY text block. The main process only writes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, LargeBinary, Table, create_engine
from sqlalchemy.engine import Dialect

Prepared = list[tuple[Any, ...]] | str


@cache
def _dialect(backend: str) -> Dialect:
    url = "sqlite://" if backend == "sqlite" else "postgresql+psycopg2://bench@localhost/bench"
    return create_engine(url).dialect


def prepare(table: Table, backend: str, rows: Sequence[dict[str, Any]]) -> Prepared:
    """Rows in the form `write` needs for `backend` ("sqlite" or "postgresql")."""
    if backend == "postgresql":
        return copy_text(table, rows)
    dialect = _dialect(backend)
    # sqlite3 takes bytes as they are (its processor would make an unpicklable memoryview).
    steps = [
        (
            column.key,
            None
            if isinstance(column.type, LargeBinary)
            else column.type.dialect_impl(dialect).bind_processor(dialect),
        )
        for column in table.columns
    ]
    steps = [(key, _memoised(process) if process else None) for key, process in steps]
    return [
        tuple(process(row[key]) if process else row[key] for key, process in steps) for row in rows
    ]


def _memoised(process: Any) -> Any:
    """Timestamps repeat a lot (every appointment starts on the hour): convert each once."""
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = converted = process(value)
            return converted
        except TypeError:  # unhashable
            return process(value)

    return convert


def write(connection: Connection, table: Table, prepared: Prepared) -> None:
    if isinstance(prepared, str):
        raw = connection.connection.dbapi_connection
        assert raw is not None
        names = ", ".join(f'"{c.name}"' for c in table.columns)
        with raw.cursor() as cursor:
            cursor.copy_expert(f"COPY {table.name} ({names}) FROM STDIN", io.StringIO(prepared))
        return
    columns = ", ".join(f'"{c.name}"' for c in table.columns)
    marks = ", ".join("?" for _ in table.columns)
    sql = f"INSERT INTO {table.name} ({columns}) VALUES ({marks})"
    connection.exec_driver_sql(sql, prepared)


def copy_text(table: Table, rows: Sequence[dict[str, Any]]) -> str:
    keys = [column.key for column in table.columns]
    lines = ["\t".join(_copy_value(row[key]) for key in keys) for row in rows]
    return "\n".join(lines) + "\n"


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    if isinstance(value, datetime | date | UUID):
        return value.isoformat() if not isinstance(value, UUID) else str(value)
    return str(value).translate(_ESCAPES)
