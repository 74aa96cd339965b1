"""Field encryption: AES-256-GCM per value, bound to its table, column and row.

Stored value layout (bytes, no base64):
    format (1 byte, 0x01) | key id (4) | nonce (12) | ciphertext + GCM tag (16)
The associated data is the 5-byte header plus "table.column" and the row's UUID, so a value
copied to another row, column or table, or re-labelled with another key id, fails to decrypt.
Every column gets its own subkey (HKDF-SHA256, info "novamind/field/table.column").
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from itertools import repeat
from operator import add
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from novamind_desktop.infrastructure.keys import KeyRing, MasterKey
from novamind_desktop.infrastructure.sealed_layout import (
    COLUMN_PIECE,
    FORMAT_V1,
    HEADER,
    NONCE,
    NONCE_OF,
    SEALED,
    SEALED_OF,
    TAG,
)

_starts_with = bytes.startswith
DOB_BUCKET_BITS = 12


class DecryptionError(Exception):
    """A stored value could not be decrypted. Names where it lives, never what it holds."""

    def __init__(self, table: str, column: str, row_id: UUID, reason: str):
        self.table, self.column, self.row_id = table, column, row_id
        super().__init__(f"Cannot decrypt {table}.{column} of row {row_id}: {reason}.")


def _subkey(master: MasterKey, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        master.material
    )


def _field_subkey(master: MasterKey, table: str, column: str) -> bytes:
    """The AES-GCM key of one column's values (HKDF info "novamind/field/table.column")."""
    return _subkey(master, f"novamind/field/{table}.{column}")


