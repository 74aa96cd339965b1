"""E2E fixtures: the command line on a temp SQLite file, or on a fresh database of the suite's
PostgreSQL server (tests/conftest.py starts it), each with its own key and log file."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runner import Cli, base_environment


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Cli:
    url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    env = base_environment(tmp_path)
    env["DATABASE_URL"] = url
    return Cli(url, tmp_path, env)


@pytest.fixture
def pg_cli(pg_url: str, tmp_path: Path) -> Cli:
    """The command line on a fresh PostgreSQL database only (for PostgreSQL-only behaviour)."""
    env = base_environment(tmp_path)
    env["DATABASE_URL"] = pg_url
    return Cli(pg_url, tmp_path, env)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Cli:
    """The command line on a fresh SQLite file, then on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
    env = base_environment(tmp_path)
    env["DATABASE_URL"] = url
    return Cli(url, tmp_path, env)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
