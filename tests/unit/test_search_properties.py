"""Properties of the search normaliser and index, checked with hypothesis."""

import unicodedata
from datetime import date
from uuid import uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from novamind_desktop.domain.patients import Patient, PatientDetails
from novamind_desktop.services.search import PatientSearchIndex
from novamind_desktop.services.search_text import name_tokens, normalise, words

EUROPEAN = "abcdefghijklmnopqrstuvwxyzäöüßàâçéèêëîïôûùÿñøåæœłšžčřőűğışțăą"
name_word = st.text(alphabet=EUROPEAN + EUROPEAN.upper() + "'’-", min_size=1, max_size=12).filter(
    lambda w: any(c.isalpha() for c in w)
)


@given(st.text())
def test_normalising_twice_changes_nothing(text):
    once = normalise(text)
    assert normalise(once) == once


@given(st.text())
def test_composed_and_decomposed_text_normalise_alike(text):
    assert normalise(unicodedata.normalize("NFC", text)) == normalise(
        unicodedata.normalize("NFD", text)
    )


@given(st.text())
def test_no_accents_or_apostrophes_survive(text):
    folded = normalise(text)
    assert not any(unicodedata.combining(c) for c in folded)
    assert not any(c in folded for c in "'’`")


@given(name_word)
def test_case_does_not_matter_for_european_names(word):
    assert normalise(word.upper()) == normalise(word.lower())


@given(name_word)
def test_european_names_fold_to_plain_ascii(word):
    assert normalise(word).isascii()


@settings(max_examples=60, deadline=None)
@given(first=name_word, last=name_word, cut=st.integers(min_value=1, max_value=12))
def test_every_word_is_found_by_any_prefix_of_its_folded_form(first, last, cut):
    patient = Patient(uuid4(), PatientDetails(first, last, date(1990, 1, 1), "+4912345678"))
    index = PatientSearchIndex()
    index.build([patient])
    for word in words(normalise(f"{first} {last}")):
        assert [h.patient_id for h in index.search(word[:cut])] == [patient.id]
    assert words(normalise(first))[0] in name_tokens(first) or not words(normalise(first))
