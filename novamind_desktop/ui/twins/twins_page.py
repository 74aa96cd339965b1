"""Digital twins page: pick a patient, read the twin at a glance, record the review."""

from __future__ import annotations

from html import escape

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from novamind_desktop.domain.twins import DigitalTwin, ReviewStatus
from novamind_desktop.presenters.frontdesk_errors import now
from novamind_desktop.presenters.patient_search import PatientRow
from novamind_desktop.presenters.twins import REVIEW_CHOICES, TwinCharts, TwinPresenter
from novamind_desktop.ui.frontdesk.hub import FrontDesk
from novamind_desktop.ui.frontdesk.owned_runner import OwnedRunner
from novamind_desktop.ui.frontdesk.patient_picker import PatientPicker
from novamind_desktop.ui.frontdesk.prompts import show_error
from novamind_desktop.ui.twins.charts import correlation_chart, forecast_chart, medication_chart

STATUS_STYLE = {
    "pending": "background:#fef7e0;color:#7a5b00;",
    "reviewed": "background:#e6f4ea;color:#137333;",
    "flagged": "background:#fce8e6;color:#a50e0e;",
}


def _chart_view(name: str) -> QChartView:
    view = QChartView()
    view.setObjectName(name)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(220)
    return view


def _replace_chart(view: QChartView, chart: QChart) -> None:
    old = view.chart()
    view.setChart(chart)
    if old is not None:
        old.deleteLater()


class TwinsPage(QWidget):
    def __init__(self, frontdesk: FrontDesk, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("twinsPage")
        c = frontdesk.context
        self.presenter = TwinPresenter(self, c.services, OwnedRunner(c.runner, self), c.actor)
        self.frontdesk = frontdesk
        self.charts: TwinCharts | None = None
        self.patient_name = ""
        self._build(frontdesk)

    def _build(self, frontdesk: FrontDesk) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        top = QHBoxLayout()
        top.addWidget(QLabel("Patient"))
        self.picker = PatientPicker(frontdesk.directory)
        self.picker.chosen.connect(self._patient_chosen)
        top.addWidget(self.picker, 1)
        layout.addLayout(top)
        self.stack = QStackedWidget()
        self.empty = QLabel("Choose a patient to see their digital twin.")
        self.empty.setObjectName("twinEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setStyleSheet("color:#5f6670;font-size:13pt;")
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self._twin_panel())
        layout.addWidget(self.stack, 1)

    def _twin_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 4, 0, 0)
        head = QHBoxLayout()
        self.header = QLabel()
        self.header.setObjectName("twinHeader")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        head.addWidget(self.header, 1)
        self.status_badge = QLabel()
        self.status_badge.setObjectName("twinStatus")
        head.addWidget(self.status_badge)
        layout.addLayout(head)
        self.trends = QLabel()
        self.trends.setObjectName("twinTrends")
        self.trends.setWordWrap(True)
        layout.addWidget(self.trends)
        pick = QHBoxLayout()
        pick.addWidget(QLabel("Questionnaire"))
        self.measure = QComboBox()
        self.measure.setObjectName("twinMeasure")
        self.measure.currentIndexChanged.connect(self._show_measure)
        pick.addWidget(self.measure)
        pick.addStretch(1)
        layout.addLayout(pick)
        grid = QGridLayout()
        self.forecast_view = _chart_view("forecastChart")
        self.correlation_view = _chart_view("correlationChart")
        self.medication_view = _chart_view("medicationChart")
        grid.addWidget(self.forecast_view, 0, 0, 1, 2)
        grid.addWidget(self.correlation_view, 1, 0)
        grid.addWidget(self.medication_view, 1, 1)
        grid.setRowStretch(0, 3)
        grid.setRowStretch(1, 2)
        layout.addLayout(grid, 1)
        layout.addLayout(self._review_row())
        return panel

    def _review_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("Review"))
        self.review_status = QComboBox()
        self.review_status.setObjectName("reviewStatus")
        for status, text in REVIEW_CHOICES:
            self.review_status.addItem(text, status.value)  # Qt keeps StrEnums as str
        row.addWidget(self.review_status)
        self.review_note = QPlainTextEdit()
        self.review_note.setObjectName("reviewNote")
        self.review_note.setPlaceholderText("Note for the care team (kept encrypted)")
        self.review_note.setFixedHeight(52)
        row.addWidget(self.review_note, 1)
        self.save_review = QPushButton("Save review")
        self.save_review.setObjectName("saveReview")
        self.save_review.clicked.connect(self._save_review)
        self.save_review.setEnabled(self.presenter.can_review)
        row.addWidget(self.save_review)
        return row

    # -- actions ---------------------------------------------------------------------------

    def _patient_chosen(self, row: PatientRow) -> None:
        self.patient_name = f"{row.name} · born {row.born_text}"
        self.presenter.open(row.patient_id)

    def _save_review(self) -> None:
        self.presenter.review(
            ReviewStatus(self.review_status.currentData()), self.review_note.toPlainText()
        )

    def _show_measure(self, index: int) -> None:
        if self.charts is None or not 0 <= index < len(self.charts.measures):
            _replace_chart(self.forecast_view, QChart())
            return
        today = now(self.presenter.services).astimezone(self.presenter.tz).date()
        _replace_chart(self.forecast_view, forecast_chart(self.charts.measures[index], today))

    # -- TwinView ------------------------------------------------------------------------------

    def show_twin(self, charts: TwinCharts | None, twin: DigitalTwin | None) -> None:
        self.charts = charts
        if charts is None or twin is None:
            self.empty.setText(f"No digital twin for {escape(self.patient_name)} yet.")
            self.stack.setCurrentIndex(0)
            return
        self.header.setText(
            f"<span style='font-size:14pt;font-weight:600'>{escape(self.patient_name)}</span>"
            f"<br><span style='color:#5f6670'>Model {escape(charts.model or '—')} · "
            f"updated {charts.updated}</span>"
        )
        status = twin.review_status.value
        label = dict(REVIEW_CHOICES)[twin.review_status]
        self.status_badge.setText(label)
        self.status_badge.setStyleSheet(
            STATUS_STYLE.get(status, "") + "padding:4px 10px;border-radius:10px;font-weight:600;"
        )
        self.trends.setText("<br>".join(escape(m.trend_text) for m in charts.measures))
        self.measure.blockSignals(True)
        self.measure.clear()
        self.measure.addItems([m.label for m in charts.measures])
        self.measure.blockSignals(False)
        self._show_measure(0)
        _replace_chart(self.correlation_view, correlation_chart(charts.correlations))
        _replace_chart(self.medication_view, medication_chart(charts.medications))
        self.review_status.setCurrentIndex(
            max(0, self.review_status.findData(twin.review_status.value))
        )
        self.review_note.setPlainText(twin.review_note)
        self.stack.setCurrentIndex(1)

    def show_error(self, message: str) -> None:
        show_error(self, message)

    def show_status(self, message: str) -> None:
        self.frontdesk.status(message)
