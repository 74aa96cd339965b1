"""The front desk in the background, over the real services and the fake database (its audit
list is the audit table): the book's refresh and what it audits, and the idle lock's pause of
the book and the patient index."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import uuid4

import pytest

from novamind_desktop.domain.errors import StorageUnavailable
from novamind_desktop.domain.patients import Patient, PatientDetails
from novamind_desktop.presenters.appointment_book import AppointmentBookPresenter
from novamind_desktop.presenters.book_layout import at_minute
from novamind_desktop.presenters.patient_search import PatientDirectory, PatientSearchPresenter
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

    held: list[tuple[Callable[[Any], Any], Callable[[Any], None], Callable[[Any], None]]] = field(
        default_factory=list
    )

    def submit(self, job, on_success=None, on_failure=None, on_progress=None, label=""):
        self.held.append((job, on_success or (lambda _: None), on_failure or _raise))

    def run_next(self) -> None:
        job, on_success, on_failure = self.held.pop(0)
        try:
            result = job(None)
        except Exception as exc:
            on_failure(exc)
        else:
            on_success(result)

    def run_all(self) -> None:
        while self.held:
            self.run_next()


def _raise(exc: Exception) -> None:
    raise exc


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


# -- the idle lock ----------------------------------------------------------------------------


def another_booking(services, frontdesk, booked, hour=14):
    """Booked at another desk: same patient and clinician, later that Monday."""
    start = at_minute(MONDAY, hour * 60, CLINIC_TZ)
    request = BookingRequest(booked.patient_id, booked.clinician_id, start, "therapy")
    return services.appointments.book(frontdesk, request)


def test_while_locked_the_book_loads_and_draws_nothing_then_catches_up(
    services, db, frontdesk, booked
):
    runner = HeldRunner()
    presenter, view = open_book(services, frontdesk, runner)
    runner.run_all()
    drawn = len(view.said("show_layout"))
    presenter.reload(refresh=True)  # a poll already on its way when the lock comes on
    presenter.pause()
    another_booking(services, frontdesk, booked)
    presenter.reload(refresh=True)  # the timer (were it still running)
    presenter.reload()  # a change announced by another page
    assert len(runner.held) == 1  # only the poll sent before the lock
    runner.run_all()
    assert len(view.said("show_layout")) == drawn  # its answer is not drawn
    presenter.resume()
    assert len(runner.held) == 1  # at once, not at the next tick
    runner.run_all()
    assert len(view.last("show_layout")[0].blocks) == 2
    assert len(book_reads(db)) == 1  # catching up is a refresh of the open view


def test_a_refused_move_is_explained_only_after_the_lock(services, db, frontdesk, booked):
    runner = HeldRunner()
    presenter, view = open_book(services, frontdesk, runner)
    runner.run_all()
    in_the_way = another_booking(services, frontdesk, booked, hour=9)
    presenter.reload()
    runner.run_all()
    presenter.request_move(booked.id, 0, 9 * 60, 9 * 60 + 50)
    view.last("confirm")[1]()  # the move goes to the worker …
    presenter.pause()  # … and the screen locks before it is refused
    runner.run_all()
    assert view.said("show_error") == [] and runner.held == []  # no names looked up either
    presenter.resume()
    runner.run_all()
    assert "is already booked at that time" in view.last("show_error")
    assert services.appointments.get(frontdesk, in_the_way.id).start == in_the_way.start


@pytest.fixture
def directory(services, db, frontdesk, booked):
    runner = HeldRunner()
    found = PatientDirectory(services, runner, frontdesk)
    view = RecordingView()
    search = PatientSearchPresenter(view, found)
    found.load()
    runner.run_all()
    search.search("mü")
    return found, runner, view


def test_while_locked_the_patient_index_fetches_and_redraws_nothing(
    services, frontdesk, clock, directory
):
    found, runner, view = directory
    shown = len(view.said("show_results"))
    found.poll()  # on its way when the lock comes on
    found.pause()
    clock.advance(seconds=15)
    raw = {"first_name": "Mücahit", "last_name": "Kaya", "date_of_birth": "1990-02-03"}
    kaya = services.patients.register(frontdesk, {**raw, "phone": "0301234999"})  # elsewhere
    found.poll()  # the timer (were it still running) or a change on another page
    found.patient_saved(kaya)  # or a save on this desk finishing
    assert len(runner.held) == 1
    runner.run_all()
    assert len(view.said("show_results")) == shown
    found.resume()
    assert len(runner.held) == 1  # polled at once
    runner.run_all()
    assert [r.name for r in view.last("show_results")[0]] == ["Mücahit Kaya", "Jürgen Müller"]


def test_an_index_built_while_locked_is_built_again_afterwards(services, frontdesk):
    runner = HeldRunner()
    found = PatientDirectory(services, runner, frontdesk)
    found.load()
    found.pause()
    runner.run_all()
    assert not found.ready
    found.resume()
    runner.run_all()
    assert found.ready


class _AwayThenBack:
    """The appointment service while the database is away (`away`), then as it was."""

    def __init__(self, appointments):
        self._appointments, self.away = appointments, True

    def __getattr__(self, name):
        return getattr(self._appointments, name)

    def schedule(self, *args, **kwargs):
        if self.away:
            raise StorageUnavailable("lost", where="Check the network connection")
        return self._appointments.schedule(*args, **kwargs)


def test_while_the_database_is_away_polls_say_so_in_the_status_bar_not_in_dialogs(
    services, frontdesk, booked
):
    """A dialog at every 15-second tick would pile up while the server is away; the status
    bar says it instead, and says so again when the book is current once more."""
    presenter, view = open_book(services, frontdesk)
    shown = len(view.said("show_layout"))
    services.appointments = _AwayThenBack(services.appointments)
    for _ in range(3):
        presenter.reload(refresh=True)
    assert view.said("show_error") == []
    away = (
        "The database cannot be reached: the book shown may be out of date. "
        "Trying again every 15 seconds.",
        True,  # lasting: it stays until the book is current again
    )
    assert view.said("show_status") == [away] * 3
    assert len(view.said("show_layout")) == shown  # what was shown stays
    services.appointments.away = False
    presenter.reload(refresh=True)
    assert view.last("show_status") == "The appointment book is up to date again."
    assert len(view.said("show_layout")) == shown + 1
    services.appointments.away = True
    presenter.step(1)  # the person asked for another day: that failure is a dialog
    assert "connection to the database was lost" in view.last("show_error")


def test_a_day_asked_for_while_a_failing_poll_is_out_is_still_fetched(services, frontdesk, booked):
    """The person moves to Tuesday while the timer's poll is at the worker; the poll fails
    (the database away): Tuesday is still fetched, and its own failure is a dialog."""
    runner = HeldRunner()
    presenter, view = open_book(services, frontdesk, runner)
    runner.run_all()
    services.appointments = _AwayThenBack(services.appointments)
    presenter.reload(refresh=True)  # the poll goes out …
    presenter.step(1)  # … the person asks for Tuesday meanwhile
    runner.run_next()  # the poll fails
    assert view.said("show_error") == [] and len(runner.held) == 1  # Tuesday on its way
    runner.run_next()  # and fails too: the person asked for it, so it says so
    assert "connection to the database was lost" in view.last("show_error")
    services.appointments.away = False
    shown = len(view.said("show_layout"))
    presenter.step(0)  # the person tries Tuesday again
    runner.run_all()
    assert presenter.day == MONDAY + timedelta(days=1)
    assert len(view.said("show_layout")) == shown + 1
