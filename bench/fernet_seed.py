"""The original (seed) design, kept only as a baseline: Fernet, then base64 once more on top.

Stored value = urlsafe_b64encode(Fernet(key).encrypt(plaintext)); Fernet's token is itself
base64, so the seed paid for two encodings on every read and write.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet


class FernetSeedCipher:
    def __init__(self, key: bytes):
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, value: str) -> str:
        return base64.urlsafe_b64encode(self._fernet.encrypt(value.encode("utf-8"))).decode("ascii")

    def decrypt(self, stored: str) -> str:
        return self._fernet.decrypt(base64.urlsafe_b64decode(stored)).decode("utf-8")
