"""What staff type: 1-4 letters of a name, digit runs of a phone, dates (ISO and local)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from sqlalchemy import Engine, select

from bench.clinic import PLAIN_PATIENTS

# Shares of the query mix: the search box mostly sees short name prefixes.
MIX = (("letters", 0.6), ("digits", 0.2), ("date", 0.2))


def plain_rows(engine: Engine, limit: int) -> list[tuple]:
    """A spread of stored patients (the plaintext copy is ordered by random UUID)."""
    p = PLAIN_PATIENTS.c
    query = select(p.first_name, p.last_name, p.date_of_birth, p.phone, p.email)
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(query.order_by(p.id).limit(limit))]


def search_queries(rows: Sequence[tuple], count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        first, last, dob, phone, _email = rows[n % len(rows)]
        roll = rng.random()
        if roll < MIX[0][1]:
            name = rng.choice((first, last)).replace("'", "")
            out.append(name[: 1 + n % 4].lower())
        elif roll < MIX[0][1] + MIX[1][1]:
            digits = phone.lstrip("+")
            length = rng.choice((4, 5, 6))
            start = rng.randrange(0, len(digits) - length + 1)
            out.append(digits[start : start + length])
        else:
            out.append(dob.isoformat() if n % 2 else f"{dob:%d.%m.%Y}")
    return out


def lookup_emails(rows: Sequence[tuple], count: int) -> list[str]:
    emails = [r[4] for r in rows if r[4]]
    return [emails[n % len(emails)] for n in range(count)]


def lookup_dobs(rows: Sequence[tuple], count: int) -> list:
    return [rows[n % len(rows)][2] for n in range(count)]
