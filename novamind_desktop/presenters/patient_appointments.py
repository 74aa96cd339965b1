"""A patient's appointments as the patient form lists them: what is coming, then what was.

The front desk opens a record mostly to answer "when is my next appointment?" or "did I
come last week?": the coming ones in order, the next first; then the most recent few,
newest first, with what became of them (completed, cancelled, no-show).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from uuid import UUID

from novamind_desktop.domain.appointments import Appointment, AppointmentStatus
from novamind_desktop.presenters.book_layout import type_label

EARLIER_SHOWN = 5
_STILL_COMING = frozenset({AppointmentStatus.SCHEDULED, AppointmentStatus.CHECKED_IN})
_STATUS_WORDS = {
    AppointmentStatus.SCHEDULED: "",
    AppointmentStatus.CHECKED_IN: "checked in",
    AppointmentStatus.COMPLETED: "completed",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.LATE_CANCELLED: "cancelled late",
    AppointmentStatus.NO_SHOW: "no-show",
}


@dataclass(frozen=True)
class AppointmentLine:
    appointment: Appointment
    when: str  # "Mon 04 Mar 2030 10:00–10:50", in the clinic's time
    starts: str  # "10:00", the start time alone
    what: str  # "Therapy with Dr Amara Rivera · Room 1"
    status: str  # "" while scheduled, else what became of it

    @property
    def appointment_id(self) -> UUID:
        return self.appointment.id

    @property
    def text(self) -> str:
        return " · ".join(part for part in (self.when, self.what, self.status) if part)


@dataclass(frozen=True)
class PatientAppointments:
    coming: tuple[AppointmentLine, ...]  # the next first
    earlier: tuple[AppointmentLine, ...]  # the most recent first, at most EARLIER_SHOWN
    earlier_total: int  # how many earlier ones there are in all
    arriving: AppointmentLine | None = None  # today's next, still to check in


def patient_appointments(
    appointments: Iterable[Appointment],
    clinician_names: Mapping[UUID, str],
    tz: tzinfo,
    now: datetime,
) -> PatientAppointments:
    """Split into coming (not yet ended, still scheduled or checked in) and earlier."""
    coming: list[Appointment] = []
    earlier: list[Appointment] = []
    for appointment in appointments:
        still = appointment.status in _STILL_COMING and appointment.end > now
        (coming if still else earlier).append(appointment)
    coming.sort(key=lambda a: a.start)
    earlier.sort(key=lambda a: a.start, reverse=True)

    def line(a: Appointment) -> AppointmentLine:
        start, end = a.start.astimezone(tz), a.end.astimezone(tz)
        with_whom = clinician_names.get(a.clinician_id, "")
        where = "Virtual" if a.virtual else a.location
        what = type_label(a.appointment_type)
        what += (f" with {with_whom}" if with_whom else "") + (f" · {where}" if where else "")
        return AppointmentLine(
            a,
            f"{start:%a %d %b %Y %H:%M}–{end:%H:%M}",
            f"{start:%H:%M}",
            what,
            _STATUS_WORDS[a.status],
        )

    today = now.astimezone(tz).date()
    arriving = next(
        (
            a
            for a in coming
            if a.status is AppointmentStatus.SCHEDULED and a.start.astimezone(tz).date() == today
        ),
        None,
    )
    return PatientAppointments(
        tuple(map(line, coming)),
        tuple(map(line, earlier[:EARLIER_SHOWN])),
        len(earlier),
        None if arriving is None else line(arriving),
    )
