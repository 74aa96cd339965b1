"""Reading twin documents (resources/twin.schema.json) into chart series, and the review."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

from novamind_desktop.domain.errors import StaleRecord
from novamind_desktop.domain.twins import DigitalTwin, ReviewStatus
from novamind_desktop.domain.users import Actor, Role
from novamind_desktop.infrastructure.demo_twins import twin_documents
from novamind_desktop.presenters.tasks import SynchronousRunner
from novamind_desktop.presenters.twins import TwinPresenter, twin_charts
from tests.unit.presenters.fakes import RecordingView

TODAY = date(2030, 3, 4)


def demo_twin(seed: int = 7) -> DigitalTwin:
    docs = twin_documents(random.Random(seed), TODAY, "2030-03-04T08:00:00+00:00")
    return DigitalTwin(uuid4(), uuid4(), **docs, last_updated=datetime(2030, 3, 4, 8, tzinfo=UTC))


def test_every_measure_of_the_demo_twin_becomes_a_forecast_with_its_band():
    twin = demo_twin()
    charts = twin_charts(twin, ZoneInfo("UTC"))
    measures = twin.symptom_forecast["measures"]
    assert [m.label for m in charts.measures] == [m["label"] for m in measures]
    first = charts.measures[0]
    assert len(first.observed) == 12 and len(first.forecast) == 14
    assert all(p.lower <= p.mean <= p.upper for p in first.forecast)
    assert first.observed[-1][0] < first.forecast[0].day
    assert first.trend_text.startswith(first.label)


def test_correlations_strongest_first_and_medications_with_their_response():
    twin = demo_twin(3)
    charts = twin_charts(twin, ZoneInfo("UTC"))
    rs = [abs(c.r) for c in charts.correlations]
    assert rs == sorted(rs, reverse=True)
    assert len(charts.correlations) == len(twin.biometric_correlations["correlations"])
    names = [m["name"] for m in twin.medication_responses["medications"]]
    assert [m.label.split(" ")[0] for m in charts.medications] == names


def test_missing_or_odd_sections_give_empty_charts_not_errors():
    twin = DigitalTwin(
        uuid4(),
        uuid4(),
        symptom_forecast={"measures": [{"name": "phq9", "observed": [{"date": "bad"}]}]},
        biometric_correlations={"correlations": "nope"},
        medication_responses={},
    )
    charts = twin_charts(twin, ZoneInfo("UTC"))
    assert charts.measures[0].observed == () and charts.measures[0].label == "PHQ-9"
    assert charts.correlations == () and charts.medications == ()
    assert charts.updated == "—"


class FakeTwins:
    def __init__(self, twin: DigitalTwin):
        self.twin = twin
        self.reviews: list[tuple[ReviewStatus, str]] = []
        self.stale_once = False

    def get(self, actor, patient_id):
        return self.twin if patient_id == self.twin.patient_id else None

    def review(self, actor, patient_id, expected_version, status, note):
        if self.stale_once or expected_version != self.twin.version:
            self.stale_once = False
            self.twin = replace(self.twin, version=self.twin.version + 1)
            raise StaleRecord("digital twin", patient_id)
        self.reviews.append((status, note))
        self.twin = replace(
            self.twin, review_status=status, review_note=note, version=self.twin.version + 1
        )
        return self.twin


class Services:
    def __init__(self, twins):
        self.twins = twins
        self.appointments = object()


CLINICIAN = Actor(uuid4(), "dr", Role.CLINICIAN)


def test_review_saves_and_shows_the_new_status():
    fake = FakeTwins(demo_twin())
    view = RecordingView()
    presenter = TwinPresenter(view, Services(fake), SynchronousRunner(), CLINICIAN)
    presenter.open(fake.twin.patient_id)
    presenter.review(ReviewStatus.FLAGGED, "  sleep worsening  ")
    assert fake.reviews == [(ReviewStatus.FLAGGED, "sleep worsening")]
    _charts, twin = view.last("show_twin")
    assert twin.review_status is ReviewStatus.FLAGGED
    assert "flagged" in view.last("show_status")


def test_a_stale_review_keeps_the_note_and_the_next_save_goes_through():
    fake = FakeTwins(demo_twin())
    view = RecordingView()
    presenter = TwinPresenter(view, Services(fake), SynchronousRunner(), CLINICIAN)
    presenter.open(fake.twin.patient_id)
    shown = len(view.said("show_twin"))
    fake.stale_once = True
    presenter.review(ReviewStatus.REVIEWED, "ok")
    assert "Your note is kept" in view.last("show_error")
    assert len(view.said("show_twin")) == shown  # the typed note was not overwritten
    presenter.review(ReviewStatus.REVIEWED, "ok")
    assert fake.reviews == [(ReviewStatus.REVIEWED, "ok")]


def test_front_desk_may_not_review():
    fake = FakeTwins(demo_twin())
    presenter = TwinPresenter(
        RecordingView(), Services(fake), SynchronousRunner(), Actor(uuid4(), "f", Role.FRONTDESK)
    )
    presenter.twin = fake.twin
    presenter.review(ReviewStatus.REVIEWED, "")
    assert fake.reviews == []
