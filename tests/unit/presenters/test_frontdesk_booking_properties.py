"""Properties of the booking form's checks (presenters/booking.py) and of the appointment's
times (domain validate_times): whatever the receptionist leaves out is named, and a form
that passes is one the service takes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from novamind_desktop.domain.appointments import MAX_DURATION, validate_times
from novamind_desktop.domain.errors import ValidationFailed
from novamind_desktop.presenters.booking import BookingForm, booking_request, missing_fields

ZONES = st.sampled_from([UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")])
STARTS = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31), timezones=ZONES
)


@given(start=STARTS, minutes=st.integers(min_value=-60, max_value=24 * 60))
def test_times_pass_exactly_when_the_end_is_after_the_start_within_twelve_hours(
    start: datetime, minutes: int
) -> None:
    end = start + timedelta(minutes=minutes)
    fine = timedelta(0) < end - start <= MAX_DURATION
    if fine:
        validate_times(start, end)
    else:
        with pytest.raises(ValidationFailed) as refused:
            validate_times(start, end)
        assert [e.field for e in refused.value.errors] == ["end"]


@given(start=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1)))
def test_times_without_a_zone_are_refused(start: datetime) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_times(start, start + timedelta(minutes=30))
    assert [e.field for e in refused.value.errors] == ["start"]


forms = st.builds(
    BookingForm,
    patient_id=st.none() | st.builds(uuid4),
    clinician_id=st.none() | st.builds(uuid4),
    appointment_type=st.sampled_from(["", "intake", "therapy"]),
    start=st.none() | STARTS,
    minutes=st.integers(min_value=-5, max_value=12 * 60),
    virtual=st.booleans(),
    location=st.sampled_from(["", "   ", "Room 2", " Room 3 "]),
    notes=st.sampled_from(["", " first visit "]),
)


@given(form=forms)
def test_every_missing_piece_is_named_and_a_complete_form_books(form: BookingForm) -> None:
    errors = missing_fields(form)
    expected = {
        "patient": form.patient_id is None,
        "clinician": form.clinician_id is None,
        "appointment_type": not form.appointment_type,
        "start": form.start is None,
        "minutes": form.minutes < 5,
        "location": not form.virtual and not form.location.strip(),
    }
    assert set(errors) == {name for name, missing in expected.items() if missing}
    assert all(message.endswith(".") for message in errors.values())  # sentences, for people
    if errors:
        return
    request = booking_request(form)
    validate_times(request.start, request.end)  # the service's own check passes
    assert request.end - request.start == timedelta(minutes=form.minutes)
    assert request.location == form.location.strip() and request.notes == form.notes.strip()
