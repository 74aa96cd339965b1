"""A small real clinic for the front-desk GUI tests: a migrated SQLite file, the real services,
three clinicians, a handful of patients and Monday's book. No fakes below the UI."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QStackedWidget

from novamind_desktop.domain.appointments import Appointment
from novamind_desktop.domain.patients import Patient
from novamind_desktop.domain.twins import DigitalTwin
from novamind_desktop.domain.users import Actor, Role, User
from novamind_desktop.infrastructure import migrations
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.database import make_engine
from novamind_desktop.infrastructure.demo_twins import twin_documents
from novamind_desktop.infrastructure.key_check import verify_key
from novamind_desktop.infrastructure.keys import KEY_VAR, generate_key, load_keyring
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory
from novamind_desktop.services.appointments import BookingRequest
from novamind_desktop.services.registry import AppServices, build_app_services
from novamind_desktop.ui.pages import Page, PageContext

CLINIC_TZ = ZoneInfo("Europe/London")
MONDAY = date(2030, 3, 4)
# 08:55 on a Monday, the moment the front desk opens the book.
OPENING_TIME = datetime(2030, 3, 4, 8, 55, tzinfo=UTC)

PATIENTS: tuple[dict[str, str], ...] = (
    {"first_name": "Jürgen", "last_name": "Müller", "date_of_birth": "1984-03-27",
     "phone": "+49 151 2345 6789", "email": "j.mueller@example.de"},
    {"first_name": "Siobhán", "last_name": "O'Brien", "date_of_birth": "1990-01-02",
     "phone": "01632 960123"},
    {"first_name": "Søren", "last_name": "Ødegaard", "date_of_birth": "1975-11-30",
     "phone": "+45 20 12 34 56", "email": "soren@example.dk"},
    {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1969-12-10",
     "phone": "020 7946 0018"},
    {"first_name": "Zoë", "last_name": "Adams", "date_of_birth": "2001-05-05",
     "phone": "07700 900123", "email": "zoe.adams@example.org"},
)  # fmt: skip


class Clock:
    def __init__(self, now: datetime):
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@dataclass
class Clinic:
    services: AppServices
    uow: Any
    clock: Clock
    clinicians: list[User]
    desk: Actor
    desk_user: User
    patients: dict[str, Patient] = field(default_factory=dict)
    booked: list[Appointment] = field(default_factory=list)

    def patient(self, last_name: str) -> Patient:
        return self.patients[last_name]

    def at(self, hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CLINIC_TZ)

    def book(
        self, last_name: str, clinician: int, hour: int, minute: int = 0, **kw: Any
    ) -> Appointment:
        day = kw.pop("day", MONDAY)
        request = BookingRequest(
            patient_id=self.patient(last_name).id,
            clinician_id=self.clinicians[clinician].id,
            start=self.at(hour, minute, day).astimezone(UTC),
            appointment_type=kw.pop("kind", "therapy"),
            location=kw.pop("location", "Room 1"),
            **kw,
        )
        appointment = self.services.appointments.book(self.desk, request)
        self.booked.append(appointment)
        return appointment

    def stored(self, appointment_id: UUID) -> Appointment:
        return self.services.appointments.get(self.desk, appointment_id)

    def on_day(self, day: date = MONDAY) -> list[Any]:
        start = datetime(day.year, day.month, day.day, tzinfo=CLINIC_TZ)
        return self.services.appointments.schedule(self.desk, start, start + timedelta(days=1))


def _add_twin(uow_factory: Any, admin: Actor, patient: Patient) -> None:
    docs = twin_documents(random.Random(11), MONDAY, "2030-03-04T07:00:00+00:00")
    twin = DigitalTwin(uuid4(), patient.id, **docs, last_updated=OPENING_TIME)
    with uow_factory(admin) as uow:
        uow.twins.add(twin)
        uow.commit()


def build_clinic(tmp_path: Path, url: str | None = None) -> Clinic:
    """The clinic on a SQLite file in `tmp_path`, or on the (empty) database at `url`."""
    url = url or f"sqlite:///{tmp_path / 'frontdesk.sqlite3'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    cipher = FieldCipher(load_keyring({KEY_VAR: generate_key()}))
    clock = Clock(OPENING_TIME)
    verify_key(engine, cipher, clock)
    uow_factory = make_uow_factory(engine, cipher, clock)
    services = build_app_services(
        uow_factory=uow_factory,
        clock=clock,
        hasher=FakeHasher(),
        clinic_tz=CLINIC_TZ,
        database_admin=None,  # type: ignore[arg-type]  # the front desk never administers
    )
    admin = Actor.command_line("tests")
    clinicians = [
        services.users.add_user(admin, login, display, Role.CLINICIAN, "a long password 1")
        for login, display in (
            ("rivera", "Dr Amara Rivera"),
            ("chen", "Dr Tom Chen"),
            ("okafor", "Sam Okafor"),
        )
    ]
    desk = services.users.add_user(admin, "desk", "Front Desk", Role.FRONTDESK, "a long password 1")
    clinic = Clinic(services, uow_factory, clock, clinicians, Actor.of(desk), desk)
    for raw in PATIENTS:
        patient = services.patients.register(admin, raw)
        clinic.patients[patient.details.last_name] = patient
    _add_twin(uow_factory, admin, clinic.patient("Müller"))
    return clinic


class FakeHasher:
    """Scrypt is slow on purpose; these tests never sign in."""

    def hash(self, password: str) -> str:
        return "test$" + password

    def verify(self, password: str, encoded: str) -> bool:
        return encoded == "test$" + password


class HostWindow(QMainWindow):
    """The parts of the main window the pages use: data_changed, show_page, a status bar."""

    data_changed = Signal(str)
    locked_changed = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        self.pages: list[Page] = []
        self.statusBar()
        self.resize(1366, 768)

    def add_pages(self, pages: list[Page]) -> None:
        self.pages = pages
        for page in pages:
            self.stack.addWidget(page.widget)

    def show_page(self, key: str) -> bool:
        for page in self.pages:
            if page.key == key:
                self.stack.setCurrentWidget(page.widget)
                return True
        return False


def page_context(clinic: Clinic, runner: Any, window: HostWindow, actor: Actor) -> PageContext:
    return PageContext(clinic.services, runner, actor, window, window.data_changed.emit)


# --- driving the appointment book -------------------------------------------------------


def open_book(qtbot: Any, clinic: Clinic, runner: Any, actor: Actor | None = None) -> Any:
    """A host window showing the actor's pages, the book loaded; returns the book page."""
    from novamind_desktop.ui.frontdesk.book_page import AppointmentBookPage
    from novamind_desktop.ui.frontdesk.pages import frontdesk_pages

    window = HostWindow()
    qtbot.addWidget(window)
    pages = frontdesk_pages(page_context(clinic, runner, window, actor or clinic.desk))
    window.add_pages(pages)
    book = next(p.widget for p in pages if isinstance(p.widget, AppointmentBookPage))
    window.stack.setCurrentWidget(book)
    window.show()
    qtbot.waitUntil(lambda: bool(book.canvas.layout_data.columns))
    qtbot.waitUntil(lambda: book.frontdesk.directory.ready)
    return book


