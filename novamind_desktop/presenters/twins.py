"""A patient's digital twin as chart-ready series, and the clinician's review of it.

The twin's JSON documents follow resources/twin.schema.json (schema_version 1). Reading them
is tolerant: a document that leaves out a section or a point gives a chart with less in it,
never a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from novamind_desktop.domain.errors import StaleRecord
from novamind_desktop.domain.twins import DigitalTwin, ReviewStatus
from novamind_desktop.domain.users import Actor, Permission, may
from novamind_desktop.presenters.frontdesk_errors import clinic_zone, describe
from novamind_desktop.presenters.tasks import TaskRunner

if TYPE_CHECKING:
    from novamind_desktop.services.registry import AppServices


MEASURE_LABELS = {"phq9": "PHQ-9", "gad7": "GAD-7", "isi": "ISI", "pss": "PSS"}
RESPONSE_LABELS = {
    "none": "No response",
    "partial": "Partial response",
    "good": "Good response",
    "remission": "Remission",
    "too_early": "Too early to tell",
}


@dataclass(frozen=True)
class ForecastPoint:
    day: date
    mean: float
    lower: float
    upper: float


@dataclass(frozen=True)
class MeasureSeries:
    """One questionnaire: what was measured, and the model's forecast with its interval."""

    name: str
    label: str
    scale_min: float
    scale_max: float
    higher_is_worse: bool
    observed: tuple[tuple[date, float], ...]
    forecast: tuple[ForecastPoint, ...]

    @property
    def trend_text(self) -> str:
        """A one-line reading of the forecast: where the score is heading."""
        if not self.forecast or not self.observed:
            return ""
        last, end = self.observed[-1][1], self.forecast[-1].mean
        change = end - last
        span = (self.scale_max - self.scale_min) or 1
        if abs(change) < span * 0.03:
            direction = "stable"
        elif (change < 0) == self.higher_is_worse:
            direction = "improving"
        else:
            direction = "worsening"
        f = self.forecast[-1]
        return (
            f"{self.label}: now {last:g}, forecast {end:g} by {f.day:%d %b} "
            f"(80% range {f.lower:g}–{f.upper:g}) — {direction}"
        )


@dataclass(frozen=True)
class Correlation:
    label: str
    r: float
    significant: bool
    detail: str


@dataclass(frozen=True)
class MedicationResponse:
    label: str
    effect_size: float
    response: str  # one of RESPONSE_LABELS' keys
    current: bool
    detail: str


@dataclass(frozen=True)
class TwinCharts:
    measures: tuple[MeasureSeries, ...]
    correlations: tuple[Correlation, ...]
    medications: tuple[MedicationResponse, ...]
    model: str
    updated: str


def _num(d: dict[str, Any], key: str, default: float | None = None) -> float | None:
    value = d.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return default


