"""validate_patient with hypothesis: what typed text may become, and what it may never do."""

import string
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from novamind_desktop.domain.errors import ValidationFailed
from novamind_desktop.domain.patients import (
    PATIENT_FIELDS,
    details_as_text,
    normalise_phone,
    validate_patient,
)

TODAY = date(2025, 6, 2)

names = st.text(
    alphabet=st.characters(categories=["L"]) | st.sampled_from(" '-"), min_size=1, max_size=100
).filter(lambda s: s.strip())
births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
phones = st.builds(
    lambda plus, digits, seps: (
        ("+" if plus else "") + "".join(d + s for d, s in zip(digits, seps, strict=False))
    ),
    st.booleans(),
    st.text(alphabet=string.digits, min_size=6, max_size=15),
    st.lists(st.sampled_from(["", " ", "-", "(", ")", "."]), min_size=15, max_size=15),
)
emails = st.one_of(
    st.just(""),
    st.builds(
        "{}@{}.{}".format,
        st.text(alphabet=string.ascii_letters + string.digits + "._+", min_size=1, max_size=20),
        st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=20),
        st.sampled_from(["org", "de", "CO.UK", "ie"]),
    ),
)


@given(first=names, last=names, dob=births, phone=phones, email=emails)
def test_valid_forms_are_accepted_normalised_and_round_trip(first, last, dob, phone, email):
    raw = {
        "first_name": f"  {first} ",
        "last_name": last,
        "date_of_birth": dob.isoformat(),
        "phone": phone,
        "email": email,
    }
    details = validate_patient(raw, TODAY)
    assert details.first_name == first.strip() and details.last_name == last.strip()
    assert details.phone == normalise_phone(phone)
    assert details.phone.lstrip("+").isdigit()
    assert details.email == (email.strip().lower() or None)
    # What a form or CSV shows of the details validates back to the same details.
    assert validate_patient(details_as_text(details), TODAY) == details


@given(dob=st.dates(min_value=TODAY + timedelta(days=1), max_value=date(9999, 12, 31)))
def test_a_birthday_in_the_future_is_refused_on_that_field(dob):
    raw = {"first_name": "A", "last_name": "B", "date_of_birth": dob.isoformat(), "phone": "123456"}
    try:
        validate_patient(raw, TODAY)
    except ValidationFailed as refused:
        assert refused.for_field("date_of_birth") == "Date of birth is in the future."
    else:
        raise AssertionError("a future date of birth was accepted")


@given(st.dictionaries(st.sampled_from((*PATIENT_FIELDS, "extra")), st.text(max_size=300)))
def test_any_typed_text_is_either_accepted_or_refused_field_by_field(raw):
    try:
        details = validate_patient(raw, TODAY)
    except ValidationFailed as refused:
        assert refused.errors
        assert {e.field for e in refused.errors} <= set(PATIENT_FIELDS)
        # The message a person sees names the field, never repeats what they typed.
        for error in refused.errors:
            typed = raw.get(error.field, "").strip()
            assert len(typed) <= 10 or typed not in error.message  # (short text: "1980")
    else:
        assert details.first_name and details.last_name and details.phone
