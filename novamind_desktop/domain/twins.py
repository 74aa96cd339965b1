"""A patient's digital twin: model outputs a clinician reviews."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID


class ReviewStatus(StrEnum):
    PENDING = "pending"
    REVIEWED = "reviewed"
    FLAGGED = "flagged"


@dataclass(frozen=True)
class DigitalTwin:
    id: UUID
    patient_id: UUID
    # JSON documents (resources/twin.schema.json); all three are PHI and stored encrypted.
    symptom_forecast: dict[str, Any] = field(default_factory=dict)
    biometric_correlations: dict[str, Any] = field(default_factory=dict)
    medication_responses: dict[str, Any] = field(default_factory=dict)
    last_updated: datetime | None = None
    review_status: ReviewStatus = ReviewStatus.PENDING
    review_note: str = ""  # PHI: stored encrypted
    reviewed_by: UUID | None = None
    version: int = 1
