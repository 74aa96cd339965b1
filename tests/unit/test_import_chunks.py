"""The patient import in chunks: one unit of work per chunk of rows, each row with the same
outcome as if it had had a unit of work of its own, and a chunk that fails at the database
done again one row at a time."""

from datetime import date
from uuid import RFC_4122

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from novamind_desktop.domain.audit import AuditAction
from novamind_desktop.domain.errors import StorageUnavailable
from novamind_desktop.services.import_patients import PatientImport
from novamind_desktop.services.import_rows import (
    ImportReport,
    Outcome,
    RefusedRow,
    Stopped,
    new_ids,
)
from novamind_desktop.services.imports import ImportService

from .conftest import CLINIC_TZ
from .fakes import FakeDatabase, FakePatientRepository, FakeUnitOfWork, FakeUnitOfWorkFactory

TODAY = date(2025, 6, 2)
TAKEN = "Another patient already has this email address."
NOT_A_DATE = "date_of_birth: Date of birth must be a date like 1980-04-23."


def person(n: int, **changes: str) -> dict[str, str]:
    row = {
        "first_name": "Maeve",
        "last_name": f"Ní Bhriain {n}",
        "date_of_birth": f"1980-01-{n:02d}",
        "email": f"maeve.{n}@example.ie",
        "phone": f"+353 87 555 {n:04d}",
    }
    return {**row, **changes}


def numbered(*rows: dict[str, str]) -> list[tuple[int, dict[str, str]]]:
    """Rows as the CSV reader yields them: the header is line 1."""
    return list(enumerate(rows, start=2))


@pytest.fixture
def service(uow_factory, clock):
    return ImportService(uow_factory, clock, CLINIC_TZ)


def audited_lines(db: FakeDatabase) -> list[str]:
    return [e.detail for e in db.actions(AuditAction.IMPORT)]


def outcome(report: ImportReport) -> tuple[int, int, list[tuple[int, str]]]:
    """What the report says: rows accepted, rows already present, each refused row's line
    and reason."""
    return report.accepted, report.already_present, [(r.line, r.reason) for r in report.refused]


def test_a_file_of_good_rows_is_one_unit_of_work(service, db, frontdesk, uow_factory):
    report = service.import_patients(frontdesk, numbered(*(person(n) for n in range(1, 6))))
    assert outcome(report) == (5, 0, [])
    assert [uow.committed for uow in uow_factory.opened] == [True]
    assert len(db.patients) == 5
    assert audited_lines(db) == [f"line {line}" for line in range(2, 7)]


def test_a_bad_row_in_the_middle_of_a_chunk_costs_only_itself(service, db, frontdesk, uow_factory):
    rows = numbered(
        person(1),
        person(2),
        person(3, date_of_birth="1980-02-30"),
        person(4, shoe_size="44"),
        person(5),
    )
    report = service.import_patients(frontdesk, rows)
    assert outcome(report) == (3, 0, [(4, NOT_A_DATE), (5, "shoe_size: Unknown column.")])
    assert len(uow_factory.opened) == 1
    assert sorted(p.details.email for p in db.patients.values()) == [
        "maeve.1@example.ie",
        "maeve.2@example.ie",
        "maeve.5@example.ie",
    ]
    assert audited_lines(db) == ["line 2", "line 3", "line 6"]


def test_rows_of_one_chunk_are_checked_against_the_rows_before_them(
    service, db, frontdesk, uow_factory
):
    walk_in = person(7, email="")
    rows = numbered(
        person(1),
        person(2),
        person(1, first_name="Mave", email="MAEVE.1@example.ie "),  # the same email: line 2
        person(1, date_of_birth="1999-09-09"),  # line 2's email, born another day
        walk_in,
        {**walk_in, "first_name": " MAEVE ", "phone": "611999999"},  # line 6 again
        person(2, email=""),  # line 3's name and birthday: line 3 again
        person(7, email="", date_of_birth="1980-01-08"),  # a namesake born another day
    )
    report = service.import_patients(frontdesk, rows)
    assert outcome(report) == (4, 3, [(5, TAKEN)])
    assert len(uow_factory.opened) == 1
    assert len(db.patients) == 4
    assert audited_lines(db) == ["line 2", "line 3", "line 6", "line 9"]


def test_rows_already_stored_by_an_earlier_chunk_are_already_present(db, frontdesk, clock):
    factory = FakeUnitOfWorkFactory(db)
    rows = numbered(person(1), person(2), person(1, first_name="Mave"), person(3), person(2))
    report = PatientImport(factory, clock, frontdesk, TODAY).run(rows, chunk_rows=2)
    assert outcome(report) == (3, 2, [])
    assert [uow.committed for uow in factory.opened] == [True, True, False]
    assert len(db.patients) == 3


