"""The pieces of the synthetic clinic: staff, patients, bookable slots, appointments, twins.

Pure functions of a seeded random.Random (ids included), so the same seed always gives the
same clinic. demo_data.py stores them. Names are deliberately varied (Müller, O'Brien, Søren,
Þórsson) so search and CSV round trips meet accents and apostrophes.
"""

from __future__ import annotations

import random
import secrets
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from novamind_desktop.domain.appointments import DEFAULT_APPOINTMENT_TYPES, Appointment
from novamind_desktop.domain.appointments import AppointmentStatus as Status
from novamind_desktop.domain.audit import AuditAction, AuditEvent
from novamind_desktop.domain.clinic import DEFAULT_OPENING_HOURS, OpeningHours
from novamind_desktop.domain.patients import Patient, PatientDetails
from novamind_desktop.domain.twins import DigitalTwin, ReviewStatus
from novamind_desktop.domain.users import Actor, Role, User
from novamind_desktop.infrastructure.demo_twins import twin_documents

DEMO_PASSWORD = "novamind-demo"  # only for the throwaway --demo database


def _words(paragraph: str) -> tuple[str, ...]:
    return tuple(paragraph.split())


FIRST_NAMES = _words(
    "Ada Adam Agnes Ahmed Aiko Alba Alejandro Alice Amara Amélie Anders Anja Anna Antoine "
    "Aoife Arjun Astrid Ayşe Beatriz Ben Bjørn Bruno Carla Chiara Chloé Christoph Clara Conor "
    "Dagný Daniel Deniz Diego Dmitri Elena Elif Emil Emma Eoin Erik Esther Eva Fatima Felix "
    "Finn Francesca Frédéric Gabriel Greta Günther Hana Hannah Helga Henrik Hiroshi Ida Inès "
    "Ingrid Isabel Ivan Jakob Javier Jens Jiří Johanna Jonas José Jürgen Kai Karin Katarzyna "
    "Kenji Klara Lars Laura Léa Leon Liam Lina Lucía Luka Magnus Maja Malik María Marie "
    "Markus Mateo Mathilde Mehmet Mia Miriam Nadia Niamh Nils Noah Nora Olga Oliver Omar "
    "Pablo Paula Pierre Priya Rafael René Rosa Ruth Saoirse Sara Sebastian Selin Siobhán "
    "Sofia Søren Stefan Sven Thomas Tomás Ulrike Valentina Victor Wei Yara Yusuf Zoë Zofia"
)
LAST_NAMES = _words(
    "Abbott Andersen Bauer Becker Bergström Brennan Byrne Castillo Chen Costa Dąbrowski "
    "D'Angelo Dubois Dvořák Eriksson Fernández Fischer Fitzgerald Fontaine García Gruber Hansen "
    "Hartmann Herrera Hoffmann Horvat Ivanova Jansen Johansson Kaya Keller Kelly Kim Koch "
    "Kowalski Krause Larsen Laurent Lindqvist López MacDonald Martínez Meyer Moreau Müller "
    "Murphy Nakamura Navarro Nielsen Novák Nowak O'Brien O'Connor O'Neill Olsen Ortega "
    "Pedersen Petrov Quinn Ramírez Richter Rossi Ruiz Russo Sánchez Santos Schmidt Schneider "
    "Silva Sørensen Suzuki Svensson Takahashi Tanaka Torres Vogel Wagner Walsh Weber Wolf "
    "Yamamoto Yılmaz Zimmermann Þórsson Ødegaard Åberg"
)
STREETS = ("Hauptstraße", "Main Street", "Rue de la Paix", "Calle Mayor", "Storgatan", "Kirkevej")
CITIES = (
    ("Berlin", "10115", "DE"),
    ("Dublin", "D02 X285", "IE"),
    ("København", "1050", "DK"),
    ("Kraków", "30-001", "PL"),
    ("Malmö", "211 20", "SE"),
    ("Lyon", "69001", "FR"),
)
INSURERS = ("AOK", "TK", "Barmer", "VHI", "Laya", "Folksam", "Tryg")
CLINICIANS = (
    ("Amara Okafor", "dr.okafor"),
    ("Jonas Lindqvist", "dr.lindqvist"),
    ("Siobhán Ní Bhriain", "dr.nibhriain"),
    ("Hiroshi Tanaka", "dr.tanaka"),
    ("Lucía Fernández", "dr.fernandez"),
    ("René Dubois", "dr.dubois"),
)
OFFICE = (("Freya Jansen", "frontdesk.jansen"), ("Tomás Ruiz", "frontdesk.ruiz"))
ADMIN = ("Ingrid Åberg", "admin.aberg")
NOTES = ("Follow-up on sleep diary.", "Discussed dose; review in 4 weeks.", "", "", "")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    password: str | None  # None: the account existed already and kept its password


