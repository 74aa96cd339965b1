"""Digital twins: the three model documents and the review note are sealed to their row."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from novamind_desktop.domain.errors import NotFound, StaleRecord
from novamind_desktop.domain.twins import DigitalTwin, ReviewStatus
from novamind_desktop.infrastructure.crypto import FieldCipher
from novamind_desktop.infrastructure.records import DigitalTwinRecord
from novamind_desktop.infrastructure.repositories._base import RowSealer, guarded_write

TABLE = "digital_twins"
DOCUMENTS = ("symptom_forecast", "biometric_correlations", "medication_responses")


def seal_twin(
    record: DigitalTwinRecord, twin: DigitalTwin, cipher: FieldCipher
) -> DigitalTwinRecord:
    sealer = RowSealer(cipher, TABLE)
    for name in DOCUMENTS:
        document = json.dumps(getattr(twin, name), sort_keys=True, ensure_ascii=False)
        setattr(record, name, sealer.seal(name, record.id, document))
    record.patient_id = twin.patient_id
    record.last_updated = twin.last_updated
    record.review_status = ReviewStatus(twin.review_status).value
    record.review_note = sealer.seal("review_note", record.id, twin.review_note)
    record.reviewed_by = twin.reviewed_by
    return record


def open_twin(record: DigitalTwinRecord, cipher: FieldCipher) -> DigitalTwin:
    sealer = RowSealer(cipher, TABLE)
    documents: dict[str, dict[str, Any]] = {
        name: json.loads(sealer.open(name, record.id, getattr(record, name)) or "{}")
        for name in DOCUMENTS
    }
    return DigitalTwin(
        id=record.id,
        patient_id=record.patient_id,
        last_updated=record.last_updated,
        review_status=ReviewStatus(record.review_status),
        review_note=sealer.open("review_note", record.id, record.review_note),
        reviewed_by=record.reviewed_by,
        version=record.version,
        **documents,
    )


class SqlTwinRepository:
    def __init__(self, session: Session, cipher: FieldCipher):
        self._session = session
        self._cipher = cipher

    def for_patient(self, patient_id: UUID) -> DigitalTwin | None:
        record = self._session.scalar(
            select(DigitalTwinRecord).where(DigitalTwinRecord.patient_id == patient_id)
        )
        return None if record is None else open_twin(record, self._cipher)

    def add(self, twin: DigitalTwin) -> DigitalTwin:
        record = seal_twin(DigitalTwinRecord(id=twin.id), twin, self._cipher)
        with guarded_write(self._session, "digital twin", twin.id):
            self._session.add(record)
        return open_twin(record, self._cipher)

    def save(self, twin: DigitalTwin) -> DigitalTwin:
        record = self._session.get(DigitalTwinRecord, twin.id)
        if record is None:
            raise NotFound("digital twin", twin.id)
        if record.version != twin.version:
            raise StaleRecord("digital twin", twin.id)
        with guarded_write(self._session, "digital twin", twin.id):
            seal_twin(record, twin, self._cipher)
        return open_twin(record, self._cipher)
