"""What the appointment book presenter asks of its view, the booking it hands the booking
dialog, and the status actions of a block's menu."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from novamind_desktop.domain.appointments import AppointmentStatus, next_statuses
from novamind_desktop.domain.users import User
from novamind_desktop.presenters.book_layout import BookLayout


@dataclass(frozen=True)
class BookingDraft:
    """An empty slot the user selected: where the booking dialog starts."""

    clinician_id: UUID
    start: datetime
    end: datetime


class AppointmentBookView(Protocol):
    def show_clinicians(self, clinicians: Sequence[User], selected: Sequence[UUID]) -> None: ...

    def show_layout(self, layout: BookLayout, heading: str) -> None: ...

    def show_error(self, message: str) -> None: ...

    def show_status(self, message: str, lasting: bool = False) -> None:
        """A line in the status bar: for a few seconds, or until the next (`lasting`)."""

    def confirm(self, question: str, on_yes: Callable[[], None]) -> None: ...

    def ask_scope(self, question: str, on_choice: Callable[[bool], None]) -> None:
        """Series: only this occurrence (False) or this and all following (True)."""

    def ask_reason(
        self, question: str, in_series: bool, on_done: Callable[[str, bool], None]
    ) -> None:
        """Cancellation reason and, in a series, whether the following ones go too."""

    def open_booking(self, draft: BookingDraft) -> None: ...


STATUS_ACTIONS: tuple[tuple[AppointmentStatus, str], ...] = (
    (AppointmentStatus.CHECKED_IN, "Check in"),
    (AppointmentStatus.COMPLETED, "Complete"),
    (AppointmentStatus.SCHEDULED, "Back to scheduled"),
    (AppointmentStatus.CANCELLED, "Cancel…"),
    (AppointmentStatus.LATE_CANCELLED, "Late cancel…"),
    (AppointmentStatus.NO_SHOW, "No-show"),
)
NEEDS_REASON = frozenset({AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED})


def allowed_statuses(current: AppointmentStatus) -> list[AppointmentStatus]:
    """The menu's status actions the domain allows from `current`, in menu order."""
    allowed = next_statuses(current)
    return [target for target, _ in STATUS_ACTIONS if target in allowed]