@dataclass(frozen=True)
class DemoSummary:
    accounts: tuple[DemoAccount, ...]
    patients: int
    appointments: int
    twins: int


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("Þ", "Th"))
    return "".join(c for c in folded.encode("ascii", "ignore").decode().lower() if c.isalnum())


def _phone(rng: random.Random) -> str:
    country = rng.choice((49, 353, 45, 48, 46, 33))
    return f"+{country} {rng.randint(20, 99)} {rng.randint(1000000, 9999999)}"


def make_patient(rng: random.Random, seed: int, number: int, today: date) -> Patient:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if rng.random() < 0.06:
        first = f"{first} {rng.choice(FIRST_NAMES)}"
    city, postal, country = rng.choice(CITIES)
    has_email = rng.random() < 0.85  # walk-ins often have no email
    dob = today - timedelta(days=rng.randint(18 * 365, 90 * 365))
    insured = rng.random() < 0.9
    details = PatientDetails(
        first_name=first,
        last_name=last,
        date_of_birth=dob,
        phone=_phone(rng).replace(" ", ""),
        email=f"{_ascii(first)}.{_ascii(last)}.{seed}.{number}@example.org" if has_email else None,
        address_line=f"{rng.choice(STREETS)} {rng.randint(1, 180)}",
        city=city,
        postal_code=postal,
        country=country,
        insurance_provider=rng.choice(INSURERS) if insured else "",
        insurance_member_id=f"M{rng.randint(10**7, 10**8 - 1)}" if insured else "",
        emergency_contact_name=f"{rng.choice(FIRST_NAMES)} {last}" if rng.random() < 0.6 else "",
        emergency_contact_phone=_phone(rng).replace(" ", "") if rng.random() < 0.6 else "",
    )
    return Patient(id=_uuid(rng), details=details)


