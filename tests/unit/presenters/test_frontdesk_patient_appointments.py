"""A patient's appointments as the patient form lists them (presenters/patient_appointments)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

from novamind_desktop.domain.appointments import Appointment, AppointmentStatus
from novamind_desktop.presenters.patient_appointments import EARLIER_SHOWN, patient_appointments

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2030, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 in London (summer time)
DR = uuid4()
S = AppointmentStatus


def appointment(hours: float, status: S = S.SCHEDULED, **kw) -> Appointment:
    start = NOW + timedelta(hours=hours)
    return Appointment(
        uuid4(), uuid4(), DR, start, start + timedelta(minutes=30), "follow_up", status, **kw
    )


def lines(found: list[Appointment]):
    return patient_appointments(found, {DR: "Dr Rivera"}, LONDON, NOW)


def test_coming_in_order_then_earlier_newest_first() -> None:
    later, soon = appointment(48), appointment(2)
    under_way = appointment(-0.25, S.CHECKED_IN)  # started 09:45, ends 10:15: still coming
    done, missed = appointment(-24, S.COMPLETED), appointment(-72, S.NO_SHOW)
    cancelled_ahead = appointment(24, S.CANCELLED)  # not coming any more
    shown = lines([later, done, soon, missed, under_way, cancelled_ahead])
    assert [c.appointment_id for c in shown.coming] == [under_way.id, soon.id, later.id]
    assert [e.appointment_id for e in shown.earlier] == [cancelled_ahead.id, done.id, missed.id]
    assert shown.coming[1].text == "Mon 01 Jul 2030 12:00–12:30 · Follow up with Dr Rivera"
    assert shown.coming[0].status == "checked in" and shown.earlier[0].status == "cancelled"
    # At the desk today: the next one still to check in (not the one already checked in).
    assert shown.arriving is not None and shown.arriving.appointment_id == soon.id
    assert shown.arriving.starts == "12:00"
    assert lines([later]).arriving is None  # the day after: nothing to check in for today


def test_a_virtual_one_says_so_and_a_long_history_is_cut_to_the_last_few() -> None:
    video = appointment(5, virtual=True, location="")
    history = [appointment(-24 * n, S.COMPLETED, location="Room 2") for n in range(1, 12)]
    shown = lines([video, *history])
    assert shown.coming[0].what == "Follow up with Dr Rivera · Virtual"
    assert len(shown.earlier) == EARLIER_SHOWN and shown.earlier_total == 11
    assert shown.earlier[0].what.endswith("· Room 2")


def test_a_clinician_no_longer_listed_and_an_unknown_type_still_read() -> None:
    start = NOW + timedelta(hours=1)
    end = start + timedelta(hours=1)
    gone = Appointment(uuid4(), uuid4(), uuid4(), start, end, "group_session")
    (line,) = lines([gone]).coming
    assert line.what == "Group session"
