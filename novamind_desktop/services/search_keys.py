"""Sorted key arrays for the search index, built without long interpreter-locked C calls.

Every key ends with "\\0" and the slot of the patient it belongs to ("email\\0slot",
"digits\\0slot", and for names "sort-name\\0slot" under each word), so keys are unique and a
key tells its slot: no parallel array of slots has to be kept in step (or permuted along when
sorting).

One `sorted()` of 250,000 keys holds the interpreter lock for ~100-300 ms, freezing the GUI
thread while the worker builds the index. The keys are sorted as a sample sort instead:
splitters are taken from a sample of the keys, every key is placed in the bucket between two
splitters (bisection in C-level map()s over a thousand keys at a time), and each bucket,
about a thousand keys, is sorted on its own. The result is exactly one sorted() of them all.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import chain

from novamind_desktop.services.search_records import release_in_pieces

_TOP = "\U0010ffff"  # sorts after every character a key can hold
_SORT_PIECE = 1024  # keys sorted (or placed in buckets) in one C call: under a millisecond
_SAMPLE_EVERY = 32  # one key in so many is sampled for the splitters


def sorted_pieces(keys: list[str]) -> Iterator[list[str]]:
    """sorted(keys) as consecutive pieces of about _SORT_PIECE keys."""
    size = len(keys)
    if size <= _SORT_PIECE:
        yield sorted(keys)
        return
    stride = max(1, min(_SAMPLE_EVERY, _SORT_PIECE // 8))
    per_bucket = max(1, _SORT_PIECE // stride)  # sampled keys between two splitters
    sample = sorted(keys[::stride])  # size/32 keys: a few milliseconds even at 1M keys
    bucket_of = partial(bisect_right, sample[per_bucket::per_bucket])
    buckets: list[list[str]] = [[] for _ in range(len(sample) // per_bucket + 1)]
    for start in range(0, size, _SORT_PIECE):
        part = keys[start : start + _SORT_PIECE]
        # buckets[bucket_of(key)].append(key) for each key, in C (no bytecode per key)
        deque(map(list.append, map(buckets.__getitem__, map(bucket_of, part)), part), maxlen=0)
    for members in buckets:
        if members:
            yield sorted(members)


def group_into(
    grouped: defaultdict[str, list[str]], words: Iterable[str], keys: Iterable[str]
) -> None:
    """grouped[word].append(key) for each word and key, in C: no bytecode per pair."""
    deque(map(list.append, map(grouped.__getitem__, words), keys), maxlen=0)


def slot_of(key: str) -> int:
    """The slot a key belongs to: the number after its last "\\0"."""
    return int(key[key.rindex("\x00") + 1 :])


class SortedKeys:
    """A sorted array of keys, each ending with "\\0slot"."""

    def __init__(self, keys: Iterable[str] = ()):
        self.keys: list[str] = []
        for piece in sorted_pieces(list(keys)):
            self.keys += piece

    def slot(self, position: int) -> int:
        return slot_of(self.keys[position])

    def slots(self, positions: range) -> Iterator[int]:
        keys = self.keys
        return (slot_of(keys[i]) for i in positions)

    def insert(self, key: str) -> None:
        self.keys.insert(bisect_left(self.keys, key), key)

    def delete(self, key: str) -> None:
        i = bisect_left(self.keys, key)
        if i < len(self.keys) and self.keys[i] == key:
            del self.keys[i]

    def prefix_range(self, prefix: str) -> range:
        return range(bisect_left(self.keys, prefix), bisect_left(self.keys, prefix + _TOP))

    def release(self) -> None:
        """Let go of the keys in pieces (see search_records.release_in_pieces)."""
        release_in_pieces(self.keys)


class WordPostings:
    """The words that find names, sorted, each with the sorted "sort-name\\0slot" keys of the
    patients it finds: the order of one sorted array of "word\\0sort-name\\0slot" keys (a word
    holds no "\\0", so it sorts before every longer word it begins), with each word kept once
    rather than once a patient. Building it makes no key per word and patient, and sorts each
    word's keys on its own (a few hundred on average) instead of all 200,000 together."""

    def __init__(self, postings: dict[str, list[str]] | None = None):
        self.postings: dict[str, list[str]] = {} if postings is None else postings
        self.words: list[str] = []
        for piece in sorted_pieces(list(self.postings)):
            self.words += piece

    @classmethod
    def of_groups(cls, grouped: dict[str, list[str]]) -> WordPostings:
        """From each word's keys in any order (see group_into); the lists are sorted here."""
        for word, members in grouped.items():
            if len(members) <= 2 * _SORT_PIECE:
                members.sort()  # a millisecond or two at most
            else:
                grouped[word] = list(chain.from_iterable(sorted_pieces(members)))
        return cls(dict(grouped))

    def prefix_range(self, prefix: str) -> range:
        """The positions of the words starting with `prefix`."""
        words = self.words
        return range(bisect_left(words, prefix), bisect_left(words, prefix + _TOP))

    def count(self, found: range) -> int:
        """How many patient keys the words at `found` hold together."""
        return sum(map(len, map(self.postings.__getitem__, self.words[found.start : found.stop])))

    def slots(self, found: range) -> Iterator[int]:
        """The slots under the words at `found`, word by word, each word's in key order."""
        lists = map(self.postings.__getitem__, self.words[found.start : found.stop])
        return map(slot_of, chain.from_iterable(lists))

    def insert(self, word: str, key: str) -> None:
        members = self.postings.get(word)
        if members is None:
            self.words.insert(bisect_left(self.words, word), word)
            self.postings[word] = [key]
        else:
            members.insert(bisect_left(members, key), key)

    def delete(self, word: str, key: str) -> None:
        members = self.postings.get(word)
        if members is None:
            return
        i = bisect_left(members, key)
        if i < len(members) and members[i] == key:
            del members[i]
        if not members:
            del self.postings[word]
            del self.words[bisect_left(self.words, word)]

    def keys(self) -> list[str]:
        """Everything as one sorted array of "word\\0sort-name\\0slot" keys (for tests)."""
        return [f"{word}\x00{key}" for word in self.words for key in self.postings[word]]

    def release(self) -> None:
        """Let go of the words and keys in pieces (see search_records.release_in_pieces)."""
        release_in_pieces(*self.postings.values())
        release_in_pieces(self.postings, self.words)
