"""Telling the time by the database server (a ports.Clock), so that several desks agree.

Every desk stamps the rows it saves (updated_at) and finds the other desks' changes by those
stamps: the patient directory asks every ~15 s for the patients saved since its last look,
minus a few seconds (presenters/patient_search.py). Stamped by each desk's own clock, a desk
whose clock ran a minute behind saved rows dated a minute ago, which the others had already
looked past: its new patients never appeared in their searches until they signed in again.

So a desk on a shared PostgreSQL server tells the time by the server's clock: its own clock
plus the offset measured against the server at start-up, before the window opens, where the
start-up checks already talk to the server. A desk left running for days re-measures it
every RESYNC (a clock without network time drifts seconds a day), from the worker thread
that stamps the saves: now() on the GUI (main) thread never touches the database.

SQLite is one desk's file: its own clock is the only one, and it is used as it is.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

SAMPLES = 3  # the offset of the quickest of three round trips is the most precise
WARN_BEYOND = timedelta(seconds=30)
RESYNC = timedelta(hours=1)


class ServerClock:
    """This desk's clock corrected by its offset from the database server's."""

    def __init__(
        self,
        offset: timedelta,
        local: Callable[[], datetime] = lambda: datetime.now(UTC),
        engine: Engine | None = None,
        resync: timedelta = RESYNC,
    ):
        self.offset = offset
        self._local = local
        self._engine = engine  # None: never re-measured (SQLite, tests)
        self._resync_s = resync.total_seconds()
        self._measured = time.monotonic()
        self._measuring = threading.Lock()

    def now(self) -> datetime:
        if (
            self._engine is not None
            and time.monotonic() - self._measured >= self._resync_s
            and threading.current_thread() is not threading.main_thread()
        ):
            self._measure_again(self._engine)
        return self._local() + self.offset

    def _measure_again(self, engine: Engine) -> None:
        if not self._measuring.acquire(blocking=False):
            return  # another thread is at it; the current offset serves meanwhile
        try:
            self._measured = time.monotonic()  # first: a failure waits for the next turn
            self.offset = _warned_if_far(server_offset(engine, self._local))
        except Exception as error:  # the last offset serves on
            log.warning("re-reading the database server's clock failed (%s)", type(error).__name__)
        finally:
            self._measuring.release()

    @classmethod
    def measured(
        cls,
        engine: Engine,
        local: Callable[[], datetime] = lambda: datetime.now(UTC),
        resync: timedelta = RESYNC,
    ) -> ServerClock:
        """The clock for `engine`: the server's time on PostgreSQL, the desk's on SQLite."""
        if engine.dialect.name != "postgresql":
            return cls(timedelta(0), local)
        return cls(_warned_if_far(server_offset(engine, local)), local, engine, resync)


def _warned_if_far(offset: timedelta) -> timedelta:
    if abs(offset) > WARN_BEYOND:
        # Only a number of seconds: nothing about anyone in it.
        log.warning(
            "this computer's clock is %.0f s %s the database server's; the app uses the "
            "server's time (set the computer's clock to network time)",
            abs(offset.total_seconds()),
            "behind" if offset > timedelta(0) else "ahead of",
        )
    return offset


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
