"""Pixels of the appointment book: where a column, a minute and a block are on screen."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF

from novamind_desktop.presenters.book_layout import BookBlock, BookLayout

HEADER_HEIGHT = 40
GUTTER_WIDTH = 58
MIN_COLUMN_WIDTH = 120  # a working week fits across a 1024 px screen
PIXELS_PER_MINUTE = 1.4  # an hour is 84 px: a 20-minute review still shows two lines
BLOCK_MARGIN = 3
RESIZE_GRIP = 7


@dataclass(frozen=True)
class Geometry:
    """The grid's coordinates for a viewport of `width` × `height` scrolled by (dx, dy)."""

    layout: BookLayout
    width: int
    height: int
    dx: int = 0
    dy: int = 0
    ppm: float = PIXELS_PER_MINUTE

    @property
    def columns(self) -> int:
        return max(1, len(self.layout.columns))

    @property
    def column_width(self) -> float:
        free = self.width - GUTTER_WIDTH
        return max(float(MIN_COLUMN_WIDTH), free / self.columns)

    @property
    def content_width(self) -> int:
        return int(GUTTER_WIDTH + self.column_width * self.columns)

    @property
    def content_height(self) -> int:
        span = self.layout.last_minute - self.layout.first_minute
        return int(HEADER_HEIGHT + span * self.ppm) + 1

    def column_x(self, column: int) -> float:
        return GUTTER_WIDTH + column * self.column_width - self.dx

    def minute_y(self, minute: float) -> float:
        return HEADER_HEIGHT + (minute - self.layout.first_minute) * self.ppm - self.dy

    def minute_at(self, y: float) -> float:
        return (y + self.dy - HEADER_HEIGHT) / self.ppm + self.layout.first_minute

    def column_at(self, x: float) -> int | None:
        if x < GUTTER_WIDTH or not self.layout.columns:
            return None
        column = int((x + self.dx - GUTTER_WIDTH) // self.column_width)
        return column if 0 <= column < len(self.layout.columns) else None

    def in_body(self, point: QPointF) -> bool:
        return point.y() >= HEADER_HEIGHT and point.x() >= GUTTER_WIDTH

    def block_rect(self, block: BookBlock) -> QRectF:
        return self.span_rect(
            block.column, block.start_minute, block.end_minute, block.lane, block.lanes
        )

    def span_rect(
        self, column: int, start: float, end: float, lane: int = 0, lanes: int = 1
    ) -> QRectF:
        lane_width = (self.column_width - 2 * BLOCK_MARGIN) / max(1, lanes)
        x = self.column_x(column) + BLOCK_MARGIN + lane * lane_width
        top = self.minute_y(start)
        return QRectF(x, top + 1, lane_width - 1, max(8.0, self.minute_y(end) - top - 2))

    def block_at(self, point: QPointF) -> BookBlock | None:
        # Later blocks are painted on top, so they win a click.
        for block in reversed(self.layout.blocks):
            if self.block_rect(block).contains(point):
                return block
        return None

    def on_resize_grip(self, block: BookBlock, point: QPointF) -> bool:
        return self.block_rect(block).bottom() - point.y() <= RESIZE_GRIP
