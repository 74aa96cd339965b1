"""PatientSearchIndex: what staff type and what they expect to find."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from novamind_desktop.domain.patients import Patient, PatientDetails
from novamind_desktop.services.search import PatientSearchIndex
from novamind_desktop.services.search_text import name_tokens, parse_typed_date


def _patient(first, last, dob=date(1980, 4, 23), phone="+4915112345678", email=None, active=True):
    return Patient(uuid4(), PatientDetails(first, last, dob, phone, email), active=active)


MUELLER = _patient("Hans", "Müller", phone="+49301234567", email="hans.mueller@example.org")
OBRIEN = _patient("Siobhán", "O'Brien", date(1975, 12, 25), "+353871112233", "sob@example.ie")
SOEREN = _patient("Søren", "Kierkegaard", date(1990, 1, 2), "+4522334455")
ANNE = _patient("Anne-Marie", "Dupont", date(2001, 3, 4), "+33612345999", "amd@example.fr")
MULLINS = _patient("Mary", "Mullins", date(1980, 4, 23), "+441632960000")


@pytest.fixture
def index():
    idx = PatientSearchIndex()
    idx.build([MUELLER, OBRIEN, SOEREN, ANNE, MULLINS])
    return idx


def _names(hits):
    return [h.full_name for h in hits]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mull", MUELLER),
        ("MÜLL", MUELLER),
        ("muell", MUELLER),
        ("obri", OBRIEN),
        ("o'bri", OBRIEN),
        ("brien", OBRIEN),
        ("siob", OBRIEN),
        ("sor", SOEREN),
        ("Sør", SOEREN),
        ("kierk", SOEREN),
        ("marie", ANNE),
        ("annemarie", ANNE),
        ("hans mu", MUELLER),
        ("mu hans", MUELLER),
    ],
)
def test_any_word_of_the_name_by_prefix_ignoring_case_and_accents(index, query, expected):
    assert expected.id in [h.patient_id for h in index.search(query)]


def test_words_must_all_match(index):
    assert _names(index.search("mary mull")) == ["Mary Mullins"]
    assert index.search("hans kierk") == []


def test_an_exact_word_ranks_before_longer_words(index):
    # "muller" is a whole word of Müller; Mullins only starts with "mull".
    assert _names(index.search("muller")) == ["Hans Müller"]
    assert _names(index.search("mull")) == ["Hans Müller", "Mary Mullins"]


@pytest.mark.parametrize("typed", ["1975-12-25", "25/12/1975", "25.12.1975", "12/25/1975"])
def test_date_of_birth_in_the_usual_forms(index, typed):
    assert _names(index.search(typed)) == ["Siobhán O'Brien"]


def test_ambiguous_short_dates_follow_the_order_of_the_formats():
    day_first = PatientSearchIndex()
    month_first = PatientSearchIndex(date_formats=["%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y"])
    for idx in (day_first, month_first):
        idx.build([ANNE])
    # Anne-Marie was born on 4 March 2001.
    assert _names(day_first.search("04/03/2001")) == ["Anne-Marie Dupont"]
    assert _names(day_first.search("03/04/2001")) == []
    assert _names(month_first.search("03/04/2001")) == ["Anne-Marie Dupont"]
    assert _names(month_first.search("04/03/2001")) == []
    assert parse_typed_date("31/02/2001") is None
    assert parse_typed_date("hello") is None


def test_several_patients_on_one_birthday_come_sorted_by_surname(index):
    assert _names(index.search("23.04.1980")) == ["Hans Müller", "Mary Mullins"]


@pytest.mark.parametrize(
    "typed", ["4567", "1234567", "030 1234567", "0049 30 1234567", "+49 30 1234", "49301234567"]
)
def test_any_four_or_more_consecutive_digits_of_the_phone(index, typed):
    assert MUELLER.id in [h.patient_id for h in index.search(typed)]


def test_fewer_than_four_digits_find_nothing(index):
    assert index.search("123") == []


def test_a_whole_phone_number_ranks_before_partial_matches():
    whole = _patient("Ada", "Zed", phone="+12345678")
    inside = _patient("Bea", "Alpha", phone="+9912345678")
    idx = PatientSearchIndex()
    idx.build([inside, whole])
    assert _names(idx.search("12345678")) == ["Ada Zed", "Bea Alpha"]


def test_email_full_or_prefix(index):
    assert _names(index.search("hans.mueller@example.org")) == ["Hans Müller"]
    assert _names(index.search("sob@")) == ["Siobhán O'Brien"]
    assert _names(index.search("hans.m")) == ["Hans Müller"]
    assert _names(index.search("AMD@EXAMPLE")) == ["Anne-Marie Dupont"]


def test_hits_carry_what_the_result_list_shows(index):
    when = datetime(2030, 5, 6, 8, 0, tzinfo=UTC)
    index.set_next_appointment(OBRIEN.id, when)
    (hit,) = index.search("obrien")
    assert (hit.patient_id, hit.full_name, hit.date_of_birth) == (
        OBRIEN.id,
        "Siobhán O'Brien",
        date(1975, 12, 25),
    )
    assert (hit.phone, hit.email, hit.next_appointment) == ("+353871112233", "sob@example.ie", when)


def test_limit_and_empty_queries(index):
    assert len(index.search("m", limit=1)) == 1
    assert index.search("   ") == []
    assert index.search("m", limit=0) == []


def test_upsert_replaces_the_old_words_and_keeps_the_next_appointment(index):
    when = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    index.set_next_appointment(MULLINS.id, when)
    renamed = MULLINS.with_details(
        PatientDetails("Mary", "Nakamura", MULLINS.details.date_of_birth, "+441632960000")
    )
    index.upsert(renamed)
    assert MULLINS.id not in [h.patient_id for h in index.search("mullins")]
    (hit,) = index.search("nakam")
    assert hit.next_appointment == when
    assert len(index) == 5


def test_remove_forgets_every_way_of_finding_a_patient(index):
    index.remove(MUELLER.id)
    for query in ("mull", "hans.m", "4567", "23.04.1980"):
        assert MUELLER.id not in [h.patient_id for h in index.search(query)]
    assert MUELLER.id not in index
    index.remove(MUELLER.id)  # removing twice is harmless


def test_deactivated_patients_are_found_but_listed_last():
    inactive = _patient("Maria", "Aaronson", active=False)
    active = _patient("Maria", "Zimmer")
    idx = PatientSearchIndex()
    idx.build([inactive, active])
    assert _names(idx.search("maria")) == ["Maria Zimmer", "Maria Aaronson"]
    assert [h.active for h in idx.search("maria")] == [True, False]


def test_phone_matches_only_the_exact_number(index):
    assert index.phone_matches("+49 30 1234567") == [MUELLER.id]
    assert index.phone_matches("1234567") == []


def test_name_tokens_cover_the_ways_people_type():
    assert {"obrien", "brien"} <= name_tokens("O'Brien")
    assert {"anne", "marie", "annemarie"} <= name_tokens("Anne-Marie")
    assert {"muller", "mueller"} <= name_tokens("Müller")
    assert "soren" in name_tokens("Søren")


def test_a_large_index_answers_from_the_sorted_arrays():
    # Correctness at scale (the benchmark measures the time): 20,000 generated names.
    people = [
        _patient(f"First{i:05d}", f"Last{i % 997:03d}", phone=f"+4930{i:07d}")
        for i in range(20_000)
    ]
    idx = PatientSearchIndex()
    idx.build(people)
    hits = idx.search("last042", limit=1000)
    assert len(hits) == len([p for p in people if p.details.last_name == "Last042"])
    assert {h.full_name for h in idx.search("first01234")} == {"First01234 Last237"}
    assert _names(idx.search("0012345")) == ["First12345 Last381"]
