"""Where each appointment sits on the appointment book's time grid. Plain data, no Qt.

The grid has columns (one per clinician for a day, or one per day for a clinician's week) and
a vertical axis of minutes since midnight in the clinic's time zone. Appointments that overlap
inside one column (a no-show and the patient booked into its slot) share the column in lanes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from novamind_desktop.domain.appointments import Appointment, AppointmentStatus
from novamind_desktop.domain.recurrence import local_to_utc

DAY_START_MINUTE = 8 * 60
DAY_END_MINUTE = 18 * 60
SNAP_MINUTES = 5
HIDDEN_UNLESS_ASKED = frozenset({AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED})


@dataclass(frozen=True)
class BookColumn:
    clinician_id: UUID
    day: date
    title: str


@dataclass(frozen=True)
class BookBlock:
    appointment_id: UUID
    column: int
    start_minute: int
    end_minute: int
    lane: int
    lanes: int
    colour: str
    patient_name: str
    clinician_name: str
    type_label: str
    appointment: Appointment
    stamp: str = ""  # who set the status and when (status_stamp)

    @property
    def status(self) -> AppointmentStatus:
        return self.appointment.status

    @property
    def in_series(self) -> bool:
        return self.appointment.series_id is not None

    @property
    def time_text(self) -> str:
        return f"{minute_text(self.start_minute)}–{minute_text(self.end_minute)}"


@dataclass(frozen=True)
class BookLayout:
    columns: tuple[BookColumn, ...]
    blocks: tuple[BookBlock, ...]
    first_minute: int
    last_minute: int

    def block(self, appointment_id: UUID) -> BookBlock | None:
        return next((b for b in self.blocks if b.appointment_id == appointment_id), None)


EMPTY_LAYOUT = BookLayout((), (), DAY_START_MINUTE, DAY_END_MINUTE)


def neighbour(layout: BookLayout, current: UUID | None, step: str) -> BookBlock | None:
    """Where an arrow key goes from the `current` appointment: "up"/"down" to the one before
    or after it in its column, "left"/"right" to the one starting nearest its time in the
    nearest column that has any. With nothing selected, the first of the first column;
    at an edge it stays. None only when the book is empty."""
    blocks = sorted(layout.blocks, key=lambda b: (b.column, b.start_minute, b.lane))
    here = None if current is None else layout.block(current)
    if not blocks or here is None:
        return blocks[0] if blocks else None
    if step in ("up", "down"):
        column = [b for b in blocks if b.column == here.column]
        at = column.index(here) + (1 if step == "down" else -1)
        return column[at] if 0 <= at < len(column) else here
    ahead = 1 if step == "right" else -1
    columns = {b.column for b in blocks if (b.column - here.column) * ahead > 0}
    if not columns:
        return here
    target = min(columns, key=lambda c: abs(c - here.column))
    return min(
        (b for b in blocks if b.column == target),
        key=lambda b: (abs(b.start_minute - here.start_minute), b.start_minute),
    )


def minute_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def snap(minute: float, step: int = SNAP_MINUTES) -> int:
    return int(round(minute / step) * step)


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def at_minute(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of `minute` past midnight (wall clock) on `day` in the clinic."""
    return local_to_utc(datetime.combine(day, time(0, 0)) + timedelta(minutes=minute), tz)


