"""Child process for the startup benchmarks: reports when a chosen window first paints.

    python -m bench.gui_probe bare            a bare QApplication showing an empty QMainWindow
    python -m bench.gui_probe app PATTERN     the real application (main.py), until a window
                                              whose class, object name or title matches PATTERN

It prints `SHOWN <class name>` on stdout at the window's first paint and exits at once. The
parent times from just before it starts this process to that line, so interpreter start-up,
imports and everything the application does before sign-in are all counted, identically for
both. The application is not modified: QApplication is replaced by a subclass that installs
an application-wide event filter before main.py imports it.
"""

from __future__ import annotations

import os
import re
import runpy
import sys
from pathlib import Path

from PySide6 import QtWidgets
from PySide6.QtCore import QEvent, QObject

REPO = Path(__file__).resolve().parent.parent


class FirstPaint(QObject):
    def __init__(self, pattern: str):
        super().__init__()
        self._pattern = re.compile(pattern, re.IGNORECASE)

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
        return any(self._pattern.search(n) for n in names)


def _install(pattern: str) -> None:
    base = QtWidgets.QApplication

    class ProbedApplication(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object) -> None:
            super().__init__(*args)
            self._first_paint = FirstPaint(pattern)
            self.installEventFilter(self._first_paint)

    QtWidgets.QApplication = ProbedApplication  # type: ignore[misc]


def bare() -> None:
    _install("^QMainWindow$")
    app = QtWidgets.QApplication(sys.argv[:1])
    window = QtWidgets.QMainWindow()
    window.show()
    app.exec()


def application(pattern: str) -> None:
    _install(pattern)
    sys.argv = [str(REPO / "main.py")]
    runpy.run_path(str(REPO / "main.py"), run_name="__main__")


if __name__ == "__main__":
    if sys.argv[1] == "bare":
        bare()
    else:
        application(sys.argv[2])
    sys.exit("the probed window never painted")