class FieldCipher:
    def __init__(self, keyring: KeyRing):
        self.keyring = keyring
        self._by_id = {k.key_id: k for k in keyring.all_keys}
        # Subkey derivation costs ~10 µs; cache one AEAD per (key, column). Few columns.
        self._aeads: dict[tuple[bytes, str, str], AESGCM] = {}
        self._openers: dict[tuple[bytes, str, str], tuple[AESGCM, bytes]] = {}
        self._mac_key = lru_cache(maxsize=64)(_subkey)

    @property
    def current_key_id(self) -> bytes:
        return self.keyring.current.key_id

    def _aead(self, key_id: bytes, table: str, column: str) -> AESGCM:
        aead = self._aeads.get((key_id, table, column))
        if aead is None:
            aead = AESGCM(_field_subkey(self._by_id[key_id], table, column))
            self._aeads[(key_id, table, column)] = aead
        return aead

    @staticmethod
    def _aad(header: bytes, table: str, column: str, row_id: UUID | None) -> bytes:
        """The associated data; with row_id None, everything before the row id's 16 bytes."""
        tail = b"" if row_id is None else row_id.bytes
        return b"".join((header, table.encode(), b".", column.encode(), b"\x00", tail))

    def encrypt(self, table: str, column: str, row_id: UUID, value: str | None) -> bytes | None:
        if value is None:
            return None
        key_id = self.current_key_id
        header = bytes([FORMAT_V1]) + key_id
        nonce = os.urandom(NONCE)
        aead = self._aead(key_id, table, column)
        aad = self._aad(header, table, column, row_id)
        sealed = aead.encrypt(nonce, value.encode("utf-8"), aad)
        return header + nonce + sealed

    def _opener(self, key_id: bytes, table: str, column: str) -> tuple[AESGCM, bytes]:
        """The AEAD and the AAD up to the row id ("header table.column\0") for this column."""
        opener = self._openers.get((key_id, table, column))
        if opener is None:
            header = bytes([FORMAT_V1]) + key_id
            opener = (self._aead(key_id, table, column), self._aad(header, table, column, None))
            self._openers[(key_id, table, column)] = opener
        return opener

    def column_keys(self, table: str, column: str) -> list[tuple[bytes, bytes, bytes]]:
        """What opens `table.column` elsewhere (the index's helper process): for every
        configured key, the 5-byte header its values start with, the column's subkey and the
        associated data up to the row id. Never the master key, which opens everything."""
        keys: list[tuple[bytes, bytes, bytes]] = []
        for key in self.keyring.all_keys:
            header = bytes([FORMAT_V1]) + key.key_id
            subkey = _field_subkey(key, table, column)
            keys.append((header, subkey, self._aad(header, table, column, None)))
        return keys

    def decrypt(
        self,
        table: str,
        column: str,
        row_id: UUID,
        blob: bytes | None,
        row_id_bytes: bytes | None = None,
    ) -> str | None:
        """The plaintext of `blob`. `row_id_bytes` (row_id.bytes) spares recomputing it when
        several columns of one row are opened."""
        if blob is None:
            return None
        if type(blob) is not bytes:
            blob = bytes(blob)
        if len(blob) < HEADER + NONCE + TAG:
            raise DecryptionError(table, column, row_id, "the stored value is truncated")
        if blob[0] != FORMAT_V1:
            raise DecryptionError(table, column, row_id, "unknown storage format")
        key_id = blob[1:HEADER]
        if key_id not in self._by_id:
            raise DecryptionError(
                table,
                column,
                row_id,
                f"it was written with key {key_id.hex()}, which is not configured "
                "(set it in NOVAMIND_PREVIOUS_ENCRYPTION_KEYS)",
            )
        aead, prefix = self._opener(key_id, table, column)
        aad = prefix + (row_id.bytes if row_id_bytes is None else row_id_bytes)
        try:
            plain = aead.decrypt(blob[HEADER : HEADER + NONCE], blob[HEADER + NONCE :], aad)
        except InvalidTag:
            raise DecryptionError(
                table,
                column,
                row_id,
                "the value was altered, truncated or copied from another row or column",
            ) from None
        return plain.decode("utf-8")

    def decrypt_column(
        self,
        table: str,
        column: str,
        row_ids: Sequence[bytes],
        blobs: Sequence[bytes | None],
    ) -> list[str | None]:
        """decrypt() of one column for many rows (the search index opens 500,000 values):
        the same AAD, checks and errors. `row_ids` are the rows' UUIDs as 16 bytes
        (UUID.bytes), in the order of `blobs`.

        Values sealed under one key are opened by C-level map() over a few hundred at a time:
        no Python bytecode per value, and no single call holds the interpreter lock for more
        than a millisecond or so. Anything unusual (mixed keys mid-rotation, a short or
        unknown value, a failed tag) is opened one by one with decrypt(), which names the
        row that fails."""
        if len(row_ids) != len(blobs):
            raise ValueError("decrypt_column needs one row id per value")
        if None in blobs:  # NULLs stay None; the others are opened together
            present = [i for i, blob in enumerate(blobs) if blob is not None]
            sealed = [blob for blob in blobs if blob is not None]
            texts = self._decrypt_present(table, column, [row_ids[i] for i in present], sealed)
            opened: list[str | None] = [None] * len(blobs)
            for i, text in zip(present, texts, strict=True):
                opened[i] = text
            return opened
        return list(self._decrypt_present(table, column, row_ids, blobs))  # type: ignore[arg-type]

    def decrypt_cells(
        self, table: str, cells: Sequence[tuple[str, bytes, bytes | None]]
    ) -> list[str | None]:
        """decrypt() of a few rows' columns, given as (column, row id's 16 bytes, blob): what
        a lookup opens (a handful of patients, every column), where decrypt_column's set-up
        per column cost more than the values. Same AAD, checks and errors: anything unusual
        is opened by decrypt(), which names the row and column."""
        opened: list[str | None] = []
        openers = self._openers
        for column, raw, blob in cells:
            if blob is None:
                opened.append(None)
                continue
            if type(blob) is not bytes:
                blob = bytes(blob)
            opener = openers.get((blob[1:HEADER], table, column))
            if opener is None or blob[0] != FORMAT_V1 or len(blob) < SEALED + TAG:
                opened.append(self._decrypt_one(table, column, raw, blob))
                continue
            aead, prefix = opener
            try:
                plain = aead.decrypt(blob[HEADER:SEALED], blob[SEALED:], prefix + raw)
            except InvalidTag:
                plain = None
            if plain is None:
                opened.append(self._decrypt_one(table, column, raw, blob))  # raises, naming it
            else:
                opened.append(plain.decode("utf-8"))
        return opened

    def _decrypt_present(
        self, table: str, column: str, row_ids: Sequence[bytes], blobs: Sequence[bytes]
    ) -> list[str]:
        opened: list[str] = []
        for start in range(0, len(blobs), COLUMN_PIECE):
            ids = row_ids[start : start + COLUMN_PIECE]
            sealed = blobs[start : start + COLUMN_PIECE]
            if set(map(type, sealed)) != {bytes}:  # psycopg2 hands over memoryviews
                sealed = list(map(bytes, sealed))
            opened += self._open_alike(table, column, ids, sealed) or [
                self._decrypt_one(table, column, raw, blob)
                for raw, blob in zip(ids, sealed, strict=True)
            ]
        return opened

    def _decrypt_one(self, table: str, column: str, row_id: bytes, blob: bytes) -> str:
        plain = self.decrypt(table, column, UUID(bytes=bytes(row_id)), blob)
        assert plain is not None  # blob is not None
        return plain

    def _open_alike(
        self, table: str, column: str, row_ids: Sequence[bytes], blobs: Sequence[bytes]
    ) -> list[str] | None:
        """The plaintexts if every value is well-formed, under one configured key and
        authentic; None if anything is off (the caller then opens them one by one)."""
        header = blobs[0][:HEADER]
        if header[:1] != bytes([FORMAT_V1]) or header[1:] not in self._by_id:
            return None
        if not all(map(_starts_with, blobs, repeat(header))):
            return None
        if min(map(len, blobs)) < SEALED + TAG:
            return None
        aead, prefix = self._opener(header[1:], table, column)
        try:
            plain = list(
                map(
                    aead.decrypt,
                    map(NONCE_OF, blobs),
                    map(SEALED_OF, blobs),
                    map(add, repeat(prefix), row_ids),
                )
            )
        except InvalidTag:
            return None
        return list(map(bytes.decode, plain))

    def needs_rotation(self, blob: bytes | None) -> bool:
        return blob is not None and bytes(blob)[1:HEADER] != self.current_key_id

    # --- lookups without plaintext -------------------------------------------------------

    def _mac(self, key: MasterKey, purpose: str, data: bytes) -> bytes:
        return hmac.new(self._mac_key(key, purpose), data, hashlib.sha256).digest()

    def blind_index(self, column: str, value: str, key: MasterKey | None = None) -> bytes:
        """128-bit keyed hash for equality lookups (email). Caller normalises the value."""
        key = key or self.keyring.current
        return self._mac(key, f"novamind/blind/{column}", value.encode("utf-8"))[:16]

    def blind_indexes(self, column: str, value: str) -> list[bytes]:
        """The index under every configured key: rows not yet rotated still match."""
        return [self.blind_index(column, value, k) for k in self.keyring.all_keys]

    def dob_bucket(self, dob: date, key: MasterKey | None = None) -> int:
        """A 12-bit bucket: ~4096 buckets, so each holds many patients and reveals little."""
        key = key or self.keyring.current
        digest = self._mac(key, "novamind/bucket/patients.date_of_birth", dob.isoformat().encode())
        return int.from_bytes(digest[:2], "big") >> (16 - DOB_BUCKET_BITS)

    def dob_buckets(self, dob: date) -> list[int]:
        return sorted({self.dob_bucket(dob, k) for k in self.keyring.all_keys})

    def key_check(self, key: MasterKey | None = None) -> bytes:
        """A value stored at first run; a different key produces a different check."""
        key = key or self.keyring.current
        return self._mac(key, "novamind/check", b"novamind key check")[:16]
