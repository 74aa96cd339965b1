"""The index sorts its keys in pieces (so the GUI thread gets the lock between them); the
order must be exactly what one stable sort gives."""

from hypothesis import given
from hypothesis import strategies as st

from novamind_desktop.services import search


@given(st.lists(st.sampled_from(["ann", "anna", "bo", "müller", "o'brien", "", "zoe"])))
def test_pieces_merged_give_the_one_stable_sort(keys):
    original = search._SORT_PIECE
    search._SORT_PIECE = 3  # many pieces, many ties across pieces
    try:
        assert search._stable_order(keys) == sorted(range(len(keys)), key=keys.__getitem__)
    finally:
        search._SORT_PIECE = original


def test_a_large_key_list_is_sorted_in_pieces_with_the_same_result():
    keys = [f"{(i * 7919) % 30_011:05d}" for i in range(45_000)]  # > two pieces, with ties
    assert len(keys) > 2 * search._SORT_PIECE
    assert search._stable_order(keys) == sorted(range(len(keys)), key=keys.__getitem__)
