"""The index sorts its keys as a sample sort in buckets of about a thousand (so the GUI thread
gets the interpreter lock between them); the order must be exactly what one sort gives."""

from collections import defaultdict

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


NAME_WORDS = ["ann", "anna", "annabel", "bo", "muller", "obrien", "o", "b"]  # no "\0" in a word


@given(st.lists(st.tuples(st.sampled_from(NAME_WORDS), st.integers(1, 60)), unique=True))
def test_word_postings_keep_the_order_of_one_sorted_array_of_word_keys(pairs):
    pairs = [(word, f"sort {slot % 7}\x00{slot}") for word, slot in pairs]
    grouped = defaultdict(list)
    search_keys.group_into(grouped, (w for w, _ in pairs), (k for _, k in pairs))
    original = search_keys._SORT_PIECE
    search_keys._SORT_PIECE = 2  # long word lists are sample-sorted too
    try:
        postings = search_keys.WordPostings.of_groups(grouped)
    finally:
        search_keys._SORT_PIECE = original
    flat = sorted(f"{word}\x00{key}" for word, key in pairs)
    assert postings.keys() == flat
    for prefix in ["a", "an", "ann", "o", "zz", ""]:
        found = postings.prefix_range(prefix)
        expected = [search_keys.slot_of(k) for k in flat if k.startswith(prefix)]
        assert list(postings.slots(found)) == expected
        assert postings.count(found) == len(expected)


def test_word_postings_take_and_give_back_single_keys():
    postings = search_keys.WordPostings()
    postings.insert("ann", "b\x002")
    postings.insert("ann", "a\x001")
    postings.insert("anna", "a\x003")
    postings.insert("bo", "c\x004")
    assert postings.keys() == ["ann\x00a\x001", "ann\x00b\x002", "anna\x00a\x003", "bo\x00c\x004"]
    postings.delete("ann", "a\x001")
    postings.delete("anna", "a\x003")  # the word's last key: the word goes too
    postings.delete("bo", "zz\x009")  # not there: nothing happens
    postings.delete("nobody", "a\x001")
    assert postings.words == ["ann", "bo"]
    assert list(postings.slots(postings.prefix_range("an"))) == [2]
    postings.release()
    assert postings.words == [] and postings.postings == {}
