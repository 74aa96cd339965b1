"""The look of the application: Fusion style, the stylesheet and the icons in resources/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from novamind_desktop.paths import resources_dir

APP_NAME = "NOVAMIND Desktop"


@cache
def _resources() -> Path:
    return resources_dir()


def icon(name: str) -> QIcon:
    """An icon from resources/icons/NAME.svg (an empty icon if it is missing)."""
    path = _resources() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


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
