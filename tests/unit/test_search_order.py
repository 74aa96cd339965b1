"""The index sorts its keys as a sample sort in buckets of a few thousand (so the GUI thread
gets the interpreter lock between them); the order must be exactly what one sort gives."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from novamind_desktop.services import search_keys

WORDS = ["ann", "anna", "annabel", "bo", "müller", "o'brien", "", "zoe", "annan", "ann\x00x"]


def _in_small_pieces(keys: list[str]) -> list[str]:
    original = search_keys._SORT_PIECE
    search_keys._SORT_PIECE = 3  # splitters from every key: many buckets, ties at their edges
    try:
        return [key for piece in search_keys.sorted_pieces(keys) for key in piece]
    finally:
        search_keys._SORT_PIECE = original


@given(st.lists(st.sampled_from(WORDS)))
def test_bucketed_order_is_the_one_sort(keys):
    assert _in_small_pieces(keys) == sorted(keys)


@given(st.lists(st.text(alphabet="ab\x00ü", max_size=8)))
def test_prefixes_of_each_other_and_equal_keys_sort_as_one_sort_does(keys):
    assert _in_small_pieces(keys) == sorted(keys)


def test_a_large_key_list_is_sorted_in_pieces_with_the_same_result():
    keys = [f"{(i * 7919) % 30_011:05d}" for i in range(45_000)]  # many buckets, with ties
    pieces = list(search_keys.sorted_pieces(keys))
    assert len(pieces) > 5 and max(map(len, pieces)) <= 2 * search_keys._SORT_PIECE
    assert [key for piece in pieces for key in piece] == sorted(keys)


def test_sorted_keys_keep_each_slot_with_its_key():
    keys = [f"{(i * 7919) % 30_011:05d}\x00{i}" for i in range(10_000)]
    sorted_keys = search_keys.SortedKeys(keys, list(range(10_000)))
    assert sorted_keys.keys == sorted(keys)
    pairs = zip(sorted_keys.keys, sorted_keys.slots, strict=True)
    assert all(key.endswith(f"\x00{slot}") for key, slot in pairs)
    assert list(sorted_keys.prefix_range("00000")) == [0]


def test_keys_must_be_unique():
    with pytest.raises(ValueError, match="unique"):
        search_keys.SortedKeys(["a\x001", "a\x001"], [1, 2])
