from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.presenters.admin_audit import (
    ROW_LIMIT,
    AuditFilter,
    AuditPresenter,
    day_bounds,
)
from novamind_desktop.presenters.tasks import SynchronousRunner
from tests.unit.presenters.fakes import FakeAccounts, RecordingView


def event(n: int, action: AuditAction = AuditAction.READ) -> AuditEvent:
    return AuditEvent(uuid4(), datetime(2030, 1, 1, tzinfo=UTC), None, "root", action, "patient")


@dataclass
class FakeAudit:
    events: list[AuditEvent] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    exported: list[tuple[int, Path]] = field(default_factory=list)

    def query(self, actor, **criteria):
        self.queries.append(criteria)
        action = criteria.get("action")
        found = [e for e in self.events if action is None or e.action is action]
        return found[: criteria["limit"]]

    def export_csv(self, actor, events, path):
        self.exported.append((len(events), path))


def presenter(audit: FakeAudit):
    view = RecordingView()
    accounts = FakeAccounts()
    admin = accounts.add("root", "pw", Role.ADMIN)
    zone = ZoneInfo("Europe/Berlin")
    runner = SynchronousRunner()
    return view, AuditPresenter(view, audit, accounts, runner, Actor.of(admin), zone), runner


def test_whole_local_days_become_utc_bounds():
    since, until = day_bounds(date(2030, 6, 1), date(2030, 6, 2), ZoneInfo("Europe/Berlin"))
    assert since == datetime(2030, 5, 31, 22, 0, tzinfo=UTC)
    assert until == datetime(2030, 6, 2, 22, 0, tzinfo=UTC)
    assert day_bounds(None, None, None) == (None, None)


def test_search_passes_every_filter_and_shows_the_events():
    audit = FakeAudit([event(1), event(2, AuditAction.UPDATE)])
    view, p, _ = presenter(audit)
    user_id = uuid4()
    p.search(AuditFilter(user_id, " p-42 ", AuditAction.UPDATE, date(2030, 1, 1), None))
    criteria = audit.queries[-1]
    assert criteria["user_id"] == user_id
    assert criteria["entity_id"] == "p-42"
    assert criteria["action"] is AuditAction.UPDATE
    assert criteria["until"] is None and criteria["since"].tzinfo is UTC
    events, truncated = view.last("show_events")
    assert [e.action for e in events] == [AuditAction.UPDATE] and not truncated


def test_more_than_the_limit_says_truncated():
    view, p, _ = presenter(FakeAudit([event(i) for i in range(ROW_LIMIT + 5)]))
    p.search(AuditFilter())
    events, truncated = view.last("show_events")
    assert len(events) == ROW_LIMIT and truncated


def test_reversed_dates_are_refused_before_any_query():
    audit = FakeAudit()
    view, p, runner = presenter(audit)
    p.search(AuditFilter(first_day=date(2030, 2, 1), last_day=date(2030, 1, 1)))
    assert "after the last day" in view.last("show_error")
    assert audit.queries == [] and runner.labels == []


def test_export_writes_what_is_shown(tmp_path):
    audit = FakeAudit([event(1), event(2)])
    view, p, _ = presenter(audit)
    p.export(tmp_path / "audit.csv")
    assert "Nothing to export" in view.last("show_error")
    p.search(AuditFilter())
    p.export(tmp_path / "audit.csv")
    assert audit.exported == [(2, tmp_path / "audit.csv")]
    assert "Exported 2 events" in view.last("show_message")
