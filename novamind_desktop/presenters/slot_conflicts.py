"""Saying which booking is in the way when the database refuses a double booking."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from novamind_desktop.domain.errors import SlotTaken
from novamind_desktop.domain.users import Actor
from novamind_desktop.presenters.book_layout import slot_field, type_label
from novamind_desktop.presenters.frontdesk_errors import describe
from novamind_desktop.presenters.tasks import TaskRunner

if TYPE_CHECKING:
    from novamind_desktop.services.appointments import BookedSlot
    from novamind_desktop.services.registry import AppServices


def conflict_message(exc: SlotTaken, slots: list[Any], tz: ZoneInfo) -> str:
    """The sentence naming the bookings that overlap, from the schedule around them."""
    wanted = set(exc.conflicting_ids)
    in_way = [s for s in slots if s.appointment.id in wanted] or [
        s for s in slots if s.appointment.blocks_time and s.appointment.overlaps(exc.start, exc.end)
    ]
    if not in_way:
        return str(exc)
    lines = []
    for slot in in_way:
        appt = slot.appointment
        start, end = appt.start.astimezone(tz), appt.end.astimezone(tz)
        lines.append(
            f"{slot_field(slot, 'patient_name')} — "
            f"{slot_field(slot, 'type_label', default=type_label(appt.appointment_type))}, "
            f"{start:%a %d %b %H:%M}–{end:%H:%M} ({appt.status.label})"
        )
    clinician = slot_field(in_way[0], "clinician_name") or "The clinician"
    return f"{clinician} is already booked at that time:\n" + "\n".join(lines)


def explain_slot_taken(
    services: AppServices,
    runner: TaskRunner,
    actor: Actor,
    tz: ZoneInfo,
    exc: SlotTaken,
    show: Callable[[str], None],
) -> None:
    """Look up the bookings in the way (they may be outside the shown days) and show them."""

    def job(_: Any) -> list[BookedSlot]:
        return services.appointments.schedule(actor, exc.start, exc.end, [exc.clinician_id])

    runner.submit(
        job,
        lambda slots: show(conflict_message(exc, list(slots), tz)),
        lambda err: show(f"{exc} {describe(err, 'Looking up a conflict')}"),
        label="",
    )
