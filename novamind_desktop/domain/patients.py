"""Patients: the details a form edits, their validation, and the stored record."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from uuid import UUID

from novamind_desktop.domain.errors import FieldError, ValidationFailed

# Deliberately permissive: one @, something on both sides, a dot in the domain, no spaces.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-/]+$")


@dataclass(frozen=True)
class PatientDetails:
    """Everything staff type about a patient. All of it is PHI and stored encrypted."""

    first_name: str
    last_name: str
    date_of_birth: date
    phone: str
    email: str | None = None
    address_line: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    insurance_provider: str = ""
    insurance_member_id: str = ""
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


PATIENT_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(PatientDetails))


@dataclass(frozen=True)
class Patient:
    id: UUID
    details: PatientDetails
    active: bool = True
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def full_name(self) -> str:
        return self.details.full_name

    def with_details(self, details: PatientDetails) -> Patient:
        return replace(self, details=details)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_phone(phone: str) -> str:
    """Keep a leading + and the digits; staff type spaces, dashes and brackets freely."""
    phone = phone.strip()
    digits = re.sub(r"\D", "", phone)
    return ("+" if phone.startswith("+") else "") + digits


def parse_date(text: str) -> date:
    return date.fromisoformat(text.strip())


def validate_patient(raw: dict[str, str], today: date) -> PatientDetails:
    """Turn typed text into PatientDetails, or raise ValidationFailed naming every bad field.

    `raw` maps field names to what was typed; `date_of_birth` is ISO YYYY-MM-DD.
    """
    errors: list[FieldError] = []
    value = {name: (raw.get(name) or "").strip() for name in PATIENT_FIELDS}

    for name, label in (("first_name", "First name"), ("last_name", "Last name")):
        if not value[name]:
            errors.append(FieldError(name, f"{label} is required."))
        elif len(value[name]) > 100:
            errors.append(FieldError(name, f"{label} is longer than 100 characters."))

    dob: date | None = None
    if not value["date_of_birth"]:
        errors.append(FieldError("date_of_birth", "Date of birth is required."))
    else:
        try:
            dob = parse_date(value["date_of_birth"])
        except ValueError:
            errors.append(
                FieldError("date_of_birth", "Date of birth must be a date like 1980-04-23.")
            )
        else:
            if dob > today:
                errors.append(FieldError("date_of_birth", "Date of birth is in the future."))
            elif dob.year < 1900:
                errors.append(FieldError("date_of_birth", "Date of birth is before 1900."))

    phone = ""
    if not value["phone"]:
        errors.append(FieldError("phone", "Phone number is required."))
    elif not _PHONE_CHARS.match(value["phone"]):
        errors.append(FieldError("phone", "Phone number may contain only digits, spaces, + - ( )."))
    else:
        phone = normalise_phone(value["phone"])
        if not 6 <= len(phone.lstrip("+")) <= 15:
            errors.append(FieldError("phone", "Phone number must have 6 to 15 digits."))

    email: str | None = None
    if value["email"]:
        if not _EMAIL.match(value["email"]) or len(value["email"]) > 254:
            errors.append(FieldError("email", "Email address is not valid."))
        else:
            email = normalise_email(value["email"])

    ec_phone = value["emergency_contact_phone"]
    if ec_phone:
        if not _PHONE_CHARS.match(ec_phone):
            errors.append(
                FieldError(
                    "emergency_contact_phone",
                    "Emergency contact phone may contain only digits, spaces, + - ( ).",
                )
            )
        else:
            ec_phone = normalise_phone(ec_phone)

    if errors:
        raise ValidationFailed(errors)
    assert dob is not None
    return PatientDetails(
        first_name=value["first_name"],
        last_name=value["last_name"],
        date_of_birth=dob,
        phone=phone,
        email=email,
        address_line=value["address_line"],
        city=value["city"],
        postal_code=value["postal_code"],
        country=value["country"],
        insurance_provider=value["insurance_provider"],
        insurance_member_id=value["insurance_member_id"],
        emergency_contact_name=value["emergency_contact_name"],
        emergency_contact_phone=ec_phone,
    )


def details_as_text(details: PatientDetails) -> dict[str, str]:
    """The inverse of validate_patient: every field as the text a form or CSV shows."""
    out: dict[str, str] = {}
    for name in PATIENT_FIELDS:
        v = getattr(details, name)
        out[name] = "" if v is None else (v.isoformat() if isinstance(v, date) else str(v))
    return out
