"""A clinician opens a patient's digital twin, reads the charts and records a review."""

from __future__ import annotations

from PySide6.QtCharts import QAreaSeries, QHorizontalStackedBarSeries, QLineSeries
from PySide6.QtCore import Qt

from novamind_desktop.domain.twins import ReviewStatus
from novamind_desktop.domain.users import Actor
from novamind_desktop.ui.frontdesk.pages import frontdesk_pages
from novamind_desktop.ui.twins.twins_page import TwinsPage
from tests.gui.frontdesk_clinic import HostWindow, build_clinic, page_context


def open_twins(qtbot, tmp_path, task_runner, clinic_url=None):
    clinic = build_clinic(tmp_path, clinic_url)
    window = HostWindow()
    qtbot.addWidget(window)
    actor = Actor.of(clinic.clinicians[0])
    pages = frontdesk_pages(page_context(clinic, task_runner, window, actor))
    window.add_pages(pages)
    page = next(p.widget for p in pages if isinstance(p.widget, TwinsPage))
    window.stack.setCurrentWidget(page)
    window.show()
    qtbot.waitUntil(lambda: page.frontdesk.directory.ready)
    return clinic, page


def choose(qtbot, page: TwinsPage, query: str) -> None:
    page.picker.edit.insert(query)
    page.picker.flush()
    qtbot.keyClick(page.picker.edit, Qt.Key.Key_Return)


def test_the_twin_reads_at_a_glance(qtbot, tmp_path, task_runner, screenshot, clinic_url):
    _clinic, page = open_twins(qtbot, tmp_path, task_runner, clinic_url)
    assert page.stack.currentWidget() is page.empty
    choose(qtbot, page, "Müller")
    qtbot.waitUntil(lambda: page.stack.currentIndex() == 1)
    assert "Jürgen Müller" in page.header.text()
    assert page.status_badge.text() == "Pending review"
    assert page.measure.count() >= 2
    assert "forecast" in page.trends.text() and "80% range" in page.trends.text()
    forecast = page.forecast_view.chart()
    kinds = {type(s) for s in forecast.series()}
    assert {QAreaSeries, QLineSeries} <= kinds  # the band and the lines
    measured = next(s for s in forecast.series() if s.name() == "Measured")
    assert measured.count() == 12
    bars = page.correlation_view.chart().series()[0]
    assert isinstance(bars, QHorizontalStackedBarSeries)
    assert page.medication_view.chart().title().startswith("Medication response")
    screenshot(page.window(), "twins_page")
    page.measure.setCurrentIndex(1)
    assert (
        page.forecast_view.chart().title() == f"{page.measure.currentText()}: measured and forecast"
    )


def test_review_is_saved_with_a_note(qtbot, tmp_path, task_runner, clinic_url):
    clinic, page = open_twins(qtbot, tmp_path, task_runner, clinic_url)
    choose(qtbot, page, "Müller")
    qtbot.waitUntil(lambda: page.stack.currentIndex() == 1)
    page.review_status.setCurrentIndex(page.review_status.findData("flagged"))
    page.review_note.setPlainText("Sleep worsening; discuss at Thursday's meeting.")
    page.save_review.click()
    qtbot.waitUntil(lambda: page.status_badge.text() == "Flagged — needs attention")
    twin = clinic.services.twins.get(Actor.of(clinic.clinicians[0]), clinic.patient("Müller").id)
    assert twin.review_status is ReviewStatus.FLAGGED
    assert twin.review_note == "Sleep worsening; discuss at Thursday's meeting."
    assert twin.reviewed_by == clinic.clinicians[0].id


def test_a_patient_without_a_twin_says_so(qtbot, tmp_path, task_runner, clinic_url):
    _clinic, page = open_twins(qtbot, tmp_path, task_runner, clinic_url)
    choose(qtbot, page, "Lovelace")
    qtbot.waitUntil(lambda: "No digital twin" in page.empty.text())
    assert "Ada Lovelace" in page.empty.text()
