"""Master keys: read once from the OS environment, never from the database or a default."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

KEY_VAR = "NOVAMIND_ENCRYPTION_KEY"
PASSWORD_VAR = "NOVAMIND_ENCRYPTION_PASSWORD"
SALT_VAR = "NOVAMIND_ENCRYPTION_SALT"
PREVIOUS_VAR = "NOVAMIND_PREVIOUS_ENCRYPTION_KEYS"

_HOW_TO = (
    "Create a key with `novamind-desktop keygen` and set it in NOVAMIND_ENCRYPTION_KEY "
    "(or set NOVAMIND_ENCRYPTION_PASSWORD and NOVAMIND_ENCRYPTION_SALT)."
)


class KeyConfigError(Exception):
    """The environment does not hold a usable key. The message names the variable."""


@dataclass(frozen=True)
class MasterKey:
    material: bytes

    def __post_init__(self) -> None:
        if len(self.material) != 32:
            raise ValueError("a master key is 32 bytes")

    @cached_property
    def key_id(self) -> bytes:
        """4 bytes that name the key in every stored value, without revealing it.

        Cached: every encrypt() stamps it, and an HMAC per value cost ~1.5 µs."""
        return hmac.new(self.material, b"novamind/key-id", hashlib.sha256).digest()[:4]

    def __repr__(self) -> str:  # never print key material
        return f"MasterKey(id={self.key_id.hex()})"


class KeySource(StrEnum):
    """Where the current key came from; str() names the variables to fix when it is wrong."""

    KEY = KEY_VAR
    PASSWORD = f"{PASSWORD_VAR} and {SALT_VAR}"


@dataclass(frozen=True)
class KeyRing:
    current: MasterKey
    previous: tuple[MasterKey, ...] = ()
    # A key derived from a password was never in KEY_VAR: messages must name what was set.
    source: KeySource = KeySource.KEY

    @property
    def all_keys(self) -> tuple[MasterKey, ...]:
        return (self.current, *self.previous)


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def parse_key(text: str, variable: str) -> MasterKey:
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raw = b""
    if len(raw) != 32:
        raise KeyConfigError(
            f"{variable} is not a valid key: it must be 32 random bytes in URL-safe base64 "
            f"(44 characters). {_HOW_TO}"
        )
    return MasterKey(raw)


def derive_key_from_password(password: str, salt: str) -> MasterKey:
    # scrypt with n=2**15: about 0.1 s here, once per start-up; slows a guessing attacker.
    kdf = Scrypt(salt=salt.encode("utf-8"), length=32, n=2**15, r=8, p=1)
    return MasterKey(kdf.derive(password.encode("utf-8")))


def load_keyring(environ: Mapping[str, str]) -> KeyRing:
    """Read the keys from the environment; raise KeyConfigError naming the variable at fault."""
    current, source = _current_key(environ)
    previous: list[MasterKey] = []
    for n, part in enumerate(environ.get(PREVIOUS_VAR, "").split(","), start=1):
        if part.strip():
            key = parse_key(part, f"{PREVIOUS_VAR} (entry {n})")
            if key.key_id != current.key_id:
                previous.append(key)
    return KeyRing(current, tuple(previous), source)


def _current_key(environ: Mapping[str, str]) -> tuple[MasterKey, KeySource]:
    """The key itself wins; else password and salt; a salt alone means a forgotten password
    (naming KEY_VAR then would send the admin after the wrong variable)."""
    key_text = environ.get(KEY_VAR, "").strip()
    password = environ.get(PASSWORD_VAR, "")
    salt = environ.get(SALT_VAR, "").strip()
    if key_text:
        return parse_key(key_text, KEY_VAR), KeySource.KEY
    if password:
        if len(salt) < 16:
            raise KeyConfigError(
                f"{SALT_VAR} must be set to at least 16 characters when {PASSWORD_VAR} is used."
            )
        if len(password) < 12:
            raise KeyConfigError(f"{PASSWORD_VAR} must be at least 12 characters long.")
        return derive_key_from_password(password, salt), KeySource.PASSWORD
    if salt:
        raise KeyConfigError(
            f"{PASSWORD_VAR} is not set but {SALT_VAR} is: set the password (12 or more "
            f"characters) as well, or set {KEY_VAR} instead."
        )
    raise KeyConfigError(f"No encryption key: {KEY_VAR} is not set. {_HOW_TO}")
