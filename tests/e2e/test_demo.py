"""The synthetic clinic: deterministic per seed, within opening hours without overlaps, twins
that match resources/twin.schema.json, and the throwaway `--demo` context."""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from cli_runner import Cli, base_environment

from novamind_desktop.bootstrap import Settings, build_demo_context
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.paths import resource

ADMIN = Actor.command_line("tests")
_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
    "integer": int,
    "number": (int, float),
}


def validate(value: Any, schema: dict[str, Any], root: dict[str, Any], at: str = "$") -> None:
    """The subset of JSON Schema that twin.schema.json uses; AssertionError names the path."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return validate(value, root["$defs"][name], root, at)
    if "anyOf" in schema:
        for option in schema["anyOf"]:
            try:
                return validate(value, option, root, at)
            except AssertionError:
                continue
        raise AssertionError(f"{at}: matches no allowed form")
    if "const" in schema:
        assert value == schema["const"], at
    if "enum" in schema:
        assert value in schema["enum"], f"{at}: {value!r} not allowed"
    if "type" in schema:
        kind = _TYPES[schema["type"]]
        assert isinstance(value, kind) and not (
            isinstance(value, bool) and schema["type"] in ("integer", "number")
        ), f"{at}: not {schema['type']}"
    if "minimum" in schema:
        assert value >= schema["minimum"], at
    if "maximum" in schema:
        assert value <= schema["maximum"], at
    if "pattern" in schema:
        assert re.search(schema["pattern"], value), at
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{at}: {key} missing"
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            assert set(value) <= set(properties), f"{at}: extra {set(value) - set(properties)}"
        for key, item in value.items():
            if key in properties:
                validate(item, properties[key], root, f"{at}.{key}")
    if isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            validate(item, schema["items"], root, f"{at}[{n}]")
    return None


def _fresh(tmp_path: Path, name: str) -> Cli:
    folder = tmp_path / name
    folder.mkdir()
    env = base_environment(folder)
    env["DATABASE_URL"] = f"sqlite:///{folder / 'demo.sqlite3'}"
    return Cli(env["DATABASE_URL"], folder, env)


def test_the_same_seed_gives_the_same_clinic(tmp_path: Path) -> None:
    first, second = _fresh(tmp_path, "a"), _fresh(tmp_path, "b")
    made = first.ok("demo-data", "--patients", "60", "--seed", "5")
    assert "Added 60 patients" in made.stdout and "dr.okafor (clinician):" in made.stdout
    second.ok("demo-data", "--patients", "60", "--seed", "5")
    assert first.ok("export", "patients").stdout == second.ok("export", "patients").stdout
    again = first("demo-data", "--patients", "60", "--seed", "5")
    assert again.returncode == 2 and "another --seed" in again.stderr, again
    other = first.ok("demo-data", "--patients", "10", "--seed", "6")
    assert "New staff accounts" not in other.stdout  # the staff exist already
    names = first.ok("export", "patients").stdout
    assert re.search(r"[ÀÁÂÄÅØÖÜÞßàáâäåçèéêëíîïñóôöøúüýþ]", names)


def test_demo_context_is_a_throwaway_clinic(tmp_path: Path) -> None:
    env = base_environment(tmp_path)
    settings = Settings.from_environ(env)
    context = build_demo_context(settings, patients=40)
    folder = Path(context.engine.url.database or "").parent
    try:
        assert context.is_demo and folder.is_dir()
        roles = {account.role for account in context.demo_accounts}
        assert roles == {Role.CLINICIAN, Role.FRONTDESK, Role.ADMIN}
        account = context.demo_accounts[0]
        user = context.services.users.sign_in(account.username, account.password)
        assert user.username == account.username
        services = context.services
        patients = services.patients.all_for_index(ADMIN)
        assert len(patients) == 40
        _check_schedule(context)
        _check_twins(context, [p.id for p in patients])
    finally:
        context.close()
    assert not folder.exists()


def _check_schedule(context: Any) -> None:
    zone = context.settings.clinic_timezone
    with context.uow_factory(ADMIN) as uow:
        appointments = uow.appointments.list_all()
        hours = {h.weekday: h for h in uow.opening_hours.week()}
    assert len(appointments) >= 40
    days = {a.start.astimezone(zone).date() for a in appointments}
    assert (max(days) - min(days)).days <= 13
    by_clinician = defaultdict(list)
    for a in appointments:
        start, end = a.start.astimezone(zone), a.end.astimezone(zone)
        opening = hours[start.weekday()]
        assert opening.opens <= start.time() and end.time() <= opening.closes
        by_clinician[a.clinician_id].append(a)
    for booked in by_clinician.values():
        booked.sort(key=lambda a: a.start)
        assert all(x.end <= y.start for x, y in itertools.pairwise(booked))


def _check_twins(context: Any, patient_ids: list[Any]) -> None:
    schema = json.loads(resource("twin.schema.json").read_text(encoding="utf-8"))
    clinician = next(a for a in context.demo_accounts if a.role is Role.CLINICIAN)
    user = context.services.users.sign_in(clinician.username, clinician.password)
    checked = 0
    for patient_id in patient_ids[:10]:
        twin = context.services.twins.get(Actor.of(user), patient_id)
        assert twin is not None
        document = {
            "symptom_forecast": twin.symptom_forecast,
            "biometric_correlations": twin.biometric_correlations,
            "medication_responses": twin.medication_responses,
        }
        validate(document, schema, schema)
        checked += 1
    assert checked == 10
