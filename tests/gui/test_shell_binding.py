"""Guards against a Qt binding that miscounts references to None/True (PySide6 6.12.0 on
Python 3.11 returned them without a new reference from every void call and Signal.emit, and
the app aborted with "deallocating None" after a few thousand calls)."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QTimer, Signal


class _Probe(QObject):
    fired = Signal(int)


def test_void_calls_and_emits_keep_reference_counts(qapp):
    timer, probe = QTimer(), _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for i in range(500):
        timer.setInterval(5)
        probe.fired.emit(i)
    # Allow a little noise from the interpreter; the bug loses one reference per call.
    assert sys.getrefcount(None) - none_before > -50
    assert sys.getrefcount(True) - true_before > -50
