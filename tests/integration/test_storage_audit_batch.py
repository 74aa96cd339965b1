"""Audit events wait in the unit of work and are written in one INSERT before it commits."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.infrastructure.records import AuditEventRecord, UserRecord

AT = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def _event(actor: Actor, entity_id: str) -> AuditEvent:
    return AuditEvent(
        uuid4(), AT, actor.user_id, actor.username, AuditAction.READ, "patient", entity_id
    )


def _stored(migrated_db) -> list[tuple]:
    table = AuditEventRecord.__table__
    with migrated_db.engine.connect() as connection:
        rows = connection.execute(
            select(table.c.entity_id, table.c.created_by, table.c.updated_by, table.c.version)
        )
        return sorted(tuple(row) for row in rows)


def test_pending_events_are_seen_by_a_query_and_dropped_without_commit(migrated_db) -> None:
    alice = Actor(uuid4(), "alice", Role.FRONTDESK)
    with migrated_db(alice) as uow:
        events = [_event(alice, "p1"), _event(alice, "p2")]
        for event in events:
            uow.audit.record(event)
        assert sorted(e.entity_id for e in uow.audit.query()) == ["p1", "p2"]
    assert _stored(migrated_db) == []


def test_events_are_written_whoever_commits_the_session(migrated_db) -> None:
    alice = Actor(uuid4(), "alice", Role.FRONTDESK)
    with migrated_db(alice) as uow:
        uow.audit.record(_event(alice, "p1"))
        uow.commit()
    with migrated_db(alice) as uow:  # infrastructure code (imports, rotation) commits directly
        uow.audit.record(_event(alice, "p2"))
        uow.audit.record(_event(alice, "p3"))
        uow.session.commit()
    assert _stored(migrated_db) == [(f"p{n}", "alice", "alice", 1) for n in (1, 2, 3)]


def test_events_survive_a_savepoint_the_database_refuses(migrated_db) -> None:
    """A savepoint's release fires the session's before_commit too: events recorded before
    a refused write (rolled back with its savepoint) must still reach the outer commit."""
    alice = Actor(uuid4(), "alice", Role.FRONTDESK)
    with migrated_db(alice) as uow:
        uow.audit.record(_event(alice, "p1"))
        refused = UserRecord(
            username="x",
            display_name="x",
            role="not-a-role",  # the CHECK constraint refuses it at flush, inside the savepoint
            password_hash="x",
            active=True,
            failed_sign_ins=0,
        )
        with pytest.raises(IntegrityError), uow.session.begin_nested():
            uow.session.add(refused)
        uow.audit.record(_event(alice, "p2"))
        uow.commit()
    assert [row[0] for row in _stored(migrated_db)] == ["p1", "p2"]
