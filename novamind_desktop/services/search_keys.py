"""Sorted key arrays for the search index, built without long interpreter-locked C calls.

One `sorted()` of 250,000 keys holds the interpreter lock for ~100-300 ms, freezing the GUI
thread while the worker builds the index. The keys are sorted as a sample sort instead:
splitters are taken from a sample of the keys, every key is placed in the bucket between two
splitters (bisection in C-level map()s over a few thousand keys at a time), and each bucket,
a few thousand keys, is sorted on its own. Every key of the index ends with its slot number,
so keys are unique and the slot of a key can be looked up in a dict.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from functools import partial

from novamind_desktop.services.search_records import release_in_pieces

_TOP = "\U0010ffff"  # sorts after every character a key can hold
_SORT_PIECE = 2048  # keys sorted (or placed in buckets) in one C call: about a millisecond
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


def mapping(keys: list[str], values: list[int]) -> dict[str, int]:
    """dict(zip(keys, values)), filled a piece at a time."""
    made: dict[str, int] = {}
    for start in range(0, len(keys), _SORT_PIECE):
        end = start + _SORT_PIECE
        made.update(zip(keys[start:end], values[start:end], strict=True))
    return made


class SortedKeys:
    """Parallel sorted arrays of keys (each unique) and the slot each key belongs to."""

    def __init__(self, keys: list[str] | None = None, slots: list[int] | None = None):
        self.keys: list[str] = []
        self.slots: list[int] = []
        if keys and slots:
            slot_of = mapping(keys, slots)
            if len(slot_of) != len(keys):
                raise ValueError("search keys must be unique")
            for piece in sorted_pieces(keys):
                self.append(piece, map(slot_of.__getitem__, piece))

    def append(self, keys: list[str], slots: Iterable[int]) -> None:
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
