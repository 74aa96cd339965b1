"""A deterministic synthetic clinic: patients (as CSV-style text rows) and appointment slots.

Names mix accents and apostrophes (Müller, Søren, O'Brien) so the search normaliser does real
work; most patients have an email, some do not (walk-ins); phones are unique-ish digit runs.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta


def _words(paragraph: str) -> tuple[str, ...]:
    return tuple(paragraph.split())


FIRST_NAMES = _words(
    "Ada Adam Agnes Ahmed Aiko Alba Alejandro Ali Alice Amara Amelie Ana Anders Andrea Anja "
    "Anna Antoine Aoife Arjun Astrid Ayse Beatriz Ben Bjørn Boris Bruno Carla Carlos Chiara "
    "Chloé Christoph Clara Conor Dagný Daniel David Deniz Diego Dmitri Elena Eli Elif Emil "
    "Emma Eoin Erik Esther Eva Fatima Felix Finn Francesca Frédéric Gabriel Greta Günther "
    "Hana Hannah Hans Helga Henrik Hiroshi Ida Ines Ingrid Isabel Ivan Jakob Jan Javier Jens "
    "Jiří Johanna Jonas José Jürgen Kai Karin Katarzyna Kenji Klara Lars Laura Lea Leon Liam "
    "Lina Lucía Luka Magnus Maja Malik María Marie Markus Mateo Mathilde Mehmet Mia Mikael "
    "Miriam Nadia Niamh Nico Nils Noah Nora Olga Oliver Omar Oscar Pablo Paula Per Pierre "
    "Priya Rafael Rania René Rosa Ruth Saoirse Sara Sebastian Selin Siobhán Sofia Søren "
    "Stefan Sven Thomas Timo Tomás Ulrike Valentina Victor Wei Yara Yusuf Zoë Zofia"
)
LAST_NAMES = _words(
    "Abbott Acosta Andersen Bauer Becker Bergström Brennan Byrne Castillo Chen Costa "
    "Dąbrowski Dubois Dvořák Eriksson Fernández Fischer Fitzgerald Fontaine García Gonzalez "
    "Gruber Hansen Hartmann Herrera Hoffmann Horvat Ivanova Jansen Jensen Johansson Kaya "
    "Keller Kelly Kim Koch Kowalski Krause Larsen Laurent Lehmann Lindqvist López Lund "
    "MacDonald Madsen Martin Martínez Meyer Moreau Müller Murphy Nakamura Navarro Nielsen "
    "Novák Nowak O'Brien O'Connor O'Neill Olsen Ortega Pedersen Peters Petrov Quinn Ramírez "
    "Richter Rossi Ruiz Russo Sánchez Santos Schmidt Schneider Schulz Silva Sørensen Suzuki "
    "Svensson Takahashi Tanaka Thomsen Torres Vogel Wagner Walsh Weber Wolf Yamamoto Yılmaz "
    "Zimmermann Þórsson Ødegaard Åberg Über D'Angelo"
)
CITIES = ("Aarhus", "Berlin", "Cork", "Dublin", "Göteborg", "København", "Kraków", "Malmö")
INSURERS = ("AOK", "TK", "Barmer", "VHI", "Laya", "Folksam", "Tryg")
NOTES = ("Follow-up on sleep diary.", "Discussed medication dose.", "Intake questionnaire.", "")


def ascii_fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def patient_row(seed: int, n: int, email_share: float = 0.85) -> dict[str, str]:
    """Patient number `n` as the CSV import's text row (DESIGN §6 header); same seed, same row."""
    rng = random.Random(seed * 1_000_003 + n)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    dob = date(1930, 1, 1) + timedelta(days=rng.randrange(90 * 365))
    email = f"{ascii_fold(first)}.{ascii_fold(last)}.{n}@example.org"
    return {
        "first_name": first,
        "last_name": last,
        "date_of_birth": dob.isoformat(),
        "email": email if rng.random() < email_share else "",
        "phone": f"+49 {rng.randrange(150, 180)} {rng.randrange(10**7, 10**8)}",
        "address_line": f"{rng.randrange(1, 200)} {rng.choice(LAST_NAMES)}straße",
        "city": rng.choice(CITIES),
        "postal_code": f"{rng.randrange(10000, 99999)}",
        "country": "DE",
        "insurance_provider": rng.choice(INSURERS),
        "insurance_member_id": f"M{rng.randrange(10**9, 10**10)}",
        "emergency_contact_name": f"{rng.choice(FIRST_NAMES)} {last}",
        "emergency_contact_phone": f"+49 {rng.randrange(150, 180)} {rng.randrange(10**7, 10**8)}",
    }


def patient_rows(count: int, seed: int, first: int = 0) -> list[dict[str, str]]:
    return [patient_row(seed, n) for n in range(first, first + count)]


@dataclass(frozen=True)
class Slot:
    clinician: int  # index into the clinic's clinicians
    patient: int  # index into the patients
    start: datetime  # UTC
    end: datetime
    type_index: int
    status: str
    notes: str


DAY_SLOTS = 10  # one appointment an hour, 08:00-18:00 UTC, per clinician per working day


def working_days(first: date, count: int) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


FUTURE_WEEKS = 8  # a clinic books about two months ahead; the rest of the table is history


def appointment_days(appointments: int, clinicians: int, today: date) -> list[date]:
    """Enough working days for every appointment, ending FUTURE_WEEKS after `today`."""
    needed = -(-appointments // (clinicians * DAY_SLOTS))
    last = today + timedelta(weeks=FUTURE_WEEKS)
    first = last - timedelta(days=needed * 7 // 5 + 7)
    days = working_days(first, needed + 10)
    return [d for d in days if d <= last][-needed:]


def appointment_slots(
    total: int, first: int, count: int, clinicians: int, patients: int, today: date, seed: int
) -> Iterator[tuple[int, Slot]]:
    """Slots first..first+count-1 of `total` as (number, slot).

    Slot n is clinician n % clinicians at hour (n // clinicians) % DAY_SLOTS of working day
    n // (clinicians * DAY_SLOTS): one a clinician an hour, so a clinician's never overlap.
    """
    days = appointment_days(total, clinicians, today)
    per_day = clinicians * DAY_SLOTS
    for n in range(first, first + count):
        rng = random.Random(seed * 7_000_003 + n)
        day = days[n // per_day]
        start = datetime.combine(day, time(8 + (n // clinicians) % DAY_SLOTS), tzinfo=UTC)
        type_index = rng.randrange(4)
        yield (
            n,
            Slot(
                clinician=n % clinicians,
                patient=rng.randrange(patients),
                start=start,
                end=start + timedelta(minutes=(20, 30, 50, 60)[type_index]),
                type_index=type_index,
                status=_status(rng, day < today),
                notes=rng.choice(NOTES),
            ),
        )


def _status(rng: random.Random, past: bool) -> str:
    roll = rng.random()
    if roll < 0.06:
        return "cancelled"
    if roll < 0.08:
        return "no_show" if past else "scheduled"
    return "completed" if past else "scheduled"
