"""Staff password hashing with scrypt (from `cryptography`), verified in constant time.

Encoded as "scrypt$n$r$p$salt_b64$hash_b64" so the cost can be raised later: stored hashes
carry their own parameters and keep verifying.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import os

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32
# Refuse parameters that would let a tampered row make sign-in burn minutes of CPU or GBs.
_MAX_N, _MAX_R, _MAX_P = 2**20, 32, 16


class ScryptPasswordHasher:
    """Implements services.ports.PasswordHasher."""

    def __init__(self, n: int = N, r: int = R, p: int = P):
        self.n, self.r, self.p = n, r, p

    def hash(self, password: str) -> str:
        salt = os.urandom(SALT_BYTES)
        digest = _derive(password, salt, self.n, self.r, self.p, HASH_BYTES)
        return "$".join((SCHEME, str(self.n), str(self.r), str(self.p), _b64(salt), _b64(digest)))

    def verify(self, password: str, encoded: str) -> bool:
        """True if `password` matches; False for a wrong password or a malformed hash."""
        try:
            scheme, n_text, r_text, p_text, salt_text, hash_text = encoded.split("$")
            n, r, p = int(n_text), int(r_text), int(p_text)
            salt, expected = _unb64(salt_text), _unb64(hash_text)
        except (ValueError, binascii.Error):
            return False
        if scheme != SCHEME or not _sane(n, r, p) or not 16 <= len(expected) <= 64:
            return False
        actual = _derive(password, salt, n, r, p, len(expected))
        return hmac.compare_digest(actual, expected)

    def needs_rehash(self, encoded: str) -> bool:
        """True if the hash was made with other parameters than this hasher's."""
        parts = encoded.split("$")
        return len(parts) != 6 or parts[:4] != [SCHEME, str(self.n), str(self.r), str(self.p)]


# The name the team brief uses; bootstrap may import either.
PasswordHasher = ScryptPasswordHasher


def _derive(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return Scrypt(salt=salt, length=length, n=n, r=r, p=p).derive(password.encode("utf-8"))


def _sane(n: int, r: int, p: int) -> bool:
    return 2 <= n <= _MAX_N and n & (n - 1) == 0 and 1 <= r <= _MAX_R and 1 <= p <= _MAX_P


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)
