"""QtCharts for a digital twin: forecast with its band, correlations, medication responses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from html import escape

from PySide6.QtCharts import (
    QAreaSeries,
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QDateTimeAxis,
    QHorizontalStackedBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QMargins, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QWidget

from novamind_desktop.presenters.twins import (
    RESPONSE_LABELS,
    Correlation,
    MeasureSeries,
    MedicationResponse,
)

OBSERVED = QColor("#1f4e79")
FORECAST = QColor("#e8710a")
BAND = QColor(232, 113, 10, 60)
POSITIVE = QColor("#c5221f")  # a signal rising with the symptom score
NEGATIVE = QColor("#1a73e8")
RESPONSE_COLOURS = {
    "remission": QColor("#137333"),
    "good": QColor("#34a853"),
    "partial": QColor("#f9ab00"),
    "none": QColor("#d93025"),
    "too_early": QColor("#9aa0a6"),
}


def _ms(day: date) -> float:
    return float(QDateTime(datetime.combine(day, time(12, 0))).toMSecsSinceEpoch())


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    chart.setTitleFont(font)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def forecast_chart(measure: MeasureSeries, today: date) -> QChart:
    chart = _chart(f"{escape(measure.label)}: measured and forecast")
    observed = QLineSeries()
    observed.setName("Measured")
    observed.setPen(QPen(OBSERVED, 2.5))
    for day, value in measure.observed:
        observed.append(_ms(day), value)
    upper, lower, mean = QLineSeries(), QLineSeries(), QLineSeries()
    mean.setName("Forecast")
    mean.setPen(QPen(FORECAST, 2.5, Qt.PenStyle.DashLine))
    # The forecast starts from the last measurement so the two lines join up.
    if measure.observed and measure.forecast:
        day, value = measure.observed[-1]
        for series in (upper, lower, mean):
            series.append(_ms(day), value)
    for point in measure.forecast:
        upper.append(_ms(point.day), point.upper)
        lower.append(_ms(point.day), point.lower)
        mean.append(_ms(point.day), point.mean)
    band = QAreaSeries(upper, lower)
    # The band does not own its edges; without a parent Python would free them under it.
    upper.setParent(band)
    lower.setParent(band)
    band.setName("80% range")
    band.setBrush(QBrush(BAND))
    band.setPen(QPen(Qt.PenStyle.NoPen))
    for series in (band, observed, mean):
        chart.addSeries(series)
    x_axis = QDateTimeAxis()
    x_axis.setFormat("d MMM")
    x_axis.setTickCount(7)
    y_axis = QValueAxis()
    y_axis.setRange(measure.scale_min, measure.scale_max)
    y_axis.setLabelFormat("%d")
    y_axis.setTitleText("higher is worse" if measure.higher_is_worse else "higher is better")
    days = [d for d, _ in measure.observed] + [p.day for p in measure.forecast] or [today]
    x_axis.setRange(
        QDateTime(datetime.combine(min(days), time(0))),
        QDateTime(datetime.combine(max(days), time(23, 59))),
    )
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    for series in (band, observed, mean):
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
    _today_line(chart, today, measure, x_axis, y_axis)
    return chart


def _today_line(
    chart: QChart, today: date, m: MeasureSeries, x: QDateTimeAxis, y: QValueAxis
) -> None:
    line = QLineSeries()
    line.setName("Today")
    line.setPen(QPen(QColor("#5f6670"), 1, Qt.PenStyle.DotLine))
    line.append(QPointF(_ms(today), m.scale_min))
    line.append(QPointF(_ms(today), m.scale_max))
    chart.addSeries(line)
    line.attachAxis(x)
    line.attachAxis(y)


def correlation_chart(correlations: Sequence[Correlation]) -> QChart:
    chart = _chart("Wearables and symptoms (r; * = significant)")  # no "<": titles are HTML
    rises = QBarSet("Rises with symptoms")
    falls = QBarSet("Falls as symptoms rise")
    rises.setColor(POSITIVE)
    falls.setColor(NEGATIVE)
    labels = []
    for c in reversed(correlations):  # the strongest at the top
        rises.append(c.r if c.r > 0 else 0.0)
        falls.append(c.r if c.r < 0 else 0.0)
        labels.append(c.label + (" *" if c.significant else ""))
    series = QHorizontalStackedBarSeries()
    series.append(rises)
    series.append(falls)
    series.setBarWidth(0.6)
    chart.addSeries(series)
    y = QBarCategoryAxis()
    y.append(labels or [""])
    x = QValueAxis()
    x.setRange(-1.0, 1.0)
    x.setTickCount(5)
    x.setLabelFormat("%.1f")
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(x)
    series.attachAxis(y)
    return chart


def medication_chart(medications: Sequence[MedicationResponse]) -> QChart:
    chart = _chart("Medication response (effect size)")
    present = [key for key in RESPONSE_COLOURS if any(m.response == key for m in medications)]
    sets = {}
    series = QHorizontalStackedBarSeries()
    for key in present:
        bar_set = QBarSet(RESPONSE_LABELS[key])
        bar_set.setColor(RESPONSE_COLOURS[key])
        sets[key] = bar_set
        series.append(bar_set)
    labels = []
    for m in reversed(medications):
        for key, bar_set in sets.items():
            bar_set.append(m.effect_size if key == m.response else 0.0)
        labels.append(m.label + (" (current)" if m.current else ""))
    series.setBarWidth(0.6)
    chart.addSeries(series)
    y = QBarCategoryAxis()
    y.append(labels or [""])
    x = QValueAxis()
    top = max([1.2] + [m.effect_size for m in medications])
    low = min([0.0] + [m.effect_size for m in medications])
    x.setRange(low, top)
    x.setLabelFormat("%.1f")
    chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
    chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(x)
    series.attachAxis(y)
    return chart


def antialias(view: QWidget) -> None:
    view.setRenderHint(QPainter.RenderHint.Antialiasing)  # type: ignore[attr-defined]
