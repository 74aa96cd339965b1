"""The stylesheet: every image it names exists, and spin boxes keep drawable arrows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QTime
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDateEdit,
    QHBoxLayout,
    QSpinBox,
    QStyle,
    QStyleOptionSpinBox,
    QTimeEdit,
    QWidget,
)

from novamind_desktop.ui.style import stylesheet


def _rules(qss: str) -> dict[str, str]:
    """selector -> body, one entry per selector of a comma-separated group."""
    rules: dict[str, str] = {}
    for selectors, body in re.findall(
        r"([^{}]+)\{([^}]*)\}", re.sub(r"/\*.*?\*/", "", qss, flags=re.S)
    ):
        for selector in selectors.split(","):
            rules[selector.strip()] = rules.get(selector.strip(), "") + body
    return rules


def test_every_image_the_stylesheet_names_exists():
    urls = re.findall(r"url\(([^)]+)\)", stylesheet())
    assert urls
    missing = [url for url in urls if not Path(url).is_file()]
    assert missing == []


@pytest.mark.parametrize("arrow", ["up-arrow", "down-arrow"])
def test_spin_box_arrows_are_images_from_the_icons_folder(arrow):
    body = _rules(stylesheet()).get(f"QAbstractSpinBox::{arrow}", "")
    image = re.search(r"image:\s*url\(([^)]+)\)", body)
    assert image, f"QAbstractSpinBox::{arrow} has no image: Qt draws a broken glyph instead"
    path = Path(image.group(1))
    assert path.parent.name == "icons" and path.suffix == ".svg" and path.is_file()


def _arrow_spans(box: QAbstractSpinBox, control: QStyle.SubControl) -> list[int]:
    """Width of the drawing on each row inside one button of the box, its border left out."""
    option = QStyleOptionSpinBox()
    box.initStyleOption(option)
    rect = box.style().subControlRect(QStyle.ComplexControl.CC_SpinBox, option, control, box)
    rect = rect.translated(box.mapTo(box.window(), rect.topLeft()) - rect.topLeft())
    image: QImage = box.window().grab().toImage()
    spans = []
    for y in range(rect.top() + 2, rect.bottom() - 1):
        drawn = [
            x
            for x in range(rect.left() + 3, rect.right() - 2)
            if QColor(image.pixel(x, y)).lightness() < 200
        ]
        if drawn:
            spans.append(drawn[-1] - drawn[0] + 1)
    return spans


@pytest.mark.parametrize("kind", [QSpinBox, QTimeEdit])
def test_spin_box_buttons_draw_chevrons(qtbot, kind, screenshot):
    panel = QWidget()
    line = QHBoxLayout(panel)
    box = kind()
    if isinstance(box, QSpinBox):
        box.setRange(5, 480)
        box.setValue(60)
        box.setSuffix(" min")
    else:
        box.setTime(QTime(11, 0))
    box.setFixedWidth(100)
    date = QDateEdit(QDate(2030, 3, 4))
    date.setCalendarPopup(True)
    line.addWidget(box)
    line.addWidget(date)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    screenshot(panel, f"shell_style_{kind.__name__}")
    up = _arrow_spans(box, QStyle.SubControl.SC_SpinBoxUp)
    down = _arrow_spans(box, QStyle.SubControl.SC_SpinBoxDown)
    assert len(up) >= 3 and len(down) >= 3, (up, down)
    assert up[0] < up[-1], f"the up button shows no upward chevron: {up}"
    assert down[0] > down[-1], f"the down button shows no downward chevron: {down}"
