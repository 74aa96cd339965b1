"""Painting the appointment book: hour lines, column headers, blocks, the drag ghost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen

from novamind_desktop.domain.appointments import AppointmentStatus
from novamind_desktop.presenters.book_layout import BookBlock, minute_text
from novamind_desktop.ui.frontdesk.book_geometry import GUTTER_WIDTH, HEADER_HEIGHT, Geometry

GRID_LINE = QColor("#d9dde3")
HALF_HOUR_LINE = QColor("#eef0f3")
HEADER_BG = QColor("#f4f6f9")
CLOSED_BG = QColor("#f7f7f7")
NOW_LINE = QColor("#d93025")
TEXT_DARK = QColor("#1f2328")
TEXT_MUTED = QColor("#5f6670")
FADED = frozenset(
    {AppointmentStatus.CANCELLED, AppointmentStatus.LATE_CANCELLED, AppointmentStatus.NO_SHOW}
)
STATUS_BADGE = {
    AppointmentStatus.SCHEDULED: "",
    AppointmentStatus.CHECKED_IN: "✔ Checked in",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.CANCELLED: "Cancelled",
    AppointmentStatus.LATE_CANCELLED: "Late cancel",
    AppointmentStatus.NO_SHOW: "No-show",
}


@dataclass(frozen=True)
class Ghost:
    """Where a dragged block or a new selection would land."""

    column: int
    start: int
    end: int
    label: str


@dataclass(frozen=True)
class PaintState:
    selected: UUID | None
    ghost: Ghost | None
    hidden: UUID | None  # the block being dragged is drawn as the ghost instead
    today: date | None
    now_minute: int | None
    open_minutes: tuple[int, int]


def paint_book(painter: QPainter, geo: Geometry, state: PaintState) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.fillRect(QRectF(0, 0, geo.width, geo.height), QColor("white"))
    _paint_closed_hours(painter, geo, state)
    _paint_hour_lines(painter, geo)
    # The line for now goes under the appointments: drawn over one, it ran through the
    # patient's name like a strike-through, which reads as cancelled. Its dot at each
    # column's edge goes on top, so the time stays visible in a column booked solid.
    _paint_now(painter, geo, state, line=True)
    for block in geo.layout.blocks:
        if block.appointment_id != state.hidden:
            paint_block(painter, geo, block, block.appointment_id == state.selected)
    if state.ghost is not None:
        _paint_ghost(painter, geo, state.ghost)
    _paint_now(painter, geo, state, line=False)
    _paint_header(painter, geo, state)
    _paint_gutter(painter, geo)


def _paint_closed_hours(painter: QPainter, geo: Geometry, state: PaintState) -> None:
    opens, closes = state.open_minutes
    right = geo.column_x(geo.columns)
    top, bottom = geo.minute_y(geo.layout.first_minute), geo.minute_y(geo.layout.last_minute)
    if opens > geo.layout.first_minute:
        painter.fillRect(QRectF(GUTTER_WIDTH, top, right, geo.minute_y(opens) - top), CLOSED_BG)
    if closes < geo.layout.last_minute:
        y = geo.minute_y(closes)
        painter.fillRect(QRectF(GUTTER_WIDTH, y, right, bottom - y), CLOSED_BG)


def _paint_hour_lines(painter: QPainter, geo: Geometry) -> None:
    right = geo.column_x(geo.columns)
    for minute in range(geo.layout.first_minute, geo.layout.last_minute + 1, 30):
        painter.setPen(QPen(GRID_LINE if minute % 60 == 0 else HALF_HOUR_LINE, 1))
        y = round(geo.minute_y(minute)) + 0.5
        painter.drawLine(QPointF(GUTTER_WIDTH, y), QPointF(right, y))
    painter.setPen(QPen(GRID_LINE, 1))
    for column in range(geo.columns + 1):
        x = round(geo.column_x(column)) + 0.5
        painter.drawLine(QPointF(x, HEADER_HEIGHT), QPointF(x, geo.height))


def _paint_header(painter: QPainter, geo: Geometry, state: PaintState) -> None:
    painter.fillRect(QRectF(0, 0, geo.width, HEADER_HEIGHT), HEADER_BG)
    font = QFont(painter.font())
    font.setBold(True)
    painter.setFont(font)
    several_days = len({c.day for c in geo.layout.columns}) > 1
    for n, column in enumerate(geo.layout.columns):
        rect = QRectF(geo.column_x(n), 0, geo.column_width, HEADER_HEIGHT)
        is_today = several_days and column.day == state.today
        painter.setPen(NOW_LINE if is_today else TEXT_DARK)
        count = sum(1 for b in geo.layout.blocks if b.column == n and b.appointment.blocks_time)
        text = f"{column.title}\n{count} booked"
        painter.drawText(rect.adjusted(6, 2, -6, -2), Qt.AlignmentFlag.AlignCenter, text)
    painter.setFont(QFont())
    painter.setPen(QPen(GRID_LINE, 1))
    painter.drawLine(QPointF(0, HEADER_HEIGHT - 0.5), QPointF(geo.width, HEADER_HEIGHT - 0.5))


def _paint_gutter(painter: QPainter, geo: Geometry) -> None:
    painter.fillRect(QRectF(0, HEADER_HEIGHT, GUTTER_WIDTH, geo.height), HEADER_BG)
    painter.fillRect(QRectF(0, 0, GUTTER_WIDTH, HEADER_HEIGHT), HEADER_BG)
    painter.setPen(TEXT_MUTED)
    for minute in range(geo.layout.first_minute, geo.layout.last_minute, 60):
        y = geo.minute_y(minute)
        if y < HEADER_HEIGHT - 6:
            continue
        rect = QRectF(0, y - 1, GUTTER_WIDTH - 8, 18)
        flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop
        painter.drawText(rect, flags, minute_text(minute))


def _paint_now(painter: QPainter, geo: Geometry, state: PaintState, line: bool) -> None:
    """Today's columns: the line across (`line`), else the dot at the left edge."""
    if state.now_minute is None or state.today is None:
        return
    for n, column in enumerate(geo.layout.columns):
        if column.day != state.today:
            continue
        y = geo.minute_y(state.now_minute)
        if y < HEADER_HEIGHT:
            continue
        x = geo.column_x(n)
        if line:
            painter.setPen(QPen(NOW_LINE, 1.5))
            painter.drawLine(QPointF(x, y), QPointF(x + geo.column_width, y))
        else:
            painter.setPen(QPen(NOW_LINE, 1))
            painter.setBrush(NOW_LINE)
            painter.drawEllipse(QPointF(x + 2, y), 3, 3)
            painter.setBrush(Qt.BrushStyle.NoBrush)


