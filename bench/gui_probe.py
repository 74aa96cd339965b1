"""Child process for the startup benchmarks: reports when a chosen window first paints.

    python -m bench.gui_probe bare            a bare QApplication showing an empty QMainWindow
    python -m bench.gui_probe app PATTERN     the real application (main.py), until a window
                                              whose class, object name or title matches PATTERN

It prints `SHOWN <class name>` on stdout at the window's first paint and exits at once. The
parent times from just before it starts this process to that line, so interpreter start-up,
imports and everything the application does before sign-in are all counted, identically for
both. The application is not modified: QApplication is replaced by a subclass that installs
an application-wide event filter.

In `app` mode the probe imports nothing of Qt itself: the subclass is installed the moment
the application first imports PySide6.QtWidgets. So the application imports its modules in
its own order, as when it is started by hand (PySide6 hooks every import made after it is
loaded, which would otherwise make all of the application's modules slower to import).
"""

from __future__ import annotations

import importlib.machinery
import os
import re
import runpy
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
QT_WIDGETS = "PySide6.QtWidgets"


def _first_paint_filter(pattern: str) -> Any:
    from PySide6 import QtWidgets
    from PySide6.QtCore import QEvent, QObject

    regex = re.compile(pattern, re.IGNORECASE)

    class FirstPaint(QObject):
        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if (
                event.type() == QEvent.Type.Paint
                and isinstance(obj, QtWidgets.QWidget)
                and obj.isWindow()
                and self._matches(obj)
            ):
                sys.stdout.write(f"SHOWN {obj.metaObject().className()}\n")
                sys.stdout.flush()
                os._exit(0)  # the measurement is over; skip the orderly shutdown
            return False

        def _matches(self, widget: QtWidgets.QWidget) -> bool:
            names = (widget.metaObject().className(), widget.objectName(), widget.windowTitle())
            return any(regex.search(n) for n in names)

    return FirstPaint()


def _install(widgets: ModuleType, pattern: str) -> None:
    base = widgets.QApplication

    class ProbedApplication(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object) -> None:
            super().__init__(*args)
            self._first_paint = _first_paint_filter(pattern)
            self.installEventFilter(self._first_paint)

    widgets.QApplication = ProbedApplication


class _PatchOnImport:
    """A meta path finder and loader (importlib.abc, not imported: it costs milliseconds):
    finds PySide6.QtWidgets as usual and installs the probe once it has loaded."""

    def __init__(self, pattern: str):
        self._pattern = pattern
        self._loader: Any = None

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != QT_WIDGETS:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        self._loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        sys.meta_path.remove(self)
        _install(module, self._pattern)


def bare() -> None:
    from PySide6 import QtWidgets

    _install(QtWidgets, "^QMainWindow$")
    app = QtWidgets.QApplication(sys.argv[:1])
    window = QtWidgets.QMainWindow()
    window.show()
    app.exec()


def application(pattern: str) -> None:
    sys.meta_path.insert(0, _PatchOnImport(pattern))
    sys.argv = [str(REPO / "main.py")]
    runpy.run_path(str(REPO / "main.py"), run_name="__main__")


if __name__ == "__main__":
    if sys.argv[1] == "bare":
        bare()
    else:
        application(sys.argv[2])
    sys.exit("the probed window never painted")
