"""TwinService, AuditService and AdminService against the fakes."""

import csv
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.errors import NotFound, StaleRecord, ValidationFailed
from novamind_desktop.domain.maintenance import MigrationLocked, PendingRevision, UpgradeFailed
from novamind_desktop.domain.twins import DigitalTwin, ReviewStatus
from novamind_desktop.services import audit_trail
from novamind_desktop.services.admin import AdminService
from novamind_desktop.services.audit import AuditService
from novamind_desktop.services.twins import TwinService

from .fakes import FakeDatabaseAdmin, FakeUnitOfWork

# Twins


@pytest.fixture
def twins(uow_factory, clock):
    return TwinService(uow_factory, clock)


@pytest.fixture
def twin(db):
    stored = DigitalTwin(uuid4(), uuid4(), symptom_forecast={"phq9": [12, 11, 9]})
    db.twins[stored.patient_id] = stored
    return stored


def test_opening_a_twin_is_audited_under_the_patient(twins, db, clinician, twin):
    assert twins.get(clinician, twin.patient_id) == twin
    event = db.audit[-1]
    assert (event.action, event.entity, event.entity_id) == (
        AuditAction.READ,
        "digital_twin",
        str(twin.patient_id),
    )
    assert twins.get(clinician, uuid4()) is None
    assert db.audit[-1].detail == "no twin yet"


def test_a_review_is_stored_with_the_reviewer_and_audited_without_the_note(
    twins, db, clinician, twin
):
    reviewed = twins.review(
        clinician, twin.patient_id, 1, ReviewStatus.FLAGGED, " suicidal ideation "
    )
    assert (reviewed.review_status, reviewed.review_note, reviewed.reviewed_by) == (
        ReviewStatus.FLAGGED,
        "suicidal ideation",
        clinician.user_id,
    )
    assert reviewed.version == 2
    assert db.audit[-1].detail == "review flagged"
    assert "suicidal" not in repr(db.audit)


def test_review_conflicts_and_missing_twins(twins, db, uow_factory, clinician, twin):
    twins.review(clinician, twin.patient_id, 1, ReviewStatus.REVIEWED, "")
    with pytest.raises(StaleRecord):
        twins.review(clinician, twin.patient_id, 1, ReviewStatus.FLAGGED, "")
    assert uow_factory.last.committed is False
    with pytest.raises(NotFound):
        twins.review(clinician, uuid4(), 1, ReviewStatus.REVIEWED, "")
    with pytest.raises(ValidationFailed):
        twins.review(clinician, twin.patient_id, 2, ReviewStatus.REVIEWED, "x" * 4001)


# Audit log


@pytest.fixture
def audit(uow_factory, clock):
    return AuditService(uow_factory, clock)


def _some_events(db, clock, admin, frontdesk):
    patient = uuid4()
    with FakeUnitOfWork(db, frontdesk) as uow:
        audit_trail.record(uow, clock, frontdesk, AuditAction.READ, "patient", patient)
        clock.advance(minutes=1)
        audit_trail.record(uow, clock, frontdesk, AuditAction.UPDATE, "patient", patient, "=1+1")
        clock.advance(minutes=1)
        audit_trail.record(uow, clock, admin, AuditAction.SIGN_IN, "user", admin.user_id)
        uow.commit()
    return patient


def test_query_filters_and_orders_newest_first(audit, db, clock, admin, frontdesk):
    patient = _some_events(db, clock, admin, frontdesk)
    assert [e.action for e in audit.query(admin)] == [
        AuditAction.SIGN_IN,
        AuditAction.UPDATE,
        AuditAction.READ,
    ]
    assert len(audit.query(admin, entity_id=f" {patient} ")) == 2
    assert [e.action for e in audit.query(admin, user_id=admin.user_id)] == [AuditAction.SIGN_IN]
    assert len(audit.query(admin, action=AuditAction.READ)) == 1
    assert len(audit.query(admin, since=clock.now() - timedelta(minutes=1))) == 2
    assert len(audit.query(admin, limit=1)) == 1


def test_export_csv_writes_every_event_safely_and_is_audited(
    audit, db, clock, admin, frontdesk, tmp_path
):
    _some_events(db, clock, admin, frontdesk)
    target = tmp_path / "audit.csv"
    assert audit.export_csv(admin, audit.query(admin), target) == 3
    with target.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["action"] for r in rows] == ["sign_in", "update", "read"]
    assert rows[1]["detail"] == "'=1+1"  # a spreadsheet must not run it
    assert rows[0]["username"] == "ada" and rows[2]["username"] == "fiona"
    assert db.audit[-1].action == AuditAction.EXPORT
    assert db.audit[-1].detail == "3 events exported as CSV"
    assert list(tmp_path.iterdir()) == [target]


