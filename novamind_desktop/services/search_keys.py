"""Sorted key arrays for the search index, built without long interpreter-locked C calls.

Every key ends with "\\0" and the slot of the patient it belongs to ("token\\0sort-name\\0slot",
"email\\0slot", "digits\\0slot"), so keys are unique and a key tells its slot: no parallel
array of slots has to be kept in step (or permuted along when sorting).

One `sorted()` of 250,000 keys holds the interpreter lock for ~100-300 ms, freezing the GUI
thread while the worker builds the index. The keys are sorted as a sample sort instead:
splitters are taken from a sample of the keys, every key is placed in the bucket between two
splitters (bisection in C-level map()s over a thousand keys at a time), and each bucket,
about a thousand keys, is sorted on its own. The result is exactly one sorted() of them all.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from functools import partial

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
        for key, bucket in zip(part, map(bucket_of, part), strict=True):
            buckets[bucket].append(key)
    for members in buckets:
        if members:
            yield sorted(members)


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
