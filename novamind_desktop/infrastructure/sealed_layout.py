"""How a sealed value is laid out in storage (DESIGN.md §5): format byte, key id, nonce,
ciphertext and tag. Standard library only: the index's helper process (column_opener.py)
reads values with it without importing crypto.py's key derivation."""

from __future__ import annotations

from operator import itemgetter

FORMAT_V1 = 0x01
HEADER = 5  # the format byte and the 4-byte key id
NONCE = 12
TAG = 16
SEALED = HEADER + NONCE  # where the ciphertext starts
NONCE_OF = itemgetter(slice(HEADER, SEALED))
SEALED_OF = itemgetter(slice(SEALED, None))
COLUMN_PIECE = 256  # values opened in one C-level map (well under a millisecond)
