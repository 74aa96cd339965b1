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

from novamind_desktop.domain.errors import StorageUnavailable
from novamind_desktop.domain.patients import Patient
from novamind_desktop.domain.users import Actor
from novamind_desktop.presenters.frontdesk_errors import clinic_zone, describe, now
from novamind_desktop.presenters.tasks import TaskRunner
from novamind_desktop.services.search import PatientSearchIndex, SearchHit

if TYPE_CHECKING:
    from novamind_desktop.services.registry import AppServices

log = logging.getLogger(__name__)
RESULT_LIMIT = 50
NextMap = dict[UUID, datetime]
# Rows saved on another workstation while our poll ran must not be missed: overlap windows.
# Every desk stamps by the database server's clock (infrastructure/server_clock.py), so a
# desk whose own clock is minutes off is not looked past.
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
    age: int | None = None

    @property
    def born_text(self) -> str:
        """ "27 Mar 1984 (45)": the age tells two namesakes apart at a glance."""
        try:
            born = date.fromisoformat(self.date_of_birth)
        except ValueError:
            return self.date_of_birth
        return f"{born:%d %b %Y}" + (f" ({self.age})" if self.age is not None else "")


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def row_from_hit(
    hit: SearchHit, format_when: Callable[[datetime, date], str], today: date
) -> PatientRow:
    """`today` in the clinic's zone, read once for all the rows of a search."""
    when = hit.next_appointment
    return PatientRow(
        patient_id=hit.patient_id,
        name=hit.full_name,
        date_of_birth=hit.date_of_birth.isoformat(),
        phone=hit.phone,
        next_appointment=format_when(when, today) if when is not None else "",
        active=hit.active,
        age=age_on(hit.date_of_birth, today),
    )


