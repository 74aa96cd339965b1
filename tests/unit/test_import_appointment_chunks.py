"""The appointment import in chunks: one unit of work per chunk of rows, each row with the
same outcome as if it had had a unit of work of its own, and a chunk that fails at the
database done again one row at a time."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.errors import StorageUnavailable
from novamind_desktop.services.import_appointments import AppointmentImport
from novamind_desktop.services.import_patients import PatientImport
from novamind_desktop.services.import_rows import ImportReport
from novamind_desktop.services.imports import ImportService

from .conftest import CLINIC_TZ
from .fakes import FakeDatabase, FakeUnitOfWork, FakeUnitOfWorkFactory
from .fakes.appointments import FakeAppointmentRepository

PATIENTS = [
    (2, {"first_name": "Siobhán", "last_name": "O'Brien", "date_of_birth": "1975-12-25",
         "email": "sob@example.ie", "phone": "+353 87 111 2233"}),
    (3, {"first_name": "Ana", "last_name": "Núñez", "date_of_birth": "1990-01-02",
         "email": "ana@example.es", "phone": "600111222"}),
]  # fmt: skip


def visit(hour: int, minutes: int = 50, **changes: str) -> dict[str, str]:
    row = {
        "patient_email": "sob@example.ie",
        "clinician_username": "dr.chen",
        "start": f"2025-06-03T{hour:02d}:00:00+02:00",
        "end": f"2025-06-03T{hour:02d}:{minutes:02d}:00+02:00",
        "appointment_type": "therapy",
        "status": "scheduled",
        "virtual": "false",
        "location": "Room 2",
        "notes": "first session",
    }
    return {**row, **changes}


def numbered(*rows: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    return list(enumerate(rows, start=2))


@pytest.fixture
def service(uow_factory, clock, frontdesk, clinician_user):
    ImportService(uow_factory, clock, CLINIC_TZ).import_patients(frontdesk, PATIENTS)
    return ImportService(uow_factory, clock, CLINIC_TZ)


def audited_lines(db: FakeDatabase) -> list[str]:
    return [e.detail for e in db.actions(AuditAction.IMPORT) if e.entity == "appointment"]


def test_a_file_of_appointments_is_one_unit_of_work(service, db, frontdesk, uow_factory):
    before = len(uow_factory.opened)
    rows = numbered(
        visit(9),
        visit(9, 30),  # overlaps line 2 for the same clinician
        visit(10, patient_email="nobody@example.org"),
        visit(11, patient_email="ANA@example.es", status="cancelled"),
        visit(9),  # line 2 again
    )
    report = service.import_appointments(frontdesk, rows)
    assert (report.accepted, report.already_present) == (2, 1)
    reasons = {r.line: r.reason for r in report.refused}
    assert sorted(reasons) == [3, 4]
    assert "already booked" in reasons[3] and reasons[4].startswith("patient_email:")
    assert [uow.committed for uow in uow_factory.opened[before:]] == [True]
    assert audited_lines(db) == ["line 2", "line 5"]


def test_a_chunk_failing_to_commit_is_booked_again_row_by_row(
    service, db, frontdesk, uow_factory, caplog
):
    class Boom(Exception):
        pass

    before = len(uow_factory.opened)
    db.commit_error = Boom()  # the next commit only
    rows = numbered(visit(9), visit(9, 30), visit(10))
    report = service.import_appointments(frontdesk, rows)
    assert (report.accepted, [r.line for r in report.refused]) == (2, [3])
    # The chunk, then one unit of work per row; line 3's is not committed (refused).
    assert [uow.committed for uow in uow_factory.opened[before:]] == [False, True, False, True]
    assert len(db.appointments) == 2
    assert audited_lines(db) == ["line 2", "line 4"]
    assert "Appointment import: lines 2-4 failed together (Boom)" in caplog.text


def test_a_row_failing_on_its_own_as_well_stops_the_import(service, db, frontdesk, monkeypatch):
    class Boom(Exception):
        pass

    def commit(self):
        raise Boom()

    monkeypatch.setattr(FakeUnitOfWork, "commit", commit)
    with pytest.raises(Boom):
        service.import_appointments(frontdesk, numbered(visit(9), visit(10)))
    assert db.appointments == {}


# --- the chunks decide as rows on their own would ------------------------------------------

# Few values, so rows often repeat or overlap each other; mostly valid.
_ROWS = st.builds(
    visit,
    hour=st.sampled_from([9, 9, 10]),
    minutes=st.sampled_from([30, 50]),
    patient_email=st.sampled_from(["sob@example.ie", "ANA@example.es", "who@example.org"]),
    clinician_username=st.sampled_from(["dr.chen", "dr.chen", "dr.okafor", "fiona"]),
    status=st.sampled_from(["scheduled", "Checked in", "cancelled", "postponed"]),
    appointment_type=st.sampled_from(["therapy", "therapy", "yoga"]),
)


def _one_row_at_a_time(importer: AppointmentImport, rows) -> ImportReport:
    report = ImportReport()
    report.add(importer._alone(line, row) for line, row in rows)
    return report


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_ROWS, max_size=10), chunk_rows=st.integers(1, 4))
def test_chunks_give_every_row_the_outcome_of_a_unit_of_work_of_its_own(
    db, clock, frontdesk, clinician_user, other_clinician, rows, chunk_rows
):
    outcomes = []
    for chunked in (True, False):
        work = FakeDatabase(clock, users=dict(db.users))
        factory = FakeUnitOfWorkFactory(work)
        PatientImport(factory, clock, frontdesk, date(2025, 6, 2)).run(PATIENTS)
        importer = AppointmentImport(factory, clock, frontdesk, CLINIC_TZ)
        before = len(factory.opened)
        if chunked:
            report = importer.run(numbered(*rows), chunk_rows=chunk_rows)
            # No chunk fell back to single rows (that would hide a wrong decision).
            assert len(factory.opened) - before == -(-len(rows) // chunk_rows)
        else:
            report = _one_row_at_a_time(importer, numbered(*rows))
        emails = {p.id: p.details.email for p in work.patients.values()}
        booked = sorted(
            (emails[a.patient_id], str(a.clinician_id), a.start, a.end, a.status.value)
            for a in work.appointments.values()
        )
        outcomes.append((report, booked, audited_lines(work)))
    assert outcomes[0] == outcomes[1]


def test_a_database_gone_away_mid_chunk_stops_the_import_not_the_row(
    service, db, frontdesk, uow_factory, monkeypatch
):
    """A row's booking that fails because the database cannot be reached is not refused
    (it would be for every row after it too): the import stops at its chunk, and no row is
    tried again on its own."""
    real, calls = FakeAppointmentRepository.in_range, []

    def in_range(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise StorageUnavailable("lost")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(FakeAppointmentRepository, "in_range", in_range)
    before = len(uow_factory.opened)
    report = service.import_appointments(frontdesk, numbered(visit(9), visit(10), visit(11)))
    assert (report.accepted, report.refused) == (0, [])
    assert report.stopped is not None and report.stopped.line == 2 and report.nothing_done
    assert len(uow_factory.opened) - before == 1  # the chunk, nothing row by row
    assert db.appointments == {}
