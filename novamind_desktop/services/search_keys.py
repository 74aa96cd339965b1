"""Sorted key arrays for the search index, built without long interpreter-locked C calls.

One `sorted()` of 250,000 keys holds the interpreter lock for ~100-300 ms, freezing the GUI
thread while the worker builds the index. The keys are sorted as a sample sort instead:
splitters are taken from a sample of the keys, every key is placed in the bucket between two
splitters (bisection in C-level map()s over a few thousand keys at a time), and each bucket,
a few thousand keys, is sorted on its own. Buckets hold their keys in the original order and
equal keys always share a bucket, so the result is exactly that of one stable sort.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from functools import partial

from novamind_desktop.services.search_records import release_in_pieces

_TOP = "\U0010ffff"  # sorts after every character a key can hold
_SORT_PIECE = 4096  # keys sorted (or placed in buckets) in one C call: a millisecond or two
_SAMPLE_EVERY = 32  # one key in so many is sampled for the splitters


def stable_order(keys: list[str]) -> list[int]:
    """Indices of `keys` in sorted order, ties in their original order."""
    return [i for piece in ordered_pieces(keys) for i in piece]


def ordered_pieces(keys: list[str]) -> Iterator[list[int]]:
    """stable_order(keys) as consecutive pieces of about _SORT_PIECE indices."""
    key = keys.__getitem__  # strings sort fast; tuples don't
    size = len(keys)
    if size <= _SORT_PIECE:
        yield sorted(range(size), key=key)
        return
    stride = max(1, min(_SAMPLE_EVERY, _SORT_PIECE // 8))
    per_bucket = max(1, _SORT_PIECE // stride)  # sampled keys between two splitters
    sample = sorted(keys[::stride])  # size/32 keys: a few milliseconds even at 1M keys
    splitters = sample[per_bucket::per_bucket]
    bucket_of = partial(bisect_right, splitters)
    buckets: list[list[int]] = [[] for _ in range(len(splitters) + 1)]
    for start in range(0, size, _SORT_PIECE):
        numbered = range(start, min(start + _SORT_PIECE, size))
        placed = map(bucket_of, keys[start : start + _SORT_PIECE])
        for i, bucket in zip(numbered, placed, strict=True):
            buckets[bucket].append(i)
    for members in buckets:
        if members:
            yield sorted(members, key=key)  # members in original order: a stable sort


class SortedKeys:
    """Parallel sorted arrays of keys and the slot each key belongs to."""

    def __init__(self, keys: list[str] | None = None, slots: list[int] | None = None):
        self.keys: list[str] = []
        self.slots: list[int] = []
        if keys and slots:
            for piece in ordered_pieces(keys):
                self.keys += [keys[i] for i in piece]
                self.slots += [slots[i] for i in piece]

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
