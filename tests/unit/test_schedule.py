"""Next free slot: opening hours, busy periods, the day boundary and the clinic's time zone."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from novamind_desktop.domain.clinic import DEFAULT_OPENING_HOURS, OpeningHours
from novamind_desktop.domain.schedule import NoSlotAvailable, next_free_slot, round_up

TZ = ZoneInfo("Europe/Berlin")
HOUR = timedelta(hours=1)


def _at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def _local(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%a %H:%M")


def test_before_opening_the_first_slot_is_at_opening_time():
    start, end = next_free_slot(_at(2025, 6, 2, 6, 0), HOUR, DEFAULT_OPENING_HOURS, [], TZ)
    assert (_local(start), _local(end)) == ("Mon 08:00", "Mon 09:00")


def test_busy_periods_are_skipped_and_a_gap_too_short_is_not_used():
    busy = [
        (_at(2025, 6, 2, 8, 0), _at(2025, 6, 2, 9, 0)),
        (_at(2025, 6, 2, 9, 30), _at(2025, 6, 2, 10, 50)),  # 30-minute gap before it
    ]
    start, _ = next_free_slot(_at(2025, 6, 2, 7, 0), HOUR, DEFAULT_OPENING_HOURS, busy, TZ)
    assert _local(start) == "Mon 10:50"


def test_a_gap_that_fits_exactly_is_used():
    busy = [
        (_at(2025, 6, 2, 8, 0), _at(2025, 6, 2, 9, 0)),
        (_at(2025, 6, 2, 10, 0), _at(2025, 6, 2, 18, 0)),
    ]
    start, end = next_free_slot(_at(2025, 6, 2, 7, 0), HOUR, DEFAULT_OPENING_HOURS, busy, TZ)
    assert (_local(start), _local(end)) == ("Mon 09:00", "Mon 10:00")


def test_friday_evening_rolls_over_the_closed_weekend_to_monday():
    start, _ = next_free_slot(_at(2025, 6, 6, 17, 30), HOUR, DEFAULT_OPENING_HOURS, [], TZ)
    assert _local(start) == "Mon 08:00"


def test_an_odd_start_time_is_rounded_up_to_the_grid():
    start, _ = next_free_slot(_at(2025, 6, 2, 9, 2), HOUR, DEFAULT_OPENING_HOURS, [], TZ)
    assert _local(start) == "Mon 09:05"
    assert round_up(_at(2025, 6, 2, 9, 0), timedelta(minutes=15)) == _at(2025, 6, 2, 9, 0)


def test_opening_hours_are_local_time_on_both_sides_of_dst():
    hours = [OpeningHours(d, time(9, 0), time(12, 0)) for d in range(7)]
    winter, _ = next_free_slot(_at(2025, 3, 29, 13, 0), HOUR, hours, [], TZ)  # Sat -> Sun
    assert winter.astimezone(TZ).strftime("%Y-%m-%d %H:%M") == "2025-03-30 09:00"
    assert winter.hour == 7  # already summer time in UTC terms


def test_split_days_use_the_afternoon_window():
    hours = [OpeningHours(0, time(8, 0), time(12, 0)), OpeningHours(0, time(13, 0), time(17, 0))]
    busy = [(_at(2025, 6, 2, 8, 0), _at(2025, 6, 2, 11, 30))]
    start, _ = next_free_slot(_at(2025, 6, 2, 7, 0), HOUR, hours, busy, TZ)
    assert _local(start) == "Mon 13:00"


def test_no_room_within_the_horizon_is_an_error_people_can_read():
    with pytest.raises(NoSlotAvailable, match="no free time"):
        next_free_slot(_at(2025, 6, 2, 7, 0), HOUR, [], [], TZ, horizon_days=7)
