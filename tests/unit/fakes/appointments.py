"""Fake appointment and appointment-type repositories: SlotTaken on an overlap, as the SQL ones."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from novamind_desktop.domain.appointments import Appointment, AppointmentType
from novamind_desktop.domain.errors import SlotTaken, StaleRecord
from novamind_desktop.services.ports import BookRow

from .database import FakeDatabase


class FakeAppointmentRepository:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def _refuse_overlap(self, appointment: Appointment) -> None:
        if not appointment.blocks_time:
            return
        clash = self.overlapping(
            appointment.clinician_id, appointment.start, appointment.end, appointment.id
        )
        if clash:
            raise SlotTaken(
                appointment.clinician_id, clash[0].start, clash[0].end, [a.id for a in clash]
            )

    def add(self, appointment: Appointment) -> Appointment:
        self._refuse_overlap(appointment)
        now = self.db.clock.now()
        stored = replace(appointment, version=1, created_at=now, updated_at=now)
        self.db.appointments[appointment.id] = stored
        return stored

    def get(self, appointment_id: UUID) -> Appointment | None:
        return self.db.appointments.get(appointment_id)

    def save(self, appointment: Appointment) -> Appointment:
        current = self.db.appointments.get(appointment.id)
        if current is None or current.version != appointment.version:
            raise StaleRecord("appointment", appointment.id)
        self._refuse_overlap(appointment)
        stored = replace(
            appointment, version=appointment.version + 1, updated_at=self.db.clock.now()
        )
        self.db.appointments[appointment.id] = stored
        return stored

    def take_turns(self, clinician_ids: Iterable[UUID]) -> None:
        """One writer at a time already (as on SQLite): nothing to wait for."""

    def overlapping(
        self,
        clinician_id: UUID,
        start: datetime,
        end: datetime,
        exclude_id: UUID | None = None,
    ) -> list[Appointment]:
        return sorted(
            (
                a
                for a in self.db.appointments.values()
                if a.clinician_id == clinician_id
                and a.blocks_time
                and a.id != exclude_id
                and a.overlaps(start, end)
            ),
            key=lambda a: a.start,
        )

    def in_range(
        self, start: datetime, end: datetime, clinician_ids: Iterable[UUID] | None = None
    ) -> list[Appointment]:
        wanted = None if clinician_ids is None else set(clinician_ids)
        return sorted(
            (
                a
                for a in self.db.appointments.values()
                if a.overlaps(start, end) and (wanted is None or a.clinician_id in wanted)
            ),
            key=lambda a: a.start,
        )

    def for_book(
        self, start: datetime, end: datetime, clinician_ids: Iterable[UUID] | None = None
    ) -> list[BookRow]:
        """As the SQL one: no notes, cancellation reason or stamps; None for a missing row."""
        kinds = {t.name: t for t in self.db.appointment_types}
        rows = []
        for a in self.in_range(start, end, clinician_ids):
            patient, user = self.db.patients.get(a.patient_id), self.db.users.get(a.clinician_id)
            rows.append(
                BookRow(
                    replace(a, notes="", cancellation_reason="", created_at=None, updated_at=None),
                    None if patient is None else patient.full_name,
                    None if user is None else user.display_name,
                    kinds.get(a.appointment_type),
                )
            )
        return rows

    def for_patient(self, patient_id: UUID) -> list[Appointment]:
        mine = (a for a in self.db.appointments.values() if a.patient_id == patient_id)
        return sorted(mine, key=lambda a: a.start)

    def in_series(self, series_id: UUID) -> list[Appointment]:
        members = (a for a in self.db.appointments.values() if a.series_id == series_id)
        return sorted(members, key=lambda a: a.start)

    def next_for_patients(self, after: datetime) -> dict[UUID, Appointment]:
        result: dict[UUID, Appointment] = {}
        for a in sorted(self.db.appointments.values(), key=lambda a: a.start):
            if a.blocks_time and a.start >= after:
                result.setdefault(a.patient_id, a)
        return result

    def next_starts(self, after: datetime) -> dict[UUID, datetime]:
        return {pid: a.start for pid, a in self.next_for_patients(after).items()}

    def list_all(self) -> list[Appointment]:
        return list(self.db.appointments.values())

    def count(self) -> int:
        return len(self.db.appointments)


class FakeAppointmentTypeRepository:
    def __init__(self, db: FakeDatabase):
        self.db = db

    def list_all(self) -> list[AppointmentType]:
        return list(self.db.appointment_types)

    def by_name(self, name: str) -> AppointmentType | None:
        return next((t for t in self.db.appointment_types if t.name == name), None)
