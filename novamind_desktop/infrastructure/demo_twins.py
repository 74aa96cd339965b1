"""Synthetic digital-twin documents (resources/twin.schema.json), deterministic per seed.

Shaped like real model output: questionnaire scores drifting with noise, a forecast whose
interval widens with the horizon, a few wearable correlations, a medication history.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

MEASURES = (
    ("phq9", "PHQ-9 depression", 0, 27),
    ("gad7", "GAD-7 anxiety", 0, 21),
    ("isi", "Insomnia Severity Index", 0, 28),
    ("pss", "Perceived Stress Scale", 0, 40),
)
SIGNALS = (
    ("sleep_hours", "Sleep duration"),
    ("resting_heart_rate", "Resting heart rate"),
    ("hrv_rmssd", "Heart-rate variability (RMSSD)"),
    ("steps", "Daily steps"),
    ("screen_time_hours", "Screen time"),
)
MEDICATIONS = (
    ("Sertraline", "SSRI", (50, 100, 150)),
    ("Escitalopram", "SSRI", (10, 20)),
    ("Fluoxetine", "SSRI", (20, 40)),
    ("Venlafaxine", "SNRI", (75, 150, 225)),
    ("Bupropion", "NDRI", (150, 300)),
    ("Mirtazapine", "NaSSA", (15, 30)),
    ("Lithium", "Mood stabiliser", (400, 800)),
    ("Quetiapine", "Atypical antipsychotic", (50, 150, 300)),
)
ADVERSE = ("nausea", "insomnia", "drowsiness", "headache", "weight gain", "dry mouth")
RESPONSES = ("none", "partial", "good", "remission")


def _clamp(value: float, low: float, high: float) -> float:
    return round(min(high, max(low, value)), 1)


def symptom_forecast(rng: random.Random, today: date, generated_at: str) -> dict[str, Any]:
    measures = []
    for name, label, low, high in rng.sample(MEASURES, k=rng.randint(2, 4)):
        level = rng.uniform(0.25, 0.75) * high
        trend = rng.uniform(-0.25, 0.1)  # most patients slowly improve
        observed = []
        for weeks_ago in range(12, 0, -1):
            level = _clamp(level + trend + rng.gauss(0, high * 0.04), low, high)
            observed.append(
                {"date": (today - timedelta(weeks=weeks_ago)).isoformat(), "value": level}
            )
        forecast = []
        for day in range(1, 15):
            mean = _clamp(level + trend * day / 7, low, high)
            spread = high * (0.04 + 0.01 * day)
            forecast.append(
                {
                    "date": (today + timedelta(days=day)).isoformat(),
                    "mean": mean,
                    "lower": _clamp(mean - spread, low, high),
                    "upper": _clamp(mean + spread, low, high),
                }
            )
        measures.append(
            {
                "name": name,
                "label": label,
                "scale_min": low,
                "scale_max": high,
                "higher_is_worse": True,
                "observed": observed,
                "forecast": forecast,
            }
        )
    return {
        "schema_version": 1,
        "model": "novamind-forecast-2.3",
        "generated_at": generated_at,
        "horizon_days": 14,
        "measures": measures,
    }


def biometric_correlations(rng: random.Random) -> dict[str, Any]:
    correlations = []
    for signal, label in rng.sample(SIGNALS, k=rng.randint(2, 5)):
        r = round(rng.uniform(-0.7, 0.7), 2)
        n = rng.randint(20, 90)
        p_value = round(max(0.0001, min(1.0, (1 - abs(r)) ** (n / 6))), 4)
        correlations.append(
            {
                "signal": signal,
                "label": label,
                "measure": rng.choice(MEASURES)[0],
                "r": r,
                "p_value": p_value,
                "n": n,
            }
        )
    return {"schema_version": 1, "window_days": 90, "correlations": correlations}


def medication_responses(rng: random.Random, today: date) -> dict[str, Any]:
    medications = []
    start = today - timedelta(days=rng.randint(60, 720))
    tried = rng.sample(MEDICATIONS, k=rng.randint(0, 3))
    for position, (name, drug_class, doses) in enumerate(tried):
        steps = doses[: rng.randint(1, len(doses))]
        history = [
            {"date": (start + timedelta(days=28 * i)).isoformat(), "mg": float(mg)}
            for i, mg in enumerate(steps)
        ]
        stopped_on = start + timedelta(days=rng.randint(60, 200))
        current = position == len(tried) - 1 or stopped_on >= today
        medications.append(
            {
                "name": name,
                "drug_class": drug_class,
                "started": start.isoformat(),
                "stopped": None if current else stopped_on.isoformat(),
                "doses": history,
                "response": rng.choice(RESPONSES)
                if start < today - timedelta(weeks=6)
                else "too_early",
                "effect_size": round(rng.uniform(-0.1, 1.2), 2),
                "adverse_events": rng.sample(ADVERSE, k=rng.randint(0, 2)),
            }
        )
        start = min(stopped_on, today - timedelta(days=14))
    return {"schema_version": 1, "medications": medications}


def twin_documents(rng: random.Random, today: date, generated_at: str) -> dict[str, Any]:
    return {
        "symptom_forecast": symptom_forecast(rng, today, generated_at),
        "biometric_correlations": biometric_correlations(rng),
        "medication_responses": medication_responses(rng, today),
    }
