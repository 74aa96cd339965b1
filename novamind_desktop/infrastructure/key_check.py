"""Is the configured key the one this database was written with? Checked before any write.

The encryption_keys table holds, per master key the database has seen, its 4-byte id and a
check value (an HMAC only that key can produce; the key itself is never stored).
- empty table: first run, the current key's check is stored;
- the current key is known (same check value): fine, unless the table also names an old key
  that is not configured (a rotation started but not finished: its rows need that key);
- a previous key (NOVAMIND_PREVIOUS_ENCRYPTION_KEYS) is known: a rotation is starting, the
  current key is recorded next to it;
- otherwise: WrongKey, and nothing is written.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from enum import StrEnum
from uuid import uuid4

from sqlalchemy import Connection, Engine, inspect, select

from novamind_desktop.infrastructure.crypto import DecryptionError, FieldCipher
from novamind_desktop.infrastructure.keys import PREVIOUS_VAR, KeySource, load_keyring
from novamind_desktop.infrastructure.records import Base
from novamind_desktop.services.ports import Clock

log = logging.getLogger(__name__)

KEYS = Base.metadata.tables["encryption_keys"]
PATIENTS = Base.metadata.tables["patients"]


class WrongKey(Exception):
    """The configured key cannot read this database. str() names the variables to fix."""


class DatabaseNotMigrated(Exception):
    """The database has no NOVAMIND tables yet."""

    def __init__(self) -> None:
        super().__init__(
            "The database has not been set up yet: run `novamind-desktop db upgrade` first."
        )


class KeyCheck(StrEnum):
    FIRST_RUN = "first run: key recorded"
    MATCHES = "key matches"
    ROTATION_STARTED = "new key recorded next to a previous one"


def verify_key(engine: Engine, cipher: FieldCipher, clock: Clock) -> KeyCheck:
    """Raise WrongKey (without writing) unless the configured keys fit the database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(KEYS.name):
            raise DatabaseNotMigrated()
        known = {
            row.key_id: bytes(row.check_value)
            for row in connection.execute(select(KEYS.c.key_id, KEYS.c.check_value))
        }
        outcome = _judge(connection, cipher, known)
        if outcome is not KeyCheck.MATCHES:
            _record_current_key(connection, cipher, clock)
            connection.commit()
        log.info("Encryption key check: %s", outcome.value)
        return outcome


def unlock(engine: Engine, environ: Mapping[str, str], clock: Clock) -> FieldCipher:
    """Read the keys from `environ` and verify them against the database, in that order.

    KeyConfigError (missing or malformed key) is raised before the database is touched;
    WrongKey before anything is written.
    """
    cipher = FieldCipher(load_keyring(environ))
    verify_key(engine, cipher, clock)
    return cipher


def _judge(connection: Connection, cipher: FieldCipher, known: dict[str, bytes]) -> KeyCheck:
    current = cipher.keyring.current
    if not known:
        _refuse_if_data_unreadable(connection, cipher)
        return KeyCheck.FIRST_RUN
    stored = known.get(current.key_id.hex())
    if stored is not None:
        if not hmac.compare_digest(stored, cipher.key_check(current)):
            raise _wrong_key(known, cipher.keyring.source)
        _refuse_if_rotation_unfinished(cipher, known)
        return KeyCheck.MATCHES
    for previous in cipher.keyring.previous:
        stored = known.get(previous.key_id.hex())
        if stored is not None and hmac.compare_digest(stored, cipher.key_check(previous)):
            return KeyCheck.ROTATION_STARTED
    raise _wrong_key(known, cipher.keyring.source)


def _refuse_if_rotation_unfinished(cipher: FieldCipher, known: dict[str, bytes]) -> None:
    """Rotation forgets old keys only once no value needs them. Until then, starting with
    the new key alone would open a database whose older rows cannot be read: refuse."""
    configured = {key.key_id.hex() for key in cipher.keyring.all_keys}
    missing = sorted(set(known) - configured)
    if missing:
        raise WrongKey(
            f"A key rotation has not finished: this database still holds values written "
            f"with key id {', '.join(missing)}. Put that key in {PREVIOUS_VAR} and run "
            "`novamind-desktop rotate-key` to finish the rotation."
        )


def _refuse_if_data_unreadable(connection: Connection, cipher: FieldCipher) -> None:
    """No check value yet, but patients exist (the row was lost or the table emptied):
    accept the key only if it can read a patient."""
    row = connection.execute(select(PATIENTS.c.id, PATIENTS.c.last_name).limit(1)).first()
    if row is None:
        return
    try:
        cipher.decrypt("patients", "last_name", row.id, row.last_name)
    except DecryptionError:
        raise _wrong_key({}, cipher.keyring.source) from None


def _record_current_key(connection: Connection, cipher: FieldCipher, clock: Clock) -> None:
    now = clock.now()
    connection.execute(
        KEYS.insert().values(
            id=uuid4(),
            key_id=cipher.current_key_id.hex(),
            check_value=cipher.key_check(),
            created_at=now,
            updated_at=now,
            created_by="key check",
            updated_by="key check",
            version=1,
        )
    )


def _wrong_key(known: dict[str, bytes], source: KeySource) -> WrongKey:
    """One sentence naming the variables the key came from: an admin who set a password and
    salt, told to check NOVAMIND_ENCRYPTION_KEY, would look at a variable they never set."""
    ids = ", ".join(sorted(known)) or "unknown"
    if source is KeySource.PASSWORD:
        which, fix = f"derived from {source}", "to the password and salt"
    else:
        which, fix = f"in {source}", "to the key"
    return WrongKey(
        f"The key {which} does not match this database (it was written with key id {ids}): "
        f"set {source} {fix} this database was created with, or, while rotating keys, put "
        f"the old key in {PREVIOUS_VAR}."
    )