def _list(doc: Any, key: str) -> list[dict[str, Any]]:
    items = doc.get(key) if isinstance(doc, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def measure_series(doc: dict[str, Any]) -> tuple[MeasureSeries, ...]:
    found = []
    for m in _list(doc, "measures"):
        observed = tuple(
            (d, v)
            for o in _list(m, "observed")
            if (d := _day(o.get("date"))) and (v := _num(o, "value")) is not None
        )
        forecast = []
        for f in _list(m, "forecast"):
            day, mean = _day(f.get("date")), _num(f, "mean")
            if day is None or mean is None:
                continue
            lower, upper = _num(f, "lower", mean), _num(f, "upper", mean)
            assert lower is not None and upper is not None
            forecast.append(ForecastPoint(day, mean, min(lower, mean), max(upper, mean)))
        name = str(m.get("name") or "")
        found.append(
            MeasureSeries(
                name,
                str(m.get("label") or MEASURE_LABELS.get(name, name)),
                _num(m, "scale_min", 0.0) or 0.0,
                _num(m, "scale_max", 0.0) or max([v for _, v in observed] + [1.0]),
                bool(m.get("higher_is_worse", True)),
                tuple(sorted(observed)),
                tuple(sorted(forecast, key=lambda p: p.day)),
            )
        )
    return tuple(found)


def correlations(doc: dict[str, Any]) -> tuple[Correlation, ...]:
    found = []
    for c in _list(doc, "correlations"):
        r = _num(c, "r")
        if r is None:
            continue
        measure = MEASURE_LABELS.get(str(c.get("measure")), str(c.get("measure") or ""))
        # "Heart-rate variability (RMSSD)" -> "Heart-rate variability": the axis is narrow.
        label = str(c.get("label") or c.get("signal") or "?").split(" (")[0]
        p = _num(c, "p_value", 1.0)
        n = c.get("n")
        found.append(
            Correlation(
                f"{label} ↔ {measure}" if measure else label,
                max(-1.0, min(1.0, r)),
                p is not None and p < 0.05,
                f"r = {r:+.2f}, p = {p:.3g}, n = {n}",
            )
        )
    found.sort(key=lambda c: -abs(c.r))
    return tuple(found)


def medications(doc: dict[str, Any]) -> tuple[MedicationResponse, ...]:
    found = []
    for m in _list(doc, "medications"):
        effect = _num(m, "effect_size")
        if effect is None or not m.get("name"):
            continue
        doses = _list(m, "doses")
        dose = f" {_num(doses[-1], 'mg', 0):g} mg" if doses else ""
        current = m.get("stopped") in (None, "")
        period = (
            f"since {m.get('started')}" if current else f"{m.get('started')}–{m.get('stopped')}"
        )
        adverse = ", ".join(map(str, m.get("adverse_events") or [])) or "none reported"
        response = str(m.get("response") or "too_early")
        found.append(
            MedicationResponse(
                f"{m['name']}{dose}",
                effect,
                response if response in RESPONSE_LABELS else "too_early",
                current,
                f"{m.get('drug_class', '')}, {period}; adverse events: {adverse}",
            )
        )
    return tuple(found)


def twin_charts(twin: DigitalTwin, tz: Any) -> TwinCharts:
    forecast = twin.symptom_forecast or {}
    updated = f"{twin.last_updated.astimezone(tz):%d %b %Y %H:%M}" if twin.last_updated else "—"
    return TwinCharts(
        measure_series(forecast),
        correlations(twin.biometric_correlations or {}),
        medications(twin.medication_responses or {}),
        str(forecast.get("model") or ""),
        updated,
    )


class TwinView(Protocol):
    def show_twin(self, charts: TwinCharts | None, twin: DigitalTwin | None) -> None: ...

    def show_error(self, message: str) -> None: ...

    def show_status(self, message: str) -> None: ...


class TwinPresenter:
    def __init__(self, view: TwinView, services: AppServices, runner: TaskRunner, actor: Actor):
        self.view = view
        self.services = services
        self.runner = runner
        self.actor = actor
        self.tz = clinic_zone(services)
        self.can_review = may(actor.role, Permission.REVIEW_TWINS)
        self.patient_id: UUID | None = None
        self.twin: DigitalTwin | None = None

    def open(self, patient_id: UUID) -> None:
        self.patient_id = patient_id

        def job(_: Any) -> DigitalTwin | None:
            return self.services.twins.get(self.actor, patient_id)

        self.runner.submit(job, self._opened, self._failed, label="Opening digital twin")

    def _opened(self, twin: DigitalTwin | None) -> None:
        self.twin = twin
        self.view.show_twin(None if twin is None else twin_charts(twin, self.tz), twin)

    def review(self, status: ReviewStatus, note: str) -> None:
        twin = self.twin
        if twin is None or not self.can_review:
            return

        def job(_: Any) -> DigitalTwin:
            return self.services.twins.review(
                self.actor, twin.patient_id, twin.version, status, note.strip()
            )

        def done(updated: DigitalTwin) -> None:
            self._opened(updated)
            self.view.show_status(f"Review saved: {status.value}.")

        def failed(exc: Exception) -> None:
            if not isinstance(exc, StaleRecord):
                self._failed(exc)
                return
            # Keep the typed note; only pick up the newer version so Save works again.
            self.view.show_error(
                "Someone else reviewed this twin meanwhile. Your note is kept; "
                "check it and save again."
            )
            self.runner.submit(
                lambda _: self.services.twins.get(self.actor, twin.patient_id),
                self._refreshed,
                self._failed,
                label="",
            )

        self.runner.submit(job, done, failed, label="Saving review")

    def _refreshed(self, twin: DigitalTwin | None) -> None:
        self.twin = twin

    def _failed(self, exc: Exception) -> None:
        self.view.show_error(describe(exc, "A digital twin job"))


REVIEW_CHOICES: Sequence[tuple[ReviewStatus, str]] = (
    (ReviewStatus.PENDING, "Pending review"),
    (ReviewStatus.REVIEWED, "Reviewed — no concerns"),
    (ReviewStatus.FLAGGED, "Flagged — needs attention"),
)
