"""The look of the application: Fusion style, the stylesheet and the icons in resources/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

from novamind_desktop.paths import resources_dir

APP_NAME = "NOVAMIND Desktop"


@cache
def _resources() -> Path:
    return resources_dir()


ICON_COLOUR = "#2f5d7c"
SELECTED_ICON_COLOUR = "#ffffff"


@cache
def icon(name: str) -> QIcon:
    """An icon from resources/icons/NAME.svg, drawn white where its item is selected."""
    path = _resources() / "icons" / f"{name}.svg"
    if not path.exists():
        return QIcon()
    svg = path.read_bytes()
    selected = svg.replace(ICON_COLOUR.encode(), SELECTED_ICON_COLOUR.encode())
    result = QIcon()
    for size in (16, 22, 24, 32, 48, 64):  # the larger ones serve high-DPI screens
        result.addPixmap(_render(svg, size), QIcon.Mode.Normal)
        result.addPixmap(_render(selected, size), QIcon.Mode.Selected)
    return result


def _render(svg: bytes, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    QSvgRenderer(QByteArray(svg)).render(painter)
    painter.end()
    return pixmap


def stylesheet() -> str:
    """The stylesheet, with @ICONS@ replaced by the icons folder (url() needs a full path)."""
    path = _resources() / "style.qss"
    if not path.exists():
        return ""
    icons = (_resources() / "icons").as_posix()
    return path.read_text(encoding="utf-8").replace("@ICONS@", icons)


def apply_style(app: QApplication) -> None:
    """Fusion draws the same on every platform; the stylesheet adds the clinic's colours."""
    app.setStyle("Fusion")
    app.setWindowIcon(icon("logo"))
    app.setStyleSheet(stylesheet())
