"""PatientService across two workstations on both databases: the duplicate warning sees
patients registered or changed at the other desk, and a refused save changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from service_helpers import (
    EDITED_FORM,
    OTHER_FORM,
    PATIENT_FORM,
)

from novamind_desktop.domain.errors import DuplicateEmail, ValidationFailed

pytestmark = pytest.mark.usefixtures("logs_hold_no_phi")


def ids(patients) -> list:
    return [p.id for p in patients]


def test_the_duplicate_warning_sees_what_another_desk_registered(clinic) -> None:
    here, there = clinic.services, clinic.workstation().services
    desk, desk_2, clock = clinic.frontdesk, clinic.frontdesk_2, clinic.db.clock
    assert here.patients.possible_duplicates(desk, PATIENT_FORM) == []  # loads this desk's index
    clock.advance(minutes=2)
    theirs = there.patients.register(desk_2, PATIENT_FORM)
    clock.advance(minutes=2)
    same_phone = {"first_name": "Someone", "last_name": "Else", "phone": "+44 (7700) 900-461"}
    assert ids(here.patients.possible_duplicates(desk, same_phone)) == [theirs.id]
    typed_again = {
        "first_name": " ottoline ",
        "last_name": "VANDERMEULEN-FFRENCH",
        "date_of_birth": PATIENT_FORM["date_of_birth"],
    }
    assert ids(here.patients.possible_duplicates(desk, typed_again)) == [theirs.id]
    by_email = {"email": PATIENT_FORM["email"].upper()}
    assert ids(here.patients.possible_duplicates(desk, by_email)) == [theirs.id]
    # Editing that very record is not a duplicate of itself:
    assert here.patients.possible_duplicates(desk, PATIENT_FORM, exclude_id=theirs.id) == []
    # The other desk changes the phone: the old number no longer warns, the new one does.
    clock.advance(minutes=2)
    there.patients.update(desk_2, theirs.id, 1, PATIENT_FORM | {"phone": "+44 7700 900777"})
    clock.advance(minutes=2)
    assert here.patients.possible_duplicates(desk, same_phone) == []
    moved = same_phone | {"phone": "+447700900777"}
    assert ids(here.patients.possible_duplicates(desk, moved)) == [theirs.id]


def test_a_save_refused_for_a_taken_email_changes_nothing(clinic) -> None:
    s, desk = clinic.services, clinic.frontdesk
    first = s.patients.register(desk, PATIENT_FORM)
    second = s.patients.register(desk, OTHER_FORM)
    with pytest.raises(DuplicateEmail):
        s.patients.update(desk, second.id, 1, OTHER_FORM | {"email": PATIENT_FORM["email"]})
    with pytest.raises(DuplicateEmail):
        s.patients.update(desk, first.id, 1, EDITED_FORM | {"email": OTHER_FORM["email"].upper()})
    with pytest.raises(ValidationFailed) as caught:
        s.patients.update(desk, first.id, 1, EDITED_FORM | {"date_of_birth": "2031-01-01"})
    assert caught.value.for_field("date_of_birth")
    assert s.patients.get(desk, first.id) == first
    assert s.patients.get(desk, second.id) == second
    # A walk-in without email, and the email freed for someone else:
    freed = s.patients.update(desk, first.id, 1, PATIENT_FORM | {"email": ""})
    assert freed.details.email is None and freed.version == 2
    taken = s.patients.update(desk, second.id, 1, OTHER_FORM | {"email": PATIENT_FORM["email"]})
    assert s.patients.find_by_email(desk, PATIENT_FORM["email"]) == taken
    assert ids(s.patients.find_by_date_of_birth(desk, date(1979, 11, 23))) == [first.id]
    assert s.patients.find_by_date_of_birth(desk, date(1979, 11, 24)) == []
