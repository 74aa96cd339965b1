"""FHIR R4 JSON Bundles of Patient and Appointment resources, to and from the CSV rows.

Both directions go through the same text rows as the CSV files (csv_formats headers), so the
import use cases do not care which format a file was in, and an export imports back exactly.
Patients are referred to by email and clinicians by username, as in the CSV format, so an
appointment of a patient with no email address comes out naming no patient and cannot be
imported back from FHIR either (a patient's resource id is this database's own, not one
another database could resolve).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from novamind_desktop.infrastructure.csv_formats import ImportFileError, Row, read_text

USERNAME_SYSTEM = "urn:novamind:username"
TYPE_SYSTEM = "urn:novamind:appointment-type"
VIRTUAL_EXTENSION = "urn:novamind:virtual"
INSURANCE_TYPE = "insurance-member-id"

# Our statuses -> FHIR R4 Appointment.status; late cancellations carry a cancelation reason.
_TO_FHIR_STATUS = {
    "scheduled": "booked",
    "checked_in": "arrived",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "late_cancelled": "cancelled",
    "no_show": "noshow",
}
_FROM_FHIR_STATUS = {
    "booked": "scheduled",
    "pending": "scheduled",
    "proposed": "scheduled",
    "arrived": "checked_in",
    "checked-in": "checked_in",
    "fulfilled": "completed",
    "cancelled": "cancelled",
    "noshow": "no_show",
}


def looks_like_json(path: Path) -> bool:
    """True for a .json file or one whose first non-blank character is `{`."""
    if path.suffix.lower() == ".json":
        return True
    try:
        with path.open("rb") as handle:
            start = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return start.startswith(b"{")


def _bundle_entries(path: Path, resource_type: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        bundle = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"{path} is not valid JSON (line {exc.lineno}).") from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise ImportFileError(f"{path} is not a FHIR Bundle (resourceType must be Bundle).")
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise ImportFileError(f"{path} is not a FHIR Bundle (entry must be a list).")
    found: list[tuple[int, dict[str, Any]]] = []
    for number, entry in enumerate(entries, start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        found.append((number, resource if isinstance(resource, dict) else {}))
    others = sorted(
        {str(r.get("resourceType")) for _, r in found if r.get("resourceType") != resource_type}
    )
    if others:
        raise ImportFileError(
            f"{path} holds resources other than {resource_type} ({', '.join(others)}); "
            f"import a Bundle of {resource_type} resources only."
        )
    return found


def _telecom(resource: dict[str, Any], system: str) -> str:
    for point in resource.get("telecom") or []:
        if isinstance(point, dict) and point.get("system") == system:
            return str(point.get("value") or "")
    return ""


def _first(items: Any) -> dict[str, Any]:
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def patient_row_from_fhir(resource: dict[str, Any]) -> Row:
    name = _first(resource.get("name"))
    address = _first(resource.get("address"))
    contact = _first(resource.get("contact"))
    insurance = next(
        (
            i
            for i in resource.get("identifier") or []
            if isinstance(i, dict) and (i.get("type") or {}).get("text") == INSURANCE_TYPE
        ),
        {},
    )
    return {
        "first_name": " ".join(str(g) for g in name.get("given") or []),
        "last_name": str(name.get("family") or ""),
        "date_of_birth": str(resource.get("birthDate") or ""),
        "email": _telecom(resource, "email"),
        "phone": _telecom(resource, "phone"),
        "address_line": ", ".join(str(x) for x in address.get("line") or []),
        "city": str(address.get("city") or ""),
        "postal_code": str(address.get("postalCode") or ""),
        "country": str(address.get("country") or ""),
        "insurance_provider": str((insurance.get("assigner") or {}).get("display") or ""),
        "insurance_member_id": str(insurance.get("value") or ""),
        "emergency_contact_name": str((contact.get("name") or {}).get("text") or ""),
        "emergency_contact_phone": _telecom(contact, "phone"),
    }


def read_patient_bundle(path: Path) -> Iterator[tuple[int, Row]]:
    """(entry number, row) for each Patient in the Bundle, entries counted from 1."""
    return iter([(n, patient_row_from_fhir(r)) for n, r in _bundle_entries(path, "Patient")])


def patient_resource(row: Row, resource_id: str | None = None) -> dict[str, Any]:
    telecom = [{"system": "phone", "value": row["phone"]}]
    if row.get("email"):
        telecom.append({"system": "email", "value": row["email"]})
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "active": True,
        "name": [{"family": row["last_name"], "given": [row["first_name"]]}],
        "birthDate": row["date_of_birth"],
        "telecom": telecom,
    }
    if resource_id:
        resource["id"] = resource_id
    address = {
        key: value
        for key, value in (
            ("line", [row["address_line"]] if row.get("address_line") else None),
            ("city", row.get("city")),
            ("postalCode", row.get("postal_code")),
            ("country", row.get("country")),
        )
        if value
    }
    if address:
        resource["address"] = [address]
    if row.get("insurance_provider") or row.get("insurance_member_id"):
        resource["identifier"] = [
            {
                "type": {"text": INSURANCE_TYPE},
                "value": row.get("insurance_member_id", ""),
                "assigner": {"display": row.get("insurance_provider", "")},
            }
        ]
    if row.get("emergency_contact_name") or row.get("emergency_contact_phone"):
        contact: dict[str, Any] = {"name": {"text": row.get("emergency_contact_name", "")}}
        if row.get("emergency_contact_phone"):
            contact["telecom"] = [{"system": "phone", "value": row["emergency_contact_phone"]}]
        resource["contact"] = [contact]
    return resource


def appointment_row_from_fhir(resource: dict[str, Any]) -> Row:
    patient_email = clinician = location = ""
    for participant in resource.get("participant") or []:
        actor = participant.get("actor") if isinstance(participant, dict) else None
        if not isinstance(actor, dict):
            continue
        identifier = actor.get("identifier") or {}
        if actor.get("type") == "Patient" or identifier.get("system") == "email":
            patient_email = str(identifier.get("value") or "")
        elif actor.get("type") == "Practitioner" or identifier.get("system") == USERNAME_SYSTEM:
            clinician = str(identifier.get("value") or "")
        elif actor.get("type") == "Location":
            location = str(actor.get("display") or "")
    status = _FROM_FHIR_STATUS.get(str(resource.get("status")), str(resource.get("status", "")))
    reason = _first((resource.get("cancelationReason") or {}).get("coding"))
    if status == "cancelled" and reason.get("code") == "late":
        status = "late_cancelled"
    virtual = any(
        isinstance(e, dict) and e.get("url") == VIRTUAL_EXTENSION and e.get("valueBoolean")
        for e in resource.get("extension") or []
    )
    kind = _first((resource.get("appointmentType") or {}).get("coding"))
    return {
        "patient_email": patient_email,
        "clinician_username": clinician,
        "start": str(resource.get("start") or ""),
        "end": str(resource.get("end") or ""),
        "appointment_type": str(kind.get("code") or ""),
        "status": status,
        "virtual": "true" if virtual else "false",
        "location": location,
        "notes": str(resource.get("comment") or ""),
    }


def read_appointment_bundle(path: Path) -> Iterator[tuple[int, Row]]:
    entries = _bundle_entries(path, "Appointment")
    return iter([(n, appointment_row_from_fhir(r)) for n, r in entries])


def _patient_actor(email: str) -> dict[str, Any]:
    """The patient, by email; a walk-in (no email on record) by a display text alone, as an
    identifier with an empty value is not valid FHIR."""
    if not email:
        return {"type": "Patient", "display": "a patient with no email address on record"}
    return {"type": "Patient", "identifier": {"system": "email", "value": email}}


def appointment_resource(row: Row, resource_id: str | None = None) -> dict[str, Any]:
    participants: list[dict[str, Any]] = [
        {"actor": _patient_actor(row.get("patient_email", "")), "status": "accepted"},
        {
            "actor": {
                "type": "Practitioner",
                "identifier": {"system": USERNAME_SYSTEM, "value": row["clinician_username"]},
            },
            "status": "accepted",
        },
    ]
    if row.get("location"):
        participants.append(
            {"actor": {"type": "Location", "display": row["location"]}, "status": "accepted"}
        )
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "status": _TO_FHIR_STATUS.get(row["status"], row["status"]),
        "appointmentType": {"coding": [{"system": TYPE_SYSTEM, "code": row["appointment_type"]}]},
        "start": row["start"],
        "end": row["end"],
        "participant": participants,
    }
    if resource_id:
        resource["id"] = resource_id
    if row["status"] == "late_cancelled":
        resource["cancelationReason"] = {"coding": [{"code": "late"}]}
    if row.get("virtual") == "true":
        resource["extension"] = [{"url": VIRTUAL_EXTENSION, "valueBoolean": True}]
    if row.get("notes"):
        resource["comment"] = row["notes"]
    return resource


def write_bundle(out: Any, resources: Iterable[dict[str, Any]]) -> int:
    """A collection Bundle of `resources` as indented UTF-8 JSON; returns the entry count."""
    entries = [{"resource": r} for r in resources]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    json.dump(bundle, out, ensure_ascii=False, indent=2)
    out.write("\n")
    return len(entries)
