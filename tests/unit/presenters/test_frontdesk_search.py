"""The patient directory: built once, searched in memory, refreshed by polling and by saves."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from novamind_desktop.domain.errors import StorageUnavailable
from novamind_desktop.domain.patients import Patient, PatientDetails
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.presenters.patient_search import PatientDirectory, PatientSearchPresenter
from novamind_desktop.presenters.tasks import SynchronousRunner
from tests.unit.fakes import FixedClock
from tests.unit.presenters.fakes import RecordingView

ACTOR = Actor(uuid4(), "desk", Role.FRONTDESK)


def patient(first: str, last: str, dob: date, phone: str, **kw) -> Patient:
    return Patient(uuid4(), PatientDetails(first, last, dob, phone, **kw))


class FakePatients:
    def __init__(self, clock: FixedClock, patients: list[Patient]):
        self.clock = clock
        self.rows = {p.id: replace(p, updated_at=clock.now()) for p in patients}
        self.index_loads = 0

    def all_for_index(self, actor):
        self.index_loads += 1
        return list(self.rows.values())

    def changed_since(self, actor, since):
        return [p for p in self.rows.values() if p.updated_at and p.updated_at >= since]

    def save_elsewhere(self, p: Patient) -> None:
        self.rows[p.id] = replace(p, updated_at=self.clock.now())


class FakeAppointments:
    def __init__(self):
        self.next: dict = {}

    def next_for_patients(self, actor, after):
        return dict(self.next)


class Services:
    def __init__(self, clock, patients):
        self.clock = clock
        self.patients = FakePatients(clock, patients)
        self.appointments = FakeAppointments()


def setup(*patients: Patient):
    clock = FixedClock(datetime(2030, 3, 4, 8, 55, tzinfo=UTC))
    services = Services(clock, list(patients))
    directory = PatientDirectory(services, SynchronousRunner(), ACTOR)
    view = RecordingView()
    presenter = PatientSearchPresenter(view, directory)
    return services, directory, view, presenter


MULLER = patient("Jürgen", "Müller", date(1984, 3, 27), "+49 151 2345 6789")
OBRIEN = patient("Siobhan", "O'Brien", date(1990, 1, 2), "01632 960123", email="sio@example.ie")


def test_before_the_index_is_built_the_box_says_it_is_loading():
    _, _, view, presenter = setup(MULLER)
    presenter.search("mull")
    rows, summary = view.last("show_results")
    assert rows == [] and "Loading" in summary


def test_find_as_you_type_by_name_date_phone_and_email():
    _services, directory, view, presenter = setup(MULLER, OBRIEN)
    directory.load()
    for query, who in (
        ("mull", "Jürgen Müller"),
        ("obri", "Siobhan O'Brien"),
        ("1984-03-27", "Jürgen Müller"),
        ("6789", "Jürgen Müller"),
        ("sio@exa", "Siobhan O'Brien"),
    ):
        presenter.search(query)
        rows, summary = view.last("show_results")
        assert [r.name for r in rows] == [who], query
        assert summary == "1 patient found."
    presenter.search("zzz")
    assert "No patient matches" in view.last("show_results")[1]


def test_enter_opens_the_highlighted_patient():
    _, directory, view, presenter = setup(MULLER, OBRIEN)
    directory.load()
    presenter.search("o'brien")
    presenter.open_row(0)
    assert view.last("open_patient") == OBRIEN.id
    presenter.open_row(5)  # nothing there: nothing happens
    assert len(view.said("open_patient")) == 1


def test_a_save_on_this_workstation_is_found_at_once():
    _, directory, view, presenter = setup(MULLER)
    directory.load()
    presenter.search("zoe")
    directory.patient_saved(patient("Zoë", "Adams", date(2001, 5, 5), "0207946001"))
    assert [r.name for r in view.last("show_results")[0]] == ["Zoë Adams"]


def test_polling_picks_up_other_workstations_and_next_appointments():
    services, directory, view, presenter = setup(MULLER)
    directory.load()
    assert services.patients.index_loads == 1
    services.clock.advance(seconds=15)
    renamed = replace(MULLER, details=replace(MULLER.details, last_name="Mueller-Schmidt"))
    services.patients.save_elsewhere(renamed)
    soon = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)
    services.appointments.next[MULLER.id] = soon
    presenter.search("schmidt")
    assert view.last("show_results")[0] == []
    directory.poll()
    (row,) = view.last("show_results")[0]
    assert row.name == "Jürgen Mueller-Schmidt"
    assert row.next_appointment == "Tomorrow 09:00"  # Tue 05 Mar 2030, seen on the Monday
    assert directory.format_when(soon + timedelta(days=6)).startswith("Mon 11 Mar 2030")
    assert directory.format_when(soon - timedelta(days=1)).startswith("Today")
    services.appointments.next.clear()  # the appointment was cancelled elsewhere
    services.clock.advance(seconds=15)
    directory.poll()
    assert view.last("show_results")[0][0].next_appointment == ""
    assert services.patients.index_loads == 1  # polls never rebuild the whole index


def test_a_failed_poll_keeps_the_old_index_and_tries_again(caplog):
    services, directory, view, presenter = setup(MULLER)
    directory.load()

    def broken(actor, since):
        raise ConnectionError("db down")

    services.patients.changed_since = broken
    directory.poll()
    presenter.search("mull")
    assert len(view.last("show_results")[0]) == 1
    assert "ConnectionError" in caplog.text and "db down" not in caplog.text
    since_before = directory._since
    services.clock.advance(seconds=30)
    del services.patients.changed_since
    directory.poll()
    assert directory._since > since_before
    assert timedelta(0) < services.clock.now() - directory._since <= timedelta(seconds=5)


def test_phone_numbers_are_grouped_for_reading_back():
    from novamind_desktop.presenters.phone_display import phone_text

    assert phone_text("+46694511288") == "+46 694 511 288"
    assert phone_text("+353628751375") == "+353 628 751 375"
    assert phone_text("+14155550123") == "+1 415 555 0123"
    assert phone_text("02079460018") == "020 794 600 18"
    assert phone_text("12345") == "12345"  # too short to group


class _MidnightPassing:
    """A clock that moves a minute on at every reading, starting just before midnight."""

    def __init__(self) -> None:
        self.current = datetime(2030, 3, 4, 23, 59, 30, tzinfo=UTC)

    def now(self) -> datetime:
        read, self.current = self.current, self.current + timedelta(minutes=1)
        return read


def test_the_rows_of_one_search_agree_on_what_today_is():
    """Read once per search: rows made across midnight would otherwise say "Tomorrow" for
    one patient and "Today" for another booked the same morning."""
    ada = patient("Ada", "Zed", date(1990, 1, 2), "+4912345678")
    bea = patient("Bea", "Zed", date(1991, 2, 3), "+4987654321")
    services, directory, _view, _presenter = setup(ada, bea)
    for who, hour in ((ada, 9), (bea, 10)):
        services.appointments.next[who.id] = datetime(2030, 3, 5, hour, tzinfo=UTC)
    directory.load()
    services.clock = _MidnightPassing()
    rows = directory.search("zed")
    assert sorted(r.next_appointment for r in rows) == ["Tomorrow 09:00", "Tomorrow 10:00"]


def test_while_polls_fail_the_summary_says_the_list_may_be_missing_changes():
    services, directory, view, presenter = setup(MULLER, OBRIEN)
    directory.load()
    presenter.search("mull")
    assert view.last("show_results")[1] == "1 patient found."

    def away(actor, since):
        raise StorageUnavailable("lost")

    services.patients.changed_since = away
    services.clock.advance(seconds=15)
    directory.poll()
    rows, summary = view.last("show_results")  # redrawn at once, the results kept
    assert [r.name for r in rows] == ["Jürgen Müller"]
    assert summary == (
        "1 patient found. The database cannot be reached, so changes made at other desks may "
        "be missing. Trying again every 15 seconds."
    )
    del services.patients.changed_since  # the database is back
    services.clock.advance(seconds=15)
    directory.poll()
    assert view.last("show_results")[1] == "1 patient found."