def test_a_failed_export_leaves_no_partial_file(audit, admin, tmp_path):
    def broken():
        yield from ()
        raise OSError("disk full")

    with pytest.raises(OSError):
        audit.export_csv(admin, broken(), tmp_path / "audit.csv")
    assert list(tmp_path.iterdir()) == []


# Database administration


@pytest.fixture
def database():
    return FakeDatabaseAdmin()


@pytest.fixture
def admin_service(database, uow_factory, clock):
    return AdminService(database, uow_factory, clock)


def test_status_shows_pending_revisions(admin_service, admin):
    status = admin_service.status(admin)
    assert (status.current, status.head, status.is_behind) == ("0001", "0002", True)
    assert status.pending == [PendingRevision("0002", "clinic working hours")]


def test_upgrade_backs_up_first_and_is_audited(admin_service, database, db, admin):
    progress = []
    report = admin_service.upgrade(admin, "head", lambda *p: progress.append(p))
    assert database.calls == ["backup before-upgrade.sqlite3", "upgrade head"]
    assert report is not None and report.path == Path("before-upgrade.sqlite3")
    assert progress == [(1, 1, "running head")]
    assert admin_service.status(admin).up_to_date
    assert db.audit[-1].action == AuditAction.MIGRATE
    assert db.audit[-1].detail == "upgrade 0001 -> 0002 after backup before-upgrade.sqlite3"


def test_a_failed_upgrade_says_whether_the_backup_was_restored(admin_service, database, db, admin):
    database.fail_upgrade = True
    with pytest.raises(UpgradeFailed, match="restored from the backup") as failed:
        admin_service.upgrade(admin)
    assert failed.value.restored
    assert db.audit[-1].detail == "upgrade 0001 -> head failed; restored from backup"
    database.restores_automatically = False
    with pytest.raises(UpgradeFailed, match="novamind-desktop db restore before-upgrade"):
        admin_service.upgrade(admin)


def test_two_admins_cannot_change_the_database_at_once(uow_factory, clock, admin):
    shared: dict[str, str] = {}
    mine, theirs = FakeDatabaseAdmin(lock=shared), FakeDatabaseAdmin(lock=shared)
    refused = []

    def second_admin_tries():
        try:
            AdminService(theirs, uow_factory, clock).upgrade(admin)
        except MigrationLocked as exc:
            refused.append(exc)

    mine.during = second_admin_tries
    AdminService(mine, uow_factory, clock).upgrade(admin)
    assert len(refused) == 1 and "Another administrator" in str(refused[0])
    assert theirs.current == "0001" and mine.current == "0002"


def test_downgrade_is_audited_before_it_runs_and_returns_what_it_undid(
    admin_service, database, db, admin
):
    admin_service.upgrade(admin, take_backup=False)
    assert admin_service.downgrade_steps(admin, "0001") == [
        PendingRevision("0002", "clinic working hours")
    ]
    undone = admin_service.downgrade(admin, "0001")
    assert undone == [PendingRevision("0002", "clinic working hours")]
    assert database.current == "0001"
    assert db.audit[-1].detail == "downgrade to 0001 undoing 0002 (clinic working hours)"


def test_backup_restore_and_key_rotation_are_audited(admin_service, database, db, admin):
    database.rows = 3
    report = admin_service.backup(admin, Path("nightly.sqlite3"))
    assert report.rows == 4
    assert db.audit[-1].detail == "4 rows to nightly.sqlite3"
    admin_service.restore(admin, Path("nightly.sqlite3"))
    assert db.audit[-1].action == AuditAction.RESTORE
    stop_after_one = iter([False, True])
    partial = admin_service.rotate_key(admin, None, lambda: next(stop_after_one))
    assert (partial.rows_reencrypted, partial.cancelled) == (1, True)
    assert db.audit[-1].detail == "1 of 3 values re-encrypted; cancelled, run again to finish"
    done = admin_service.rotate_key(admin)
    assert (done.rows_reencrypted, done.cancelled) == (3, False)
    assert db.audit[-1].detail == "3 of 3 values re-encrypted"
