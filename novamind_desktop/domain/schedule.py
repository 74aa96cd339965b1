"""Finding free time in a clinician's week, within the clinic's opening hours."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from novamind_desktop.domain.clinic import OpeningHours
from novamind_desktop.domain.errors import DomainError
from novamind_desktop.domain.recurrence import local_to_utc

DEFAULT_GRANULARITY = timedelta(minutes=5)
DEFAULT_HORIZON_DAYS = 90

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class NoSlotAvailable(DomainError):
    def __init__(self, days: int):
        super().__init__(
            f"The clinician has no free time of that length in the next {days} days "
            "within the clinic's opening hours."
        )


def round_up(moment: datetime, granularity: timedelta) -> datetime:
    """The first multiple of `granularity` (counted from the epoch, in UTC) at or after moment.

    Every time zone in use is offset from UTC by a multiple of 15 minutes, so a 5- or
    15-minute grid in UTC is the same grid on the clinic's wall clock.
    """
    remainder = (moment - _EPOCH) % granularity
    return moment if not remainder else moment + (granularity - remainder)


def opening_windows(
    day: date, hours: Iterable[OpeningHours], tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """The clinic's open periods on a local date, as UTC (start, end), earliest first."""
    windows = [
        (
            local_to_utc(datetime.combine(day, h.opens), tz),
            local_to_utc(datetime.combine(day, h.closes), tz),
        )
        for h in hours
        if h.weekday == day.weekday() and h.closes > h.opens
    ]
    return sorted(windows)


def next_free_slot(
    after: datetime,
    duration: timedelta,
    hours: Sequence[OpeningHours],
    busy: Iterable[tuple[datetime, datetime]],
    tz: ZoneInfo,
    *,
    granularity: timedelta = DEFAULT_GRANULARITY,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> tuple[datetime, datetime]:
    """The earliest [start, start + duration) at or after `after` that fits inside one opening
    window and overlaps no busy period. Raises NoSlotAvailable after `horizon_days`."""
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    taken = sorted(busy)
    first_day = after.astimezone(tz).date()
    earliest = round_up(after, granularity)
    for offset in range(horizon_days + 1):
        for opens, closes in opening_windows(first_day + timedelta(days=offset), hours, tz):
            start = _first_fit(max(opens, earliest), duration, taken, granularity)
            if start + duration <= closes:
                return start, start + duration
    raise NoSlotAvailable(horizon_days)


def _first_fit(
    cursor: datetime,
    duration: timedelta,
    taken: Sequence[tuple[datetime, datetime]],
    granularity: timedelta,
) -> datetime:
    """Push `cursor` past every busy period it would overlap (busy sorted by start)."""
    cursor = round_up(cursor, granularity)
    for busy_start, busy_end in taken:
        if busy_end <= cursor:
            continue
        if busy_start >= cursor + duration:
            break
        cursor = round_up(busy_end, granularity)
    return cursor
