"""The application wired against a bench database, exactly as bootstrap wires it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine

from bench.clinic import Clinic, row_id
from bench.context import BenchContext
from novamind_desktop.bootstrap import AppContext, Settings, build_context
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.services.registry import AppServices


@dataclass(frozen=True)
class BenchApp:
    context: AppContext
    clinic: Clinic

    @property
    def services(self) -> AppServices:
        return self.context.services

    @property
    def engine(self) -> Engine:
        return self.context.engine

    @property
    def frontdesk(self) -> Actor:
        return Actor(row_id(self.clinic.seed, "frontdesk", 0), "bench.frontdesk", Role.FRONTDESK)

    @property
    def admin(self) -> Actor:
        return Actor(row_id(self.clinic.seed, "admin", 0), "bench.admin", Role.ADMIN)


def environ(ctx: BenchContext, url: str) -> dict[str, str]:
    return ctx.environ(
        DATABASE_URL=url,
        NOVAMIND_CLINIC_TIMEZONE="UTC",
        NOVAMIND_LOG_FILE=str(ctx.scratch / "novamind.log"),
        NOVAMIND_BACKUP_DIR=str(ctx.scratch / "backups"),
    )


@contextmanager
def opened(ctx: BenchContext, clinic: Clinic) -> Iterator[BenchApp]:
    context = build_context(Settings.from_environ(environ(ctx, clinic.url)))
    try:
        context.require_current_schema()
        yield BenchApp(context, clinic)
    finally:
        context.close()
