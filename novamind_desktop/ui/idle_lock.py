"""Idle auto-lock: after N minutes without keyboard or mouse input the window locks.

`IdleWatcher` is an application-wide event filter that restarts a timer on every input
event. `LockScreen` is what the main window shows instead of its pages while locked: only the
signed-in user's password (checked on the worker) opens it again, or the user signs out.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from novamind_desktop.domain.users import Actor, User
from novamind_desktop.presenters.sign_in import Accounts, UnlockPresenter
from novamind_desktop.presenters.tasks import TaskRunner
from novamind_desktop.ui.sign_in import error_label, label

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class IdleWatcher(QObject):
    """Emits `idle` once the application saw no input for `interval_ms`."""

    idle = Signal()

    def __init__(self, interval_ms: int, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self, singleShot=True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.idle)
        app = QApplication.instance()
        assert app is not None, "IdleWatcher needs a QApplication"
        app.installEventFilter(self)

    @classmethod
    def minutes(cls, minutes: int, parent: QObject | None = None) -> IdleWatcher:
        return cls(minutes * 60_000, parent)

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT_EVENTS and self._timer.isActive():
            self._timer.start()  # restart: the countdown begins again from now
        return False

    def remove(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._timer.stop()


class LockScreen(QWidget):
    """Covers the pages while locked. Emits unlocked() or sign_out_requested()."""

    unlocked_signal = Signal()
    sign_out_requested = Signal()

    def __init__(
        self,
        user: User,
        users: Accounts,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.restore_size: tuple[QSize, QSize, QSize] | None = None  # see WindowLock
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("password")
        self.password.returnPressed.connect(self._submit)
        self.error = error_label()
        self.unlock_button = QPushButton("Unlock")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self._submit)
        self.sign_out_button = QPushButton("Sign out")
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        self._build(user, self.sign_out_button)
        self.presenter = UnlockPresenter(self, users, runner, Actor.of(user))

    def _build(self, user: User, sign_out: QPushButton) -> None:
        card = QFrame()
        card.setObjectName("lockCard")
        card.setFixedWidth(440)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(24, 24, 24, 24)
        inner.setSpacing(12)
        inner.addWidget(label("NOVAMIND is locked", "dialogTitle"))
        inner.addWidget(
            label(
                f"Locked after a period without use. {user.display_name} "
                f"({user.username}), enter your password to continue."
            )
        )
        inner.addWidget(self.password)
        inner.addWidget(self.error)
        row = QHBoxLayout()
        row.addWidget(sign_out)
        row.addStretch()
        row.addWidget(self.unlock_button)
        inner.addLayout(row)
        # Stretches rather than an alignment flag: word-wrapped labels need the full width
        # to work out their height.
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(card)
        row.addStretch()
        outer = QVBoxLayout(self)
        outer.addStretch()
        outer.addLayout(row)
        outer.addStretch()

    def event(self, event: QEvent) -> bool:
        # Keys typed on a cover stop here: Return must not also press the default button of
        # the dialog beneath (Book, OK), Escape must not close it, Alt+S must not save it.
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        event.accept()

    def prepare(self) -> None:
        """Called each time the lock comes on."""
        self.password.clear()
        self.show_error("")
        self.set_busy(False)
        self.password.setFocus()

    def _submit(self) -> None:
        if self.unlock_button.isEnabled():
            self.presenter.unlock(self.password.text())

    # UnlockView
    def show_error(self, message: str) -> None:
        self.error.setText(message)

    def set_busy(self, busy: bool) -> None:
        self.unlock_button.setEnabled(not busy)

    def clear_password(self) -> None:
        self.password.clear()

    def unlocked(self) -> None:
        self.unlocked_signal.emit()


class WindowLock(QObject):
    """Locks every window of the session at once.

    The main window swaps its pages for a LockScreen (`show_lock(bool)`); every other open
    window (a patient dialog, say) gets a LockScreen laid over it, so unsaved edits survive
    and nothing stays readable. Modal dialogs block the main window, so each cover can
    unlock on its own; unlocking any of them unlocks all. A window that appears while locked
    (an error from a job that finished after the lock, say) is covered as it is shown, before
    it is drawn; a window too small for the lock card grows until the unlock.
    """

    locked_changed = Signal(bool)
    sign_out_requested = Signal()

    def __init__(
        self,
        main_window: QWidget,
        show_lock: Callable[[bool], None],
        make_screen: Callable[[QWidget | None], LockScreen],
        watcher: IdleWatcher,
    ):
        super().__init__(main_window)
        self._main = main_window
        self._show_lock = show_lock
        self._make_screen = make_screen
        self._covers: list[LockScreen] = []
        self.locked = False
        self.watcher = watcher
        watcher.idle.connect(self.lock)

    def lock(self) -> None:
        if self.locked:
            return
        self.locked = True
        self.watcher.stop()
        for window in QApplication.topLevelWidgets():
            if window.isVisible() and self._needs_cover(window):
                self._cover(window)
        QApplication.instance().installEventFilter(self)  # windows shown while locked
        self._show_lock(True)
        self.locked_changed.emit(True)

    def _cover(self, window: QWidget) -> None:
        screen = self._make_screen(window)
        screen.setGeometry(window.rect())
        screen.unlocked_signal.connect(self.unlock)
        screen.sign_out_requested.connect(self.sign_out_requested)
        window.installEventFilter(self)
        screen.show()
        screen.raise_()
        screen.prepare()
        self._covers.append(screen)
        # After the window's own showEvent (a QMessageBox fixes its size there).
        QTimer.singleShot(0, screen, lambda: self._make_room(screen))

    def _needs_cover(self, window: QWidget) -> bool:
        return (
            window.isWindow()
            and window is not self._main
            and not _is_popup(window)
            and not any(isValid(c) and c.parentWidget() is window for c in self._covers)
        )

    def _make_room(self, screen: LockScreen) -> None:
        """Grows the covered window until the lock card fits; the unlock shrinks it back."""
        window = screen.parentWidget()
        need = (screen.minimumSizeHint() + QSize(0, 24)).expandedTo(window.size())
        if not self.locked or need == window.size():
            return
        screen.restore_size = (window.minimumSize(), window.maximumSize(), window.size())
        window.setMaximumSize(window.maximumSize().expandedTo(need))
        window.setMinimumSize(need)
        window.resize(need)

    def _grown(self, window: QObject) -> bool:
        return any(
            isValid(c) and c.parentWidget() is window and c.restore_size is not None
            for c in self._covers
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Hide and watched is self._main and not event.spontaneous():
            QApplication.instance().removeEventFilter(self)  # the session ended while locked
        elif (
            kind == QEvent.Type.Show
            and self.locked
            and self._main.isVisible()
            and isinstance(watched, QWidget)
            and self._needs_cover(watched)
        ):
            self._cover(watched)
        elif kind == QEvent.Type.LayoutRequest and self._grown(watched):
            return True  # a QMessageBox would shrink back to its text while covered
        elif kind == QEvent.Type.Resize and isinstance(watched, QWidget):
            for cover in self._covers:
                if isValid(cover) and cover.parentWidget() is watched:
                    cover.setGeometry(watched.rect())
        return False

    def unlock(self) -> None:
        if not self.locked:
            return
        self.locked = False
        QApplication.instance().removeEventFilter(self)
        for cover in self._covers:
            if isValid(cover):  # its window may have been closed and deleted meanwhile
                _uncover(cover, self)
        self._covers.clear()
        self._show_lock(False)
        self.watcher.start()
        self.locked_changed.emit(False)


def _uncover(cover: LockScreen, lock: WindowLock) -> None:
    window = cover.parentWidget()
    if window is not None:
        window.removeEventFilter(lock)
        if cover.restore_size is not None:
            minimum, maximum, size = cover.restore_size
            window.setMinimumSize(minimum)
            window.setMaximumSize(maximum)
            window.resize(size)
            QApplication.postEvent(window, QEvent(QEvent.Type.LayoutRequest))
    cover.hide()
    cover.deleteLater()


def _is_popup(window: QWidget) -> bool:
    return window.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip)