def staff(clinician_count: int) -> list[tuple[str, str, Role]]:
    """(display name, username, role) of the demo staff."""
    people = []
    for i in range(clinician_count):
        name, username = CLINICIANS[i % len(CLINICIANS)]
        suffix = "" if i < len(CLINICIANS) else str(i // len(CLINICIANS) + 1)
        people.append((f"Dr. {name}", f"{username}{suffix}", Role.CLINICIAN))
    people += [(name, username, Role.FRONTDESK) for name, username in OFFICE]
    people.append((ADMIN[0], ADMIN[1], Role.ADMIN))
    return people


def clinician_count_for(patients: int) -> int:
    return 4 if patients <= 1000 else min(60, 4 + patients // 5000)


@dataclass(frozen=True)
class Slot:
    clinician_index: int
    start: datetime
    end: datetime
    kind: str


def slots(
    rng: random.Random,
    clinicians: int,
    first_day: date,
    days: int,
    hours: list[OpeningHours],
    zone: ZoneInfo,
) -> Iterator[Slot]:
    """Back-to-back-ish bookable slots within opening hours; never overlapping per clinician."""
    by_day = {h.weekday: h for h in hours}
    types = [(name, minutes) for name, minutes, _ in DEFAULT_APPOINTMENT_TYPES]
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        opening = by_day.get(day.weekday())
        if opening is None:
            continue
        closes = datetime.combine(day, opening.closes, tzinfo=zone)
        for c in range(clinicians):
            cursor = datetime.combine(day, opening.opens, tzinfo=zone)
            while True:
                kind, minutes = rng.choices(types, weights=(1, 4, 4, 2))[0]
                end = cursor + timedelta(minutes=minutes)
                if end > closes:
                    break
                yield Slot(c, cursor.astimezone(UTC), end.astimezone(UTC), kind)
                cursor = end + timedelta(minutes=rng.choice((0, 10, 10, 15, 30, 60)))


def status_for(rng: random.Random, start: datetime, end: datetime, now: datetime) -> Status:
    if start >= now:
        return Status.CANCELLED if rng.random() < 0.05 else Status.SCHEDULED
    if end > now:  # under way: the patient came (checked in), or has not turned up
        return Status.NO_SHOW if rng.random() < 0.05 else Status.CHECKED_IN
    return rng.choices(
        (Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED, Status.LATE_CANCELLED),
        weights=(85, 5, 7, 3),
    )[0]


def status_changed_at(status: Status, slot: Slot, now: datetime) -> datetime | None:
    """When the desk would have set `status`: a check-in just before the start, completion
    at the end, a no-show a quarter of an hour in, cancellations a day or hours before."""
    moment = {
        Status.SCHEDULED: None,
        Status.CHECKED_IN: slot.start - timedelta(minutes=4),
        Status.COMPLETED: slot.end,
        Status.NO_SHOW: slot.start + timedelta(minutes=15),
        Status.CANCELLED: slot.start - timedelta(days=1, hours=2),
        Status.LATE_CANCELLED: slot.start - timedelta(hours=2),
    }[status]
    return None if moment is None else min(moment, now)


def schedule_window(now: datetime, zone: ZoneInfo, weeks: int) -> tuple[date, int]:
    """From the Monday of the current week, `weeks` weeks: (first day, number of days)."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=max(0, weeks - 2)), 7 * weeks


def audit_event(actor: Actor, now: datetime, detail: str) -> AuditEvent:
    return AuditEvent(
        id=uuid.uuid4(),
        at=now,
        user_id=actor.user_id,
        username=actor.username,
        action=AuditAction.IMPORT,
        entity="demo_data",
        detail=detail,
    )


def new_password(demo: bool) -> str:
    return DEMO_PASSWORD if demo else secrets.token_urlsafe(12)


def make_twin(rng: random.Random, patient_id: uuid.UUID, now: datetime) -> DigitalTwin:
    docs = twin_documents(rng, now.date(), now.isoformat(timespec="seconds"))
    return DigitalTwin(
        id=_uuid(rng),
        patient_id=patient_id,
        symptom_forecast=docs["symptom_forecast"],
        biometric_correlations=docs["biometric_correlations"],
        medication_responses=docs["medication_responses"],
        last_updated=now - timedelta(hours=rng.randint(1, 72)),
        review_status=ReviewStatus.PENDING,
    )


def make_appointment(
    rng: random.Random, slot: Slot, patient_id: uuid.UUID, clinician: User, now: datetime
) -> Appointment:
    status = status_for(rng, slot.start, slot.end, now)
    virtual = rng.random() < 0.2
    return Appointment(
        id=_uuid(rng),
        patient_id=patient_id,
        clinician_id=clinician.id,
        start=slot.start,
        end=slot.end,
        appointment_type=slot.kind,
        status=status,
        notes=rng.choice(NOTES),
        virtual=virtual,
        location="Video call" if virtual else f"Room {slot.clinician_index % 8 + 1}",
        status_changed_at=status_changed_at(status, slot, now),
        status_changed_by=None if status is Status.SCHEDULED else clinician.username,
    )


def default_hours() -> list[OpeningHours]:
    return list(DEFAULT_OPENING_HOURS)
