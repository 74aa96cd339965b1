"""The pages of the main window and which roles see them.

The main window asks `role_pages` for the pages of the signed-in user's role and shows them
in its navigation. Each feature area (front desk, twins) contributes its pages here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QMainWindow, QWidget

from novamind_desktop.domain.users import Actor
from novamind_desktop.presenters.tasks import TaskRunner
from novamind_desktop.services.registry import AppServices


@dataclass(frozen=True)
class PageContext:
    services: AppServices
    runner: TaskRunner
    actor: Actor
    window: QMainWindow
    # Called after any job that changed data, so every page can refresh (Anki's
    # "operation did execute" hook).
    notify_changed: Callable[[str], None]


@dataclass(frozen=True)
class Page:
    key: str  # stable id, remembered in QSettings as the last view
    title: str
    widget: QWidget
    shortcut: str = ""  # e.g. "Ctrl+1"


def role_pages(context: PageContext) -> list[Page]:
    """Pages for context.actor's role, in navigation order. Wired by the feature areas.

    Front desk: Appointment book, Patients. Clinician: My schedule, Patients (read-only),
    Digital twins. Admin: all of them (the Admin menu is the main window's).
    """
    from novamind_desktop.ui.frontdesk.pages import frontdesk_pages

    return frontdesk_pages(context)