def _start_of(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else getattr(value, "start", None)


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
        self.stale = ""  # why the index may be missing other desks' changes (polls failing)
        self._since: datetime | None = None
        self._polling = False
        self._upcoming: NextMap = {}
        self._listeners: list[Callable[[], None]] = []
        # While the screen is locked nothing is fetched and no listener redraws; what was
        # missed is caught up on resume().
        self.paused = False
        self._load_missed = False
        self._change_missed = False

    @property
    def ready(self) -> bool:
        return self.index is not None

    def subscribe(self, listener: Callable[[], None]) -> None:
        """`listener` runs on the GUI thread whenever the index changes or finishes loading."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        if self.paused:
            self._change_missed = True
            return
        for listener in list(self._listeners):
            listener()

    def pause(self) -> None:
        """The screen locked: fetch nothing, and drop what arrives, until resume()."""
        self.paused = True

    def resume(self) -> None:
        """The user is back: catch up at once (load or poll), then tell the listeners."""
        self.paused = False
        if self._load_missed:
            self._load_missed = False
            self.load()
        else:
            self.poll()
        if self._change_missed:
            self._change_missed = False
            self._changed()

    def load(self) -> None:
        if self.paused:
            self._load_missed = True
            return
        if self.loading:
            return
        self.loading = True
        self.runner.submit(
            self._build_job, self._built, self._load_failed, label="Loading patient list"
        )

    def _build_job(self, _: Any) -> tuple[PatientSearchIndex, datetime, NextMap]:
        started = now(self.services)
        patients = self.services.patients.all_for_index(self.actor)
        upcoming = self._next_appointments(started)
        # The services may share one index (PatientService uses it for duplicate phones).
        shared = getattr(self.services, "search_index", None)
        index = shared if isinstance(shared, PatientSearchIndex) else PatientSearchIndex()
        index.build(patients, upcoming)
        return index, started, upcoming

    def _next_appointments(self, after: datetime) -> NextMap:
        """Each patient's next appointment start, if the appointment service can say."""
        finder = getattr(self.services.appointments, "next_for_patients", None)
        if finder is None:
            return {}
        found = finder(self.actor, after)
        return {pid: when for pid, value in found.items() if (when := _start_of(value))}

    def _built(self, result: tuple[PatientSearchIndex, datetime, NextMap]) -> None:
        if self.paused:  # locked meanwhile: built again on resume, not kept unseen
            self.loading = False
            self._load_missed = True
            return
        self.index, started, self._upcoming = result
        self._since = started - POLL_OVERLAP
        self.loading = False
        self.error = ""
        self.stale = ""  # just read whole
        self._changed()

    def _load_failed(self, exc: Exception) -> None:
        self.loading = False
        if self.paused:
            self._load_missed = True
            return
        self.error = describe(exc, "Loading the patient list")
        self._changed()

    def poll(self) -> None:
        """Fetch what other workstations changed since the last look (every ~15 s)."""
        if self.paused or self.index is None or self._since is None or self._polling:
            return
        since = self._since
        self._polling = True

        previous = self._upcoming

        def job(
            _: Any,
        ) -> tuple[list[Patient], NextMap, list[tuple[UUID, datetime | None]], datetime]:
            started = now(self.services)
            changed = self.services.patients.changed_since(self.actor, since)
            upcoming = self._next_appointments(started)
            # Only the differences go to the GUI thread: usually a handful, not 100,000.
            moved: list[tuple[UUID, datetime | None]] = [
                (pid, when) for pid, when in upcoming.items() if previous.get(pid) != when
            ]
            moved += [(pid, None) for pid in previous.keys() - upcoming.keys()]
            return changed, upcoming, moved, started

        self.runner.submit(job, self._polled, self._poll_failed, label="")

    def _polled(
        self, result: tuple[list[Patient], NextMap, list[tuple[UUID, Any]], datetime]
    ) -> None:
        changed, upcoming, moved, started = result
        self._polling = False
        if self.paused or self.index is None:
            return  # locked meanwhile: resume() polls again from the same moment
        self._since = started - POLL_OVERLAP
        self._upcoming = upcoming
        for pid, when in moved:
            self.index.set_next_appointment(pid, when)
        for patient in changed:
            self.index.upsert(patient)
        was_stale, self.stale = self.stale, ""
        if changed or moved or was_stale:
            self._changed()

    def _poll_failed(self, exc: Exception) -> None:
        # A missed poll is retried at the next tick; the user keeps searching the old index,
        # and is told that other desks' changes may be missing from it meanwhile.
        self._polling = False
        log.warning("Refreshing the patient list failed: %s", type(exc).__name__)
        if isinstance(exc, StorageUnavailable):
            stale = "The database cannot be reached, so changes made at other desks may be "
        else:
            stale = (
                "The patient list could not be refreshed, so changes made at other desks may be "
            )
        stale += "missing. Trying again every 15 seconds."
        if stale != self.stale:
            self.stale = stale
            self._changed()

    def patient_saved(self, patient: Patient) -> None:
        """A save on this workstation: visible in searches at once, no poll needed."""
        if self.index is not None:
            self.index.upsert(patient)
            self._changed()

    def search(self, query: str, limit: int = RESULT_LIMIT) -> list[PatientRow]:
        if self.index is None or not query.strip():
            return []
        today = self._today()
        hits = self.index.search(query, limit)
        return [row_from_hit(h, self.format_when, today) for h in hits]

    def row(self, patient_id: UUID) -> PatientRow | None:
        """One patient as a results line (the booking dialog's picker takes it)."""
        hit = None if self.index is None else self.index.hit(patient_id)
        if hit is None:
            return None
        return row_from_hit(hit, self.format_when, self._today())

    def _today(self) -> date:
        return now(self.services).astimezone(self.tz).date()

    def format_when(self, moment: datetime, today: date | None = None) -> str:
        """ "Today 10:00", "Tomorrow 09:30", else "Mon 11 Mar 2030 14:00": at the counter the
        question is mostly whether it is today (`today` in the clinic's zone; read from the
        clock when not given)."""
        local = moment.astimezone(self.tz)
        days = (local.date() - (today or self._today())).days
        named = {0: "Today", 1: "Tomorrow"}.get(days)
        return f"{named} {local:%H:%M}" if named else f"{local:%a %d %b %Y %H:%M}"


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
        """What the line under the box says, and why the list may be out of date if it may."""
        said, stale = self._said(), self.directory.stale
        return f"{said} {stale}" if stale and self.directory.ready else said

    def _said(self) -> str:
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