def _tint(colour: QColor, white: float) -> QColor:
    """`colour` mixed with `white` (0..1) parts of white: a pale version of the same hue."""
    return QColor(
        round(colour.red() + (255 - colour.red()) * white),
        round(colour.green() + (255 - colour.green()) * white),
        round(colour.blue() + (255 - colour.blue()) * white),
    )


def _colours(block: BookBlock) -> tuple[QColor, QColor, Qt.BrushStyle]:
    base = QColor(block.colour)
    if block.status in FADED:
        return _tint(base, 0.8), TEXT_MUTED, Qt.BrushStyle.BDiagPattern
    if block.status is AppointmentStatus.COMPLETED:
        return _tint(base, 0.6), TEXT_DARK, Qt.BrushStyle.NoBrush
    return base, QColor("white"), Qt.BrushStyle.NoBrush


def block_lines(block: BookBlock, room: int = 3) -> list[str]:
    """The text of a block in `room` lines: a short block still shows its status."""
    where = "Virtual" if block.appointment.virtual else block.appointment.location
    badge = STATUS_BADGE[block.status]
    series = " ↻" if block.in_series else ""
    when = f"{block.time_text}  {block.type_label}{series}"
    details = " · ".join(x for x in (badge, where) if x)
    if room >= 3:
        return [block.patient_name, when, details]
    if room == 2:
        return [block.patient_name, f"{badge} · {when}" if badge else when]
    start = block.time_text.split("–")[0]
    return [f"{start} {block.patient_name}" + (f" · {badge}" if badge else "")]


def block_tooltip(block: BookBlock) -> str:
    """A block's lines, its clinician, and who set its status and when, for the pointer
    resting on it. (A cancellation's reason, like the notes, is read only when the
    appointment is opened: the grid never reads them.)"""
    lines = [
        *block_lines(block),
        f"With {block.clinician_name}" if block.clinician_name else "",
        block.stamp,
    ]
    return "\n".join(line for line in lines if line)


def paint_block(painter: QPainter, geo: Geometry, block: BookBlock, selected: bool) -> None:
    rect = geo.block_rect(block)
    fill, text, pattern = _colours(block)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(fill)
    painter.drawRoundedRect(rect, 4, 4)
    if pattern is not Qt.BrushStyle.NoBrush:
        painter.setBrush(QBrush(_tint(QColor(block.colour), 0.55), pattern))
        painter.drawRoundedRect(rect, 4, 4)
    if block.status is AppointmentStatus.CHECKED_IN:
        painter.fillRect(QRectF(rect.left(), rect.top(), 5, rect.height()), QColor("#1e8e3e"))
    if selected:
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor("#111"), 2.5))
        painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 4, 4)
    _paint_block_text(painter, rect, block, text)


def _paint_block_text(painter: QPainter, rect: QRectF, block: BookBlock, colour: QColor) -> None:
    inner = rect.adjusted(8 if block.status is AppointmentStatus.CHECKED_IN else 5, 2, -4, -2)
    metrics = QFontMetrics(painter.font())
    line_height = metrics.height()
    y = inner.top()
    bold = QFont(painter.font())
    bold.setBold(True)
    bold.setStrikeOut(block.status in FADED and block.status is not AppointmentStatus.NO_SHOW)
    normal = QFont(painter.font())
    painter.setPen(colour)
    room = max(1, int((inner.height() + 3) // line_height))
    for n, line in enumerate(block_lines(block, room)):
        if not line or y + line_height > inner.bottom() + 3:
            break
        painter.setFont(bold if n == 0 else normal)
        shown = QFontMetrics(painter.font()).elidedText(
            line, Qt.TextElideMode.ElideRight, int(inner.width())
        )
        painter.drawText(QRectF(inner.left(), y, inner.width(), line_height), shown)
        y += line_height
    painter.setFont(normal)


def _paint_ghost(painter: QPainter, geo: Geometry, ghost: Ghost) -> None:
    rect = geo.span_rect(ghost.column, ghost.start, ghost.end)
    painter.setBrush(QColor(26, 115, 232, 60))
    painter.setPen(QPen(QColor("#1a73e8"), 2, Qt.PenStyle.DashLine))
    painter.drawRoundedRect(rect, 4, 4)
    painter.setPen(QColor("#0b57d0"))
    text = f"{minute_text(ghost.start)}–{minute_text(ghost.end)}  {ghost.label}"
    painter.drawText(rect.adjusted(6, 3, -4, -2), Qt.AlignmentFlag.AlignLeft, text)
