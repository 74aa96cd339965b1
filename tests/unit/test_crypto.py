"""The field cipher: round trips, and every kind of tampering refused with its location."""

import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from novamind_desktop.infrastructure.crypto import DecryptionError, FieldCipher
from novamind_desktop.infrastructure.keys import KeyRing, MasterKey


def _ring(*seeds: int) -> KeyRing:
    keys = [MasterKey(bytes([s]) * 32) for s in seeds]
    return KeyRing(keys[0], tuple(keys[1:]))


CIPHER = FieldCipher(_ring(1))
ROW = uuid.UUID("12345678-1234-5678-1234-567812345678")


@given(st.text())
def test_round_trip_any_text(text):
    blob = CIPHER.encrypt("patients", "first_name", ROW, text)
    assert CIPHER.decrypt("patients", "first_name", ROW, blob) == text


def test_ciphertext_does_not_contain_the_plaintext_and_is_fresh_each_time():
    a = CIPHER.encrypt("patients", "last_name", ROW, "O'Brien")
    b = CIPHER.encrypt("patients", "last_name", ROW, "O'Brien")
    assert a != b
    assert b"O'Brien" not in a
    assert a[0] == 0x01 and a[1:5] == CIPHER.current_key_id


def test_none_stays_none():
    assert CIPHER.encrypt("patients", "email", ROW, None) is None
    assert CIPHER.decrypt("patients", "email", ROW, None) is None


@pytest.mark.parametrize(
    ("table", "column", "row"),
    [
        ("patients", "first_name", uuid.uuid4()),  # another row
        ("patients", "last_name", ROW),  # another column
        ("appointments", "first_name", ROW),  # another table
    ],
)
def test_value_moved_elsewhere_is_refused_with_its_new_location(table, column, row):
    blob = CIPHER.encrypt("patients", "first_name", ROW, "Søren")
    with pytest.raises(DecryptionError) as err:
        CIPHER.decrypt(table, column, row, blob)
    message = str(err.value)
    assert f"{table}.{column}" in message and str(row) in message
    assert "Søren" not in message


@pytest.mark.parametrize("position", [0, 1, 5, 17, -1])
def test_any_flipped_bit_is_refused(position):
    blob = bytearray(CIPHER.encrypt("patients", "phone", ROW, "+4420123456"))
    blob[position] ^= 0x01
    with pytest.raises(DecryptionError) as err:
        CIPHER.decrypt("patients", "phone", ROW, bytes(blob))
    assert str(ROW) in str(err.value)


@pytest.mark.parametrize("keep", [0, 4, 17, 33])
def test_truncated_value_is_refused(keep):
    blob = CIPHER.encrypt("patients", "phone", ROW, "+4420123456")
    with pytest.raises(DecryptionError, match=r"patients\.phone"):
        CIPHER.decrypt("patients", "phone", ROW, blob[:keep])


def test_rotation_old_values_readable_with_previous_key_and_flagged():
    old = FieldCipher(_ring(1))
    blob = old.encrypt("patients", "city", ROW, "Zürich")
    rotating = FieldCipher(_ring(2, 1))
    assert rotating.decrypt("patients", "city", ROW, blob) == "Zürich"
    assert rotating.needs_rotation(blob)
    assert not rotating.needs_rotation(rotating.encrypt("patients", "city", ROW, "Zürich"))
    with pytest.raises(DecryptionError, match="not configured"):
        FieldCipher(_ring(2)).decrypt("patients", "city", ROW, blob)


def test_blind_index_is_deterministic_keyed_and_128_bits():
    a = CIPHER.blind_index("patients.email", "ana@example.org")
    assert a == CIPHER.blind_index("patients.email", "ana@example.org")
    assert len(a) == 16
    assert a != FieldCipher(_ring(2)).blind_index("patients.email", "ana@example.org")
    both = FieldCipher(_ring(2, 1)).blind_indexes("patients.email", "ana@example.org")
    assert a in both and len(both) == 2


def test_dob_bucket_is_coarse():
    buckets = {CIPHER.dob_bucket(date(1950, 1, 1).fromordinal(712000 + n)) for n in range(20000)}
    assert max(buckets) < 4096
    assert len(buckets) > 3000  # spread over the 12-bit space, many dates share each bucket


def test_key_check_differs_per_key():
    assert CIPHER.key_check() != FieldCipher(_ring(2)).key_check()


# --- decrypt_column: many rows of one column at once (the search index load) -----------


def _sealed_rows(cipher: FieldCipher, values: list[str | None]) -> tuple[list[bytes], list]:
    rows = [uuid.uuid4() for _ in values]
    blobs = [cipher.encrypt("patients", "phone", r, v) for r, v in zip(rows, values, strict=True)]
    return [r.bytes for r in rows], blobs


@given(st.lists(st.one_of(st.none(), st.text())))
def test_a_column_opens_as_each_value_does(values):
    raws, blobs = _sealed_rows(CIPHER, values)
    assert CIPHER.decrypt_column("patients", "phone", raws, blobs) == values
    views = [None if b is None else memoryview(b) for b in blobs]  # what psycopg2 hands over
    assert CIPHER.decrypt_column("patients", "phone", raws, views) == values


