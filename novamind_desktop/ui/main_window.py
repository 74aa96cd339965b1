"""The main window: navigation over the role's pages, menus, status bar and the idle lock.

Hooks for the pages (they get this window as PageContext.window):
- `data_changed(str)`: emitted after any job that changed data (PageContext.notify_changed),
  so every page can refresh (Anki's "operation did execute").
- `locked_changed(bool)`: the idle lock came on / went off (pause polling, drop caches).
- `show_page(key)`: switch to another page, e.g. open the book from a patient.
- Window-wide shortcuts: `addAction(action)` on the window (Ctrl+F is the patient search's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from novamind_desktop.domain.users import User
from novamind_desktop.presenters.main_window import (
    ROLE_LABELS,
    MainWindowPresenter,
    busy_text,
    status_text,
    window_title,
)
from novamind_desktop.ui.idle_lock import IdleWatcher, LockScreen, WindowLock
from novamind_desktop.ui.pages import Page, PageContext, role_pages
from novamind_desktop.ui.sign_in import label
from novamind_desktop.ui.style import icon
from novamind_desktop.ui.worker import QtTaskRunner, show_error_dialog

if TYPE_CHECKING:
    from novamind_desktop.ui.admin.menu import AdminMenu

PageFactory = Callable[[PageContext], list[Page]]
_PAGE_ICONS = (("patient", "patients"), ("book", "calendar"), ("appointment", "calendar"))
_PAGE_ICONS += (("schedule", "schedule"), ("day", "schedule"), ("twin", "twin"))


def page_icon(key: str) -> str:
    return next((name for word, name in _PAGE_ICONS if word in key.lower()), "about")


class MainWindow(QMainWindow):
    data_changed = Signal(str)
    locked_changed = Signal(bool)
    session_ended = Signal()  # the user signed out: the app shows the sign-in dialog again
    # The window was closed (File → Quit, its close button) and the sign-out recorded: the
    # app ends.
    quit_requested = Signal()

    def __init__(
        self,
        services: Any,
        runner: QtTaskRunner,
        user: User,
        *,
        database_label: str,
        settings: QSettings,
        demo: bool = False,
        idle_lock_ms: int = 10 * 60_000,
        pages: PageFactory = role_pages,
    ):
        super().__init__()
        self.services, self.runner, self.user = services, runner, user
        self.demo = demo
        self._settings = settings
        self._enabled_before_lock: list[QAction] = []
        # How the session ends: None while it lasts, then "sign_out" or "quit". Either way
        # the sign-out is recorded in the audit log before the app moves on.
        self._ending: str | None = None
        self._recorded = False  # the sign-out is in the audit log (or could not be written)
        self.presenter = MainWindowPresenter(self, services.users, runner, user)
        self.setWindowIcon(icon("logo"))
        self.setMinimumSize(QSize(960, 600))
        context = PageContext(services, runner, self.presenter.actor, self, self.notify_changed)
        self.pages: list[Page] = pages(context)
        self._build_workspace(database_label)
        self.admin = _admin_menu(self) if self.presenter.admin_menu.visible else None
        self._build_menus()
        self.lock = WindowLock(
            self,
            self._show_lock,
            lambda parent: self._lock_screen(parent),
            IdleWatcher(idle_lock_ms, self),
        )
        self.lock.locked_changed.connect(self.locked_changed)
        self.lock.sign_out_requested.connect(self.sign_out)
        self.lock_screen.unlocked_signal.connect(self.lock.unlock)
        self.lock_screen.sign_out_requested.connect(self.sign_out)
        self._restore()
        self.lock.watcher.start()

    # -- building -------------------------------------------------------------------------
    def _build_workspace(self, database_label: str) -> None:
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setIconSize(QSize(22, 22))
        self.navigation.setFixedWidth(200)
        self.stack = QStackedWidget()
        for page in self.pages:
            item = QListWidgetItem(icon(page_icon(page.key)), page.title)
            item.setToolTip(f"{page.title} ({page.shortcut})" if page.shortcut else page.title)
            self.navigation.addItem(item)
            self.stack.addWidget(page.widget)
        if not self.pages:
            self.stack.addWidget(self._empty_page())
        self.navigation.currentRowChanged.connect(self._page_chosen)
        workspace = QWidget()
        row = _hbox(workspace)
        row.addWidget(self.navigation)
        row.addWidget(self.stack, 1)
        self.lock_screen = self._lock_screen(None)
        self.screens = QStackedWidget()
        self.screens.addWidget(workspace)
        self.screens.addWidget(self.lock_screen)
        self.setCentralWidget(self.screens)
        self._build_status_bar(database_label)

    def _lock_screen(self, parent: QWidget | None) -> LockScreen:
        return LockScreen(self.user, self.services.users, self.runner, parent)

    def _empty_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(label(f"Welcome, {self.user.display_name}", "pageTitle"))
        text = "Nothing to show for your role yet."
        if self.presenter.admin_menu.visible:
            text = "Use the Admin menu to manage users, the audit log and the database."
        layout.addWidget(label(text, "hint"))
        layout.addStretch()
        return page

    def _build_status_bar(self, database_label: str) -> None:
        bar = self.statusBar()
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setFixedWidth(90)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.busy_label = QLabel(busy_text(0))
        who, role, database = status_text(self.user, database_label)
        self.user_label, self.role_label = QLabel(who), QLabel(role)
        self.database_label = QLabel(database)
        self.database_label.setToolTip(database)
        metrics = self.database_label.fontMetrics()
        self.database_label.setText(metrics.elidedText(database, Qt.TextElideMode.ElideMiddle, 360))
        for widget in (self.busy_bar, self.busy_label, self.user_label, self.role_label):
            bar.addPermanentWidget(widget)
        bar.addPermanentWidget(self.database_label)
        self.runner.busy_changed.connect(self._busy)
        self._busy(self.runner.busy)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self.lock_action = _action(self, "&Lock now", "Ctrl+L", "lock", self.lock_now)
        self.sign_out_action = _action(self, "Sign &out", "Ctrl+Shift+L", "sign_out", self.sign_out)
        file.addActions([self.lock_action, self.sign_out_action])
        file.addSeparator()
        file.addAction(_action(self, "&Quit", "Ctrl+Q", "quit", self.close))
        view = bar.addMenu("&View")
        self.page_actions: list[QAction] = []
        for index, page in enumerate(self.pages):
            shortcut = page.shortcut or (f"Ctrl+{index + 1}" if index < 9 else "")
            act = _action(self, page.title, shortcut, page_icon(page.key), None)
            act.triggered.connect(lambda _=False, i=index: self.navigation.setCurrentRow(i))
            view.addAction(act)
            self.page_actions.append(act)
        view.addSeparator()
        view.addAction(_action(self, "&Refresh", "F5", "refresh", self._refresh_all))
        if self.admin is not None:
            bar.addMenu(self.admin.menu)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(_action(self, "&Keyboard shortcuts", "F1", "about", self._shortcuts))
        help_menu.addAction(_action(self, "&About NOVAMIND", "", "logo", self._about))

    # -- hooks for pages --------------------------------------------------------------------
    def notify_changed(self, what: str) -> None:
        self.data_changed.emit(what)

    def show_page(self, key: str) -> bool:
        for index, page in enumerate(self.pages):
            if page.key == key:
                self.navigation.setCurrentRow(index)
                return True
        return False

    def current_page(self) -> Page | None:
        row = self.navigation.currentRow()
        return self.pages[row] if 0 <= row < len(self.pages) else None

    # -- behaviour --------------------------------------------------------------------------
    def _page_chosen(self, row: int) -> None:
        if 0 <= row < len(self.pages):
            self.stack.setCurrentIndex(row)
            self.setWindowTitle(window_title(self.pages[row].title, self.demo))
            self._settings.setValue(self._last_page_key(), self.pages[row].key)

    def _busy(self, jobs: int) -> None:
        self.busy_bar.setVisible(jobs > 0)
        self.busy_label.setText(busy_text(jobs))

    def _refresh_all(self) -> None:
        self.notify_changed("refresh")

    def lock_now(self) -> None:
        self.lock.lock()

    def _show_lock(self, locked: bool) -> None:
        self.screens.setCurrentIndex(1 if locked else 0)
        self.menuBar().setEnabled(not locked)
        # Every shortcut of the window (the pages' too) is off while locked.
        if locked:
            self._enabled_before_lock = [a for a in self.findChildren(QAction) if a.isEnabled()]
            for act in self._enabled_before_lock:
                act.setEnabled(False)
            self.lock_screen.prepare()
        else:
            for act in self._enabled_before_lock:
                act.setEnabled(True)
            self._enabled_before_lock = []

    def sign_out(self) -> None:
        if self._ending is not None:
            return
        self._ending = "sign_out"
        self.sign_out_action.setEnabled(False)
        self.presenter.sign_out()

    # MainWindowView
    def signed_out(self) -> None:
        for window in QApplication.topLevelWidgets():
            if window is not self and window.isVisible() and window.isWindow():
                window.close()
        self._recorded = True
        self.close()
        if self._ending == "quit":  # closed while the sign-out was being recorded
            self.quit_requested.emit()
        else:
            self.session_ended.emit()

    def ready_to_quit(self) -> None:
        self.quit_requested.emit()

    def show_error(self, message: str) -> None:
        show_error_dialog(message)

    # -- settings -----------------------------------------------------------------------------
    def _last_page_key(self) -> str:
        return f"main_window/last_page/{self.user.role.value}"

    def _restore(self) -> None:
        geometry = self._settings.value("main_window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 720)
        last = self._settings.value(self._last_page_key())
        if not (isinstance(last, str) and self.show_page(last)) and self.pages:
            self.navigation.setCurrentRow(0)
        if not self.pages:
            self.setWindowTitle(window_title("", self.demo))

    def closeEvent(self, event: QCloseEvent) -> None:
        self._settings.setValue("main_window/geometry", self.saveGeometry())
        self._settings.sync()
        self.lock.watcher.remove()
        super().closeEvent(event)
        if self._ending is None:
            # Quit ends the session like Sign out: recorded first, then quit_requested.
            self._ending = "quit"
            self.presenter.quit()
        elif self._ending == "sign_out" and not self._recorded:
            # Closed while Sign out was being recorded: quit once it is, rather than show
            # the sign-in dialog again.
            self._ending = "quit"

    # -- help -----------------------------------------------------------------------------------
    def _shortcuts(self) -> None:
        lines = [
            f"<tr><td><b>{a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}</b>"
            f"</td><td>{a.text().replace('&', '')}</td></tr>"
            for a in self.findChildren(QAction)
            if not a.shortcut().isEmpty()
        ]
        box = QMessageBox(self)
        box.setWindowTitle("Keyboard shortcuts")
        box.setText("<table cellspacing=6>" + "".join(sorted(set(lines))) + "</table>")
        box.open()

    def _about(self) -> None:
        role = ROLE_LABELS[self.user.role]
        box = QMessageBox(self)
        box.setWindowTitle("About NOVAMIND Desktop")
        box.setText(
            "<b>NOVAMIND Desktop</b><br>Clinic administration for a mental-health practice."
            f"<br><br>Signed in as {self.user.display_name} ({role})."
            "<br>Every patient field is stored encrypted."
        )
        box.open()


def _action(
    parent: QWidget,
    text: str,
    shortcut: str | QKeySequence.StandardKey,
    icon_name: str,
    slot: Callable[[], None] | None,
) -> QAction:
    act = QAction(icon(icon_name), text, parent)
    if shortcut:
        act.setShortcut(QKeySequence(shortcut))
    if slot is not None:
        act.triggered.connect(lambda _=False: slot())
    parent.addAction(act)  # shortcuts work even while the menu bar is hidden
    return act


def _hbox(widget: QWidget) -> QHBoxLayout:
    layout = QHBoxLayout(widget)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    return layout


def _admin_menu(window: MainWindow) -> AdminMenu:
    from novamind_desktop.ui.admin.menu import AdminMenu

    return AdminMenu(window, window.presenter.admin_menu)
