"""How a booking repeats: weekly, every two weeks or monthly, a number of times or until a date."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QRadioButton,
    QSpinBox,
    QWidget,
)

from novamind_desktop.domain.recurrence import MAX_OCCURRENCES, Frequency

CHOICES: tuple[tuple[str, Frequency | None], ...] = (
    ("Does not repeat", None),
    ("Weekly", Frequency.WEEKLY),
    ("Every two weeks", Frequency.EVERY_TWO_WEEKS),
    ("Monthly", Frequency.MONTHLY),
)


class RepeatEditor(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        self.choice = QComboBox()
        self.choice.setObjectName("repeat")
        for text, frequency in CHOICES:
            # Qt stores a StrEnum as a plain string: keep the value, convert on the way out.
            self.choice.addItem(text, frequency.value if frequency else "")
        self.choice.currentIndexChanged.connect(self._sync)
        line.addWidget(self.choice)
        self.by_count = QRadioButton("for")
        self.by_count.setChecked(True)
        self.times = QSpinBox()
        self.times.setObjectName("repeatCount")
        self.times.setRange(2, MAX_OCCURRENCES)
        self.times.setValue(6)
        self.times.setSuffix(" appointments")
        self.by_date = QRadioButton("until")
        self.by_date.setObjectName("repeatUntilChoice")
        self.end_date = QDateEdit()
        self.end_date.setObjectName("repeatUntil")
        self.end_date.setCalendarPopup(True)
        self.end_date.setDisplayFormat("d MMM yyyy")
        self.end_date.dateChanged.connect(lambda _: self.by_date.setChecked(True))
        self.times.valueChanged.connect(lambda _: self.by_count.setChecked(True))
        self._details = (self.by_count, self.times, self.by_date, self.end_date)
        for widget in self._details:
            line.addWidget(widget)
        line.addStretch(1)
        self._sync()

    def _sync(self) -> None:
        on = self.frequency() is not None
        for widget in self._details:
            widget.setVisible(on)

    def set_first_day(self, first: date) -> None:
        later = first + timedelta(weeks=12)
        self.end_date.blockSignals(True)
        self.end_date.setDate(QDate(later.year, later.month, later.day))
        self.end_date.blockSignals(False)

    def frequency(self) -> Frequency | None:
        value = self.choice.currentData()
        return Frequency(value) if value else None

    def set_frequency(self, frequency: Frequency | None) -> None:
        index = next((n for n, (_, f) in enumerate(CHOICES) if f == frequency), 0)
        self.choice.setCurrentIndex(index)

    def count(self) -> int | None:
        return self.times.value() if self.by_count.isChecked() else None

    def until(self) -> date | None:
        return self.end_date.date().toPython() if self.by_date.isChecked() else None
