"""Fixtures for the GUI tests: a real task runner, screenshots, a temporary QSettings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

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
        assert widget.grab().save(str(path)), f"could not save {path}"
        return path

    return save


@pytest.fixture
def qsettings(tmp_path) -> QSettings:
    """Window geometry and last page go to a temporary INI file, never the user's settings."""
    return QSettings(str(tmp_path / "novamind-test.ini"), QSettings.Format.IniFormat)
