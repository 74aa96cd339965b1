"""Date-of-birth lookups on both databases: exact within a shared bucket, also in a unit of
work that only reads; the bucket's birth dates come from ix_patients_dob_lookup alone (no
table page on SQLite), and a row changed between that read and the read of the matching rows
is checked again."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest
from storage_samples import colliding_dates, new_patient

from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.infrastructure.repositories import patient_rows

DESK = Actor(uuid4(), "frontdesk.ines", Role.FRONTDESK)


def _store(migrated_db, *born: date):
    with migrated_db(DESK) as uow:
        added = [uow.patients.add(new_patient(email=None, date_of_birth=day)) for day in born]
        uow.commit()
    return added


def test_a_reading_lookup_returns_only_those_born_on_the_day(migrated_db) -> None:
    wanted, same_bucket = colliding_dates(migrated_db.cipher)
    ada, ben, _other = _store(migrated_db, wanted, wanted, same_bucket)
    with migrated_db(DESK, reading=True) as uow:
        found = uow.patients.find_by_date_of_birth(wanted)
        assert {p.id: p for p in found} == {ada.id: ada, ben.id: ben}  # every field opened
        assert uow.patients.find_by_dates_of_birth([same_bucket, date(1901, 1, 1)]) == [_other]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_reads_the_bucket_from_the_lookup_index_alone(migrated_db) -> None:
    sql = patient_rows._DOB_PAIRS_SQL[False].format(marks="?, ?")
    with migrated_db.engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (1, 2)).all()
    details = " ".join(str(row[-1]) for row in plan)
    assert "USING COVERING INDEX ix_patients_dob_lookup" in details, details


def test_a_birth_date_corrected_between_the_two_reads_is_not_returned(
    migrated_db, monkeypatch
) -> None:
    """A reading unit of work has no transaction: its second read (the matching rows) may
    see a change committed after its first (the bucket's birth dates)."""
    born, corrected = date(1984, 2, 29), date(1984, 3, 1)
    (ada,) = _store(migrated_db, born)
    fetch = patient_rows.RawRows._fetch
    reads = []

    def another_desk_corrects_it_after_the_first_read(self, sql, values):
        rows = fetch(self, sql, values)
        reads.append(sql)
        if len(reads) == 1:
            with migrated_db(DESK) as uow:
                patient = uow.patients.get(ada.id)
                details = replace(patient.details, date_of_birth=corrected)
                uow.patients.save(patient.with_details(details))
                uow.commit()
        return rows

    monkeypatch.setattr(
        patient_rows.RawRows, "_fetch", another_desk_corrects_it_after_the_first_read
    )
    with migrated_db(DESK, reading=True) as uow:
        assert uow.patients.find_by_date_of_birth(born) == []
    assert len(reads) == 2  # the bucket's dates, then ada's row (now born on the 1st)
    with migrated_db(DESK, reading=True) as uow:
        assert [p.id for p in uow.patients.find_by_date_of_birth(corrected)] == [ada.id]