def settle(qtbot: Any, book: Any) -> None:
    """Wait until the book has loaded what was asked for."""
    qtbot.waitUntil(lambda: not book.presenter._loading and not book.presenter._reload_again)


def reload(qtbot: Any, book: Any) -> None:
    book.refresh()
    settle(qtbot, book)


def block_of(book: Any, appointment_id: UUID) -> Any:
    return book.canvas.layout_data.block(appointment_id)


def point(book: Any, column: int, minute: float, x_fraction: float = 0.5) -> QPointF:
    geo = book.canvas.geometry_now()
    return QPointF(geo.column_x(column) + geo.column_width * x_fraction, geo.minute_y(minute))


def drag(book: Any, start: QPointF, end: QPointF, steps: int = 4) -> None:
    """Press, move in a few steps and release the left button on the book's grid."""
    hold_and_move(book, start, end, steps)
    drop(book, end)


def hold_and_move(book: Any, start: QPointF, end: QPointF, steps: int = 4) -> None:
    """Press the left button at `start` and move to `end` in a few steps, still holding it."""
    viewport = book.canvas.viewport()
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _mouse(viewport, QEvent.Type.MouseButtonPress, start, left, left)
    for n in range(1, steps + 1):
        at = start + (end - start) * (n / steps)
        _mouse(viewport, QEvent.Type.MouseMove, at, none, left)


def drop(book: Any, at: QPointF) -> None:
    """Release the left button held since hold_and_move."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _mouse(book.canvas.viewport(), QEvent.Type.MouseButtonRelease, at, left, none)


def _mouse(widget: Any, kind: QEvent.Type, at: QPointF, button: Any, buttons: Any) -> None:
    global_at = QPointF(widget.mapToGlobal(at.toPoint()))
    event = QMouseEvent(kind, at, global_at, button, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def visible(kind: type, name: str = "") -> list[Any]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, kind) and w.isVisible() and (not name or w.objectName() == name)
    ]


def wait_for(qtbot: Any, kind: type, name: str = "") -> Any:
    qtbot.waitUntil(lambda: bool(visible(kind, name)))
    return visible(kind, name)[-1]


def click(box: Any, text_or_name: str) -> None:
    from PySide6.QtWidgets import QAbstractButton

    for b in box.findChildren(QAbstractButton):
        if b.text() == text_or_name or b.objectName() == text_or_name:
            b.click()
            return
    raise AssertionError(f"no button {text_or_name!r}")
