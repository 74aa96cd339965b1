"""The clinic's working hours, in the clinic's own time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True)
class OpeningHours:
    weekday: int  # 0 = Monday … 6 = Sunday
    opens: time
    closes: time


# Used when the clinic has not set its hours (migration 0002 seeds the same).
DEFAULT_OPENING_HOURS: tuple[OpeningHours, ...] = tuple(
    OpeningHours(day, time(8, 0), time(18, 0)) for day in range(5)
)
