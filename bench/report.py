"""Collects metrics with their same-run baselines and targets; writes results.json and .md."""

from __future__ import annotations

import json
import platform
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# A target check gets (value, baseline value or None) and answers pass/fail.
Check = Callable[[float, float | None], bool]


@dataclass(frozen=True)
class Target:
    text: str
    check: Check


def at_most(limit: float) -> Target:
    return Target(f"≤ {limit:g}", lambda v, _b: v <= limit)


def at_most_times_baseline(factor: float, limit: float | None = None) -> Target:
    text = f"≤ {factor:g}× baseline" + (f" and ≤ {limit:g}" if limit is not None else "")

    def check(value: float, baseline: float | None) -> bool:
        ok = baseline is not None and value <= factor * baseline
        return ok and (limit is None or value <= limit)

    return Target(text, check)


@dataclass
class Metric:
    name: str
    value: float
    unit: str
    baseline: str | None = None  # the name of another metric measured in the same run
    target: Target | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    metrics: dict[str, Metric] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        name: str,
        value: float,
        unit: str,
        baseline: str | None = None,
        target: Target | None = None,
        **detail: Any,
    ) -> Metric:
        metric = Metric(name, value, unit, baseline, target, detail)
        self.metrics[name] = metric
        print(f"  {name:<44} {_fmt(value)} {unit}", flush=True)
        return metric

    def note(self, text: str) -> None:
        self.notes.append(text)
        print(f"  note: {text}", flush=True)

    def baseline_value(self, metric: Metric) -> float | None:
        base = self.metrics.get(metric.baseline) if metric.baseline else None
        return base.value if base else None

    def ratio(self, metric: Metric) -> float | None:
        base = self.baseline_value(metric)
        return metric.value / base if base else None

    def passed(self, metric: Metric) -> bool | None:
        if metric.target is None:
            return None
        return metric.target.check(metric.value, self.baseline_value(metric))

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for m in self.metrics.values():
            entry: dict[str, Any] = {"value": _round(m.value), "unit": m.unit}
            if m.baseline:
                entry["baseline"] = m.baseline
                entry["baseline_value"] = _round(self.baseline_value(m))
                entry["ratio"] = _round(self.ratio(m))
            if m.target:
                entry["target"] = m.target.text
                entry["pass"] = self.passed(m)
            entry.update({k: _round(v) for k, v in m.detail.items()})
            out[m.name] = entry
        return out

    def as_markdown(self, title: str, context: dict[str, Any]) -> str:
        lines = [f"# {title}", ""]
        lines += [f"- {k}: {v}" for k, v in context.items()]
        lines += [
            "",
            "| Metric | Value | Baseline (same run) | Ratio | Target | Result |",
            "|---|---:|---|---:|---|---|",
        ]
        for m in self.metrics.values():
            base = self.baseline_value(m)
            base_text = f"{m.baseline} = {_fmt(base)} {m.unit}" if m.baseline else "—"
            ratio = self.ratio(m)
            verdict = {None: "", True: "pass", False: "**FAIL**"}[self.passed(m)]
            lines.append(
                f"| {m.name} | {_fmt(m.value)} {m.unit} | {base_text} | "
                f"{_fmt(ratio) + '×' if ratio is not None else '—'} | "
                f"{m.target.text if m.target else ''} | {verdict} |"
            )
        details = [
            f"- {m.name}: " + ", ".join(f"{k} {_fmt_detail(v)}" for k, v in m.detail.items())
            for m in self.metrics.values()
            if m.detail
        ]
        if details:
            lines += ["", "## Details (samples, spreads, where the time went)", "", *details]
        if self.notes:
            lines += ["", "## Notes", ""] + [f"- {n}" for n in self.notes]
        return "\n".join(lines) + "\n"

    def write(self, folder: Path, title: str, context: dict[str, Any]) -> None:
        context = {**context, "python": platform.python_version(), "machine": platform.machine()}
        payload = self.as_json()
        (folder / "results.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False))
        (folder / "results.md").write_text(self.as_markdown(title, context), encoding="utf-8")


def _round(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.4g}")
    return value


def _fmt_detail(value: Any) -> str:
    return _fmt(value) if isinstance(value, float) else str(value)


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"
