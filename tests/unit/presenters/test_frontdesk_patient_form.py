"""The patient form presenter over the real PatientService and the fake database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from novamind_desktop.domain.appointments import Appointment, AppointmentStatus
from novamind_desktop.domain.patients import Patient, PatientDetails, details_as_text
from novamind_desktop.presenters.patient_form import EMPTY_FORM, PatientFormPresenter
from novamind_desktop.presenters.tasks import SynchronousRunner
from novamind_desktop.services.appointments import AppointmentService
from novamind_desktop.services.patients import PatientService
from tests.unit.conftest import CLINIC_TZ
from tests.unit.presenters.fakes import RecordingView

OBRIEN = PatientDetails("Siobhán", "O'Brien", date(1990, 1, 2), "01632960123", "sio@example.ie")


class Services:
    def __init__(self, uow_factory, clock):
        self.patients = PatientService(uow_factory, clock, clinic_tz=CLINIC_TZ)
        self.appointments = AppointmentService(uow_factory, clock, CLINIC_TZ)
        self.clock = clock


@pytest.fixture
def services(uow_factory, clock):
    return Services(uow_factory, clock)


@pytest.fixture
def stored(db):
    patient = Patient(uuid4(), OBRIEN)
    db.patients[patient.id] = patient
    return patient


def form(services, actor):
    view = RecordingView()
    saved: list[Patient] = []
    presenter = PatientFormPresenter(view, services, SynchronousRunner(), actor, saved.append)
    return presenter, view, saved


def raw(**values: str) -> dict[str, str]:
    return {**EMPTY_FORM, **values}


def test_a_typo_is_pointed_out_without_a_round_trip(services, frontdesk, uow_factory):
    presenter, view, saved = form(services, frontdesk)
    presenter.new()
    opened = len(uow_factory.opened)
    presenter.save(raw(last_name="Kowalski", date_of_birth="31/02/1990", phone="x"))
    errors = view.last("show_field_errors")
    assert set(errors) == {"first_name", "date_of_birth", "phone"}
    assert len(uow_factory.opened) == opened and saved == []


def test_a_possible_duplicate_stops_registration_until_confirmed(services, frontdesk, stored, db):
    presenter, view, saved = form(services, frontdesk)
    presenter.new()
    typed = raw(first_name="siobhan", last_name="o'brien", date_of_birth="1990-01-02",
                phone="+353 1 555 0000")  # fmt: skip
    presenter.save(typed)
    (candidate,) = view.last("show_duplicates")
    assert candidate.patient_id == stored.id
    assert candidate.reasons == "same name and date of birth"
    assert len(db.patients) == 1
    presenter.register_anyway(typed)
    assert len(db.patients) == 2
    assert saved[0].full_name == "siobhan o'brien"
    assert view.last("saved")[1] == "siobhan o'brien registered."


def test_no_duplicate_registers_at_once(services, frontdesk, stored):
    presenter, view, saved = form(services, frontdesk)
    presenter.new()
    presenter.save(raw(first_name="Ada", last_name="Lovelace", date_of_birth="1969-12-10",
                       phone="020 7946 0018"))  # fmt: skip
    assert view.said("show_duplicates") == []
    assert saved[0].details.phone == "02079460018"


def test_a_stale_save_shows_both_versions_and_reapplies_only_my_fields(services, frontdesk, stored):
    presenter, view, saved = form(services, frontdesk)
    presenter.open(stored.id)
    values, _ = view.last("show_patient")
    theirs = {**details_as_text(OBRIEN), "phone": "01632 960999"}
    services.patients.update(frontdesk, stored.id, stored.version, theirs)  # the other desk
    presenter.save({**values, "city": "Cork"})
    conflicts = {c.field: c for c in view.last("show_conflict")}
    assert conflicts["phone"].they_changed and not conflicts["phone"].you_changed
    assert conflicts["city"].you_changed and conflicts["city"].yours == "Cork"
    presenter.reapply_mine()
    final = services.patients.get(frontdesk, stored.id).details
    assert (final.city, final.phone) == ("Cork", "01632960999")
    assert saved[-1].details.city == "Cork"


def test_take_theirs_drops_my_edit(services, frontdesk, stored):
    presenter, view, _ = form(services, frontdesk)
    presenter.open(stored.id)
    values, _ = view.last("show_patient")
    services.patients.update(frontdesk, stored.id, stored.version, {**values, "city": "Galway"})
    presenter.save({**values, "city": "Cork"})
    presenter.take_theirs()
    shown, _ = view.last("show_patient")
    assert shown["city"] == "Galway"
    assert services.patients.get(frontdesk, stored.id).details.city == "Galway"


def test_deactivate_and_reactivate(services, frontdesk, stored):
    presenter, view, _saved = form(services, frontdesk)
    presenter.open(stored.id)
    presenter.set_active(False)
    assert not services.patients.get(frontdesk, stored.id).active
    assert view.last("show_status") == "Siobhán O'Brien deactivated."
    presenter.set_active(True)
    assert services.patients.get(frontdesk, stored.id).active


def test_a_clinician_reads_but_cannot_save(services, clinician, stored, db):
    presenter, _view, _saved = form(services, clinician)
    presenter.open(stored.id)
    assert presenter.can_edit is False
    presenter.save(details_as_text(OBRIEN) | {"city": "Cork"})
    presenter.set_active(False)
    assert db.patients[stored.id].details.city == "" and db.patients[stored.id].active


@given(st.text(max_size=30))
def test_the_duplicate_reason_never_fails_on_odd_input(text):
    from novamind_desktop.presenters.patient_form import _reasons

    other = Patient(uuid4(), OBRIEN)
    reason = _reasons({"first_name": text, "phone": text, "email": text}, other)
    assert isinstance(reason, str) and reason


def test_an_opened_patient_shows_what_is_coming_and_what_was(
    services, frontdesk, stored, db, clock, clinician_user
):
    def booked(days: int, status=AppointmentStatus.SCHEDULED, **kw) -> Appointment:
        start = clock.now() + timedelta(days=days)
        appointment = Appointment(
            uuid4(), stored.id, clinician_user.id, start, start + timedelta(minutes=50),
            "therapy", status=status, location="Room 1", **kw,
        )  # fmt: skip
        db.appointments[appointment.id] = appointment
        return appointment

    booked(7)
    booked(-7, AppointmentStatus.COMPLETED)
    booked(-14, AppointmentStatus.NO_SHOW, virtual=True)
    presenter, view, _saved = form(services, frontdesk)
    presenter.open(stored.id)
    shown = view.last("show_appointments")
    assert [line.text for line in shown.coming] == [
        "Mon 09 Jun 2025 08:00–08:50 · Therapy with Dr Chen · Room 1"  # Berlin time
    ]
    assert [line.status for line in shown.earlier] == ["completed", "no-show"]  # newest first
    assert "Virtual" in shown.earlier[1].what and view.said("show_error") == []


def test_checking_in_an_appointment_changed_elsewhere_says_so_and_shows_it_anew(
    services, frontdesk, stored, db, clock, clinician_user
):
    start = clock.now() + timedelta(hours=3)  # today
    today = Appointment(
        uuid4(), stored.id, clinician_user.id, start, start + timedelta(minutes=50), "therapy"
    )
    db.appointments[today.id] = today
    presenter, view, _saved = form(services, frontdesk)
    presenter.open(stored.id)
    line = view.last("show_appointments").arriving
    assert line is not None and line.appointment_id == today.id
    moved = replace(today, start=start + timedelta(hours=1), end=start + timedelta(hours=2))
    db.appointments[today.id] = replace(moved, version=2)  # another desk moved it meanwhile
    shown = len(view.said("show_appointments"))
    presenter.check_in(line)
    assert "changed" in view.last("show_error").lower()
    assert db.appointments[today.id].status is AppointmentStatus.SCHEDULED
    assert len(view.said("show_appointments")) == shown + 1  # the list as it is now