def test_a_column_written_under_two_keys_opens_during_rotation():
    raws, blobs = _sealed_rows(FieldCipher(_ring(1)), ["+111", "+222"])
    more_raws, more_blobs = _sealed_rows(FieldCipher(_ring(2)), ["+333"])
    rotating = FieldCipher(_ring(2, 1))
    opened = rotating.decrypt_column("patients", "phone", raws + more_raws, blobs + more_blobs)
    assert opened == ["+111", "+222", "+333"]
    with pytest.raises(DecryptionError, match="not configured") as err:
        FieldCipher(_ring(2)).decrypt_column("patients", "phone", raws, blobs)
    assert err.value.row_id == uuid.UUID(bytes=raws[0])


@pytest.mark.parametrize(
    "spoil",
    [
        lambda blob, other: blob[:20],  # truncated
        lambda blob, other: blob[:-1] + bytes([blob[-1] ^ 1]),  # a flipped bit
        lambda blob, other: blob[:5] + blob[6:],  # a byte dropped
        lambda blob, other: other,  # copied from another row
        lambda blob, other: b"\x02" + blob[1:],  # an unknown format
    ],
)
def test_a_spoiled_value_in_a_column_is_refused_naming_its_row(spoil):
    raws, blobs = _sealed_rows(CIPHER, ["+4420123456", "+4420999999", "+4420555555"])
    blobs[1] = spoil(blobs[1], blobs[2])
    with pytest.raises(DecryptionError) as err:
        CIPHER.decrypt_column("patients", "phone", raws, blobs)
    assert (err.value.column, err.value.row_id) == ("phone", uuid.UUID(bytes=raws[1]))
    assert "+4420" not in str(err.value)


def test_a_long_column_opens_piece_by_piece_and_names_a_spoiled_row_far_down():
    values = [None if i % 7 == 0 else f"+44{i:08d}" for i in range(700)]  # several pieces
    raws, blobs = _sealed_rows(CIPHER, values)
    assert CIPHER.decrypt_column("patients", "phone", raws, blobs) == values
    blobs[600] = blobs[601]  # a value copied from the next row
    with pytest.raises(DecryptionError) as err:
        CIPHER.decrypt_column("patients", "phone", raws, blobs)
    assert err.value.row_id == uuid.UUID(bytes=raws[600])


def test_a_column_needs_one_row_id_per_value():
    raws, blobs = _sealed_rows(CIPHER, ["+111", "+222"])
    with pytest.raises(ValueError, match="one row id per value"):
        CIPHER.decrypt_column("patients", "phone", raws[:1], blobs)


# --- decrypt_cells: a few rows, every column (a lookup's matches) ----------------------


def _sealed_cells(cipher: FieldCipher, rows: int) -> tuple[list, list]:
    cells, plain = [], []
    for n in range(rows):
        row = uuid.uuid4()
        for column, value in (
            ("first_name", f"Zoë {n}"),
            ("phone", f"+44{n:08d}"),
            ("email", None),
        ):
            cells.append((column, row.bytes, cipher.encrypt("patients", column, row, value)))
            plain.append(value)
    return cells, plain


def test_cells_open_as_each_value_does_and_views_too():
    cells, plain = _sealed_cells(CIPHER, 3)
    assert CIPHER.decrypt_cells("patients", cells) == plain
    as_views = [(c, r, None if b is None else memoryview(b)) for c, r, b in cells]
    assert CIPHER.decrypt_cells("patients", as_views) == plain
    assert CIPHER.decrypt_cells("patients", []) == []


def test_cells_under_the_previous_key_open_during_rotation_and_not_after():
    cells, plain = _sealed_cells(FieldCipher(_ring(1)), 2)
    assert FieldCipher(_ring(2, 1)).decrypt_cells("patients", cells) == plain
    with pytest.raises(DecryptionError, match="not configured"):
        FieldCipher(_ring(2)).decrypt_cells("patients", cells)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda blob, other: blob[:20],  # truncated
        lambda blob, other: blob[:-1] + bytes([blob[-1] ^ 1]),  # a flipped bit
        lambda blob, other: other,  # copied from another row's same column
        lambda blob, other: b"\x02" + blob[1:],  # an unknown format
    ],
)
def test_a_spoiled_cell_is_refused_naming_its_row_and_column(spoil):
    cells, _plain = _sealed_cells(CIPHER, 3)
    column, raw, blob = cells[4]  # the second row's phone
    cells[4] = (column, raw, spoil(blob, cells[7][2]))
    CIPHER.decrypt_cells("patients", cells[:3])  # the cache of openers is warm: fast path
    with pytest.raises(DecryptionError) as err:
        CIPHER.decrypt_cells("patients", cells)
    assert (err.value.column, err.value.row_id) == ("phone", uuid.UUID(bytes=raw))
    assert "+44" not in str(err.value)
