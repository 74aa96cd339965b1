"""iCalendar (RFC 5545) export of appointments, for calendars outside NOVAMIND.

One VEVENT per appointment, times in UTC. Clinical notes are never exported to a calendar:
a calendar is shared far more widely than the patient record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str = ""
    cancelled: bool = False
    updated: datetime | None = None


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def write_calendar(out: TextIO, entries: Iterable[CalendarEntry], now: datetime) -> int:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//NOVAMIND//NOVAMIND Desktop//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    count = 0
    for entry in entries:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{entry.uid}",
            f"DTSTAMP:{_utc(entry.updated or now)}",
            f"DTSTART:{_utc(entry.start)}",
            f"DTEND:{_utc(entry.end)}",
            f"SUMMARY:{_escape(entry.summary)}",
            f"STATUS:{'CANCELLED' if entry.cancelled else 'CONFIRMED'}",
        ]
        if entry.location:
            lines.append(f"LOCATION:{_escape(entry.location)}")
        lines.append("END:VEVENT")
        count += 1
    lines.append("END:VCALENDAR")
    out.write("".join(_fold(line) + "\r\n" for line in lines))
    return count
