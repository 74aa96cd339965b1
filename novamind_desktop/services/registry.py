"""AppServices: every use case, built once by bootstrap and handed to the UI and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from novamind_desktop.services.admin import AdminService
from novamind_desktop.services.appointments import AppointmentService
from novamind_desktop.services.audit import AuditService
from novamind_desktop.services.imports import ImportService
from novamind_desktop.services.patients import PatientService
from novamind_desktop.services.ports import Clock, PasswordHasher, UnitOfWorkFactory
from novamind_desktop.services.ports_admin import DatabaseAdmin
from novamind_desktop.services.search import PatientSearchIndex
from novamind_desktop.services.search_text import DEFAULT_DATE_FORMATS
from novamind_desktop.services.twins import TwinService
from novamind_desktop.services.users import UserService


@dataclass
class AppServices:
    patients: PatientService
    appointments: AppointmentService
    users: UserService
    twins: TwinService
    audit: AuditService
    admin: AdminService
    clock: Clock
    imports: ImportService | None = None
    # The index PatientService keeps current (and uses for the duplicate-phone check);
    # presenters may build and search it too. It is safe to share between threads.
    search_index: PatientSearchIndex = field(default_factory=PatientSearchIndex)


def build_app_services(
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    hasher: PasswordHasher,
    clinic_tz: ZoneInfo,
    database_admin: DatabaseAdmin,
    date_formats: Sequence[str] = DEFAULT_DATE_FORMATS,
) -> AppServices:
    """Wire every service to one unit-of-work factory, clock and clinic time zone."""
    index = PatientSearchIndex(date_formats)
    return AppServices(
        patients=PatientService(uow_factory, clock, clinic_tz=clinic_tz, search_index=index),
        appointments=AppointmentService(uow_factory, clock, clinic_tz),
        users=UserService(uow_factory, clock, hasher),
        twins=TwinService(uow_factory, clock),
        audit=AuditService(uow_factory, clock),
        admin=AdminService(database_admin, uow_factory, clock),
        clock=clock,
        imports=ImportService(uow_factory, clock, clinic_tz),
        search_index=index,
    )
