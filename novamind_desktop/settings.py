"""Everything NOVAMIND reads from the environment, read once at start-up.

Parsing the settings never touches the disk or the network, so a bad variable is reported
before anything exists. Key material stays out of repr() and therefore out of logs.
Standard library only (and cheap to import): the command line imports this for every command.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DATABASE_URL_VAR = "DATABASE_URL"
CLINIC_TZ_VAR = "NOVAMIND_CLINIC_TIMEZONE"
IDLE_LOCK_VAR = "NOVAMIND_IDLE_LOCK_MINUTES"
LOG_LEVEL_VAR = "NOVAMIND_LOG_LEVEL"
LOG_FILE_VAR = "NOVAMIND_LOG_FILE"
BACKUP_DIR_VAR = "NOVAMIND_BACKUP_DIR"
KEY_VARS = (
    "NOVAMIND_ENCRYPTION_KEY",
    "NOVAMIND_ENCRYPTION_PASSWORD",
    "NOVAMIND_ENCRYPTION_SALT",
    "NOVAMIND_PREVIOUS_ENCRYPTION_KEYS",
)
APP_DIR_NAME = "novamind-desktop"
DEFAULT_IDLE_LOCK_MINUTES = 10
_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class StartupError(Exception):
    """Start-up cannot go on. str() is one sentence saying what to set or check."""

    exit_code = 2


class ConfigurationError(StartupError):
    """An environment variable holds an unusable value; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    """The environment, parsed. Build with Settings.from_environ(os.environ)."""

    database_url: str  # "" means the default SQLite file in the user data folder
    key_environment: Mapping[str, str] = field(repr=False)  # the NOVAMIND_*KEY* variables
    clinic_timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    idle_lock_minutes: int = DEFAULT_IDLE_LOCK_MINUTES
    log_level: int = logging.INFO
    log_file: Path | None = None
    backup_dir: Path | None = None  # None: a "backups" folder next to the data
    os_user: str = "unknown"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        return cls(
            database_url=environ.get(DATABASE_URL_VAR, "").strip(),
            key_environment={k: environ[k] for k in KEY_VARS if k in environ},
            clinic_timezone=_zone(environ),
            idle_lock_minutes=_idle_minutes(environ),
            log_level=_log_level(environ),
            log_file=_log_file(environ),
            backup_dir=_path(environ, BACKUP_DIR_VAR),
            os_user=_os_user(environ),
        )


def _zone(environ: Mapping[str, str]) -> ZoneInfo:
    name = environ.get(CLINIC_TZ_VAR, "").strip()
    if not name:
        return system_zone(environ)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f"{CLINIC_TZ_VAR} is set to an unknown time zone; use a name such as "
            "Europe/Berlin or America/New_York."
        ) from None


def system_zone(environ: Mapping[str, str]) -> ZoneInfo:
    """The machine's IANA zone (TZ, /etc/localtime, /etc/timezone), else UTC."""
    candidates = [environ.get("TZ", "").lstrip(":")]
    target = os.path.realpath("/etc/localtime")
    if "zoneinfo/" in target:
        candidates.append(target.split("zoneinfo/", 1)[1])
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def _idle_minutes(environ: Mapping[str, str]) -> int:
    text = environ.get(IDLE_LOCK_VAR, "").strip()
    if not text:
        return DEFAULT_IDLE_LOCK_MINUTES
    if not text.isdigit() or not 1 <= int(text) <= 240:
        raise ConfigurationError(
            f"{IDLE_LOCK_VAR} must be a whole number of minutes between 1 and 240."
        )
    return int(text)


def _log_level(environ: Mapping[str, str]) -> int:
    text = environ.get(LOG_LEVEL_VAR, "").strip().upper() or "INFO"
    if text not in _LEVELS:
        raise ConfigurationError(f"{LOG_LEVEL_VAR} must be one of {', '.join(_LEVELS)}.")
    return int(getattr(logging, text))


def _path(environ: Mapping[str, str], variable: str) -> Path | None:
    text = environ.get(variable, "").strip()
    return Path(text).expanduser() if text else None


def _log_file(environ: Mapping[str, str]) -> Path | None:
    explicit = _path(environ, LOG_FILE_VAR)
    if explicit is not None:
        return explicit
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_DIR_NAME, appauthor=False)) / "novamind.log"


def _os_user(environ: Mapping[str, str]) -> str:
    for name in ("USER", "USERNAME", "LOGNAME"):
        if environ.get(name):
            return environ[name]
    try:
        import getpass

        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return "unknown"
