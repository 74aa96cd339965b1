"""field_encrypt_us, field_decrypt_us and the seed design's Fernet figures, same values."""

from __future__ import annotations

import random
import uuid

from bench.context import BenchContext
from bench.fernet_seed import FernetSeedCipher
from bench.report import Report, at_most_times_baseline
from bench.timing import per_op_us
from novamind_desktop.infrastructure.crypto import FieldCipher

# Short PHI fields, the common case: names, phone numbers, cities, emails.
_SAMPLES = ("Müller", "O'Brien", "Søren", "+4915112345678", "Aarhus", "ada@example.org")


def field_values(count: int, seed: int) -> list[tuple[uuid.UUID, str]]:
    rng = random.Random(seed)
    return [(uuid.UUID(int=rng.getrandbits(128)), rng.choice(_SAMPLES)) for _ in range(count)]


def run(report: Report, ctx: BenchContext, count: int = 20_000) -> None:
    measure(report, ctx.cipher(), ctx.master_key, count)


def measure(report: Report, cipher: FieldCipher, master_key: bytes, count: int) -> None:
    values = field_values(count, seed=7)
    fernet = FernetSeedCipher(master_key)
    sealed = [(row_id, cipher.encrypt("patients", "last_name", row_id, v)) for row_id, v in values]
    tokens = [fernet.encrypt(v) for _row_id, v in values]
    assert [cipher.decrypt("patients", "last_name", r, b) for r, b in sealed] == [
        v for _r, v in values
    ]

    def encrypt_all() -> int:
        enc = cipher.encrypt
        for row_id, value in values:
            enc("patients", "last_name", row_id, value)
        return len(values)

    def decrypt_all() -> int:
        dec = cipher.decrypt
        for row_id, blob in sealed:
            dec("patients", "last_name", row_id, blob)
        return len(sealed)

    def fernet_encrypt_all() -> int:
        for _row_id, value in values:
            fernet.encrypt(value)
        return len(values)

    def fernet_decrypt_all() -> int:
        for token in tokens:
            fernet.decrypt(token)
        return len(tokens)

    # Baselines first, so every metric that names one finds it already measured.
    report.add("field_encrypt_fernet_seed_us", per_op_us(fernet_encrypt_all), "us", n=count)
    report.add("field_decrypt_fernet_seed_us", per_op_us(fernet_decrypt_all), "us", n=count)
    report.add(
        "field_encrypt_us",
        per_op_us(encrypt_all),
        "us",
        baseline="field_encrypt_fernet_seed_us",
        n=count,
    )
    report.add(
        "field_decrypt_us",
        per_op_us(decrypt_all),
        "us",
        baseline="field_decrypt_fernet_seed_us",
        target=at_most_times_baseline(0.5),
        n=count,
    )
