"""Fixtures for the GUI tests: a real task runner, screenshots, a temporary QSettings, and
`workstation`: the real AppContext that bootstrap builds (real migrations, keys, services)
on a temporary SQLite file, with an admin, a front-desk and a clinician account."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QWidget

from novamind_desktop.ui.style import apply_style
from novamind_desktop.ui.worker import QtTaskRunner

# Before pytest-qt creates the QApplication: GUI tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.gui)
            # The offscreen platform cannot size windows natively and says so on every dialog.
            item.add_marker(
                pytest.mark.qt_log_ignore(
                    "does not support propagateSizeHints", "This plugin does not support raise"
                )
            )


@pytest.fixture(autouse=True, scope="session")
def _styled_app(qapp) -> None:
    """Screens are tested (and photographed) with the application's own style."""
    apply_style(qapp)


class RecordingRunner(QtTaskRunner):
    """The real runner; failures it would show in a dialog are collected in `errors`."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        super().__init__(show_error=self.errors.append)


@pytest.fixture
def task_runner(qtbot) -> Iterator[RecordingRunner]:
    runner = RecordingRunner()
    yield runner
    runner.shutdown()


@pytest.fixture
def screenshot():
    """screenshot(widget, name) saves widget.grab() to tests/artifacts/name.png."""
    ARTIFACTS.mkdir(exist_ok=True)

    def save(widget: QWidget, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        # What the person would see: pending layout requests are handled before Qt paints,
        # but grab() renders at once (a toolbar once showed mid-relayout, overlapping).
        for _ in range(3):
            QApplication.sendPostedEvents()
            QApplication.processEvents()
        assert widget.grab().save(str(path)), f"could not save {path}"
        return path

    return save


@pytest.fixture
def qsettings(tmp_path) -> QSettings:
    """Window geometry and last page go to a temporary INI file, never the user's settings."""
    return QSettings(str(tmp_path / "novamind-test.ini"), QSettings.Format.IniFormat)


# --- a real clinic database, opened the way the application opens it ----------------------


def _staff() -> dict[str, tuple[str, Any, str]]:
    from novamind_desktop.domain.users import Role

    return {
        "admin": ("Ada Admin", Role.ADMIN, "admin's own password"),
        "desk": ("Dee Desk", Role.FRONTDESK, "front desk password"),
        "doc": ("Dr Cleo Clinician", Role.CLINICIAN, "clinician password"),
    }


@dataclass
class Workstation:
    """One running copy of NOVAMIND: its AppContext (context.services, database_admin …)."""

    context: Any
    users: dict[str, Any] = field(default_factory=dict)

    @property
    def services(self) -> Any:
        return self.context.services

    def password(self, username: str) -> str:
        return _staff()[username][2]


def clinic_settings(tmp_path: Path, database: Path, key_environ: dict[str, str]) -> Any:
    from novamind_desktop.settings import Settings

    environ = {
        **key_environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "NOVAMIND_LOG_FILE": str(tmp_path / "logs" / "novamind.log"),
        "NOVAMIND_BACKUP_DIR": str(tmp_path / "backups"),
        "NOVAMIND_CLINIC_TIMEZONE": "Europe/London",
        "USER": "tests",
    }
    return Settings.from_environ(environ)


def _add_staff(station: Workstation) -> None:
    from novamind_desktop.domain.users import Actor

    users = station.services.users
    people = _staff()
    name, _, password = people["admin"]
    admin = users.create_first_admin("admin", name, password)
    station.users["admin"] = admin
    for username in ("desk", "doc"):
        name, role, password = people[username]
        station.users[username] = users.add_user(Actor.of(admin), username, name, role, password)


@pytest.fixture
def workstation(tmp_path, key_environ) -> Iterator[Callable[..., Workstation]]:
    """workstation(revision="head", staff=True): build an AppContext on the test's clinic file.

    The first call creates the file (migrated to `revision`: "0001" gives a database one
    migration behind) and, with staff, the three accounts. Later calls open the same file
    again, as a second workstation would.
    """
    from novamind_desktop.bootstrap import build_context
    from novamind_desktop.infrastructure import migrations

    database = tmp_path / "clinic.sqlite3"
    opened: list[Workstation] = []

    def open_station(revision: str = "head", staff: bool = True) -> Workstation:
        first = not database.exists()
        if first and revision != "head":
            migrations.upgrade(f"sqlite:///{database}", revision)
        context = build_context(clinic_settings(tmp_path, database, key_environ))
        station = Workstation(context)
        if first and staff:
            _add_staff(station)
        elif opened:
            station.users = opened[0].users
        opened.append(station)
        return station

    yield open_station
    for station in opened:
        station.context.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def clinic_url(request: pytest.FixtureRequest) -> str | None:
    """Where the front-desk clinic lives: None for one workstation's SQLite file in the
    test's folder, else an empty database on the test PostgreSQL server (shared desks)."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("pg_url")
        return url
    return None
