"""The index sorts its keys as a sample sort in buckets of a few thousand (so the GUI thread
gets the interpreter lock between them); the order must be exactly what one stable sort gives."""

from hypothesis import given
from hypothesis import strategies as st

from novamind_desktop.services import search_keys

WORDS = ["ann", "anna", "annabel", "bo", "müller", "o'brien", "", "zoe", "annan", "ann\x00x"]


def _with_small_pieces(keys: list[str]) -> list[int]:
    original = search_keys._SORT_PIECE
    search_keys._SORT_PIECE = 3  # splitters from every key: many buckets, ties at their edges
    try:
        return search_keys.stable_order(keys)
    finally:
        search_keys._SORT_PIECE = original


@given(st.lists(st.sampled_from(WORDS)))
def test_bucketed_order_is_the_one_stable_sort(keys):
    assert _with_small_pieces(keys) == sorted(range(len(keys)), key=keys.__getitem__)


@given(st.lists(st.text(alphabet="ab\x00ü", max_size=8)))
def test_prefixes_of_each_other_and_identical_keys_sort_as_one_sort_does(keys):
    assert _with_small_pieces(keys) == sorted(range(len(keys)), key=keys.__getitem__)


def test_a_large_key_list_is_sorted_in_pieces_with_the_same_result():
    keys = [f"{(i * 7919) % 30_011:05d}" for i in range(45_000)]  # many buckets, with ties
    assert len(keys) > 2 * search_keys._SORT_PIECE
    pieces = list(search_keys.ordered_pieces(keys))
    assert len(pieces) > 5 and max(map(len, pieces)) <= 2 * search_keys._SORT_PIECE
    assert search_keys.stable_order(keys) == sorted(range(len(keys)), key=keys.__getitem__)


def test_sorted_keys_keep_each_slot_with_its_key():
    keys = ["b\x002", "a\x001", "c\x003", "a\x004"]
    sorted_keys = search_keys.SortedKeys(keys, [2, 1, 3, 4])
    assert sorted_keys.keys == sorted(keys)
    assert sorted_keys.slots == [1, 4, 2, 3]
    assert list(sorted_keys.prefix_range("a")) == [0, 1]


def test_many_equal_keys_stay_in_their_original_order():
    keys = ["same"] * 10_000 + ["other"] * 3 + ["same"] * 5
    assert search_keys.stable_order(keys) == sorted(range(len(keys)), key=keys.__getitem__)
