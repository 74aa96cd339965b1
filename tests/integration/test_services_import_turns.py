"""Two appointment imports at once on PostgreSQL, their rows naming the same two clinicians
in opposite orders: each chunk takes both clinicians' turns up front, in the order every
writer uses, so neither holds one book while waiting for the other's. Taken row by row, in
file order, each held one and waited for the other: the server broke the deadlock by
aborting one chunk, which then had to be imported again one row at a time."""

from __future__ import annotations

import contextlib
import threading

import pytest
from service_helpers import (
    IMPORTED_PATIENTS,
    pause_before,
)

from novamind_desktop.services.imports import APPOINTMENT_FIELDS

pytestmark = [
    pytest.mark.usefixtures("logs_hold_no_phi"),
    pytest.mark.postgres,
    pytest.mark.parametrize("db_url", ["postgres"], indirect=True),
]
HENRIETTA = IMPORTED_PATIENTS[0]


def visit(clinician: str, hour: int) -> dict[str, str]:
    row = {
        "patient_email": HENRIETTA["email"],
        "clinician_username": clinician,
        "start": f"2030-03-05T{hour:02d}:00+01:00",
        "end": f"2030-03-05T{hour:02d}:50+01:00",
        "appointment_type": "therapy",
        "virtual": "false",
    }
    return {name: "" for name in APPOINTMENT_FIELDS} | row


def test_two_imports_naming_two_clinicians_in_opposite_orders_do_not_deadlock(
    clinic, caplog
) -> None:
    s, desk = clinic.services, clinic.frontdesk
    s.imports.import_patients(desk, [(2, HENRIETTA)])
    # Each import waits before its first booking until the other reaches its own (or for
    # 3 s, when the other is waiting for its turn): without turns taken up front, each then
    # holds its first clinician's book and asks for the other's.
    both_at_their_first_row = threading.Barrier(2, timeout=3)

    def meet(calls: int) -> None:
        if calls == 1:
            # Broken: the other import is waiting for its turn.
            with contextlib.suppress(threading.BrokenBarrierError):
                both_at_their_first_row.wait()

    files = {
        "forwards": [(2, visit("dr.adebayo", 9)), (3, visit("dr.brennan", 9))],
        "backwards": [(2, visit("dr.brennan", 11)), (3, visit("dr.adebayo", 11))],
    }
    reports = {}

    def run(name: str) -> None:
        services = clinic.workstation(pause_before("appointments", "add", meet)).services
        reports[name] = services.imports.import_appointments(desk, files[name])

    threads = [threading.Thread(target=run, args=(name,)) for name in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert "failed together" not in caplog.text
    for name, report in reports.items():
        assert (report.accepted, report.already_present, report.refused) == (2, 0, []), name
    with clinic.db(clinic.admin) as uow:
        assert len(uow.appointments.list_all()) == 4
