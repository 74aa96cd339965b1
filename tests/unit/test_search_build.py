"""Building the whole index at once (column by column, keys sample-sorted in pieces) must give
exactly what adding the same patients one by one gives; and it lets go of memory in pieces."""

import gc
import weakref
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from novamind_desktop.domain.appointments import Appointment
from novamind_desktop.domain.patients import Patient, PatientDetails
from novamind_desktop.services import search_entries, search_keys
from novamind_desktop.services.search import PatientSearchIndex, SearchHit
from novamind_desktop.services.search_records import (
    IndexedPatient,
    IndexedPatients,
    release_in_pieces,
)

FIRST = ["Ana", "Anna", "Hans", "Søren", "Siobhán", "Anne-Marie", "Zoë", "Li", "Ørjan", "Jo Ann"]
LAST = ["Müller", "O'Brien", "Mullins", "Dupont", "Kierkegaard", "Li", "van der Berg", "Ní Bhriain"]
PHONES = ["+4930123456", "030 123456", "+44 (20) 7946-0000", "+4930123456", "0049301234"]
DAY = datetime(2030, 3, 4, 9, tzinfo=UTC)

patients = st.lists(
    st.builds(
        IndexedPatient,
        id=st.builds(uuid4),
        first_name=st.sampled_from(FIRST),
        last_name=st.sampled_from(LAST),
        date_of_birth=st.sampled_from([date(1980, 4, 23), date(1975, 12, 25), date(2001, 3, 4)]),
        phone=st.sampled_from(PHONES),
        email=st.sampled_from([None, "a@example.org", "Hans.M@Example.org", "b@example.org"]),
        active=st.booleans(),
    ),
    max_size=40,
)


def _contents(index: PatientSearchIndex) -> tuple:
    return (
        index._entries,
        index._slot_of,
        index._names.keys(),
        index._emails.keys,
        index._phone_keys.keys,
        index._by_dob,
        index._phone_blob(),
    )


@pytest.fixture
def small_pieces(monkeypatch):
    monkeypatch.setattr(search_entries, "PIECE", 3)  # many rounds of map()s
    monkeypatch.setattr(search_keys, "_SORT_PIECE", 4)  # many sort buckets


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(listed=patients)
def test_built_at_once_is_the_index_made_one_by_one(small_pieces, listed):  # the patch stays
    upcoming = {p.id: DAY + timedelta(hours=i) for i, p in enumerate(listed) if i % 3 == 0}
    at_once = PatientSearchIndex()
    at_once.build(listed, upcoming)
    one_by_one = PatientSearchIndex()
    for patient in listed:
        one_by_one.upsert(patient)
        one_by_one.set_next_appointment(patient.id, upcoming.get(patient.id))
    assert _contents(at_once) == _contents(one_by_one)
    for query in ["a", "an", "mu", "o", "li", "jo ann", "1234", "0301", "hans.m", "25.12.1975"]:
        assert at_once.search(query) == one_by_one.search(query)


def test_domain_patients_and_index_records_build_alike():
    patient = Patient(uuid4(), PatientDetails("Hans", "Müller", date(1980, 4, 23), "+4930123"))
    from_domain, from_records = PatientSearchIndex(), PatientSearchIndex()
    from_domain.build([patient])
    from_records.build([IndexedPatient.of(patient)])
    assert _contents(from_domain) == _contents(from_records)
    assert from_domain.hit(patient.id) == from_records.hit(patient.id)


def test_next_appointments_may_be_given_as_starts_or_as_appointments():
    ada = IndexedPatient(uuid4(), "Ada", "Zed", date(1990, 1, 2), "+4912345678", None, True)
    bea = IndexedPatient(uuid4(), "Bea", "Zed", date(1991, 2, 3), "+4987654321", None, True)
    booked = Appointment(uuid4(), bea.id, uuid4(), DAY, DAY + timedelta(hours=1), "initial")
    for upcoming in ({ada.id: DAY, bea.id: booked.start}, {ada.id: DAY, bea.id: booked}):
        index = PatientSearchIndex()
        index.build([ada, bea], upcoming)
        assert [h.next_appointment for h in index.search("zed")] == [DAY, DAY]


def test_a_rebuild_replaces_everything_and_empties_the_old_contents():
    first = IndexedPatient(uuid4(), "Ada", "Zed", date(1990, 1, 2), "+4912345678", None, True)
    second = IndexedPatient(uuid4(), "Bea", "Alpha", date(1991, 2, 3), "+4987654321", None, True)
    index = PatientSearchIndex()
    index.build([first])
    old_entries, old_names = index._entries, index._names.words
    index.build([second])
    assert [h.patient_id for h in index.search("bea")] == [second.id]
    assert index.search("ada") == [] and first.id not in index
    assert old_entries == {} and old_names == []  # let go of in pieces, after the swap


def test_containers_are_emptied_in_pieces(monkeypatch):
    monkeypatch.setattr("novamind_desktop.services.search_records.RELEASE_PIECE", 7)
    listed, mapping = list(range(100)), {i: str(i) for i in range(50)}
    release_in_pieces(listed, mapping)
    assert listed == [] and mapping == {}


def test_index_records_let_go_of_their_rows_when_dropped():
    records = IndexedPatients(
        IndexedPatient(uuid4(), "Ada", "Zed", date(1990, 1, 2), "+49123", None, True)
        for _ in range(3)
    )
    kept = records[0]
    records.__del__()  # what happens when the list is dropped
    assert records == [] and isinstance(kept.id, UUID)


def test_an_index_record_shows_what_a_patient_shows():
    patient = Patient(
        uuid4(),
        PatientDetails("Zoë", "O'Brien", date(1975, 12, 25), "+353871112233", "z@example.ie"),
        active=False,
    )
    record = IndexedPatient.of(patient)
    assert (record.id, record.full_name, record.active) == (patient.id, patient.full_name, False)
    assert (record.date_of_birth, record.phone, record.email) == (
        date(1975, 12, 25),
        "+353871112233",
        "z@example.ie",
    )


def test_the_index_keeps_nothing_the_garbage_collector_must_walk():
    ids = [uuid4() for _ in range(50)]
    listed = [
        IndexedPatient(pid, "Ada", f"Zed{i}", date(1990, 1, 2), "+49123", None, True)
        for i, pid in enumerate(ids)
    ]
    index = PatientSearchIndex()
    index.build(listed, {ids[0]: DAY})
    index.upsert(Patient(uuid4(), PatientDetails("Bea", "Alpha", date(1991, 2, 3), "+4987")))
    first, watched = ids[0], weakref.ref(ids[1])
    del listed, ids
    gc.collect()
    gc.collect()  # the tokens tuples are let go first, the entries holding them next
    assert watched() is None  # neither the records nor their UUIDs are kept
    assert not any(gc.is_tracked(entry) for entry in index._entries.values())
    assert index.hit(first) == SearchHit(
        first, "Ada Zed0", date(1990, 1, 2), "+49123", None, DAY, True
    )
