"""The GUI start: the sign-in window shows before the database stack is imported.

The real program runs in a subprocess; when its sign-in window is shown (before the worker
has been given any job), the child reports which heavy modules are already loaded and exits.
"""

from __future__ import annotations

import json
import subprocess
import sys

from cli_runner import REPO, Cli

# Modules the sign-in window must not wait for: the database stack is imported on the
# worker while the window is up, the main window and its pages when someone signs in.
DEFERRED = (
    "sqlalchemy",
    "alembic",
    "psycopg2",
    "novamind_desktop.infrastructure.database",
    "novamind_desktop.services.registry",
    "novamind_desktop.ui.main_window",
    "novamind_desktop.ui.pages",
)

CHILD = """
import json, os, runpy, sys
from PySide6 import QtWidgets
from PySide6.QtCore import QEvent, QObject

DEFERRED = json.loads(sys.argv[1])

class Watch(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Show and type(obj).__name__ == "SignInDialog":
            loaded = [name for name in DEFERRED if name in sys.modules]
            print(json.dumps({"shown": obj.windowTitle(), "loaded": loaded}), flush=True)
            os._exit(0)
        return False

class WatchedApplication(QtWidgets.QApplication):
    def __init__(self, *args):
        super().__init__(*args)
        self._watch = Watch()
        self.installEventFilter(self._watch)

QtWidgets.QApplication = WatchedApplication
sys.argv = ["novamind-desktop", *sys.argv[2:]]
runpy.run_module("novamind_desktop", run_name="__main__")
"""


def _loaded_at_sign_in(cli: Cli, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(DEFERRED), *args],
        capture_output=True,
        text=True,
        env=cli.env,
        cwd=REPO,
        timeout=120,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and lines, done.stderr
    return json.loads(lines[-1])


def test_sign_in_shows_before_the_database_stack_is_imported(sqlite_cli):
    report = _loaded_at_sign_in(sqlite_cli)
    assert "Sign in" in str(report["shown"])
    assert report["loaded"] == []


def test_demo_sign_in_shows_before_the_database_stack_is_imported(sqlite_cli):
    report = _loaded_at_sign_in(sqlite_cli, "--demo")
    assert "Sign in" in str(report["shown"])
    assert report["loaded"] == []
