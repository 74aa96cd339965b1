"""How the appointment book paints the line for now: under the appointments (drawn over one
it struck through the patient's name, which reads as cancelled), with its dot on top."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from uuid import uuid4
from zoneinfo import ZoneInfo

from PySide6.QtGui import QColor, QImage, QPainter

from novamind_desktop.domain.appointments import Appointment
from novamind_desktop.presenters.book_layout import BookColumn, build_layout
from novamind_desktop.ui.frontdesk.book_geometry import Geometry
from novamind_desktop.ui.frontdesk.book_paint import NOW_LINE, PaintState, paint_book

DAY = date(2030, 3, 4)
NOW = 9 * 60 + 30  # 09:30, in the middle of the 09:00-10:00 appointment


def _painted() -> tuple[QImage, Geometry]:
    left, right = uuid4(), uuid4()
    booked = Appointment(
        uuid4(), uuid4(), left, datetime(2030, 3, 4, 9, tzinfo=UTC),
        datetime(2030, 3, 4, 10, tzinfo=UTC), "therapy",
    )  # fmt: skip
    slot = SimpleNamespace(
        appointment=booked, patient_name="Ada Zed", clinician_name="Dr. Left", colour="#9fc5e8"
    )
    columns = [BookColumn(left, DAY, "Dr. Left"), BookColumn(right, DAY, "Dr. Right")]
    layout = build_layout(columns, [slot], ZoneInfo("UTC"))
    geo = Geometry(layout, width=700, height=900)
    image = QImage(geo.width, geo.height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    state = PaintState(None, None, None, today=DAY, now_minute=NOW, open_minutes=(480, 1080))
    paint_book(painter, geo, state)
    painter.end()
    return image, geo


def _is_now_red(colour: QColor) -> bool:
    return abs(colour.red() - NOW_LINE.red()) < 40 and colour.green() < 120


def test_the_now_line_runs_under_appointments_and_its_dot_stays_on_top(qapp) -> None:
    image, geo = _painted()
    y = round(geo.minute_y(NOW))
    in_block = image.pixelColor(round(geo.column_x(0) + geo.column_width / 2), y)
    in_free_column = image.pixelColor(round(geo.column_x(1) + geo.column_width / 2), y)
    dot_over_block_edge = image.pixelColor(round(geo.column_x(0) + 3), y)
    assert _is_now_red(in_free_column)
    assert not _is_now_red(in_block), in_block.name()  # the booking's own colour there
    assert _is_now_red(dot_over_block_edge)
