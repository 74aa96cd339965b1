"""Recurring series: counts, end dates, months of different lengths, and DST in the clinic."""

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from novamind_desktop.domain.errors import ValidationFailed
from novamind_desktop.domain.recurrence import (
    MAX_OCCURRENCES,
    Frequency,
    Recurrence,
    add_months,
    shift_wall_clock,
    wall_clock_delta,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _local(*args: int, tz: ZoneInfo = BERLIN) -> datetime:
    return datetime(*args, tzinfo=tz).astimezone(UTC)


def test_weekly_with_count_keeps_nine_oclock_across_the_spring_change():
    # Berlin moves from +01:00 to +02:00 on 2025-03-30.
    start = _local(2025, 3, 24, 9, 0)
    series = Recurrence(Frequency.WEEKLY, count=3).occurrences(
        start, start + timedelta(minutes=50), BERLIN
    )
    assert [s.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M") for s, _ in series] == [
        "2025-03-24 09:00",
        "2025-03-31 09:00",
        "2025-04-07 09:00",
    ]
    assert [s.hour for s, _ in series] == [8, 7, 7]  # in UTC the hour moves
    assert all(e - s == timedelta(minutes=50) for s, e in series)
    assert all(s.tzinfo is UTC for s, _ in series)


def test_every_two_weeks_across_the_autumn_change_in_new_york():
    start = _local(2025, 10, 27, 9, 0, tz=NEW_YORK)
    series = Recurrence(Frequency.EVERY_TWO_WEEKS, count=2).occurrences(
        start, start + timedelta(hours=1), NEW_YORK
    )
    local = [s.astimezone(NEW_YORK) for s, _ in series]
    assert [(d.date(), d.hour) for d in local] == [(date(2025, 10, 27), 9), (date(2025, 11, 10), 9)]


def test_until_is_inclusive():
    start = _local(2025, 1, 6, 10, 0)
    series = Recurrence(Frequency.WEEKLY, until=date(2025, 1, 27)).occurrences(
        start, start + timedelta(minutes=30), BERLIN
    )
    assert [s.astimezone(BERLIN).date().day for s, _ in series] == [6, 13, 20, 27]


def test_monthly_on_the_31st_uses_the_last_day_of_short_months():
    start = _local(2025, 1, 31, 14, 0)
    series = Recurrence(Frequency.MONTHLY, count=4).occurrences(
        start, start + timedelta(minutes=20), BERLIN
    )
    assert [s.astimezone(BERLIN).date() for s, _ in series] == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
    ]
    assert all(s.astimezone(BERLIN).hour == 14 for s, _ in series)


def test_add_months_crosses_years_and_leap_days():
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"count": 2, "until": date(2030, 1, 1)}, {"count": 0}, {"count": MAX_OCCURRENCES + 1}],
)
def test_a_rule_needs_exactly_one_sensible_limit(kwargs):
    with pytest.raises(ValidationFailed):
        Recurrence(Frequency.WEEKLY, **kwargs)


def test_an_end_date_before_the_start_or_too_far_away_is_refused():
    start = _local(2025, 1, 6, 10, 0)
    with pytest.raises(ValidationFailed) as before:
        Recurrence(Frequency.WEEKLY, until=date(2025, 1, 1)).occurrences(start, start, BERLIN)
    assert before.value.for_field("until")
    with pytest.raises(ValidationFailed):
        Recurrence(Frequency.WEEKLY, until=date(2035, 1, 1)).occurrences(start, start, BERLIN)


def test_shifting_by_wall_clock_keeps_the_local_hour_after_dst():
    before_change = _local(2025, 3, 24, 9, 0)
    after_change = _local(2025, 3, 31, 9, 0)
    delta = wall_clock_delta(before_change, _local(2025, 3, 24, 10, 30), BERLIN)
    assert delta == timedelta(hours=1, minutes=30)
    moved = shift_wall_clock(after_change, delta, BERLIN)
    assert moved.astimezone(BERLIN).strftime("%H:%M") == "10:30"


ZONES = [BERLIN, NEW_YORK, ZoneInfo("Australia/Sydney"), ZoneInfo("America/Santiago")]


@given(
    zone=st.sampled_from(ZONES),
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    hour=st.integers(min_value=7, max_value=19),
    minute=st.sampled_from([0, 15, 30, 45]),
    frequency=st.sampled_from(list(Frequency)),
    count=st.integers(min_value=1, max_value=30),
)
def test_every_occurrence_is_at_the_same_wall_clock_time(zone, day, hour, minute, frequency, count):
    start = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).astimezone(UTC)
    series = Recurrence(frequency, count=count).occurrences(start, start + timedelta(hours=1), zone)
    assert len(series) == count
    assert series[0][0] == start
    local = [s.astimezone(zone) for s, _ in series]
    assert all((t.hour, t.minute) == (hour, minute) for t in local)
    assert all(a < b for a, b in pairwise(local))