def minute_of(moment: datetime, day: date, tz: ZoneInfo) -> int:
    """Wall-clock minutes of `moment` past midnight of `day` (may be <0 or >1440)."""
    local = moment.astimezone(tz).replace(tzinfo=None)
    return int((local - datetime.combine(day, time(0, 0))).total_seconds() // 60)


def slot_field(slot: Any, *names: str, default: Any = "") -> Any:
    """Read a BookedSlot field under the first of `names` it has (DTO names vary)."""
    for name in names:
        if hasattr(slot, name):
            return getattr(slot, name)
    return default


def type_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _lanes(spans: Sequence[tuple[int, int, Any]]) -> list[tuple[int, int]]:
    """(lane, lane count of its overlap cluster) for each span; spans sorted by start."""
    result: list[tuple[int, int]] = [(0, 1)] * len(spans)
    cluster: list[int] = []
    lane_ends: list[int] = []
    cluster_end = 0

    def close() -> None:
        for i in cluster:
            result[i] = (result[i][0], len(lane_ends))

    for i, (start, end, _) in enumerate(spans):
        if cluster and start >= cluster_end:
            close()
            cluster, lane_ends = [], []
        lane = next((n for n, e in enumerate(lane_ends) if e <= start), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(end)
        else:
            lane_ends[lane] = end
        cluster_end = end if not cluster else max(cluster_end, end)
        cluster.append(i)
        result[i] = (lane, 1)
    close()
    return result


def build_layout(
    columns: Sequence[BookColumn],
    slots: Iterable[Any],
    tz: ZoneInfo,
    *,
    show_cancelled: bool = False,
) -> BookLayout:
    """Place booked slots (BookedSlot DTOs) into the columns they belong to."""
    index = {(c.clinician_id, c.day): n for n, c in enumerate(columns)}
    per_column: dict[int, list[tuple[int, int, Any]]] = {}
    for slot in slots:
        appt: Appointment = slot.appointment
        if appt.status in HIDDEN_UNLESS_ASKED and not show_cancelled:
            continue
        local_day = appt.start.astimezone(tz).date()
        column = index.get((appt.clinician_id, local_day))
        if column is None:
            continue
        start = minute_of(appt.start, local_day, tz)
        end = max(start + SNAP_MINUTES, minute_of(appt.end, local_day, tz))
        per_column.setdefault(column, []).append((start, end, slot))

    blocks: list[BookBlock] = []
    first, last = DAY_START_MINUTE, DAY_END_MINUTE
    for column, items in sorted(per_column.items()):
        items.sort(key=lambda item: (item[0], item[1]))
        for (start, end, slot), (lane, lanes) in zip(items, _lanes(items), strict=True):
            block = _block(slot, column, start, end, lane, lanes)
            blocks.append(replace(block, stamp=status_stamp(block.appointment, tz)))
            first, last = min(first, start // 60 * 60), max(last, -(-end // 60) * 60)
    return BookLayout(tuple(columns), tuple(blocks), max(0, first), min(24 * 60, last))


def _block(slot: Any, column: int, start: int, end: int, lane: int, lanes: int) -> BookBlock:
    appt: Appointment = slot.appointment
    return BookBlock(
        appointment_id=appt.id,
        column=column,
        start_minute=start,
        end_minute=end,
        lane=lane,
        lanes=lanes,
        colour=slot_field(slot, "colour", "type_colour", "color", default="#7f7f7f"),
        patient_name=slot_field(slot, "patient_name"),
        clinician_name=slot_field(slot, "clinician_name"),
        type_label=slot_field(slot, "type_label", default=type_label(appt.appointment_type)),
        appointment=appt,
    )


# How the front desk says what happened, for "Checked in 09:02 by desk.amara".
_STAMP_WORDS = {
    AppointmentStatus.SCHEDULED: "Set back to scheduled",
    AppointmentStatus.CHECKED_IN: "Checked in",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.CANCELLED: "Cancelled",
    AppointmentStatus.LATE_CANCELLED: "Cancelled late",
    AppointmentStatus.NO_SHOW: "Marked as no-show",
}


def status_stamp(appointment: Appointment, tz: ZoneInfo) -> str:
    """Who set the appointment's status and when, in the clinic's time: the day is named only
    when it is not the appointment's own ("Cancelled Fri 01 Mar 16:40 by desk.bertil")."""
    at = appointment.status_changed_at
    if at is None:
        return ""  # booked and never changed
    local = at.astimezone(tz)
    same_day = local.date() == appointment.start.astimezone(tz).date()
    when = f"{local:%H:%M}" if same_day else f"{local:%a %d %b %H:%M}"
    by = f" by {appointment.status_changed_by}" if appointment.status_changed_by else ""
    return f"{_STAMP_WORDS[appointment.status]} {when}{by}"


def week_days(day: date) -> list[date]:
    """Monday to Sunday of the week containing `day`."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=n) for n in range(7)]


def drop_empty_weekend(layout: BookLayout) -> BookLayout:
    """A week without Saturday and Sunday columns, unless something is booked on them."""
    used = {b.column for b in layout.blocks}
    keep = [n for n, c in enumerate(layout.columns) if c.day.weekday() < 5 or n in used]
    if len(keep) == len(layout.columns):
        return layout
    renumber = {old: new for new, old in enumerate(keep)}
    blocks = tuple(replace(b, column=renumber[b.column]) for b in layout.blocks)
    columns = tuple(layout.columns[n] for n in keep)
    return BookLayout(columns, blocks, layout.first_minute, layout.last_minute)