def test_importing_the_file_again_finds_every_row_already_present(
    service, db, frontdesk, uow_factory
):
    rows = numbered(person(1), person(2, email=""), person(3), person(4, date_of_birth=""))
    first = service.import_patients(frontdesk, rows)
    stored, audited = dict(db.patients), list(db.audit)
    again = service.import_patients(frontdesk, rows)
    assert (first.accepted, first.already_present) == (3, 0)
    assert (again.accepted, again.already_present) == (0, 3)
    assert again.refused == first.refused and [r.line for r in again.refused] == [5]
    assert (db.patients, db.audit) == (stored, audited)
    assert [uow.committed for uow in uow_factory.opened] == [True, False]


def test_a_chunk_the_database_refuses_is_imported_again_row_by_row(
    service, db, frontdesk, uow_factory, monkeypatch, caplog
):
    service.import_patients(frontdesk, numbered(person(1)))
    # The chunk's email lookup misses line 3's patient, who is stored (as when another desk
    # stores her after the lookup): the insert is refused and the chunk rolled back.
    looked_up = []
    real_lookup = FakePatientRepository.find_by_emails

    def first_lookup_misses(self, emails):
        looked_up.append(sorted(emails))
        return {} if len(looked_up) == 1 else real_lookup(self, emails)

    monkeypatch.setattr(FakePatientRepository, "find_by_emails", first_lookup_misses)
    before = len(uow_factory.opened)
    rows = numbered(
        person(2),
        person(1),
        person(1, date_of_birth="1999-09-09"),
        person(3, phone=""),
        person(4),
    )
    report = service.import_patients(frontdesk, rows)
    assert outcome(report) == (2, 1, [(4, TAKEN), (5, "phone: Phone number is required.")])
    chunk, *alone = uow_factory.opened[before:]
    # Line 5 is refused before it needs a unit of work of its own.
    assert (chunk.committed, chunk.rolled_back, len(alone)) == (False, True, 4)
    assert len(db.patients) == 3
    assert audited_lines(db) == ["line 2", "line 2", "line 6"]
    assert "lines 2-6 failed together (DuplicateEmail)" in caplog.text
    assert "maeve" not in caplog.text.lower()


def test_a_chunk_failing_to_commit_is_imported_again_row_by_row(
    service, db, frontdesk, uow_factory
):
    class Boom(Exception):
        pass

    db.commit_error = Boom()  # the next commit only
    report = service.import_patients(frontdesk, numbered(person(1), person(2)))
    assert outcome(report) == (2, 0, [])
    assert [uow.committed for uow in uow_factory.opened] == [False, True, True]
    assert audited_lines(db) == ["line 2", "line 3"]


def test_a_row_failing_on_its_own_as_well_stops_the_import(service, db, frontdesk, monkeypatch):
    class Boom(Exception):
        pass

    def commit(self):
        raise Boom()

    monkeypatch.setattr(FakeUnitOfWork, "commit", commit)
    with pytest.raises(Boom):  # not a domain error: the caller reports "nothing more done"
        service.import_patients(frontdesk, numbered(person(1), person(2)))
    assert (db.patients, db.audit) == ({}, [])


# --- the chunks decide as rows on their own would ------------------------------------------

# Few values, so rows often repeat each other or a stored patient; mostly valid.
_ROWS = st.fixed_dictionaries(
    {
        "first_name": st.sampled_from(["Ana", " ana", "ANA", "Bo", ""]),
        "last_name": st.sampled_from(["Núñez", "NÚÑEZ "]),
        "date_of_birth": st.sampled_from(["1990-01-02", "1990-01-02", "1991-03-04", "1990-02-30"]),
        "email": st.sampled_from(["", "", "a@example.org", "A@example.org ", "b@example.org", "@"]),
        "phone": st.sampled_from(["600111222", "600 111 333", "600111444", ""]),
    }
)


