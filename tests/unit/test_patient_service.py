"""PatientService against the fakes: writes, reads, audit, duplicates, conflicts, rollback."""

from datetime import date, timedelta
from uuid import uuid4

import pytest

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.errors import DuplicateEmail, NotFound, StaleRecord, ValidationFailed
from novamind_desktop.domain.patients import Patient, PatientDetails
from novamind_desktop.services.patients import PatientService
from novamind_desktop.services.search import PatientSearchIndex

from .conftest import CLINIC_TZ

RAW = {
    "first_name": "Zoë",
    "last_name": "O'Brien",
    "date_of_birth": "1984-02-29",
    "phone": "+49 (30) 555-0101",
    "email": "Zoe.OBrien@Example.org",
    "address_line": "Hauptstraße 1",
    "insurance_member_id": "XK-99812",
}
# The phone as typed and as stored, never a bare "555": random UUIDs in the audit's entity ids
# contain digit runs like that by chance, which made this check fail one run in a few hundred.
PHI_VALUES = [
    "Zoë",
    "O'Brien",
    "1984-02-29",
    "555-0101",
    "305550101",
    "5550199",
    "zoe.obrien",
    "Hauptstraße",
    "XK-99812",
]


@pytest.fixture
def index():
    return PatientSearchIndex()


@pytest.fixture
def service(uow_factory, clock, index):
    return PatientService(uow_factory, clock, clinic_tz=CLINIC_TZ, search_index=index)


def _assert_no_phi(db):
    for event in db.audit:
        text = f"{event.detail} {event.entity} {event.entity_id} {event.username}"
        assert not any(value.lower() in text.lower() for value in PHI_VALUES), event


def test_register_stores_normalised_details_and_audits_without_phi(service, db, frontdesk):
    patient = service.register(frontdesk, RAW)
    assert db.patients[patient.id].details.email == "zoe.obrien@example.org"
    assert patient.details.phone == "+49305550101"
    assert patient.version == 1
    (event,) = db.audit
    assert (event.action, event.entity, event.entity_id) == (
        AuditAction.CREATE,
        "patient",
        str(patient.id),
    )
    assert (event.user_id, event.username) == (frontdesk.user_id, "fiona")
    _assert_no_phi(db)


def test_a_new_patient_is_searchable_at_once(service, index, frontdesk):
    patient = service.register(frontdesk, RAW)
    assert [h.patient_id for h in index.search("obri")] == [patient.id]


def test_invalid_forms_name_every_bad_field_and_store_nothing(service, db, frontdesk):
    bad = {**RAW, "first_name": " ", "date_of_birth": "2999-01-01", "email": "not-an-email"}
    with pytest.raises(ValidationFailed) as refused:
        service.register(frontdesk, bad)
    assert {e.field for e in refused.value.errors} == {"first_name", "date_of_birth", "email"}
    assert db.patients == {} and db.audit == []


def test_a_taken_email_is_refused_and_rolled_back(service, db, uow_factory, frontdesk):
    service.register(frontdesk, RAW)
    with pytest.raises(DuplicateEmail):
        service.register(frontdesk, {**RAW, "first_name": "Other", "phone": "0301234567"})
    assert uow_factory.last.committed is False
    assert len(db.patients) == 1 and len(db.audit) == 1


def test_a_failed_commit_leaves_nothing_behind(service, db, uow_factory, frontdesk):
    db.commit_error = RuntimeError("disk full")
    with pytest.raises(RuntimeError):
        service.register(frontdesk, RAW)
    assert uow_factory.last.committed is False
    assert db.patients == {} and db.audit == []


def test_update_records_which_fields_changed_not_their_values(service, db, frontdesk):
    patient = service.register(frontdesk, RAW)
    updated = service.update(frontdesk, patient.id, 1, {**RAW, "phone": "+49 30 555 0199"})
    assert updated.version == 2 and updated.details.phone == "+49305550199"
    event = db.audit[-1]
    assert (event.action, event.detail) == (AuditAction.UPDATE, "changed phone")
    _assert_no_phi(db)


def test_update_without_changes_writes_nothing(service, db, frontdesk):
    patient = service.register(frontdesk, RAW)
    assert service.update(frontdesk, patient.id, 1, dict(RAW)).version == 1
    assert len(db.audit) == 1


def test_update_of_a_record_changed_elsewhere_is_refused(service, db, uow_factory, frontdesk):
    patient = service.register(frontdesk, RAW)
    service.update(frontdesk, patient.id, 1, {**RAW, "city": "Berlin"})
    with pytest.raises(StaleRecord):
        service.update(frontdesk, patient.id, 1, {**RAW, "city": "Hamburg"})
    assert uow_factory.last.committed is False
    assert db.patients[patient.id].details.city == "Berlin"


def test_update_or_get_of_an_unknown_patient_is_not_found(service, frontdesk):
    patient = service.register(frontdesk, RAW)
    with pytest.raises(NotFound):
        service.get(frontdesk, patient.id.__class__(int=patient.id.int + 1))
    with pytest.raises(NotFound):
        service.update(frontdesk, patient.id.__class__(int=1), 1, RAW)


def test_every_read_is_audited(service, db, frontdesk, clinician):
    patient = service.register(frontdesk, RAW)
    assert service.get(clinician, patient.id) == patient
    assert service.find_by_email(clinician, "ZOE.OBRIEN@example.org") == patient
    assert service.find_by_date_of_birth(clinician, date(1984, 2, 29)) == [patient]
    reads = db.actions(AuditAction.READ)
    assert [(e.entity_id, e.username) for e in reads] == [(str(patient.id), "dr.chen")] * 3
    _assert_no_phi(db)


