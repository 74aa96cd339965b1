"""Find-as-you-type over the in-memory patient index (DESIGN.md §5).

`PatientDirectory` owns one `PatientSearchIndex` per signed-in session: built on the worker
after sign-in, refreshed from `changed_since` by polling, and updated at once when this
workstation saves a patient. Searching it is a ~1 ms in-memory call, so it runs on the GUI
thread; the database is never touched while typing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from novamind_desktop.domain.patients import Patient
from novamind_desktop.domain.users import Actor
from novamind_desktop.presenters.frontdesk_errors import clinic_zone, describe, now
from novamind_desktop.presenters.tasks import TaskRunner
from novamind_desktop.services.search import PatientSearchIndex

if TYPE_CHECKING:
    from novamind_desktop.services.registry import AppServices

log = logging.getLogger(__name__)
RESULT_LIMIT = 50
# Rows saved on another workstation while our poll ran must not be missed: overlap windows.
POLL_OVERLAP = timedelta(seconds=5)


@dataclass(frozen=True)
class PatientRow:
    """One line of the results table: what the receptionist needs to tell patients apart."""

    patient_id: UUID
    name: str
    date_of_birth: str
    phone: str
    next_appointment: str
    active: bool = True


def _hit_value(hit: Any, *names: str) -> Any:
    for name in names:
        if hasattr(hit, name):
            return getattr(hit, name)
    return None


def row_from_hit(hit: Any, format_when: Callable[[datetime], str]) -> PatientRow:
    patient = _hit_value(hit, "patient")
    if isinstance(patient, Patient):
        d = patient.details
        name, dob, phone, pid, active = (
            d.full_name,
            d.date_of_birth,
            d.phone,
            patient.id,
            patient.active,
        )
    else:
        pid = _hit_value(hit, "patient_id", "id")
        name = _hit_value(hit, "full_name", "name", "display_name") or ""
        dob = _hit_value(hit, "date_of_birth", "dob")
        phone = _hit_value(hit, "phone") or ""
        active = _hit_value(hit, "active")
        active = True if active is None else bool(active)
    when = _hit_value(hit, "next_appointment", "next_appointment_start", "next_start")
    if when is not None and not isinstance(when, datetime):
        when = _hit_value(when, "start")
    return PatientRow(
        patient_id=pid,
        name=name,
        date_of_birth=dob.isoformat() if isinstance(dob, date) else str(dob or ""),
        phone=phone,
        next_appointment=format_when(when) if isinstance(when, datetime) else "",
        active=active,
    )


class PatientDirectory:
    """The session's patient index and how it is kept fresh."""

    def __init__(self, services: AppServices, runner: TaskRunner, actor: Actor):
        self.services = services
        self.runner = runner
        self.actor = actor
        self.tz = clinic_zone(services)
        self.index: PatientSearchIndex | None = None
        self.loading = False
        self.error = ""
        self._since: datetime | None = None
        self._polling = False
        self._listeners: list[Callable[[], None]] = []

    @property
    def ready(self) -> bool:
        return self.index is not None

    def subscribe(self, listener: Callable[[], None]) -> None:
        """`listener` runs on the GUI thread whenever the index changes or finishes loading."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def load(self) -> None:
        if self.loading:
            return
        self.loading = True
        self.runner.submit(
            self._build_job, self._built, self._load_failed, label="Loading patient list"
        )

    def _build_job(self, _: Any) -> tuple[PatientSearchIndex, datetime]:
        started = now(self.services)
        patients = self.services.patients.all_for_index(self.actor)
        index = PatientSearchIndex()
        index.build(patients, self._next_appointments(started))
        return index, started

    def _next_appointments(self, after: datetime) -> Any:
        finder = getattr(self.services.appointments, "next_for_patients", None)
        return finder(self.actor, after) if finder is not None else {}

    def _built(self, result: tuple[PatientSearchIndex, datetime]) -> None:
        self.index, started = result
        self._since = started - POLL_OVERLAP
        self.loading = False
        self.error = ""
        self._changed()

    def _load_failed(self, exc: Exception) -> None:
        self.loading = False
        self.error = describe(exc, "Loading the patient list")
        self._changed()

    def poll(self) -> None:
        """Fetch what other workstations changed since the last look (every ~15 s)."""
        if self.index is None or self._since is None or self._polling:
            return
        since = self._since
        self._polling = True

        def job(_: Any) -> tuple[list[Patient], Any, datetime]:
            started = now(self.services)
            changed = self.services.patients.changed_since(self.actor, since)
            nexts = self._next_appointments(started)
            return changed, nexts, started

        self.runner.submit(job, self._polled, self._poll_failed, label="")

    def _polled(self, result: tuple[list[Patient], Any, datetime]) -> None:
        changed, nexts, started = result
        self._polling = False
        self._since = started - POLL_OVERLAP
        if self.index is None:
            return
        refresh = getattr(self.index, "set_next_appointments", None)
        if refresh is not None:
            refresh(nexts)
        for patient in changed:
            self.index.upsert(patient)
        self._changed()

    def _poll_failed(self, exc: Exception) -> None:
        # A missed poll is retried at the next tick; the user keeps searching the old index.
        self._polling = False
        log.warning("Refreshing the patient list failed: %s", type(exc).__name__)

    def patient_saved(self, patient: Patient) -> None:
        """A save on this workstation: visible in searches at once, no poll needed."""
        if self.index is not None:
            self.index.upsert(patient)
            self._changed()

    def search(self, query: str, limit: int = RESULT_LIMIT) -> list[PatientRow]:
        if self.index is None or not query.strip():
            return []
        return [row_from_hit(h, self.format_when) for h in self.index.search(query, limit)]

    def format_when(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.tz):%a %d %b %Y %H:%M}"


class PatientSearchView(Protocol):
    def show_results(self, rows: Sequence[PatientRow], summary: str) -> None: ...

    def open_patient(self, patient_id: UUID) -> None: ...


class PatientSearchPresenter:
    """The search box: every (debounced) keystroke searches; Enter opens the patient."""

    def __init__(self, view: PatientSearchView, directory: PatientDirectory):
        self.view = view
        self.directory = directory
        self.query = ""
        self.rows: list[PatientRow] = []
        directory.subscribe(self._index_changed)

    def search(self, query: str) -> None:
        self.query = query
        self.rows = self.directory.search(query)
        self.view.show_results(self.rows, self.summary())

    def summary(self) -> str:
        d = self.directory
        if d.error:
            return d.error
        if not d.ready:
            return "Loading the patient list…"
        if not self.query.strip():
            return "Type part of a name, a date of birth, 4 or more digits of a phone, or an email."
        if not self.rows:
            return f"No patient matches “{self.query.strip()}”."
        more = " (showing the first 50; type more to narrow)" if len(self.rows) >= 50 else ""
        count = len(self.rows)
        return f"{count} patient{'s' if count != 1 else ''} found{more}."

    def _index_changed(self) -> None:
        self.search(self.query)

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.view.open_patient(self.rows[row].patient_id)
