"""Runs the real command line (`python -m novamind_desktop`) in a subprocess with its own
environment: a fresh key, a log file the tests read back, a backup folder."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from novamind_desktop.infrastructure.keys import KEY_VAR, generate_key

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def __repr__(self) -> str:  # readable assertion failures
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


@dataclass
class Cli:
    """The command line against one database; `env` can be changed between runs."""

    url: str
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    # How the program is started; the console script and main.py are the same program.
    program: tuple[str, ...] = (sys.executable, "-m", "novamind_desktop")

    @property
    def log_file(self) -> Path:
        return Path(self.env["NOVAMIND_LOG_FILE"])

    @property
    def sqlite_file(self) -> Path | None:
        prefix = "sqlite:///"
        return Path(self.url[len(prefix) :]) if self.url.startswith(prefix) else None

    def __call__(
        self, *args: str, stdin: str | None = None, env: Mapping[str, str | None] | None = None
    ) -> Result:
        run_env = {**self.env}
        for name, value in (env or {}).items():
            if value is None:
                run_env.pop(name, None)
            else:
                run_env[name] = value
        done = subprocess.run(
            [*self.program, *args],
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=run_env,
            cwd=self.workdir,
            timeout=300,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, stdin: str | None = None) -> Result:
        result = self(*args, stdin=stdin)
        assert result.returncode == 0, result
        assert "Traceback" not in result.stderr, result
        return result

    def logs(self) -> str:
        return self.log_file.read_text(encoding="utf-8") if self.log_file.exists() else ""


def base_environment(tmp_path: Path) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "USER")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "PYTHONIOENCODING": "utf-8",
            "QT_QPA_PLATFORM": "offscreen",
            KEY_VAR: generate_key(),
            "NOVAMIND_LOG_FILE": str(tmp_path / "logs" / "novamind.log"),
            "NOVAMIND_LOG_LEVEL": "DEBUG",
            "NOVAMIND_BACKUP_DIR": str(tmp_path / "backups"),
            "NOVAMIND_CLINIC_TIMEZONE": "Europe/Berlin",
            "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
        }
    )
    return env
