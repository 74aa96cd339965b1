"""The index sorts its keys as a sample sort in buckets of about a thousand (so the GUI thread
gets the interpreter lock between them); the order must be exactly what one sort gives."""

from hypothesis import given
from hypothesis import strategies as st

from novamind_desktop.services import search_keys

WORDS = ["ann", "anna", "annabel", "bo", "müller", "o'brien", "", "zoe", "annan", "ann\x00x"]


def _in_pieces(keys: list[str]) -> list[str]:
    return [key for piece in search_keys.sorted_pieces(keys) for key in piece]


def _in_small_pieces(keys: list[str]) -> list[str]:
    original = search_keys._SORT_PIECE
    search_keys._SORT_PIECE = 3  # splitters from every key: many buckets, ties at their edges
    try:
        return _in_pieces(keys)
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
    assert _in_pieces(keys) == sorted(keys)
    same = ["same"] * 5_000 + ["other"] * 3
    assert _in_pieces(same) == sorted(same)


def test_sorted_keys_tell_each_key_s_slot():
    keys = [f"{(i * 7919) % 30_011:05d}\x00{i}" for i in range(10_000)]
    sorted_keys = search_keys.SortedKeys(keys)
    assert sorted_keys.keys == sorted(keys)
    assert [sorted_keys.slot(i) for i in range(3)] == [
        int(k.split("\x00")[1]) for k in sorted(keys)[:3]
    ]
    found = sorted_keys.prefix_range("00000")
    assert list(sorted_keys.slots(found)) == [0]
    sorted_keys.insert("00000\x00a\x0017")
    sorted_keys.delete("00000\x000")
    assert list(sorted_keys.slots(sorted_keys.prefix_range("00000"))) == [17]
