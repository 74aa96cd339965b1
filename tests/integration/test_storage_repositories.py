"""Repositories on both databases: round trips, lookups, uniqueness enforced by the database,
optimistic locking, stamps, UTC timestamps, the append-only audit trail."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, time, timedelta
from uuid import UUID, uuid4

import pytest
from sqlalchemy import insert, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from storage_samples import (
    add_clinician,
    colliding_dates,
    details,
    new_patient,
    raw_row,
    wait_until_blocked_on_a_lock,
)

from novamind_desktop.domain.appointments import DEFAULT_APPOINTMENT_TYPES
from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.clinic import DEFAULT_OPENING_HOURS, OpeningHours
from novamind_desktop.domain.errors import DuplicateEmail, StaleRecord, ValidationFailed
from novamind_desktop.domain.twins import DigitalTwin, ReviewStatus
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.infrastructure.crypto import DecryptionError, FieldCipher
from novamind_desktop.infrastructure.database import make_engine
from novamind_desktop.infrastructure.keys import KEY_VAR, PREVIOUS_VAR, generate_key, load_keyring
from novamind_desktop.infrastructure.records import AuditEventRecord, PatientRecord
from novamind_desktop.infrastructure.repositories import patient_index
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory
from novamind_desktop.services.search_records import IndexedPatient

PATIENTS = PatientRecord.__table__


def test_a_patient_round_trips_with_utc_stamps_and_the_actor(migrated_db, clock) -> None:
    actor = Actor(uuid4(), "frontdesk.amara", Role.FRONTDESK)
    with migrated_db(actor) as uow:
        stored = uow.patients.add(new_patient(city="Tromsø", last_name="Ní Bhriain"))
        uow.commit()
    with migrated_db(actor) as uow:
        loaded = uow.patients.get(stored.id)
    assert loaded == stored and loaded is not None
    assert loaded.details.last_name == "Ní Bhriain" and loaded.version == 1
    assert loaded.created_at == clock.now() and loaded.created_at.tzinfo is UTC
    row = raw_row(migrated_db.engine, PATIENTS, stored.id)
    assert (row.created_by, row.updated_by) == ("frontdesk.amara", "frontdesk.amara")


def test_saving_bumps_the_version_and_stamps_who_and_when(migrated_db, clock) -> None:
    creator, editor = Actor.command_line("import"), Actor(uuid4(), "fd.bo", Role.FRONTDESK)
    with migrated_db(creator) as uow:
        patient = uow.patients.add(new_patient())
        uow.commit()
    clock.advance(minutes=5)
    with migrated_db(editor) as uow:
        saved = uow.patients.save(patient.with_details(details(phone="+4915112345678")))
        uow.commit()
    assert saved.version == 2 and saved.details.phone == "+4915112345678"
    assert saved.updated_at == clock.now() and saved.created_at == patient.created_at
    row = raw_row(migrated_db.engine, PATIENTS, patient.id)
    assert (row.created_by, row.updated_by, row.version) == ("cli:import", "fd.bo", 2)


def test_leaving_without_commit_rolls_back(migrated_db, admin_actor) -> None:
    with migrated_db(admin_actor) as uow:
        patient = uow.patients.add(new_patient())
    with migrated_db(admin_actor) as uow:
        assert uow.patients.get(patient.id) is None and uow.patients.count() == 0


def test_a_stale_version_is_refused(migrated_db, admin_actor) -> None:
    with migrated_db(admin_actor) as uow:
        opened = uow.patients.add(new_patient())
        uow.commit()
    with migrated_db(admin_actor) as uow:
        uow.patients.save(opened.with_details(details(city="Bergen")))
        uow.commit()
    with migrated_db(admin_actor) as uow, pytest.raises(StaleRecord):
        uow.patients.save(opened.with_details(details(city="Oslo")))
    with migrated_db(admin_actor) as uow:
        assert uow.patients.get(opened.id).details.city == "Bergen"


def test_a_concurrent_update_after_loading_is_a_stale_record(migrated_db, admin_actor) -> None:
    """The version check in the UPDATE itself (StaleDataError), not only the early check."""
    with migrated_db(admin_actor) as uow:
        patient = uow.patients.add(new_patient())
        uow.commit()
    with migrated_db(admin_actor) as uow:
        loaded = uow.patients.get(patient.id)
        # Another workstation's save, invisible to this session's identity map:
        uow.session.connection().execute(
            update(PATIENTS).where(PATIENTS.c.id == patient.id).values(version=2)
        )
        with pytest.raises(StaleRecord):
            uow.patients.save(loaded.with_details(details(city="Bergen")))


def test_email_uniqueness_is_enforced_by_the_database(migrated_db, admin_actor) -> None:
    with migrated_db(admin_actor) as uow:
        patient = uow.patients.add(new_patient())
        uow.commit()
    row = raw_row(migrated_db.engine, PATIENTS, patient.id)
    copy = dict(row._mapping) | {"id": uuid4()}
    with pytest.raises(IntegrityError), migrated_db.engine.begin() as connection:
        connection.execute(insert(PATIENTS).values(**copy))
    copy["email_index"] = None  # walk-ins without email do not collide
    with migrated_db.engine.begin() as connection:
        connection.execute(insert(PATIENTS).values(**copy))


def test_a_taken_email_is_a_duplicate_and_the_unit_of_work_goes_on(
    migrated_db, admin_actor
) -> None:
    with migrated_db(admin_actor) as uow:
        first = uow.patients.add(new_patient(email="Sam@Example.org"))
        uow.patients.add(new_patient(email=None))
        uow.patients.add(new_patient(email=None))  # several without email are fine
        uow.commit()
    with migrated_db(admin_actor) as uow:
        with pytest.raises(DuplicateEmail):
            uow.patients.add(new_patient(email="  sam@example.ORG "))
        other = uow.patients.add(new_patient(email="kim@example.org"))
        with pytest.raises(DuplicateEmail):
            uow.patients.save(other.with_details(details(email="sam@example.org")))
        uow.commit()
    with migrated_db(admin_actor) as uow:
        assert uow.patients.count() == 4
        assert uow.patients.find_by_email("SAM@example.org ") == first
        assert uow.patients.find_by_email("kim@example.org").id == other.id
        assert uow.patients.find_by_email("nobody@example.org") is None


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_sessions_registering_one_email_at_once(migrated_db, admin_actor) -> None:
    """Both pass the repository's own check; the database's UNIQUE index decides, and the
    loser gets DuplicateEmail (not a raw IntegrityError)."""
    engine_b = make_engine(migrated_db.url + "?application_name=email_b")
    outcome: list[object] = []

    def session_b() -> None:
        factory = make_uow_factory(engine_b, migrated_db.cipher, migrated_db.clock)
        with factory(admin_actor) as b:
            try:
                outcome.append(b.patients.add(new_patient(email="same@example.org")))
                b.commit()
            except DuplicateEmail as refused:
                outcome.append(refused)

    try:
        with migrated_db(admin_actor) as a:
            mine = a.patients.add(new_patient(email="same@example.org"))
            thread = threading.Thread(target=session_b)
            thread.start()
            wait_until_blocked_on_a_lock(migrated_db.engine, "email_b")
            a.commit()
        thread.join(timeout=60)
    finally:
        engine_b.dispose()
    assert len(outcome) == 1 and isinstance(outcome[0], DuplicateEmail)
    with migrated_db(admin_actor) as uow:
        assert [p.id for p in uow.patients.list_all()] == [mine.id]


def test_email_lookup_finds_rows_written_under_the_previous_key(migrated_db, clock) -> None:
    old_key, new_key = generate_key(), generate_key()
    actor = Actor.command_line("tests")
    old = FieldCipher(load_keyring({KEY_VAR: old_key}))
    with make_uow_factory(migrated_db.engine, old, clock)(actor) as uow:
        patient = uow.patients.add(new_patient(email="rotated@example.org"))
        uow.commit()
    rotating = FieldCipher(load_keyring({KEY_VAR: new_key, PREVIOUS_VAR: old_key}))
    with make_uow_factory(migrated_db.engine, rotating, clock)(actor) as uow:
        assert uow.patients.find_by_email("rotated@example.org") == patient
        assert uow.patients.find_by_date_of_birth(patient.details.date_of_birth) == [patient]
        with pytest.raises(DuplicateEmail):
            uow.patients.add(new_patient(email="rotated@example.org"))


def test_date_of_birth_lookup_is_exact(migrated_db, admin_actor) -> None:
    wanted, same_bucket = colliding_dates(migrated_db.cipher)
    with migrated_db(admin_actor) as uow:
        hits = [
            uow.patients.add(new_patient(email=None, date_of_birth=wanted, first_name=name))
            for name in ("Ada", "Ben")
        ]
        for dob in (same_bucket, wanted + timedelta(days=1), wanted.replace(year=1999)):
            uow.patients.add(new_patient(email=None, date_of_birth=dob))
        uow.commit()
    with migrated_db(admin_actor) as uow:
        found = uow.patients.find_by_date_of_birth(wanted)
        assert sorted(p.id for p in found) == sorted(p.id for p in hits)
        assert uow.patients.find_by_date_of_birth(date(1901, 1, 1)) == []


def test_changed_since_list_all_and_count(migrated_db, admin_actor, clock) -> None:
    with migrated_db(admin_actor) as uow:
        early = uow.patients.add(new_patient(email=None))
        uow.commit()
    mark = clock.advance(hours=1)
    with migrated_db(admin_actor) as uow:
        late = uow.patients.add(new_patient(email=None))
        uow.commit()
    with migrated_db(admin_actor) as uow:
        assert [p.id for p in uow.patients.changed_since(mark)] == [late.id]
        assert [p.id for p in uow.patients.list_all()] == [early.id, late.id]
        assert uow.patients.count() == 2


def test_list_for_index_and_full_names_decrypt_only_what_they_show(
    migrated_db, admin_actor
) -> None:
    with migrated_db(admin_actor) as uow:
        stored = uow.patients.add(new_patient())
        no_email = uow.patients.add(new_patient(email=None, first_name="Ørjan"))
        uow.commit()
    with migrated_db(admin_actor) as uow:
        lean = uow.patients.list_for_index()
        assert [p.id for p in lean] == [p.id for p in uow.patients.list_all()]
        by_id = {p.id: p for p in lean}
        assert by_id == {p.id: IndexedPatient.of(p) for p in (stored, no_email)}
        assert all(type(p.id) is UUID and type(p.active) is bool for p in lean)
        assert by_id[no_email.id].email is None and by_id[no_email.id].first_name == "Ørjan"
        names = uow.patients.full_names([stored.id, no_email.id, stored.id, uuid4()])
        assert names == {stored.id: stored.full_name, no_email.id: no_email.full_name}


def test_list_for_index_reads_in_chunks_and_refuses_a_tampered_value(
    migrated_db, admin_actor, monkeypatch
) -> None:
    monkeypatch.setattr(patient_index, "_CHUNK", 2)  # five patients: three chunks
    with migrated_db(admin_actor) as uow:
        added = [uow.patients.add(new_patient(email=f"p{i}@example.org")) for i in range(5)]
        uow.commit()
    with migrated_db(admin_actor) as uow:
        listed = uow.patients.list_for_index()
        assert [p.id for p in listed] == [p.id for p in uow.patients.list_all()]
        assert sorted(listed) == sorted(IndexedPatient.of(p) for p in added)
    victim, donor = added[3].id, added[1].id
    copied = raw_row(migrated_db.engine, PATIENTS, donor).phone  # sealed for the donor's row
    with migrated_db.engine.begin() as connection:
        connection.execute(update(PATIENTS).where(PATIENTS.c.id == victim).values(phone=copied))
    with migrated_db(admin_actor) as uow, pytest.raises(DecryptionError) as refused:
        uow.patients.list_for_index()
        assert (refused.value.column, refused.value.row_id) == ("phone", victim)


def test_users_round_trip_and_usernames_are_unique(migrated_db, admin_actor) -> None:
    with migrated_db(admin_actor) as uow:
        clinician = add_clinician(uow, "dr.haugen")
        uow.commit()
    with migrated_db(admin_actor) as uow:
        assert uow.users.by_username("dr.haugen") == clinician
        assert uow.users.password_hash(clinician.id) == "scrypt$not-a-real-hash"
        uow.users.set_password_hash(clinician.id, "scrypt$new")
        locked = replace(clinician, failed_sign_ins=5, locked_until=add_minutes(15))
        saved = uow.users.save(locked)
        with pytest.raises(ValidationFailed) as caught:
            add_clinician(uow, "dr.haugen")
        assert caught.value.for_field("username")
        uow.commit()
    assert saved.version == clinician.version + 1
    with migrated_db(admin_actor) as uow:
        assert uow.users.get(clinician.id) == saved
        assert saved.locked_until is not None and saved.locked_until.tzinfo is UTC
        assert uow.users.password_hash(clinician.id) == "scrypt$new"
        assert [u.username for u in uow.users.list_all()] == ["dr.haugen"]
        with pytest.raises(StaleRecord):
            uow.users.save(replace(clinician, display_name="Stale"))


def add_minutes(minutes: int):
    from storage_samples import MONDAY_9

    return MONDAY_9 + timedelta(minutes=minutes)


def test_a_twin_round_trips_its_encrypted_documents(migrated_db, admin_actor) -> None:
    with migrated_db(admin_actor) as uow:
        patient = uow.patients.add(new_patient())
        reviewer = add_clinician(uow)
        twin = uow.twins.add(
            DigitalTwin(
                uuid4(),
                patient.id,
                symptom_forecast={"phq9": [12, 10, 9], "note": "Schlafstörung"},
                medication_responses={"sertraline": {"response": 0.4}},
                last_updated=add_minutes(0),
            )
        )
        uow.commit()
    with migrated_db(admin_actor) as uow:
        assert uow.twins.for_patient(patient.id) == twin
        reviewed = uow.twins.save(
            replace(
                twin,
                review_status=ReviewStatus.FLAGGED,
                review_note="Discuss dose",
                reviewed_by=reviewer.id,
            )
        )
        uow.commit()
    with migrated_db(admin_actor) as uow:
        assert uow.twins.for_patient(patient.id) == reviewed and reviewed.version == 2
        assert uow.twins.for_patient(uuid4()) is None
        with pytest.raises(StaleRecord):
            uow.twins.save(twin)


def test_seeded_appointment_types_and_opening_hours(migrated_db, admin_actor) -> None:
    with migrated_db(admin_actor) as uow:
        types = {t.name: (t.default_minutes, t.colour) for t in uow.appointment_types.list_all()}
        assert types == {
            name: (minutes, colour) for name, minutes, colour in DEFAULT_APPOINTMENT_TYPES
        }
        assert uow.appointment_types.by_name("therapy").default_minutes == 50
        assert uow.appointment_types.by_name("massage") is None
        assert uow.opening_hours.week() == list(DEFAULT_OPENING_HOURS)
        saturday = OpeningHours(5, time(9), time(13))
        uow.opening_hours.replace_week([*DEFAULT_OPENING_HOURS[:4], saturday])
        uow.commit()
    with migrated_db(admin_actor) as uow:
        assert uow.opening_hours.week() == [*DEFAULT_OPENING_HOURS[:4], saturday]


def audit_event(actor: Actor, action: AuditAction, entity_id: str, minutes: int) -> AuditEvent:
    return AuditEvent(
        uuid4(), add_minutes(minutes), actor.user_id, actor.username, action, "patient", entity_id
    )


def test_the_audit_trail_is_queryable_and_append_only(migrated_db) -> None:
    alice = Actor(uuid4(), "alice", Role.FRONTDESK)
    bob = Actor(uuid4(), "bob", Role.CLINICIAN)
    events = [
        audit_event(alice, AuditAction.CREATE, "p1", 0),
        audit_event(bob, AuditAction.READ, "p1", 10),
        audit_event(alice, AuditAction.READ, "p2", 20),
    ]
    with migrated_db(alice) as uow:
        for event in events:
            uow.audit.record(event)
        uow.commit()
    with migrated_db(alice) as uow:
        assert uow.audit.query() == events[::-1]
        assert uow.audit.query(user_id=alice.user_id) == [events[2], events[0]]
        assert uow.audit.query(action=AuditAction.READ, entity_id="p1") == [events[1]]
        assert uow.audit.query(since=add_minutes(10), until=add_minutes(20)) == [events[1]]
        assert uow.audit.query(limit=1) == [events[2]]
    table = AuditEventRecord.__table__
    for statement in (update(table).values(detail="edited"), table.delete()):
        with pytest.raises(DBAPIError, match="append-only"), migrated_db.engine.begin() as c:
            c.execute(statement)
    with migrated_db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_events")).scalar() == 3
