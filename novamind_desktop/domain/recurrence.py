"""Recurring appointments: a rule and its occurrences, kept in the clinic's own time zone.

A weekly 09:00 session stays at 09:00 on the clinic's wall clock when the clocks change, so
occurrences are computed on local dates and local times and only then converted to UTC.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from novamind_desktop.domain.errors import FieldError, ValidationFailed

# Two years of weekly sessions; a longer series is almost always a typing mistake.
MAX_OCCURRENCES = 104


class Frequency(StrEnum):
    WEEKLY = "weekly"
    EVERY_TWO_WEEKS = "every_two_weeks"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class Recurrence:
    """Repeat an appointment `count` times in all, or up to and including the date `until`."""

    frequency: Frequency
    count: int | None = None
    until: date | None = None  # a date on the clinic's calendar, inclusive

    def __post_init__(self) -> None:
        if (self.count is None) == (self.until is None):
            raise ValidationFailed(
                [FieldError("recurrence", "Give either a number of appointments or an end date.")]
            )
        if self.count is not None and not 1 <= self.count <= MAX_OCCURRENCES:
            raise ValidationFailed(
                [FieldError("count", f"A series has 1 to {MAX_OCCURRENCES} appointments.")]
            )

    def occurrences(
        self, start: datetime, end: datetime, tz: ZoneInfo
    ) -> list[tuple[datetime, datetime]]:
        """Every (start, end) of the series in UTC; the first is the given appointment."""
        wall = start.astimezone(tz).replace(tzinfo=None)
        duration = end - start
        if self.until is not None and self.until < wall.date():
            raise ValidationFailed(
                [FieldError("until", "The series must end on or after its first appointment.")]
            )
        result: list[tuple[datetime, datetime]] = []
        index = 0
        while True:
            day = self._nth_date(wall.date(), index)
            if self.count is not None and index >= self.count:
                break
            if self.until is not None and day > self.until:
                break
            if index >= MAX_OCCURRENCES:
                raise ValidationFailed(
                    [FieldError("until", f"A series has at most {MAX_OCCURRENCES} appointments.")]
                )
            first = local_to_utc(datetime.combine(day, wall.time()), tz)
            result.append((first, first + duration))
            index += 1
        return result

    def _nth_date(self, first: date, index: int) -> date:
        if self.frequency is Frequency.WEEKLY:
            return first + timedelta(weeks=index)
        if self.frequency is Frequency.EVERY_TWO_WEEKS:
            return first + timedelta(weeks=2 * index)
        return add_months(first, index)


def add_months(first: date, months: int) -> date:
    """The same day of the month `months` later; the 31st becomes the month's last day."""
    month_index = first.month - 1 + months
    year, month = first.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(first.day, calendar.monthrange(year, month)[1]))


def local_to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall-clock time in `tz` as aware UTC.

    An ambiguous time (the repeated hour in autumn) takes its first occurrence; a time that
    does not exist (the skipped hour in spring) is read with the offset before the change.
    """
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def shift_wall_clock(moment: datetime, delta: timedelta, tz: ZoneInfo) -> datetime:
    """Move `moment` by `delta` on the clinic's wall clock (09:00 + 1 h is 10:00 after DST too)."""
    wall = moment.astimezone(tz).replace(tzinfo=None)
    return local_to_utc(wall + delta, tz)


def wall_clock_delta(old: datetime, new: datetime, tz: ZoneInfo) -> timedelta:
    """How far `new` is from `old` on the clinic's wall clock."""
    return new.astimezone(tz).replace(tzinfo=None) - old.astimezone(tz).replace(tzinfo=None)
