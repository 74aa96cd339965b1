"""ShardedDict: a dict by int key in small pieces. It must answer exactly as a dict would,
and no piece may grow large (the point: no long C call when one grows)."""

from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from novamind_desktop.services import search_maps
from novamind_desktop.services.search_maps import ShardedDict

KINDS = {"low bits": lambda: ShardedDict.by_low_bits(3), "range": lambda: ShardedDict.by_range(2)}

OPERATIONS = ["set", "del", "pop", "pop default", "get", "in", "fill"]
small_keys = st.integers(0, 40)
uuid_ints = st.one_of(small_keys, st.integers(0, 2**128 - 8))


@pytest.mark.parametrize(
    ("kind", "keys"), [("low bits", uuid_ints), ("range", small_keys)], ids=["low bits", "range"]
)
@given(data=st.data())
def test_it_answers_as_a_dict_does(kind, keys, data) -> None:
    steps = data.draw(st.lists(st.tuples(st.sampled_from(OPERATIONS), keys), max_size=60))
    sharded, plain = KINDS[kind](), {}
    for n, (op, key) in enumerate(steps):
        if op == "set":
            sharded[key] = plain[key] = n
        elif op == "fill":
            more = [key, key + 1, key + 7]
            sharded.fill(more, [n, n + 1, n + 2])
            plain.update(zip(more, [n, n + 1, n + 2], strict=True))
        elif op in ("del", "pop"):
            expected = plain.pop(key, KeyError)
            if expected is KeyError:
                with pytest.raises(KeyError):
                    sharded.pop(key) if op == "pop" else sharded.__delitem__(key)
            elif op == "pop":
                assert sharded.pop(key) == expected
            else:
                del sharded[key]
        elif op == "pop default":
            assert sharded.pop(key, "none") == plain.pop(key, "none")
        elif op == "get":
            assert sharded.get(key) == plain.get(key)
            assert sharded.get(key, "none") == plain.get(key, "none")
        else:
            assert (key in sharded) == (key in plain)
        assert len(sharded) == len(plain)
    assert sharded == plain
    assert sorted(sharded) == sorted(plain)
    assert sorted(sharded.all_values()) == sorted(plain.values())
    assert search_maps._NO_SHARD == {}  # what reads find where no shard is stays empty


def test_a_range_sharded_map_gives_counting_keys_in_order() -> None:
    slots = ShardedDict.by_range(4)
    slots.fill(range(1, 100), [f"entry {n}" for n in range(1, 100)])
    slots[100] = "entry 100"
    del slots[50]
    assert list(slots) == [n for n in range(1, 101) if n != 50]
    assert list(slots.all_values()) == [f"entry {n}" for n in range(1, 101) if n != 50]


def test_no_piece_grows_large_at_the_size_of_a_clinic() -> None:
    ids = ShardedDict.by_low_bits()
    keys = [uuid4().int for _ in range(100_000)]
    ids.fill(keys, list(range(len(keys))))
    slots = ShardedDict.by_range()
    slots.fill(range(1, 100_001), list(range(100_000)))
    assert len(ids) == len(slots) == 100_000
    assert ids[keys[12_345]] == 12_345 and slots[100_000] == 99_999
    assert max(map(len, ids._shards)) < 1_000  # 100,000 / 256 on average
    assert max(map(len, slots._shards)) == 4_096


def test_refuses_what_it_cannot_hold_and_can_be_used_again_after_release() -> None:
    table = ShardedDict.by_range(2)
    for key in (-1, 2**128):  # a UUID.int by mistake: refused, not 2**126 shards made
        with pytest.raises(ValueError, match="non-negative ints below 262144"):
            table[key] = "x"
        with pytest.raises(ValueError, match="non-negative ints below"):
            table.fill([1, key], ["a", "b"])
    with pytest.raises(ValueError, match="2 keys but 1 values"):
        table.fill([1, 2], ["x"])
    assert table.get(-1, "none") == "none" and -1 not in table and "1" not in table
    table.fill([1, 2, 9], ["a", "b", "c"])
    table.release()
    assert table == {} and len(table) == 0 and table.get(9) is None
    table[9] = "again"
    assert dict(table) == {9: "again"}
