"""The search index's read of every patient (patient_index.read_index_patients) on both
databases, with the driver's own cursor: the list is in list_all's order (created_at, id)
whatever order the rows were written in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from storage_samples import new_patient

from novamind_desktop.infrastructure.records import PatientRecord
from novamind_desktop.infrastructure.repositories import patient_index

PATIENTS = PatientRecord.__table__
BASE = datetime(2030, 1, 1, 9, tzinfo=UTC)
# Written first but stamped last, stamps a microsecond apart, and three rows sharing one stamp
# (their ids decide between them).
SHUFFLED = [
    timedelta(days=3),
    timedelta(0),
    timedelta(seconds=1),
    timedelta(0),
    timedelta(microseconds=1),
    timedelta(0),
    timedelta(days=-1),
]
ALREADY_IN_ORDER = [timedelta(minutes=i) for i in range(7)]


@pytest.mark.parametrize("chunk", [2, 1000])
@pytest.mark.parametrize("offsets", [SHUFFLED, ALREADY_IN_ORDER], ids=["shuffled", "in_order"])
def test_patients_come_oldest_first_whatever_order_the_rows_were_written_in(
    migrated_db, admin_actor, monkeypatch, chunk, offsets
) -> None:
    monkeypatch.setattr(patient_index, "_CHUNK", chunk)
    with migrated_db(admin_actor) as uow:
        added = [uow.patients.add(new_patient(email=f"p{i}@example.org")) for i in range(7)]
        uow.commit()
    with migrated_db.engine.begin() as connection:
        for patient, offset in zip(added, offsets, strict=True):
            stamp = {"created_at": BASE + offset}
            connection.execute(update(PATIENTS).where(PATIENTS.c.id == patient.id).values(stamp))
    by_stamp = sorted(zip(offsets, added, strict=True), key=lambda p: (p[0], p[1].id.hex))
    expected = [patient.id for _, patient in by_stamp]
    if offsets is SHUFFLED:
        assert expected != [patient.id for patient in added]  # the test means something
    with migrated_db(admin_actor) as uow:
        listed = uow.patients.list_for_index()
        assert [p.id for p in listed] == expected == [p.id for p in uow.patients.list_all()]
        assert {p.id: p.email for p in listed} == {p.id: p.details.email for p in added}
