"""The appointment book and booking presenters over the real services and the fake database."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.patients import Patient, PatientDetails
from novamind_desktop.domain.recurrence import Frequency
from novamind_desktop.domain.users import Actor
from novamind_desktop.presenters.appointment_book import AppointmentBookPresenter
from novamind_desktop.presenters.book_layout import at_minute
from novamind_desktop.presenters.booking import BookingForm, BookingPresenter
from novamind_desktop.presenters.tasks import SynchronousRunner
from novamind_desktop.services.appointments import BookingRequest
from novamind_desktop.services.registry import build_app_services
from tests.unit.conftest import CLINIC_TZ
from tests.unit.fakes import FakeHasher
from tests.unit.presenters.fakes import RecordingView

MONDAY = date(2025, 6, 2)


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
def patients(db):
    found = {}
    for first, last in (("Jürgen", "Müller"), ("Ada", "Lovelace")):
        p = Patient(uuid4(), PatientDetails(first, last, date(1980, 1, 1), "0301234567"))
        db.patients[p.id] = p
        found[last] = p
    return found


def book(services, actor, patient, clinician, hour, minute=0, kind="therapy", day=MONDAY):
    start = at_minute(day, hour * 60 + minute, CLINIC_TZ)
    request = BookingRequest(patient.id, clinician.id, start, kind, location="Room 1")
    return services.appointments.book(actor, request)


@pytest.fixture
def setup(services, frontdesk, clinician_user, other_clinician, patients):
    muller = book(services, frontdesk, patients["Müller"], clinician_user, 10)
    view = RecordingView()
    changed: list[str] = []
    presenter = AppointmentBookPresenter(
        view, services, SynchronousRunner(), frontdesk, changed.append
    )
    presenter.start()
    return presenter, view, changed, muller


def test_the_book_opens_on_today_with_every_clinician(setup, clinician_user, other_clinician):
    _presenter, view, _, _muller = setup
    clinicians, _selected = view.last("show_clinicians")
    assert [c.display_name for c in clinicians] == ["Dr Chen", "Dr Okafor"]
    layout, heading = view.last("show_layout")
    assert heading == "Today, Monday"
    assert [c.title for c in layout.columns] == ["Dr Chen", "Dr Okafor"]
    (block,) = layout.blocks
    assert (block.column, block.start_minute, block.patient_name) == (0, 600, "Jürgen Müller")


def test_a_move_asks_first_then_moves_and_tells_the_other_pages(setup, services, frontdesk):
    presenter, view, changed, muller = setup
    presenter.request_move(muller.id, 1, 14 * 60, 14 * 60 + 50)
    question, on_yes = view.last("confirm")
    assert question == (
        "Move Jürgen Müller's therapy from Mon 02 Jun 10:00–10:50 "
        "to Mon 02 Jun 14:00–14:50 with Dr Okafor?"
    )
    assert services.appointments.get(frontdesk, muller.id).version == muller.version
    on_yes()
    moved = services.appointments.get(frontdesk, muller.id)
    assert moved.start == at_minute(MONDAY, 14 * 60, CLINIC_TZ)
    assert changed == ["appointments"]
    assert view.last("show_layout")[0].blocks[0].column == 1


def test_dropping_a_block_where_it_was_does_nothing(setup):
    presenter, view, _, muller = setup
    presenter.request_move(muller.id, 0, 600, 650)
    assert view.said("confirm") == []


def test_a_taken_slot_names_the_booking_in_the_way(setup, services, frontdesk, patients):
    presenter, view, _, muller = setup
    lovelace = book(services, frontdesk, patients["Lovelace"], presenter.clinicians[1], 9)
    presenter.reload()
    presenter.request_move(muller.id, 1, 9 * 60 + 30, 10 * 60 + 20)
    view.last("confirm")[1]()
    message = view.last("show_error")
    assert message.startswith("Dr Okafor is already booked at that time:")
    assert "Ada Lovelace — Therapy, Mon 02 Jun 09:00–09:50 (scheduled)" in message
    assert services.appointments.get(frontdesk, muller.id).clinician_id != lovelace.clinician_id


def test_a_stale_block_is_refused_and_the_book_refreshed(setup, services, frontdesk):
    presenter, view, _, muller = setup
    services.appointments.change_status(
        frontdesk, muller.id, muller.version, AppointmentStatus.CHECKED_IN
    )  # at another desk
    presenter.request_move(muller.id, 0, 11 * 60, 11 * 60 + 50)
    view.last("confirm")[1]()
    assert "changed on another workstation" in view.last("show_error")
    block = view.last("show_layout")[0].blocks[0]
    assert block.status is AppointmentStatus.CHECKED_IN


def test_cancel_asks_for_a_reason_and_stamps_it(setup, services, frontdesk):
    presenter, view, _, muller = setup
    presenter.request_status(muller.id, AppointmentStatus.CANCELLED)
    question, in_series, on_done = view.last("ask_reason")
    assert question == "Cancel Jürgen Müller's therapy on Mon 02 Jun 10:00–10:50?"
    assert in_series is False
    on_done("Patient unwell", False)
    stored = services.appointments.get(frontdesk, muller.id)
    assert (stored.status, stored.cancellation_reason) == (
        AppointmentStatus.CANCELLED,
        "Patient unwell",
    )
    assert view.last("show_layout")[0].blocks == ()  # cancelled ones are hidden
    presenter.set_show_cancelled(True)
    assert len(view.last("show_layout")[0].blocks) == 1


def test_selecting_an_empty_slot_opens_the_booking_there(setup):
    presenter, view, _, _ = setup
    presenter.request_booking(1, 15 * 60, 15 * 60 + 30)
    draft = view.last("open_booking")
    assert draft.clinician_id == presenter.clinicians[1].id
    assert draft.start == at_minute(MONDAY, 900, CLINIC_TZ)
    assert draft.end - draft.start == timedelta(minutes=30)


def test_week_view_of_one_clinician_hides_an_empty_weekend(setup):
    presenter, view, _, _ = setup
    presenter.set_mode("week")
    layout, heading = view.last("show_layout")
    assert heading == "This week"
    assert [c.day.weekday() for c in layout.columns] == [0, 1, 2, 3, 4]
    presenter.step(3)
    assert view.last("show_layout")[1] == "23–27 June 2025"
    presenter.set_mode("day")
    assert view.last("show_layout")[1] == "Monday 23 June"
    presenter.today()
    presenter.step(1)
    assert view.last("show_layout")[1] == "Tomorrow, Tuesday"


def test_a_clinician_sees_their_own_day_and_cannot_book(services, clinician_user, setup):
    view = RecordingView()
    actor = Actor.of(clinician_user)
    presenter = AppointmentBookPresenter(
        view, services, SynchronousRunner(), actor, own_schedule=True
    )
    presenter.start()
    layout, _ = view.last("show_layout")
    assert [c.title for c in layout.columns] == ["Dr Chen"]
    presenter.request_booking(0, 600, 650)
    presenter.request_move(layout.blocks[0].appointment_id, 0, 700, 750)
    assert view.said("open_booking") == [] and view.said("confirm") == []


# -- booking ---------------------------------------------------------------------------------


def booking(services, frontdesk, **kw):
    view = RecordingView()
    types = services.appointments.types(frontdesk)
    changed: list[str] = []
    runner = SynchronousRunner()
    presenter = BookingPresenter(view, services, runner, frontdesk, types, changed.append)
    return presenter, view, changed


def test_booking_points_at_what_is_missing(services, frontdesk):
    presenter, view, _ = booking(services, frontdesk)
    presenter.book(BookingForm(None, None, "therapy", None, 50))
    errors = view.last("show_field_errors")
    assert set(errors) == {"patient", "clinician", "start", "location"}


def test_a_monthly_series_is_booked_in_one_go(services, frontdesk, patients, clinician_user):
    presenter, view, changed = booking(services, frontdesk)
    start = at_minute(MONDAY, 16 * 60, CLINIC_TZ)
    form = BookingForm(
        patients["Lovelace"].id, clinician_user.id, "follow_up", start, 30,
        location="Room 2", repeat=Frequency.MONTHLY, count=3,
    )  # fmt: skip
    presenter.book(form)
    assert view.last("booked") == "Booked 3 appointments, Mon 02 Jun to Sat 02 Aug 2025."
    assert changed == ["appointments"]
    found = services.appointments.for_patient(frontdesk, patients["Lovelace"].id)
    assert [a.start.astimezone(CLINIC_TZ).date() for a in found] == [
        date(2025, 6, 2), date(2025, 7, 2), date(2025, 8, 2)
    ]  # fmt: skip


def test_a_series_needs_a_count_or_an_end(services, frontdesk, patients, clinician_user):
    presenter, view, _ = booking(services, frontdesk)
    start = at_minute(MONDAY, 16 * 60, CLINIC_TZ)
    form = BookingForm(
        patients["Lovelace"].id, clinician_user.id, "follow_up", start, 30,
        location="Room 2", repeat=Frequency.WEEKLY,
    )  # fmt: skip
    presenter.book(form)
    assert "count" in view.last("show_field_errors")


def test_next_available_moves_the_form_to_the_first_free_slot(
    services, frontdesk, patients, clinician_user
):
    book(services, frontdesk, patients["Müller"], clinician_user, 8)  # 08:00-08:50
    presenter, view, _ = booking(services, frontdesk)
    form = BookingForm(None, clinician_user.id, "therapy", None, 50)
    presenter.find_next_available(form)
    start, minutes = view.last("set_slot")
    assert start.astimezone(CLINIC_TZ).strftime("%a %H:%M") == "Mon 08:50"
    assert minutes == 50


def test_every_two_weeks_until_an_end_date(services, frontdesk, patients, clinician_user):
    presenter, view, _ = booking(services, frontdesk)
    start = at_minute(MONDAY, 9 * 60, CLINIC_TZ)
    form = BookingForm(
        patients["Müller"].id, clinician_user.id, "therapy", start, 50, virtual=True,
        repeat=Frequency.EVERY_TWO_WEEKS, until=date(2025, 7, 14),
    )  # fmt: skip
    presenter.book(form)
    assert view.last("booked") == "Booked 4 appointments, Mon 02 Jun to Mon 14 Jul 2025."
    found = services.appointments.for_patient(frontdesk, patients["Müller"].id)
    assert all(a.virtual and a.location == "" for a in found)
    assert len({a.series_id for a in found}) == 1
