"""Appointment types (intake, follow-up, ...): seeded by migration 0001."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from novamind_desktop.domain.appointments import AppointmentType
from novamind_desktop.infrastructure.records import AppointmentTypeRecord


def _to_domain(record: AppointmentTypeRecord) -> AppointmentType:
    return AppointmentType(record.id, record.name, record.default_minutes, record.colour)


class SqlAppointmentTypeRepository:
    def __init__(self, session: Session):
        self._session = session

    def list_all(self) -> list[AppointmentType]:
        records = self._session.scalars(
            select(AppointmentTypeRecord).order_by(AppointmentTypeRecord.name)
        )
        return [_to_domain(record) for record in records]

    def by_name(self, name: str) -> AppointmentType | None:
        record = self._session.scalar(
            select(AppointmentTypeRecord).where(AppointmentTypeRecord.name == name)
        )
        return None if record is None else _to_domain(record)
