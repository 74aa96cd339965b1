"""The appointment book's time grid: painted by hand, scrolled, dragged.

Drag on an empty slot to book it; drag a block to move it (to another time or clinician);
drag its bottom edge to change its length; right-click for status changes. From the keyboard:
the arrow keys go from appointment to appointment, the Menu key (or Shift+F10) opens the
status menu, Enter opens the patient. The canvas only reports what the user did: the page
asks for confirmation and the presenter does the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from novamind_desktop.presenters.book_layout import (
    EMPTY_LAYOUT,
    SNAP_MINUTES,
    BookBlock,
    BookLayout,
    neighbour,
    snap,
)
from novamind_desktop.ui.frontdesk.book_geometry import HEADER_HEIGHT, Geometry
from novamind_desktop.ui.frontdesk.book_paint import Ghost, PaintState, block_tooltip, paint_book

DRAG_THRESHOLD = 5
_ARROWS = {
    Qt.Key.Key_Up: "up",
    Qt.Key.Key_Down: "down",
    Qt.Key.Key_Left: "left",
    Qt.Key.Key_Right: "right",
}


@dataclass
class _Drag:
    mode: str  # "new" | "move" | "resize"
    origin: QPointF
    column: int
    minute: float
    block: BookBlock | None = None
    started: bool = False


class BookCanvas(QAbstractScrollArea):
    booking_requested = Signal(int, int, int)  # column, start minute, end minute
    move_requested = Signal(object, int, int, int)  # appointment id, column, start, end
    context_requested = Signal(object, QPoint)  # BookBlock, global position
    activated = Signal(object)  # BookBlock double-clicked
    selection_changed = Signal(object)  # appointment id or None

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("bookCanvas")
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.layout_data: BookLayout = EMPTY_LAYOUT
        self.selected: UUID | None = None
        self.can_book = True
        self.today: date | None = None
        self.now_minute: int | None = None
        self.open_minutes = (8 * 60, 18 * 60)
        self._drag: _Drag | None = None
        self._ghost: Ghost | None = None
        self._pending: BookLayout | None = None

    # -- data ------------------------------------------------------------------------------

    def set_layout(self, layout: BookLayout) -> None:
        """Show a new layout, keeping the selection; wait if the user is mid-drag."""
        if self._drag is not None and self._drag.started:
            self._pending = layout
            return
        self.layout_data = layout
        if self.selected is not None and layout.block(self.selected) is None:
            self.select(None)
        self._update_scrollbars()
        self.viewport().update()

    def select(self, appointment_id: UUID | None) -> None:
        if appointment_id != self.selected:
            self.selected = appointment_id
            self.selection_changed.emit(appointment_id)
            self.viewport().update()

    def selected_block(self) -> BookBlock | None:
        return None if self.selected is None else self.layout_data.block(self.selected)

    def geometry_now(self) -> Geometry:
        vp = self.viewport()
        return Geometry(
            self.layout_data,
            vp.width(),
            vp.height(),
            self.horizontalScrollBar().value(),
            self.verticalScrollBar().value(),
        )

    def scroll_to_minute(self, minute: int) -> None:
        geo = self.geometry_now()
        self.verticalScrollBar().setValue(int(geo.minute_y(minute) + geo.dy - HEADER_HEIGHT))

    def _update_scrollbars(self) -> None:
        geo = self.geometry_now()
        vp = self.viewport()
        self.horizontalScrollBar().setRange(0, max(0, geo.content_width - vp.width()))
        self.horizontalScrollBar().setPageStep(vp.width())
        self.verticalScrollBar().setRange(0, max(0, geo.content_height - vp.height()))
        self.verticalScrollBar().setPageStep(vp.height())
        self.verticalScrollBar().setSingleStep(20)

    # -- Qt events -------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._update_scrollbars()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        state = PaintState(
            self.selected,
            self._ghost,
            self._drag.block.appointment_id
            if self._drag and self._drag.started and self._drag.block
            else None,
            self.today,
            self.now_minute,
            self.open_minutes,
        )
        paint_book(painter, self.geometry_now(), state)
        painter.end()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            block = self.geometry_now().block_at(QPointF(event.pos()))
            if block is not None:
                QToolTip.showText(event.globalPos(), block_tooltip(block), self)
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        geo = self.geometry_now()
        column = geo.column_at(point.x())
        if column is None or not geo.in_body(point):
            return
        block = geo.block_at(point)
        self.select(block.appointment_id if block else None)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        minute = geo.minute_at(point.y())
        if block is not None:
            mode = "resize" if geo.on_resize_grip(block, point) else "move"
            if self.can_book:
                self._drag = _Drag(mode, point, column, minute, block)
        elif self.can_book:
            self._drag = _Drag("new", point, column, minute)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        geo = self.geometry_now()
        if self._drag is None:
            block = geo.block_at(point)
            on_grip = block is not None and self.can_book and geo.on_resize_grip(block, point)
            self.viewport().setCursor(
                Qt.CursorShape.SizeVerCursor if on_grip else Qt.CursorShape.ArrowCursor
            )
            return
        drag = self._drag
        if not drag.started:
            if (point - drag.origin).manhattanLength() < DRAG_THRESHOLD:
                return
            drag.started = True
        self._ghost = self._ghost_for(drag, geo, point)
        self.viewport().update()

    def _ghost_for(self, drag: _Drag, geo: Geometry, point: QPointF) -> Ghost:
        minute = geo.minute_at(point.y())
        first, last = self.layout_data.first_minute, self.layout_data.last_minute
        if drag.mode == "new":
            a, b = sorted((snap(drag.minute), snap(minute)))
            return Ghost(drag.column, max(first, a), min(last, max(b, a + SNAP_MINUTES)), "New")
        assert drag.block is not None
        block = drag.block
        if drag.mode == "resize":
            end = max(block.start_minute + SNAP_MINUTES, snap(minute))
            return Ghost(block.column, block.start_minute, min(end, 24 * 60), block.patient_name)
        length = block.end_minute - block.start_minute
        start = snap(block.start_minute + (minute - drag.minute))
        start = max(0, min(start, 24 * 60 - length))
        column = geo.column_at(point.x())
        return Ghost(
            block.column if column is None else column, start, start + length, block.patient_name
        )

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        drag, ghost = self._drag, self._ghost
        self._drag, self._ghost = None, None
        self.viewport().update()
        if drag is not None and drag.started and ghost is not None:
            if drag.mode == "new":
                self.booking_requested.emit(ghost.column, ghost.start, ghost.end)
            elif drag.block is not None:
                self.move_requested.emit(
                    drag.block.appointment_id, ghost.column, ghost.start, ghost.end
                )
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.set_layout(pending)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        geo = self.geometry_now()
        block = geo.block_at(point)
        column = geo.column_at(point.x())
        if block is not None:
            self.activated.emit(block)
        elif column is not None and geo.in_body(point) and self.can_book:
            start = int(geo.minute_at(point.y()) // 15 * 15)
            self.booking_requested.emit(column, start, start)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        selected = self.selected_block()
        if event.reason() == QContextMenuEvent.Reason.Keyboard and selected is not None:
            self._menu_for(selected)
            return
        point = QPointF(self.viewport().mapFrom(self, event.pos()))
        block = self.geometry_now().block_at(point)
        if block is not None:
            self.select(block.appointment_id)
            self.context_requested.emit(block, event.globalPos())

    def keyPressEvent(self, event: QKeyEvent) -> None:
        step = _ARROWS.get(Qt.Key(event.key()))
        plain = event.modifiers() in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        )
        if step is not None and plain and self.layout_data.blocks:
            block = neighbour(self.layout_data, self.selected, step)
            if block is not None:
                self.select(block.appointment_id)
                self._reveal(block)
            return
        selected = self.selected_block()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and selected is not None:
            self.activated.emit(selected)
            return
        menu_key = event.key() == Qt.Key.Key_Menu or (
            event.key() == Qt.Key.Key_F10 and event.modifiers() == Qt.KeyboardModifier.ShiftModifier
        )
        if menu_key and selected is not None:  # handled here: accepted, so Qt adds no other
            self._menu_for(selected)
            return
        if event.key() == Qt.Key.Key_Escape and selected is not None:
            self.select(None)
            return
        super().keyPressEvent(event)

    def _menu_for(self, block: BookBlock) -> None:
        """The status menu of `block`, opened at its middle (the keyboard has no pointer)."""
        middle = self.geometry_now().block_rect(block).center().toPoint()
        self.context_requested.emit(block, self.viewport().mapToGlobal(middle))

    def _reveal(self, block: BookBlock) -> None:
        """Scroll the selected block into sight if the keyboard took it out of view."""
        rect = self.geometry_now().block_rect(block)
        if rect.top() < HEADER_HEIGHT or rect.bottom() > self.viewport().height():
            self.scroll_to_minute(max(0, block.start_minute - 30))
