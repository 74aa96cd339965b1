"""Sorted key arrays for the search index, built without long interpreter-locked C calls.

One `sorted()` of 250,000 keys holds the interpreter lock for ~100-300 ms, freezing the GUI
thread while the worker builds the index. The keys are sorted as a sample sort instead:
splitters are taken from a sample of the keys, every key (with its slot) is placed in the
bucket between two splitters (bisection in C-level map()s over a thousand keys at a time), and
each bucket, about a thousand keys, is sorted on its own. Buckets keep their keys in the
original order and equal keys always share a bucket, so the result is exactly that of one
stable sort.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from functools import partial

from novamind_desktop.services.search_records import release_in_pieces

_TOP = "\U0010ffff"  # sorts after every character a key can hold
_SORT_PIECE = 1024  # keys sorted (or placed in buckets) in one C call: under a millisecond
_SAMPLE_EVERY = 32  # one key in so many is sampled for the splitters

Piece = tuple[list[str], list[int]]  # keys in order, and the slot of each


def sorted_pieces(keys: list[str], slots: list[int]) -> Iterator[Piece]:
    """The keys with their slots, stably sorted by key, as consecutive pieces of about
    _SORT_PIECE keys."""
    size = len(keys)
    if size <= _SORT_PIECE:
        yield _sorted(keys, slots)
        return
    stride = max(1, min(_SAMPLE_EVERY, _SORT_PIECE // 8))
    per_bucket = max(1, _SORT_PIECE // stride)  # sampled keys between two splitters
    sample = sorted(keys[::stride])  # size/32 keys: a few milliseconds even at 1M keys
    bucket_of = partial(bisect_right, sample[per_bucket::per_bucket])
    count = len(sample) // per_bucket + 1
    bucket_keys: list[list[str]] = [[] for _ in range(count)]
    bucket_slots: list[list[int]] = [[] for _ in range(count)]
    for start in range(0, size, _SORT_PIECE):
        part = keys[start : start + _SORT_PIECE]
        placed = zip(part, slots[start : start + _SORT_PIECE], map(bucket_of, part), strict=True)
        for key, slot, bucket in placed:
            bucket_keys[bucket].append(key)
            bucket_slots[bucket].append(slot)
    for piece in zip(bucket_keys, bucket_slots, strict=True):
        if piece[0]:
            yield _sorted(*piece)


def _sorted(keys: list[str], slots: list[int]) -> Piece:
    order = sorted(range(len(keys)), key=keys.__getitem__)  # stable: ties keep their order
    return list(map(keys.__getitem__, order)), list(map(slots.__getitem__, order))


class SortedKeys:
    """Parallel sorted arrays of keys (each unique) and the slot each key belongs to."""

    def __init__(self, keys: list[str] | None = None, slots: list[int] | None = None):
        self.keys: list[str] = []
        self.slots: list[int] = []
        for piece in sorted_pieces(keys, slots) if keys and slots else ():
            self.append(*piece)

    def append(self, keys: list[str], slots: list[int]) -> None:
        """Add keys that sort after all present ones, in order, with their slots."""
        self.keys += keys
        self.slots += slots

    def insert(self, key: str, slot: int) -> None:
        i = bisect_left(self.keys, key)
        self.keys.insert(i, key)
        self.slots.insert(i, slot)

    def delete(self, key: str) -> None:
        i = bisect_left(self.keys, key)
        if i < len(self.keys) and self.keys[i] == key:
            del self.keys[i]
            del self.slots[i]

    def prefix_range(self, prefix: str) -> range:
        return range(bisect_left(self.keys, prefix), bisect_left(self.keys, prefix + _TOP))

    def release(self) -> None:
        """Let go of the keys in pieces (see search_records.release_in_pieces)."""
        release_in_pieces(self.keys, self.slots)
