"""The index sorts its keys as a sample sort in buckets of about a thousand (so the GUI thread
gets the interpreter lock between them); the order must be exactly what one stable sort gives."""

from hypothesis import given
from hypothesis import strategies as st

from novamind_desktop.services import search_keys

WORDS = ["ann", "anna", "annabel", "bo", "müller", "o'brien", "", "zoe", "annan", "ann\x00x"]


def _stable_sort(keys: list[str]) -> list[tuple[str, int]]:
    return sorted(zip(keys, range(len(keys)), strict=True), key=lambda pair: pair[0])


def _pieces(keys: list[str]) -> list[tuple[str, int]]:
    pieces = search_keys.sorted_pieces(keys, list(range(len(keys))))
    return [pair for ordered, slots in pieces for pair in zip(ordered, slots, strict=True)]


def _in_small_pieces(keys: list[str]) -> list[tuple[str, int]]:
    original = search_keys._SORT_PIECE
    search_keys._SORT_PIECE = 3  # splitters from every key: many buckets, ties at their edges
    try:
        return _pieces(keys)
    finally:
        search_keys._SORT_PIECE = original


@given(st.lists(st.sampled_from(WORDS)))
def test_bucketed_order_is_the_one_stable_sort(keys):
    assert _in_small_pieces(keys) == _stable_sort(keys)


@given(st.lists(st.text(alphabet="ab\x00ü", max_size=8)))
def test_prefixes_of_each_other_and_equal_keys_sort_as_one_stable_sort_does(keys):
    assert _in_small_pieces(keys) == _stable_sort(keys)


def test_a_large_key_list_is_sorted_in_pieces_with_the_same_result():
    keys = [f"{(i * 7919) % 30_011:05d}" for i in range(45_000)]  # many buckets, with ties
    pieces = list(search_keys.sorted_pieces(keys, list(range(len(keys)))))
    assert len(pieces) > 5 and max(len(keys) for keys, _ in pieces) <= 2 * search_keys._SORT_PIECE
    assert _pieces(keys) == _stable_sort(keys)


def test_sorted_keys_keep_each_slot_with_its_key():
    keys = [f"{(i * 7919) % 30_011:05d}\x00{i}" for i in range(10_000)]
    sorted_keys = search_keys.SortedKeys(keys, list(range(10_000)))
    assert sorted_keys.keys == sorted(keys)
    pairs = zip(sorted_keys.keys, sorted_keys.slots, strict=True)
    assert all(key.endswith(f"\x00{slot}") for key, slot in pairs)
    assert list(sorted_keys.prefix_range("00000")) == [0]


def test_many_equal_keys_keep_their_original_order():
    keys = ["same"] * 5_000 + ["other"] * 3 + ["same"] * 5
    assert _pieces(keys) == _stable_sort(keys)
