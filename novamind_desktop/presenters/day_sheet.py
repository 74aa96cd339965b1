"""The printable day sheet: one clinician's day or the whole clinic's, as simple HTML.

Qt's rich-text engine (QTextDocument) renders it for the print preview and the PDF, so the
markup sticks to what that engine supports: tables, headings, inline styles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html import escape
from typing import TYPE_CHECKING, Any
from uuid import UUID

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.domain.users import Actor
from novamind_desktop.presenters.book_layout import day_start, slot_field, type_label
from novamind_desktop.presenters.frontdesk_errors import clinic_zone, describe, now
from novamind_desktop.presenters.tasks import TaskRunner

if TYPE_CHECKING:
    from novamind_desktop.services.registry import AppServices

LEFT_OFF = frozenset({AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED})


@dataclass(frozen=True)
class SheetLine:
    start: str
    end: str
    patient: str
    kind: str
    status: str
    where: str


@dataclass(frozen=True)
class DaySheet:
    day: date
    title: str
    printed_at: str
    sections: tuple[tuple[str, tuple[SheetLine, ...]], ...]  # (clinician, lines)

    @property
    def appointment_count(self) -> int:
        return sum(len(lines) for _, lines in self.sections)


def build_sheet(
    day: date,
    slots: Sequence[Any],
    clinicians: Sequence[tuple[UUID, str]],
    tz: Any,
    printed_at: datetime,
) -> DaySheet:
    by_clinician: dict[UUID, list[Any]] = {cid: [] for cid, _ in clinicians}
    for slot in sorted(slots, key=lambda s: s.appointment.start):
        appt = slot.appointment
        if appt.status in LEFT_OFF or appt.clinician_id not in by_clinician:
            continue
        by_clinician[appt.clinician_id].append(slot)
    sections = []
    for cid, name in clinicians:
        lines = tuple(_line(slot, tz) for slot in by_clinician[cid])
        sections.append((name, lines))
    who = clinicians[0][1] if len(clinicians) == 1 else "Whole clinic"
    return DaySheet(
        day,
        f"Day sheet — {who} — {day:%A %d %B %Y}",
        f"{printed_at.astimezone(tz):%d %b %Y %H:%M}",
        tuple(sections),
    )


def _line(slot: Any, tz: Any) -> SheetLine:
    appt = slot.appointment
    where = "Virtual" if appt.virtual else (appt.location or "—")
    return SheetLine(
        f"{appt.start.astimezone(tz):%H:%M}",
        f"{appt.end.astimezone(tz):%H:%M}",
        slot_field(slot, "patient_name"),
        slot_field(slot, "type_label", default=type_label(appt.appointment_type)),
        appt.status.label.capitalize(),
        where,
    )


_HEAD_CELL = "padding:4px 8px;border-bottom:1px solid #444;text-align:left;"
_CELL = "padding:4px 8px;border-bottom:1px solid #ccc;"
_COLUMNS = (
    ("Time", "15%"),
    ("Patient", "33%"),
    ("Type", "20%"),
    ("Status", "14%"),
    ("Where", "18%"),
)


def _count(n: int) -> str:
    return f"{n} appointment{'s' if n != 1 else ''}"


def sheet_html(sheet: DaySheet) -> str:
    parts = [
        "<html><body style='font-family:sans-serif;font-size:10pt;'>",
        f"<h2 style='margin-bottom:2px'>{escape(sheet.title)}</h2>",
        f"<p style='color:#555;margin-top:0'>Printed {escape(sheet.printed_at)} · "
        f"{_count(sheet.appointment_count)} · Confidential patient information</p>",
    ]
    for clinician, lines in sheet.sections:
        parts.append(f"<h3 style='margin-top:14px;margin-bottom:4px'>{escape(clinician)}</h3>")
        if not lines:
            parts.append("<p style='color:#555'>No appointments.</p>")
            continue
        # Same column widths in every clinician's table, so the sheet reads as one list.
        parts.append("<table cellspacing='0' width='98%'><tr>")
        for head, width in _COLUMNS:
            parts.append(f"<th width='{width}' style='{_HEAD_CELL}'>{head}</th>")
        parts.append("</tr>")
        for line in lines:
            cells = (
                f"{line.start}–{line.end}",
                line.patient,
                line.kind,
                line.status,
                line.where,
            )
            parts.append("<tr>" + "".join(f"<td style='{_CELL}'>{escape(c)}</td>" for c in cells))
            parts.append("</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


class DaySheetPresenter:
    """Loads one day for the chosen clinicians and hands the sheet to the view."""

    def __init__(self, services: AppServices, runner: TaskRunner, actor: Actor):
        self.services = services
        self.runner = runner
        self.actor = actor
        self.tz = clinic_zone(services)

    def load(
        self,
        day: date,
        clinicians: Sequence[tuple[UUID, str]],
        on_ready: Callable[[DaySheet], None],
        on_error: Callable[[str], None],
    ) -> None:
        start = day_start(day, self.tz)
        end = day_start(day + timedelta(days=1), self.tz)
        ids = [cid for cid, _ in clinicians]

        def job(_: Any) -> list[Any]:
            return self.services.appointments.schedule(self.actor, start, end, ids)

        self.runner.submit(
            job,
            lambda slots: on_ready(
                build_sheet(day, slots, clinicians, self.tz, now(self.services))
            ),
            lambda exc: on_error(describe(exc, "Preparing the day sheet")),
            label="Preparing the day sheet",
        )
