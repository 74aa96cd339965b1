"""The appointment book: which days and clinicians are shown, and what staff do to a block."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from novamind_desktop.domain.appointments import (
    AppointmentStatus,
    AppointmentType,
)
from novamind_desktop.domain.errors import SlotTaken, StaleRecord, StorageUnavailable
from novamind_desktop.domain.users import Actor, Permission, User, may
from novamind_desktop.presenters.book_layout import (
    EMPTY_LAYOUT,
    BookBlock,
    BookColumn,
    BookLayout,
    at_minute,
    build_layout,
    day_start,
    drop_empty_weekend,
    week_days,
)
from novamind_desktop.presenters.book_view import (
    NEEDS_REASON,
    AppointmentBookView,
    BookingDraft,
)
from novamind_desktop.presenters.frontdesk_errors import clinic_zone, describe, now
from novamind_desktop.presenters.slot_conflicts import explain_slot_taken
from novamind_desktop.presenters.tasks import TaskRunner

if TYPE_CHECKING:
    from novamind_desktop.services.registry import AppServices

Mode = Literal["day", "week"]


class AppointmentBookPresenter:
    def __init__(
        self,
        view: AppointmentBookView,
        services: AppServices,
        runner: TaskRunner,
        actor: Actor,
        notify_changed: Callable[[str], None] = lambda topic: None,
        *,
        own_schedule: bool = False,
    ):
        self.view = view
        self.services = services
        self.runner = runner
        self.actor = actor
        self.notify_changed = notify_changed
        self.own_schedule = own_schedule
        self.can_book = not own_schedule and may(actor.role, Permission.WRITE_APPOINTMENTS)
        self.can_change_status = may(actor.role, Permission.UPDATE_APPOINTMENT_STATUS)
        self.tz = clinic_zone(services)
        self.day: date = now(services).astimezone(self.tz).date()
        self.mode: Mode = "day"
        self.clinicians: list[User] = []
        self.types: list[AppointmentType] = []
        self.selected: list[UUID] = []
        self.week_clinician: UUID | None = actor.user_id if own_schedule else None
        self.show_cancelled = False
        self.layout: BookLayout = EMPTY_LAYOUT
        self._loading = False
        self._reload_again = False
        self._again_is_refresh = False
        self._polls_failing = False  # the timer's loads fail (the database is away)
        self.paused = False  # the screen is locked: nothing is fetched or drawn
        self._after_pause: list[Callable[[], None]] = []
        # (start, end, clinicians) of the last load that was audited: what the person opened.
        self._opened: tuple[datetime, datetime, tuple[UUID, ...]] | None = None

    # -- loading -------------------------------------------------------------------------

    def start(self) -> None:
        def job(_: Any) -> tuple[list[User], list[AppointmentType]]:
            return (
                self.services.appointments.clinicians(self.actor),
                self.services.appointments.types(self.actor),
            )

        self.runner.submit(job, self._started, self._failed, label="Opening the book")

    def _started(self, result: tuple[list[User], list[AppointmentType]]) -> None:
        self.clinicians, self.types = list(result[0]), list(result[1])
        if self.own_schedule:
            self.selected = [c.id for c in self.clinicians if c.id == self.actor.user_id]
        if not self.selected:
            self.selected = [c.id for c in self.clinicians]
        if self.week_clinician is None and self.clinicians:
            self.week_clinician = self.selected[0] if self.selected else self.clinicians[0].id
        self.view.show_clinicians(self.clinicians, self.selected)
        self.reload()

    def columns(self) -> list[BookColumn]:
        names = {c.id: c.display_name for c in self.clinicians}
        if self.mode == "week":
            if self.week_clinician is None:
                return []
            return [
                BookColumn(self.week_clinician, d, f"{d:%a %d %b}") for d in week_days(self.day)
            ]
        return [BookColumn(cid, self.day, names.get(cid, "?")) for cid in self.selected]

    def clinician_name(self, clinician_id: UUID | None) -> str:
        return next((c.display_name for c in self.clinicians if c.id == clinician_id), "")

    def heading(self) -> str:
        """Where the book is, relative to today (the date box beside it has the exact date)."""
        today = now(self.services).astimezone(self.tz).date()
        if self.mode == "week":
            days = week_days(self.day)
            weeks = (days[0] - week_days(today)[0]).days // 7
            relative = {0: "This week", 1: "Next week", -1: "Last week"}.get(weeks)
            if relative:
                return relative
            first, last = days[0], days[4]
            if first.month == last.month:
                span = f"{first.day}–{last.day} {last:%B}"
            else:
                span = f"{first.day} {first:%b} – {last.day} {last:%b}"
            return f"{span} {last.year}"
        relative = {0: "Today", 1: "Tomorrow", -1: "Yesterday"}.get((self.day - today).days)
        return (
            f"{relative}, {self.day:%A}"
            if relative
            else f"{self.day:%A} {self.day.day} {self.day:%B}"
        )

    def reload(self, *, refresh: bool = False) -> None:
        """Fetch the shown range again; the view keeps its selection.

        `refresh=True` is the background poll: a view the person already opened is fetched
        without a new audit row. Anything else (another day, other clinicians) is audited."""
        if self.paused:
            return  # resume() fetches the view at once
        if self._loading:
            # Coalesce: one more load when this one is back, audited unless all were polls.
            first = not self._reload_again
            self._again_is_refresh = refresh and (first or self._again_is_refresh)
            self._reload_again = True
            return
        columns = self.columns()
        if not columns:
            self.layout = EMPTY_LAYOUT
            self.view.show_layout(self.layout, self.heading())
            return
        days = sorted({c.day for c in columns})
        start = day_start(days[0], self.tz)
        end = day_start(days[-1] + timedelta(days=1), self.tz)
        ids = sorted({c.clinician_id for c in columns}, key=str)
        view = (start, end, tuple(ids))
        quiet = refresh and view == self._opened

        def job(_: Any) -> list[Any]:
            return self.services.appointments.schedule(self.actor, start, end, ids, refresh=quiet)

        def loaded(slots: list[Any]) -> None:
            if not quiet:
                self._opened = view
            self._loaded(columns, slots)

        self._loading = True
        self.runner.submit(job, loaded, self._poll_failed if refresh else self._load_failed)

    def _loaded(self, columns: list[BookColumn], slots: list[Any]) -> None:
        self._loading = False
        if self.paused:  # locked meanwhile: not drawn; resume() fetches again
            self._reload_again = False
            return
        if self._polls_failing:
            self._polls_failing = False
            self.view.show_status("The appointment book is up to date again.")
        layout = build_layout(columns, slots, self.tz, show_cancelled=self.show_cancelled)
        if self.mode == "week":
            layout = drop_empty_weekend(layout)
        self.layout = layout
        self.view.show_layout(layout, self.heading())
        if self._reload_again:
            self._reload_again = False
            self.reload(refresh=self._again_is_refresh)

    def _load_failed(self, exc: Exception) -> None:
        self._loading = False
        self._reload_again = False
        self.view.show_error(describe(exc, "Loading the appointment book"))

    def _poll_failed(self, exc: Exception) -> None:
        """The timer's refresh failed (the server or the network is away, most likely). Not
        a dialog: one every 15 seconds would pile up while it lasts. The status bar says so
        at each failed tick, and the next tick tries again."""
        self._loading = False
        self._polls_failing = True
        if isinstance(exc, StorageUnavailable):
            problem = "The database cannot be reached: the book shown may be out of date."
        else:
            describe(exc, "Refreshing the appointment book")  # logs what it was, no PHI
            problem = "The appointment book could not be refreshed."
        self.view.show_status(f"{problem} Trying again every 15 seconds.", lasting=True)
        if self._reload_again:  # the person asked for another view meanwhile: fetch it now
            self._reload_again = False  # (its own failure, if not a poll, is a dialog)
            self.reload(refresh=self._again_is_refresh)

    def _failed(self, exc: Exception) -> None:
        self.view.show_error(describe(exc, "An appointment book job"))

    def pause(self) -> None:
        """The screen locked: load and draw nothing until resume()."""
        self.paused = True

    def resume(self) -> None:
        """The user is back: what was held back, then the open view fetched at once."""
        self.paused = False
        held, self._after_pause = self._after_pause, []
        for handle in held:
            handle()
        self.reload(refresh=True)

    # -- navigation ------------------------------------------------------------------------

    def go_to(self, day: date) -> None:
        self.day = day
        self.reload()

    def step(self, direction: int) -> None:
        self.go_to(self.day + timedelta(days=direction * (7 if self.mode == "week" else 1)))

    def today(self) -> None:
        self.go_to(now(self.services).astimezone(self.tz).date())

    def set_mode(self, mode: Mode) -> None:
        self.mode = mode
        self.reload()

    def set_selected(self, clinician_ids: Sequence[UUID]) -> None:
        order = {c.id: n for n, c in enumerate(self.clinicians)}
        self.selected = sorted(set(clinician_ids), key=lambda cid: order.get(cid, 0))
        self.reload()

    def set_week_clinician(self, clinician_id: UUID) -> None:
        self.week_clinician = clinician_id
        self.reload()

    def set_show_cancelled(self, show: bool) -> None:
        self.show_cancelled = show
        self.reload()

    # -- booking and moving --------------------------------------------------------------

    def request_booking(self, column: int, start_minute: int, end_minute: int) -> None:
        if not self.can_book:
            return
        col = self.layout.columns[column]
        start = at_minute(col.day, start_minute, self.tz)
        end = at_minute(col.day, max(end_minute, start_minute + 5), self.tz)
        self.view.open_booking(BookingDraft(col.clinician_id, start, end))

    def request_move(
        self, appointment_id: UUID, column: int, start_minute: int, end_minute: int
    ) -> None:
        block = self.layout.block(appointment_id)
        if block is None or not self.can_book:
            return
        col = self.layout.columns[column]
        start = at_minute(col.day, start_minute, self.tz)
        end = at_minute(col.day, end_minute, self.tz)
        appt = block.appointment
        if start == appt.start and end == appt.end and col.clinician_id == appt.clinician_id:
            return
        moved_to = None if col.clinician_id == appt.clinician_id else col.clinician_id
        question = self._move_question(block, start, end, moved_to)
        if block.in_series:
            self.view.ask_scope(
                question, lambda following: self._move(block, start, end, moved_to, following)
            )
        else:
            self.view.confirm(question, lambda: self._move(block, start, end, moved_to, False))

    def _move_question(
        self, block: BookBlock, start: datetime, end: datetime, moved_to: UUID | None
    ) -> str:
        old = self._when(block.appointment.start, block.appointment.end)
        new = self._when(start, end)
        who = ""
        if moved_to is not None:
            who = f" with {self.clinician_name(moved_to)}"
        return f"Move {block.patient_name}'s {block.type_label.lower()} from {old} to {new}{who}?"

    def _when(self, start: datetime, end: datetime) -> str:
        s, e = start.astimezone(self.tz), end.astimezone(self.tz)
        return f"{s:%a %d %b %H:%M}–{e:%H:%M}"

    def _move(
        self,
        block: BookBlock,
        start: datetime,
        end: datetime,
        clinician_id: UUID | None,
        following: bool,
    ) -> None:
        appt = block.appointment
        svc = self.services.appointments
        method = svc.move_following if following else svc.move

        def job(_: Any) -> Any:
            return method(self.actor, appt.id, appt.version, start, end, clinician_id=clinician_id)

        self.runner.submit(job, self._changed, self._write_failed, label="Moving appointment")

    # -- status ---------------------------------------------------------------------------

    def request_status(self, appointment_id: UUID, status: AppointmentStatus) -> None:
        block = self.layout.block(appointment_id)
        if block is None or not self.can_change_status:
            return
        if status in NEEDS_REASON:
            what = "Late-cancel" if status is AppointmentStatus.LATE_CANCELLED else "Cancel"
            question = (
                f"{what} {block.patient_name}'s {block.type_label.lower()} "
                f"on {self._when(block.appointment.start, block.appointment.end)}?"
            )
            self.view.ask_reason(
                question,
                block.in_series and self.can_book,
                lambda reason, following: self._set_status(block, status, reason, following),
            )
            return
        self._set_status(block, status, "", False)

    def _set_status(
        self, block: BookBlock, status: AppointmentStatus, reason: str, following: bool
    ) -> None:
        appt = block.appointment
        svc = self.services.appointments

        def job(_: Any) -> Any:
            if following:
                return svc.cancel_following(self.actor, appt.id, appt.version, status, reason)
            return svc.change_status(self.actor, appt.id, appt.version, status, reason)

        label = f"{block.patient_name}: {status.label}"
        self.runner.submit(job, lambda _: self._changed(label), self._write_failed, label="")

    # -- after a write ----------------------------------------------------------------------

    def _changed(self, result: Any = None) -> None:
        if isinstance(result, str):
            self.view.show_status(result)
        self.notify_changed("appointments")
        self.reload()

    def _write_failed(self, exc: Exception) -> None:
        if self.paused:  # explaining it reads the book (patient names): after the lock
            self._after_pause.append(lambda: self._write_failed(exc))
            return
        if isinstance(exc, SlotTaken):
            explain_slot_taken(
                self.services, self.runner, self.actor, self.tz, exc, self.view.show_error
            )
        elif isinstance(exc, StaleRecord):
            self.view.show_error(
                "This appointment was changed on another workstation. The book now shows "
                "the latest version; make your change again if it is still needed."
            )
        else:
            self.view.show_error(describe(exc, "Changing an appointment"))
        self.reload()
