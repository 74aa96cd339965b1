"""The day sheet's content: per clinician, in time order, cancelled left off, text escaped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

from novamind_desktop.domain.appointments import Appointment, AppointmentStatus
from novamind_desktop.presenters.day_sheet import build_sheet, sheet_html

TZ = ZoneInfo("Europe/London")
DAY = date(2030, 7, 1)


@dataclass(frozen=True)
class Slot:
    appointment: Appointment
    patient_name: str
    clinician_name: str = ""
    colour: str = "#000000"


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2030, 7, 1, hour, minute, tzinfo=TZ).astimezone(UTC)


def appt(clinician, hour, minute=0, status=AppointmentStatus.SCHEDULED, **kw) -> Appointment:
    start = at(hour, minute)
    return Appointment(
        uuid4(),
        uuid4(),
        clinician,
        start,
        start + timedelta(minutes=30),
        "follow_up",
        status=status,
        **kw,
    )


def test_sheet_lists_each_clinicians_day_in_order_without_cancellations():
    rivera, chen = uuid4(), uuid4()
    slots = [
        Slot(appt(rivera, 11), "Zoë O'Brien"),
        Slot(appt(rivera, 9, 30, location="Room 2"), "Ada Müller"),
        Slot(appt(rivera, 10, status=AppointmentStatus.CANCELLED), "Gone Away"),
        Slot(appt(chen, 9, virtual=True), "Bo <script>"),
    ]
    clinicians = [(rivera, "Dr Rivera"), (chen, "Dr Chen")]
    sheet = build_sheet(DAY, slots, clinicians, TZ, at(8))
    (name1, lines1), (_name2, lines2) = sheet.sections
    assert (name1, [ln.patient for ln in lines1]) == ("Dr Rivera", ["Ada Müller", "Zoë O'Brien"])
    assert [(ln.start, ln.end, ln.where) for ln in lines1] == [
        ("09:30", "10:00", "Room 2"),
        ("11:00", "11:30", "—"),
    ]
    assert lines2[0].where == "Virtual"
    assert sheet.appointment_count == 3
    assert "Whole clinic" in sheet.title and "Monday 01 July 2030" in sheet.title
    html = sheet_html(sheet)
    assert "Gone Away" not in html
    assert "Bo &lt;script&gt;" in html and "<script>" not in html
    assert "09:30–10:00" in html


def test_one_clinicians_sheet_is_titled_with_their_name_and_says_when_empty():
    rivera = uuid4()
    sheet = build_sheet(DAY, [], [(rivera, "Dr Rivera")], TZ, at(8))
    assert "Dr Rivera" in sheet.title
    assert "No appointments." in sheet_html(sheet)
