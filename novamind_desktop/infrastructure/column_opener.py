"""The helper process that opens sealed column values for the search index's load.

Run as `python -m novamind_desktop.infrastructure.column_opener` by
repositories/index_helper.py, never by hand. It imports only the standard library,
`cryptography` and sealed_layout.py (no SQLAlchemy, no Qt, no key derivation: it is up in
~70 ms) and touches no database, file or environment variable: everything comes over
stdin, everything goes back over stdout, and stderr is not read (the parent points it at
/dev/null).

Conversation, each message a 4-byte big-endian length and a body:
  parent -> child, once (marshal): [(column, header, subkey, aad_prefix), ...] for every
      configured key: the 5-byte value header (format byte and key id), the column's AES-GCM
      subkey, the associated data up to the row id. Never the master key.
  parent -> child, per chunk (marshal): (as_hex, row ids as 16 bytes, {column: sealed
      values}) with the values as bytes, hex text (as_hex) or None. Marshal, not pickle: a
      tenth of the cost (pickle's memo of 6,000 values), and the parent is this program.
  child -> parent, per chunk (pickle of plain lists and strings, which the parent unpickles
      without letting it name any class): per column the plaintexts of its non-NULL values
      joined by NUL (one string: splitting it is half the cost of unpickling 1,000), or None
      when a value is not what a well-formed, authentic value under a configured key looks
      like, or holds a NUL. The parent then opens that chunk itself, and its FieldCipher
      raises the DecryptionError naming table, column and row: the child never words an
      error.
  parent -> child: an empty message or end of input: the child exits.
"""

from __future__ import annotations

import marshal
import os
import pickle
import struct
import sys
from collections.abc import Sequence
from itertools import repeat
from operator import add
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from novamind_desktop.infrastructure.sealed_layout import (
    COLUMN_PIECE,
    HEADER,
    NONCE_OF,
    SEALED,
    SEALED_OF,
    TAG,
)

LENGTH = struct.Struct(">I")

Opener = tuple[AESGCM, bytes]  # the column's AEAD under one key, the AAD before the row id


class Unopenable(Exception):
    """A value this process will not open; the parent opens the chunk and names the row."""


def read_message(stream: IO[bytes]) -> bytes | None:
    """The next message, or None at a clean end of input."""
    head = stream.read(LENGTH.size)
    if not head:
        return None
    if len(head) != LENGTH.size:
        raise EOFError("cut short")
    (size,) = LENGTH.unpack(head)
    body = stream.read(size)
    if len(body) != size:
        raise EOFError("cut short")
    return body


def write_message(stream: IO[bytes], payload: bytes) -> None:
    stream.write(LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def openers_of(keys: Sequence[tuple[str, bytes, bytes, bytes]]) -> dict[str, dict[bytes, Opener]]:
    """{column: {value header: opener}} from the parent's first message."""
    openers: dict[str, dict[bytes, Opener]] = {}
    for column, header, subkey, prefix in keys:
        openers.setdefault(column, {})[bytes(header)] = (AESGCM(bytes(subkey)), bytes(prefix))
    return openers


def open_column(
    openers: dict[bytes, Opener], row_ids: Sequence[bytes], values: Sequence[Any], as_hex: bool
) -> str:
    """The plaintexts of one column's non-NULL values, joined by NUL."""
    if None in values:
        present = [i for i, value in enumerate(values) if value is not None]
        sealed = [values[i] for i in present]
        row_ids = [row_ids[i] for i in present]
    else:
        sealed = list(values)
    if as_hex:
        sealed = list(map(bytes.fromhex, sealed))
    texts: list[str] = []
    for start in range(0, len(sealed), COLUMN_PIECE):
        texts += _open_piece(
            openers, row_ids[start : start + COLUMN_PIECE], sealed[start : start + COLUMN_PIECE]
        )
    joined = "\0".join(texts)
    if texts and joined.count("\0") != len(texts) - 1:
        raise Unopenable  # a NUL inside a value: the parent's split would be wrong
    return joined


def _open_piece(
    openers: dict[bytes, Opener], row_ids: Sequence[bytes], blobs: list[bytes]
) -> list[str]:
    if not blobs:
        return []
    if min(map(len, blobs)) < SEALED + TAG:
        raise Unopenable
    headers = set(map(bytes.__getitem__, blobs, repeat(slice(0, HEADER))))
    try:
        if len(headers) == 1:  # all under one key: one C-level map, no bytecode per value
            aead, prefix = openers[headers.pop()]
            nonces, sealed = map(NONCE_OF, blobs), map(SEALED_OF, blobs)
            plain = list(map(aead.decrypt, nonces, sealed, map(add, repeat(prefix), row_ids)))
        else:  # mid-rotation: each value under its own key
            plain = [
                _open_one(openers, raw, blob) for raw, blob in zip(row_ids, blobs, strict=True)
            ]
        return list(map(bytes.decode, plain))
    except (KeyError, InvalidTag, UnicodeDecodeError):
        raise Unopenable from None


def _open_one(openers: dict[bytes, Opener], row_id: bytes, blob: bytes) -> bytes:
    aead, prefix = openers[blob[:HEADER]]
    return aead.decrypt(blob[HEADER:SEALED], blob[SEALED:], prefix + row_id)


def open_chunk(openers: dict[str, dict[bytes, Opener]], message: bytes) -> bytes:
    """The reply to one chunk message."""
    as_hex, row_ids, columns = marshal.loads(message)
    try:
        opened: list[str] | None = [
            open_column(openers[name], row_ids, values, as_hex) for name, values in columns.items()
        ]
    except Unopenable:
        opened = None
    return pickle.dumps(opened, protocol=pickle.HIGHEST_PROTOCOL)


# Below the app's own threads: on a two-core desk this process, the worker thread and the GUI
# thread want the cores at once, and the GUI thread, waiting its turn behind it, skipped
# frames (17-18 ms gaps in bench gui). A niceness of 10 lets the system hand the core to
# the app's threads as soon as they need it; the build waits on this process only while
# they are idle, so it takes no longer.
NICENESS = 10


def main() -> int:
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    try:
        first = read_message(stdin)
        if first is None:
            return 1
        openers = openers_of(marshal.loads(first))
        while message := read_message(stdin):
            write_message(stdout, open_chunk(openers, message))
    except BaseException:  # quiet: the parent sees the exit and falls back
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