def _one_row_at_a_time(importer: PatientImport, rows) -> ImportReport:
    report = ImportReport()
    report.add(importer._alone(line, row) for line, row in rows)
    return report


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stored=st.lists(_ROWS, max_size=3),
    rows=st.lists(_ROWS, max_size=12),
    chunk_rows=st.integers(1, 5),
)
def test_chunks_give_every_row_the_outcome_of_a_unit_of_work_of_its_own(
    clock, frontdesk, stored, rows, chunk_rows
):
    outcomes = []
    for chunked in (True, False):
        db = FakeDatabase(clock)
        factory = FakeUnitOfWorkFactory(db)
        importer = PatientImport(factory, clock, frontdesk, TODAY)
        _one_row_at_a_time(importer, numbered(*stored))
        before = len(factory.opened)
        if chunked:
            report = importer.run(numbered(*rows), chunk_rows=chunk_rows)
            # No chunk fell back to single rows (that would hide a wrong decision).
            assert len(factory.opened) - before == -(-len(rows) // chunk_rows)
        else:
            report = _one_row_at_a_time(importer, numbered(*rows))
        people = sorted(
            (p.details.email or "", p.details.first_name, str(p.details.date_of_birth))
            for p in db.patients.values()
        )
        outcomes.append((report, people, audited_lines(db)))
    assert outcomes[0] == outcomes[1]


def test_the_report_counts_outcomes_in_file_order():
    report = ImportReport()
    report.add([Outcome.ACCEPTED, RefusedRow(3, "x"), Outcome.PRESENT, RefusedRow(5, "y")])
    assert (report.accepted, report.already_present) == (1, 1)
    assert [r.line for r in report.refused] == [3, 5]


def test_each_new_patient_gets_its_own_id_and_an_event_of_its_own(service, db, frontdesk):
    service.import_patients(frontdesk, numbered(*(person(n) for n in range(1, 8))))
    events = db.actions(AuditAction.IMPORT)
    assert sorted(e.entity_id or "" for e in events) == sorted(str(i) for i in db.patients)
    assert {(e.username, e.entity) for e in events} == {(frontdesk.username, "patient")}
    ids = [*db.patients, *(e.id for e in events)]
    assert len(set(ids)) == len(ids) == 14
    assert {i.version for i in ids} == {4}


def test_new_ids_are_random_version_4_uuids():
    assert new_ids(0) == []
    ids = new_ids(3) + new_ids(3)
    assert len(set(ids)) == 6
    assert {(i.version, i.variant) for i in ids} == {(4, RFC_4122)}


# --- the database going away mid-import ----------------------------------------------------


def _commits_failing_from(monkeypatch, number: int) -> list[int]:
    """Commits from the `number`-th on fail as a database that cannot be reached fails
    (before anything is sent: nothing of theirs stored)."""
    real, seen = FakeUnitOfWork.commit, []

    def commit(self):
        seen.append(1)
        if len(seen) >= number:
            raise StorageUnavailable("lost")
        real(self)

    monkeypatch.setattr(FakeUnitOfWork, "commit", commit)
    return seen


def test_a_database_gone_away_stops_the_import_where_it_was(
    service, db, frontdesk, uow_factory, monkeypatch
):
    """Not a refusal per row (each would wait on the network, and none is the row's fault),
    and no row tried again alone: the report says where it stopped, what came before stays."""
    monkeypatch.setattr(PatientImport, "CHUNK_ROWS", 2)
    _commits_failing_from(monkeypatch, 2)
    report = service.import_patients(frontdesk, numbered(*(person(n) for n in range(1, 8))))
    assert outcome(report) == (2, 0, [])  # lines 2 and 3, the first chunk
    assert report.stopped == Stopped(4, str(StorageUnavailable("lost")))
    assert (report.exit_status, report.nothing_done) == (1, False)
    assert len(uow_factory.opened) == 2  # nothing after the chunk that failed
    assert audited_lines(db) == ["line 2", "line 3"]


def test_a_database_gone_away_from_the_start_is_nothing_done(service, db, frontdesk, monkeypatch):
    _commits_failing_from(monkeypatch, 1)
    report = service.import_patients(frontdesk, numbered(person(1), person(2)))
    assert outcome(report) == (0, 0, []) and report.stopped is not None
    assert report.stopped.line == 2 and report.nothing_done
    assert db.patients == {}


def test_a_database_gone_away_while_rows_go_one_by_one_keeps_the_rows_before(
    service, db, frontdesk, uow_factory, monkeypatch
):
    """The chunk failed together (for another reason), its rows went in one by one, and the
    database went away at line 3: line 2 is counted as imported, the stop is at line 3, and
    as that commit was cut off, its row may be stored: not "nothing done"."""
    real, commits = FakeUnitOfWork.commit, []

    class Boom(Exception):
        pass

    def commit(self):
        commits.append(1)
        if len(commits) == 1:
            raise Boom()  # the chunk together
        if len(commits) == 3:
            raise StorageUnavailable("lost", saving=True)  # line 3 alone
        real(self)

    monkeypatch.setattr(FakeUnitOfWork, "commit", commit)
    report = service.import_patients(frontdesk, numbered(person(1), person(2), person(3)))
    assert outcome(report) == (1, 0, [])
    assert report.stopped is not None
    assert (report.stopped.line, report.stopped.maybe_stored) == (3, True)
    assert (report.exit_status, report.nothing_done) == (1, False)
    assert audited_lines(db) == ["line 2"]


def test_a_first_commit_cut_off_is_not_nothing_done(service, frontdesk, monkeypatch):
    """The connection went during the first chunk's commit: its rows may be stored."""
    real = FakeUnitOfWork.commit

    def commit(self):
        raise StorageUnavailable("lost", saving=True)

    monkeypatch.setattr(FakeUnitOfWork, "commit", commit)
    report = service.import_patients(frontdesk, numbered(person(1), person(2)))
    assert report.stopped is not None and report.stopped.maybe_stored
    assert (report.nothing_done, report.exit_status) == (False, 1)
    monkeypatch.setattr(FakeUnitOfWork, "commit", real)
