"""Importing patients and appointments from rows a file reader has already parsed.

Rows go in chunks, one unit of work per chunk (services/import_patients.py and
services/import_appointments.py); one bad row never costs the good ones. Importing the same
file twice changes nothing: a row already stored is counted, not duplicated. Reasons for
refusal name the column and the problem, never the value (it may be PHI).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from novamind_desktop.domain.users import Actor, Permission
from novamind_desktop.services.import_appointments import APPOINTMENT_FIELDS, AppointmentImport
from novamind_desktop.services.import_patients import PatientImport
from novamind_desktop.services.import_rows import ImportReport, RefusedRow, Rows
from novamind_desktop.services.ports import Clock, UnitOfWorkFactory

__all__ = ["APPOINTMENT_FIELDS", "ImportReport", "ImportService", "RefusedRow", "Rows"]

UTC_ZONE = ZoneInfo("UTC")


class ImportService:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, clinic_tz: ZoneInfo = UTC_ZONE
    ):
        self._uow = uow_factory
        self._clock = clock
        self._tz = clinic_tz

    def import_patients(self, actor: Actor, rows: Rows) -> ImportReport:
        """Columns as in the patient CSV header; `date_of_birth` is ISO YYYY-MM-DD."""
        actor.require(Permission.WRITE_PATIENTS)
        today = self._clock.now().astimezone(self._tz).date()
        return PatientImport(self._uow, self._clock, actor, today).run(rows)

    def import_appointments(self, actor: Actor, rows: Rows) -> ImportReport:
        """Columns as in the appointment CSV header; `start`/`end` ISO 8601 with an offset."""
        actor.require(Permission.WRITE_APPOINTMENTS)
        return AppointmentImport(self._uow, self._clock, actor, self._tz).run(rows)
