"""Admin → Audit log: filter by user, patient (record id), action and dates; export CSV."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.users import Actor, User
from novamind_desktop.presenters.sign_in import failure_sentence
from novamind_desktop.presenters.tasks import TaskRunner

ROW_LIMIT = 1000


class AuditQueries(Protocol):
    """The part of services.audit.AuditService the dialog uses."""

    def query(
        self,
        actor: Actor,
        user_id: UUID | None = None,
        entity_id: str | None = None,
        action: AuditAction | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = ROW_LIMIT,
    ) -> list[AuditEvent]: ...

    def export_csv(self, actor: Actor, events: list[AuditEvent], path: Path) -> Any: ...


class UserList(Protocol):
    def list_users(self, actor: Actor) -> list[User]: ...


@dataclass(frozen=True)
class AuditFilter:
    user_id: UUID | None = None
    entity_id: str = ""  # a patient's (or any record's) id, as shown in the app
    action: AuditAction | None = None
    first_day: date | None = None  # inclusive, in the clinic's local time
    last_day: date | None = None  # inclusive


def day_bounds(
    first: date | None, last: date | None, zone: tzinfo | None
) -> tuple[datetime | None, datetime | None]:
    """[since, until) in UTC covering whole local days."""

    def start_of(day: date) -> datetime:
        local = datetime.combine(day, time.min)
        local = local.replace(tzinfo=zone) if zone is not None else local.astimezone()
        return local.astimezone(UTC)

    since = start_of(first) if first else None
    until = start_of(last + timedelta(days=1)) if last else None
    return since, until


class AuditView(Protocol):
    def show_users(self, users: list[User]) -> None: ...

    def show_events(self, events: list[AuditEvent], truncated: bool) -> None: ...

    def show_error(self, message: str) -> None: ...

    def show_message(self, message: str) -> None: ...

    def set_busy(self, busy: bool) -> None: ...


class AuditPresenter:
    def __init__(
        self,
        view: AuditView,
        audit: AuditQueries,
        users: UserList,
        runner: TaskRunner,
        actor: Actor,
        zone: tzinfo | None = None,
    ):
        self._view = view
        self._audit = audit
        self._users = users
        self._runner = runner
        self._actor = actor
        self._zone = zone
        self.events: list[AuditEvent] = []

    def load_users(self) -> None:
        self._runner.submit(
            lambda ctx: self._users.list_users(self._actor),
            on_success=self._view.show_users,
            on_failure=self._failed("list users"),
            label="list users",
        )

    def search(self, criteria: AuditFilter) -> None:
        if criteria.first_day and criteria.last_day and criteria.first_day > criteria.last_day:
            self._view.show_error("The first day is after the last day.")
            return
        since, until = day_bounds(criteria.first_day, criteria.last_day, self._zone)
        entity = criteria.entity_id.strip() or None

        def job(ctx: Any) -> list[AuditEvent]:
            return self._audit.query(
                self._actor,
                user_id=criteria.user_id,
                entity_id=entity,
                action=criteria.action,
                since=since,
                until=until,
                limit=ROW_LIMIT + 1,
            )

        self._view.set_busy(True)
        self._runner.submit(
            job, on_success=self._found, on_failure=self._failed("audit search"), label="audit"
        )

    def _found(self, events: list[AuditEvent]) -> None:
        self._view.set_busy(False)
        self.events = events[:ROW_LIMIT]
        self._view.show_error("")
        self._view.show_events(self.events, len(events) > ROW_LIMIT)

    def export(self, path: Path) -> None:
        if not self.events:
            self._view.show_error("Nothing to export: search first, or widen the filters.")
            return
        events = list(self.events)

        def done(_: Any) -> None:
            self._view.set_busy(False)
            self._view.show_message(f"Exported {len(events)} events to {path}.")

        self._view.set_busy(True)
        self._runner.submit(
            lambda ctx: self._audit.export_csv(self._actor, events, path),
            on_success=done,
            on_failure=self._failed("audit export"),
            label="audit export",
        )

    def _failed(self, label: str) -> Callable[[Exception], None]:
        def show(exc: Exception) -> None:
            self._view.set_busy(False)
            self._view.show_error(failure_sentence(exc, label))

        return show
