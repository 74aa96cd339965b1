"""Where appointments land on the book's grid: columns, minutes, lanes, time zones."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from novamind_desktop.domain.appointments import Appointment, AppointmentStatus
from novamind_desktop.presenters.book_layout import (
    BookColumn,
    at_minute,
    build_layout,
    minute_of,
    neighbour,
    snap,
    status_stamp,
    week_days,
)

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2030, 3, 4)  # a Monday


@dataclass(frozen=True)
class Slot:
    appointment: Appointment
    patient_name: str = "Ada Lovelace"
    clinician_name: str = "Dr Rivera"
    colour: str = "#4e79a7"


def slot(clinician: UUID, hour: int, minute: int = 0, minutes: int = 50, **kw) -> Slot:
    start = at_minute(DAY, hour * 60 + minute, BERLIN)
    appt = Appointment(
        uuid4(), uuid4(), clinician, start, start + timedelta(minutes=minutes), "therapy", **kw
    )
    return Slot(appt)


def test_minutes_round_trip_in_the_clinic_zone():
    moment = at_minute(DAY, 9 * 60 + 30, BERLIN)
    assert moment == datetime(2030, 3, 4, 8, 30, tzinfo=UTC)
    assert minute_of(moment, DAY, BERLIN) == 570


def test_wall_clock_survives_the_spring_change():
    change_day = date(2030, 3, 31)  # clocks go forward at 02:00 in Berlin
    assert minute_of(at_minute(change_day, 9 * 60, BERLIN), change_day, BERLIN) == 540


def test_one_column_per_clinician_and_blocks_in_their_column():
    a, b = uuid4(), uuid4()
    columns = [BookColumn(a, DAY, "A"), BookColumn(b, DAY, "B")]
    layout = build_layout(columns, [slot(a, 9), slot(b, 10, 30)], BERLIN)
    placed = {(blk.column, blk.start_minute, blk.end_minute) for blk in layout.blocks}
    assert placed == {(0, 540, 590), (1, 630, 680)}
    assert layout.first_minute == 8 * 60 and layout.last_minute == 18 * 60


def test_a_late_appointment_widens_the_day():
    a = uuid4()
    layout = build_layout([BookColumn(a, DAY, "A")], [slot(a, 19, 15)], BERLIN)
    assert layout.last_minute == 21 * 60


def test_other_clinicians_and_days_are_left_out():
    a = uuid4()
    layout = build_layout([BookColumn(a, DAY + timedelta(days=1), "Tue")], [slot(a, 9)], BERLIN)
    assert layout.blocks == ()


def test_cancelled_hidden_unless_asked_but_no_show_always_shown():
    a = uuid4()
    slots = [
        slot(a, 9, status=AppointmentStatus.CANCELLED),
        slot(a, 11, status=AppointmentStatus.NO_SHOW),
    ]
    columns = [BookColumn(a, DAY, "A")]
    assert [b.status for b in build_layout(columns, slots, BERLIN).blocks] == [
        AppointmentStatus.NO_SHOW
    ]
    shown = build_layout(columns, slots, BERLIN, show_cancelled=True)
    assert len(shown.blocks) == 2


def test_overlapping_blocks_share_the_column_in_lanes():
    a = uuid4()
    slots = [
        slot(a, 9, status=AppointmentStatus.NO_SHOW),
        slot(a, 9, 15),
        slot(a, 11),  # on its own again: full width
    ]
    layout = build_layout([BookColumn(a, DAY, "A")], slots, BERLIN)
    lanes = [(b.lane, b.lanes) for b in layout.blocks]
    assert lanes == [(0, 2), (1, 2), (0, 1)]


@given(
    st.lists(
        st.tuples(st.integers(0, 20 * 12), st.integers(1, 24)).map(
            lambda t: (t[0] * 5, t[0] * 5 + t[1] * 5)
        ),
        max_size=12,
    )
)
def test_lanes_never_put_two_overlapping_blocks_side_by_side_in_one_lane(spans):
    a = uuid4()
    slots = [slot(a, 0, start, end - start) for start, end in spans]
    layout = build_layout([BookColumn(a, DAY, "A")], slots, BERLIN, show_cancelled=True)
    blocks = layout.blocks
    for x in blocks:
        assert 0 <= x.lane < x.lanes
        for y in blocks:
            if x is not y and x.lane == y.lane:
                assert x.end_minute <= y.start_minute or y.end_minute <= x.start_minute


def test_snap_and_week():
    assert snap(62) == 60 and snap(63) == 65
    assert week_days(date(2030, 3, 6))[0] == DAY
    assert len(week_days(DAY)) == 7


def test_the_status_stamp_says_who_and_when_in_the_clinics_time() -> None:
    doctor = uuid4()
    booked = slot(doctor, 10).appointment
    assert status_stamp(booked, BERLIN) == ""  # never changed
    cancelled_the_day_before = replace(
        booked,
        status=AppointmentStatus.CANCELLED,
        status_changed_at=datetime(2030, 3, 3, 15, 40, tzinfo=UTC),
        status_changed_by="desk.bertil",
    )
    assert (
        status_stamp(cancelled_the_day_before, BERLIN)
        == "Cancelled Sun 03 Mar 16:40 by desk.bertil"
    )
    checked_in = replace(
        booked,
        status=AppointmentStatus.CHECKED_IN,
        status_changed_at=datetime(2030, 3, 4, 8, 52, tzinfo=UTC),
        status_changed_by="desk.amara",
    )
    assert status_stamp(checked_in, BERLIN) == "Checked in 09:52 by desk.amara"
    (block,) = build_layout(
        [BookColumn(doctor, DAY, "Dr Rivera")], [Slot(checked_in)], BERLIN
    ).blocks
    assert block.stamp == "Checked in 09:52 by desk.amara"


def test_arrow_keys_go_to_the_neighbouring_appointment() -> None:
    rivera, chen, okafor = uuid4(), uuid4(), uuid4()
    columns = [BookColumn(c, DAY, t) for c, t in ((rivera, "R"), (chen, "C"), (okafor, "O"))]
    nine, ten, noon = slot(rivera, 9), slot(rivera, 10), slot(rivera, 12)
    chen_930, chen_1130 = slot(chen, 9, 30), slot(chen, 11, 30)
    layout = build_layout(columns, [noon, ten, nine, chen_930, chen_1130], BERLIN)
    id_of = {s.appointment.id: s for s in (nine, ten, noon, chen_930, chen_1130)}

    def go(current: Slot | None, step: str) -> Slot:
        found = neighbour(layout, None if current is None else current.appointment.id, step)
        assert found is not None
        return id_of[found.appointment_id]

    assert go(None, "down") is nine  # nothing selected: the first of the first column
    assert go(nine, "down") is ten and go(ten, "down") is noon
    assert go(noon, "down") is noon and go(nine, "up") is nine  # the edges hold
    assert go(ten, "right") is chen_930  # 10:00 -> Dr C's nearest start
    assert go(noon, "right") is chen_1130
    assert go(chen_930, "right") is chen_930  # Okafor's column is empty: nowhere to go
    assert go(chen_1130, "left") is noon
    assert neighbour(build_layout(columns, [], BERLIN), None, "down") is None
