"""Telling the time by the database server (a ports.Clock), so that several desks agree.

Every desk stamps the rows it saves (updated_at) and finds the other desks' changes by those
stamps: the patient directory asks every ~15 s for the patients saved since its last look,
minus a few seconds (presenters/patient_search.py). Stamped by each desk's own clock, a desk
whose clock ran a minute behind saved rows dated a minute ago, which the others had already
looked past: its new patients never appeared in their searches until they signed in again.

So a desk on a shared PostgreSQL server tells the time by the server's clock: its own clock
plus the offset measured against the server at start-up. now() never touches the database
(the GUI thread calls it); the offset is measured once, before the window opens, where the
start-up checks already talk to the server. A clock that drifts during the day (without
network time, seconds a day) stays well inside the directory's look-back.

SQLite is one desk's file: its own clock is the only one, and it is used as it is.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

SAMPLES = 3  # the offset of the quickest of three round trips is the most precise
WARN_BEYOND = timedelta(seconds=30)


class ServerClock:
    """This desk's clock corrected by its offset from the database server's."""

    def __init__(
        self, offset: timedelta, local: Callable[[], datetime] = lambda: datetime.now(UTC)
    ):
        self.offset = offset
        self._local = local

    def now(self) -> datetime:
        return self._local() + self.offset

    @classmethod
    def measured(
        cls, engine: Engine, local: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> ServerClock:
        """The clock for `engine`: the server's time on PostgreSQL, the desk's on SQLite."""
        if engine.dialect.name != "postgresql":
            return cls(timedelta(0), local)
        offset = server_offset(engine, local)
        if abs(offset) > WARN_BEYOND:
            # Only a number of seconds: nothing about anyone in it.
            log.warning(
                "this computer's clock is %.0f s %s the database server's; the app uses the "
                "server's time (set the computer's clock to network time)",
                abs(offset.total_seconds()),
                "behind" if offset > timedelta(0) else "ahead of",
            )
        return cls(offset, local)


def server_offset(engine: Engine, local: Callable[[], datetime]) -> timedelta:
    """Server time minus this desk's time, from the quickest of SAMPLES round trips (the
    server read its clock about half-way through it)."""
    best: tuple[float, timedelta] | None = None
    with engine.connect() as connection:
        for _ in range(SAMPLES):
            started, before = time.perf_counter(), local()
            server = connection.execute(text("SELECT clock_timestamp()")).scalar_one()
            took = time.perf_counter() - started
            middle = before + timedelta(seconds=took / 2)
            if best is None or took < best[0]:
                best = (took, server - middle)
        connection.rollback()
    assert best is not None
    return best[1]
