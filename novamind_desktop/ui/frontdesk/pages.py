"""The front-desk and clinician pages for one signed-in session, and the Ctrl+F shortcut."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from novamind_desktop.domain.users import Permission, Role, may
from novamind_desktop.ui.frontdesk.book_page import BOOK_KEY, AppointmentBookPage
from novamind_desktop.ui.frontdesk.hub import FrontDesk
from novamind_desktop.ui.frontdesk.search_page import PatientSearchPage
from novamind_desktop.ui.pages import Page, PageContext

PATIENTS_KEY = "patients"
MY_SCHEDULE_KEY = "my_schedule"
TWINS_KEY = "digital_twins"


def frontdesk_pages(context: PageContext) -> list[Page]:
    role = context.actor.role
    frontdesk = FrontDesk(context)
    # Owned by the window from the start (the main window's stack re-parents them): pages
    # hold Python reference cycles, and Qt objects must not be left to the cyclic collector.
    owner = context.window
    pages: list[Page] = []
    if role is Role.CLINICIAN:
        schedule = AppointmentBookPage(frontdesk, True, owner)
        pages.append(Page(MY_SCHEDULE_KEY, "My schedule", schedule))
    elif may(role, Permission.READ_APPOINTMENTS):
        book = AppointmentBookPage(frontdesk, False, owner)
        pages.append(Page(BOOK_KEY, "Appointment book", book))
    search: PatientSearchPage | None = None
    if may(role, Permission.READ_PATIENTS):
        search = PatientSearchPage(frontdesk, owner)
        pages.append(Page(PATIENTS_KEY, "Patients", search))
    if may(role, Permission.READ_TWINS):
        from novamind_desktop.ui.twins.twins_page import TwinsPage

        pages.append(Page(TWINS_KEY, "Digital twins", TwinsPage(frontdesk, owner)))
    for page in pages:
        page.widget.hide()
    if search is not None:
        _find_shortcut(context, search)
    _follow_window(context, frontdesk, pages)
    frontdesk.start()
    return pages


def _find_shortcut(context: PageContext, search: PatientSearchPage) -> QAction:
    """Ctrl+F from anywhere in the window jumps to the patient search box."""
    window = context.window
    action = QAction("Find patient", window)
    action.setObjectName("findPatientAction")
    action.setShortcut(QKeySequence.StandardKey.Find)

    def jump() -> None:
        show_page = getattr(window, "show_page", None)
        if show_page is not None:
            show_page(PATIENTS_KEY)
        search.focus_search()

    action.triggered.connect(jump)
    window.addAction(action)  # a window action, so the idle lock switches it off too
    return action


def _follow_window(context: PageContext, frontdesk: FrontDesk, pages: list[Page]) -> None:
    """Refresh after changes anywhere in the app; pause polling while the screen is locked."""
    window = context.window
    changed = getattr(window, "data_changed", None)
    if changed is not None:
        for page in pages:
            refresh = getattr(page.widget, "data_changed", None)
            if refresh is not None:
                changed.connect(refresh)
        # A booking changes a patient's "next appointment"; F5 asks for everything now.
        changed.connect(
            lambda topic: (
                frontdesk.directory.poll() if topic in ("refresh", "appointments") else None
            )
        )
    locked = getattr(window, "locked_changed", None)
    if locked is not None:
        # The shell covers every window while locked; the pages pause until the user is back.
        locked.connect(frontdesk.set_locked)