def test_reads_use_reading_units_of_work_and_writes_do_not(service, uow_factory, frontdesk):
    """A reading unit of work may store only audit events (the fake checks it at commit)."""
    patient = service.register(frontdesk, RAW)
    assert uow_factory.last.reading is False
    for read in (
        lambda: service.get(frontdesk, patient.id),
        lambda: service.find_by_email(frontdesk, "zoe.obrien@example.org"),
        lambda: service.find_by_date_of_birth(frontdesk, date(1984, 2, 29)),
        lambda: service.possible_duplicates(frontdesk, RAW),
    ):
        read()
        assert uow_factory.last.reading is True and uow_factory.last.committed
    service.deactivate(frontdesk, patient.id, 1)
    assert uow_factory.last.reading is False


def test_the_fake_refuses_a_record_written_in_a_reading_unit_of_work(uow_factory, frontdesk):
    details = PatientDetails("Ada", "Lovelace", date(1815, 12, 10), "+442071234567")
    with uow_factory(frontdesk, reading=True) as uow:
        uow.patients.add(Patient(uuid4(), details))
        with pytest.raises(AssertionError, match="more than its audit events"):
            uow.commit()


def test_a_lookup_that_finds_nothing_writes_no_event(service, db, frontdesk):
    assert service.find_by_email(frontdesk, "nobody@example.org") is None
    assert db.audit == []


def test_deactivate_and_reactivate(service, db, frontdesk):
    patient = service.register(frontdesk, RAW)
    off = service.deactivate(frontdesk, patient.id, 1)
    assert off.active is False and off.version == 2
    with pytest.raises(StaleRecord):
        service.reactivate(frontdesk, patient.id, 1)
    on = service.reactivate(frontdesk, patient.id, 2)
    assert on.active is True
    assert [e.action for e in db.audit][-2:] == [AuditAction.DEACTIVATE, AuditAction.REACTIVATE]


@pytest.mark.parametrize(
    "form",
    [
        {"first_name": "ZOE", "last_name": "o’brien", "date_of_birth": "1984-02-29"},
        {"email": " zoe.obrien@example.org "},
        {"phone": "+49 30 5550101"},
    ],
)
def test_possible_duplicates_by_name_and_birthday_email_or_phone(service, db, frontdesk, form):
    patient = service.register(frontdesk, RAW)
    service.register(frontdesk, {**RAW, "email": "", "phone": "0711 999999", "first_name": "Al"})
    assert service.possible_duplicates(frontdesk, form) == [patient]
    assert db.audit[-1].action == AuditAction.READ and db.audit[-1].detail == "possible duplicate"
    assert service.possible_duplicates(frontdesk, form, exclude_id=patient.id) == []


def test_possible_duplicates_by_phone_without_an_index(uow_factory, clock, frontdesk):
    service = PatientService(uow_factory, clock)
    patient = service.register(frontdesk, RAW)
    assert service.possible_duplicates(frontdesk, {"phone": "0049305550101"}) == []
    assert service.possible_duplicates(frontdesk, {"phone": "+49305550101"}) == [patient]


def test_a_half_typed_form_finds_no_duplicates_and_does_not_fail(service, frontdesk):
    service.register(frontdesk, RAW)
    assert service.possible_duplicates(frontdesk, {"date_of_birth": "1984-02"}) == []
    assert service.possible_duplicates(frontdesk, {}) == []


def test_loading_the_index_is_audited_once_with_a_count(service, db, clock, frontdesk):
    first = service.register(frontdesk, RAW)
    clock.advance(minutes=5)
    since = clock.now()
    second = service.register(frontdesk, {**RAW, "email": "", "first_name": "Bo"})
    assert {p.id for p in service.all_for_index(frontdesk)} == {first.id, second.id}
    assert db.audit[-1].entity == "patient_index"
    assert db.audit[-1].detail == "search index loaded 2 patients"
    assert service.changed_since(frontdesk, since) == [second]
    assert service.changed_since(frontdesk, since + timedelta(seconds=1)) == []


def test_birthdays_are_checked_against_the_clinics_date(uow_factory, clock, frontdesk):
    # 22:30 UTC on 1 June is already 00:30 on 2 June in Berlin: a baby born "today"
    # (2 June, on the clinic's calendar) must be accepted.
    clock.current = clock.current.replace(day=1, hour=22, minute=30)
    service = PatientService(uow_factory, clock, clinic_tz=CLINIC_TZ)
    born_today = {**RAW, "date_of_birth": "2025-06-02"}
    assert service.register(frontdesk, born_today).details.date_of_birth == date(2025, 6, 2)
    with pytest.raises(ValidationFailed):
        service.register(frontdesk, {**RAW, "email": "", "date_of_birth": "2025-06-03"})


def test_the_phone_check_sees_patients_registered_on_another_workstation(
    service, uow_factory, clock, frontdesk
):
    assert service.possible_duplicates(frontdesk, {"phone": "+49 30 5550101"}) == []
    elsewhere = PatientService(uow_factory, clock)  # another workstation, its own memory
    clock.advance(seconds=10)
    patient = elsewhere.register(frontdesk, RAW)
    assert service.possible_duplicates(frontdesk, {"phone": "+49 30 5550101"}) == [patient]
