"""Booking one appointment or a recurring series, and finding the next free slot."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from novamind_desktop.domain.appointments import AppointmentType
from novamind_desktop.domain.errors import FieldError, SlotTaken, ValidationFailed
from novamind_desktop.domain.recurrence import Frequency, Recurrence
from novamind_desktop.domain.users import Actor
from novamind_desktop.presenters.frontdesk_errors import clinic_zone, describe, now
from novamind_desktop.presenters.slot_conflicts import explain_slot_taken
from novamind_desktop.presenters.tasks import TaskRunner

if TYPE_CHECKING:
    from novamind_desktop.services.registry import AppServices


@dataclass(frozen=True)
class BookingForm:
    """What the booking dialog holds when the user presses Book."""

    patient_id: UUID | None
    clinician_id: UUID | None
    appointment_type: str
    start: datetime | None  # aware
    minutes: int
    virtual: bool = False
    location: str = ""
    notes: str = ""
    repeat: Frequency | None = None
    count: int | None = None
    until: date | None = None

    @property
    def end(self) -> datetime | None:
        return None if self.start is None else self.start + timedelta(minutes=self.minutes)


class BookingView(Protocol):
    def show_field_errors(self, errors: dict[str, str]) -> None: ...

    def show_error(self, message: str) -> None: ...

    def set_slot(self, start: datetime, minutes: int) -> None:
        """Move the form to a suggested free slot."""

    def booked(self, message: str) -> None:
        """The booking went through; the dialog closes."""


def booking_request(form: BookingForm) -> Any:
    from novamind_desktop.services.appointments import BookingRequest

    assert form.patient_id and form.clinician_id and form.start and form.end
    return BookingRequest(
        patient_id=form.patient_id,
        clinician_id=form.clinician_id,
        start=form.start,
        end=form.end,
        appointment_type=form.appointment_type,
        virtual=form.virtual,
        location=form.location.strip(),
        notes=form.notes.strip(),
    )


def missing_fields(form: BookingForm) -> dict[str, str]:
    errors = {}
    if form.patient_id is None:
        errors["patient"] = "Choose the patient: type part of the name and pick from the list."
    if form.clinician_id is None:
        errors["clinician"] = "Choose a clinician."
    if not form.appointment_type:
        errors["appointment_type"] = "Choose the type of appointment."
    if form.start is None:
        errors["start"] = "Choose the date and time."
    if form.minutes < 5:
        errors["minutes"] = "An appointment lasts at least 5 minutes."
    if not form.virtual and not form.location.strip():
        errors["location"] = "Say where the patient should come (room or site)."
    return errors


class BookingPresenter:
    def __init__(
        self,
        view: BookingView,
        services: AppServices,
        runner: TaskRunner,
        actor: Actor,
        types: Sequence[AppointmentType],
        notify_changed: Callable[[str], None] = lambda topic: None,
    ):
        self.view = view
        self.services = services
        self.runner = runner
        self.actor = actor
        self.types = list(types)
        self.notify_changed = notify_changed
        self.tz = clinic_zone(services)
        self.busy = False

    def default_minutes(self, type_name: str) -> int:
        return next((t.default_minutes for t in self.types if t.name == type_name), 30)

    def find_next_available(self, form: BookingForm) -> None:
        if form.clinician_id is None or not form.appointment_type:
            self.view.show_field_errors(
                {
                    k: v
                    for k, v in missing_fields(form).items()
                    if k in ("clinician", "appointment_type")
                }
            )
            return
        after = max(form.start or now(self.services), now(self.services))
        clinician_id, type_name = form.clinician_id, form.appointment_type
        minutes = self.default_minutes(type_name) if form.minutes < 5 else form.minutes

        def job(_: Any) -> tuple[datetime, datetime]:
            return self.services.appointments.next_available(
                self.actor, clinician_id, type_name, after
            )

        def found(slot: tuple[datetime, datetime]) -> None:
            start, end = slot
            self.view.set_slot(start, int((end - start).total_seconds() // 60) or minutes)

        self.runner.submit(job, found, self._failed, label="Finding the next free slot")

    def book(self, form: BookingForm) -> None:
        errors = missing_fields(form)
        if errors:
            self.view.show_field_errors(errors)
            return
        try:
            recurrence = self._recurrence(form)
        except ValidationFailed as exc:
            self.view.show_field_errors({e.field: e.message for e in exc.errors})
            return
        self.view.show_field_errors({})
        request = booking_request(form)
        svc = self.services.appointments

        def job(_: Any) -> list[Any]:
            if recurrence is None:
                return [svc.book(self.actor, request)]
            return list(svc.book_series(self.actor, request, recurrence))

        self.busy = True
        self.runner.submit(job, self._booked, self._failed, label="Booking")

    @staticmethod
    def _recurrence(form: BookingForm) -> Recurrence | None:
        if form.repeat is None:
            return None
        if form.count is None and form.until is None:
            raise ValidationFailed([FieldError("count", "Say how many times, or until when.")])
        return Recurrence(form.repeat, count=form.count, until=form.until)

    def _booked(self, appointments: list[Any]) -> None:
        self.busy = False
        self.notify_changed("appointments")
        first = appointments[0]
        when = first.start.astimezone(self.tz)
        if len(appointments) == 1:
            message = f"Booked {when:%a %d %b %H:%M}."
        else:
            last = appointments[-1].start.astimezone(self.tz)
            message = (
                f"Booked {len(appointments)} appointments, {when:%a %d %b} to {last:%a %d %b %Y}."
            )
        self.view.booked(message)

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        if isinstance(exc, SlotTaken):
            explain_slot_taken(
                self.services, self.runner, self.actor, self.tz, exc, self.view.show_error
            )
        elif isinstance(exc, ValidationFailed):
            self.view.show_field_errors({e.field: e.message for e in exc.errors})
        else:
            self.view.show_error(describe(exc, "Booking"))
