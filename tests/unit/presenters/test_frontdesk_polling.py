"""The appointment book's background refresh: what is audited, over the real services and the
fake database (its audit list is the audit table)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import uuid4

import pytest

from novamind_desktop.domain.patients import Patient, PatientDetails
from novamind_desktop.presenters.appointment_book import AppointmentBookPresenter
from novamind_desktop.presenters.book_layout import at_minute
from novamind_desktop.presenters.tasks import SynchronousRunner
from novamind_desktop.services.appointments import BookingRequest
from novamind_desktop.services.registry import build_app_services
from tests.unit.conftest import CLINIC_TZ
from tests.unit.fakes import FakeHasher
from tests.unit.presenters.fakes import RecordingView

MONDAY = date(2025, 6, 2)


@dataclass
class HeldRunner:
    """Holds jobs until `run_next()`, like the worker busy with something else."""

    held: list[tuple[Callable[[Any], Any], Callable[[Any], None] | None]] = field(
        default_factory=list
    )

    def submit(self, job, on_success=None, on_failure=None, on_progress=None, label=""):
        self.held.append((job, on_success))

    def run_next(self) -> None:
        job, on_success = self.held.pop(0)
        result = job(None)
        if on_success is not None:
            on_success(result)

    def run_all(self) -> None:
        while self.held:
            self.run_next()


@pytest.fixture
def services(uow_factory, clock):
    return build_app_services(
        uow_factory=uow_factory,
        clock=clock,
        hasher=FakeHasher(),
        clinic_tz=CLINIC_TZ,
        database_admin=None,
    )


@pytest.fixture
def booked(services, db, frontdesk, clinician_user, other_clinician):
    patient = Patient(uuid4(), PatientDetails("Jürgen", "Müller", date(1980, 1, 1), "0301234567"))
    db.patients[patient.id] = patient
    start = at_minute(MONDAY, 10 * 60, CLINIC_TZ)
    request = BookingRequest(patient.id, clinician_user.id, start, "therapy", location="Room 1")
    return services.appointments.book(frontdesk, request)


def book_reads(db) -> list[str]:
    """The audited reads of the appointment book, oldest first (their detail)."""
    return [e.detail for e in db.audit if e.entity == "appointment_book"]


def open_book(services, frontdesk, runner=None):
    view = RecordingView()
    presenter = AppointmentBookPresenter(view, services, runner or SynchronousRunner(), frontdesk)
    presenter.start()
    return presenter, view


def test_polling_the_open_day_adds_no_audit_rows_but_opening_another_does(
    services, db, frontdesk, booked, clinician_user
):
    presenter, view = open_book(services, frontdesk)
    assert book_reads(db) == ["1 appointments from 2025-06-01 22:00 UTC"]  # opening the book
    for _ in range(3):
        presenter.reload(refresh=True)  # the 15-second timer
    assert len(view.said("show_layout")) == 4  # it did reload each time
    assert len(book_reads(db)) == 1
    presenter.step(1)  # the person goes to Tuesday
    assert book_reads(db)[1:] == ["0 appointments from 2025-06-02 22:00 UTC"]
    presenter.reload(refresh=True)
    presenter.set_selected([clinician_user.id])  # fewer clinicians: another view, audited
    presenter.reload(refresh=True)
    assert len(book_reads(db)) == 3
    presenter.reload()  # anything but the timer (a change made here) is audited as before
    assert len(book_reads(db)) == 4


def test_a_poll_never_hides_a_view_the_person_has_not_opened(services, db, frontdesk, booked):
    runner = HeldRunner()
    presenter, _view = open_book(services, frontdesk, runner)
    runner.run_all()
    assert len(book_reads(db)) == 1
    presenter.reload(refresh=True)  # a poll goes to the worker …
    presenter.step(1)  # … the person moves on meanwhile …
    presenter.reload(refresh=True)  # … and the next tick comes before either is back
    runner.run_all()
    assert book_reads(db)[1:] == ["0 appointments from 2025-06-02 22:00 UTC"]  # Tuesday
    presenter.reload(refresh=True)
    runner.run_all()
    assert len(book_reads(db)) == 2
    presenter.reload(refresh=True)
    presenter.today()  # pressed while a poll is out: the person opens today again
    presenter.step(1)  # … and back to Tuesday …
    presenter.reload(refresh=True)  # … and the timer ticks, all before the worker answers
    runner.run_all()
    assert len(book_reads(db)) == 3


def test_a_poll_of_a_view_not_audited_yet_is_audited(services, db, frontdesk, booked):
    presenter, _view = open_book(services, frontdesk)
    presenter.day = date(2025, 6, 9)  # as if loading the next Monday had failed
    presenter.reload(refresh=True)
    assert book_reads(db)[1:] == ["0 appointments from 2025-06-08 22:00 UTC"]
