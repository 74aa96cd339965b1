"""The clinic's weekly opening hours (table added by migration 0002)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from novamind_desktop.domain.clinic import OpeningHours
from novamind_desktop.infrastructure.records import OpeningHoursRecord


class SqlOpeningHoursRepository:
    def __init__(self, session: Session):
        self._session = session

    def week(self) -> list[OpeningHours]:
        records = self._session.scalars(
            select(OpeningHoursRecord).order_by(OpeningHoursRecord.weekday)
        )
        return [OpeningHours(r.weekday, r.opens, r.closes) for r in records]

    def replace_week(self, hours: list[OpeningHours]) -> None:
        self._session.execute(delete(OpeningHoursRecord))
        self._session.add_all(
            OpeningHoursRecord(weekday=h.weekday, opens=h.opens, closes=h.closes) for h in hours
        )
        self._session.flush()
