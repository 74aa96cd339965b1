"""Maps by integer key held in many small dicts rather than one big one (the search index's
slot -> entry and patient id -> slot).

Why: a dict that grows moves every key into a new, larger table in one C call, holding the
interpreter lock throughout. At 100,000 patients the last growth of each of those two maps
allocated and touched megabytes of fresh memory: 15-23 ms per call on the worker while the
index was built (bench/gui_stall.py, with a C-call profile of the job), long enough for the
GUI thread, waiting for the lock, to miss frames. A shard holds a few thousand keys, so its
growths stay well under a millisecond.

Keys are non-negative ints. Which shard holds a key is one C call: its low bits (keys spread
evenly, such as UUID.int) or its high bits (counting keys, such as slots: the shards then
hold consecutive ranges, so keys added in increasing order are iterated in that order).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from itertools import chain, repeat
from operator import and_, rshift, setitem
from typing import Any, TypeVar

V = TypeVar("V")

_MISSING: Any = object()
_NO_SHARD: dict[int, Any] = {}  # what reads find where no shard is; never written
MAX_SHARDS = 1 << 16  # a range-sharded map of counting keys never needs more


class ShardedDict(MutableMapping[int, V]):
    __slots__ = ("_arg", "_by", "_limit", "_shards")

    def __init__(self, by: Callable[[int, int], int], arg: int, shards: int, limit: str):
        self._by, self._arg = by, arg  # shard number = by(key, arg)
        self._shards: list[dict[int, V]] = [{} for _ in range(shards)]
        self._limit = limit  # the keys it takes, for the error when given another

    @classmethod
    def by_low_bits(cls, bits: int = 8) -> ShardedDict[V]:
        """For keys spread evenly (UUID.int): 2**bits shards, chosen by the key's low bits."""
        if not 0 < bits <= 16:
            raise ValueError("between 2 and 65,536 shards")
        return cls(and_, (1 << bits) - 1, 1 << bits, "non-negative ints")

    @classmethod
    def by_range(cls, bits: int = 12) -> ShardedDict[V]:
        """For counting keys (slots): shard n holds keys n * 2**bits up to the next; each
        shard keeps its keys in the order they were added."""
        return cls(rshift, bits, 0, f"non-negative ints below {MAX_SHARDS << bits}")

    # --- the dict operations the index uses, each a shard's own --------------------------

    def _shard(self, key: int) -> dict[int, V]:
        """The shard that would hold `key` (for reading: an empty one if none could)."""
        number = self._by(key, self._arg)
        return self._shards[number] if 0 <= number < len(self._shards) else _NO_SHARD

    def _shard_for(self, key: int) -> dict[int, V]:
        number = self._by(key, self._arg)
        self._grow(number)
        return self._shards[number]

    def _grow(self, number: int) -> None:
        if not 0 <= number < MAX_SHARDS:
            raise ValueError(f"keys are {self._limit}")
        missing = number + 1 - len(self._shards)
        if missing > 0:
            self._shards.extend({} for _ in range(missing))

    def __getitem__(self, key: int) -> V:
        return self._shard(key)[key]

    def get(self, key: int, default: Any = None) -> Any:
        return self._shard(key).get(key, default)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, int) and key in self._shard(key)

    def __setitem__(self, key: int, value: V) -> None:
        self._shard_for(key)[key] = value

    def __delitem__(self, key: int) -> None:
        del self._shard(key)[key]

    def pop(self, key: int, default: Any = _MISSING) -> Any:
        shard = self._shard(key)
        return shard.pop(key) if default is _MISSING else shard.pop(key, default)

    def __iter__(self) -> Iterator[int]:
        return chain.from_iterable(list(self._shards))

    def __len__(self) -> int:
        return sum(map(len, self._shards))

    def all_values(self) -> Iterator[V]:
        """The values, shard after shard, without a Python call per key (values() is the
        generic view: a lookup per key)."""
        return chain.from_iterable(map(dict.values, list(self._shards)))

    def fill(self, keys: Sequence[int], values: Sequence[V]) -> None:
        """self[key] = value for each pair, in C: no bytecode per key (the build's way)."""
        if len(keys) != len(values):
            raise ValueError(f"{len(keys)} keys but {len(values)} values")
        if not keys:
            return
        numbers = list(map(self._by, keys, repeat(self._arg)))
        self._grow(min(numbers))
        self._grow(max(numbers))
        shards = map(self._shards.__getitem__, numbers)
        deque(map(setitem, shards, keys, values), maxlen=0)

    def release(self) -> None:
        """Empty it a shard at a time (each a short C call), so other threads get the
        interpreter lock in between: no long deallocation of everything at once."""
        while self._shards:
            self._shards.pop().clear()

    def clear(self) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"ShardedDict({len(self)} keys in {len(self._shards)} shards)"
