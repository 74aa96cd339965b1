"""Turning failures of front-desk jobs into sentences, and the clinic's clock and time zone."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from novamind_desktop.domain.errors import DomainError

log = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong and nothing was saved. The error has been logged."


def describe(exc: Exception, action: str = "") -> str:
    """The sentence to show for a failed job. Unexpected errors are logged without PHI."""
    if isinstance(exc, DomainError):
        return str(exc)
    # The message of an unexpected error may quote data, so only its type is logged.
    log.error("%s failed with %s", action or "A front-desk job", type(exc).__name__)
    return UNEXPECTED


def clinic_zone(services: Any) -> ZoneInfo:
    """The clinic's time zone as the appointment service knows it (UTC if it does not say)."""
    for name in ("clinic_tz", "tz", "_clinic_tz", "_tz"):
        zone = getattr(services.appointments, name, None)
        if isinstance(zone, ZoneInfo):
            return zone
    return ZoneInfo("UTC")


def now(services: Any) -> datetime:
    clock = getattr(services, "clock", None)
    return clock.now() if clock is not None else datetime.now(UTC)
