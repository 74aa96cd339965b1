"""The look of the application: Fusion style, the stylesheet and the icons in resources/."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from novamind_desktop.paths import resources_dir

if TYPE_CHECKING:
    from PySide6.QtGui import QPixmap

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


@cache
def window_icon() -> QIcon:
    """The logo for title bars and the task bar. Qt's SVG icon engine draws it at the size
    the window system asks for, when it asks, so nothing is rendered (and no painting class
    is loaded) before the sign-in window first paints."""
    path = _resources() / "icons" / "logo.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def _render(svg: bytes, size: int) -> QPixmap:
    # Imported here: PySide6 builds these classes (and QtSvg) on first use, which the
    # sign-in window does not need.
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QColor, QPainter, QPixmap
    from PySide6.QtSvg import QSvgRenderer

    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(0, 0, 0, 0))  # transparent; Qt.GlobalColor would load all of `Qt`
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
    app.setWindowIcon(window_icon())
    app.setStyleSheet(stylesheet())
