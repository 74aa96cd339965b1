"""Dates as people type them: ISO, or the short date of the workstation's locale."""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate, QLocale

_SEPARATED = re.compile(r"^\d{1,4}[./\-]\d{1,2}[./\-]\d{2,4}$")


def _locale_formats(locale: QLocale) -> list[str]:
    short = locale.dateFormat(QLocale.FormatType.ShortFormat)
    long_year = short if "yyyy" in short else short.replace("yy", "yyyy")
    two_digit = long_year.replace("yyyy", "yy")
    # The locale's order with each usual separator, then day-first as most of the world writes.
    formats = []
    for fmt in (long_year, two_digit, "d/M/yyyy", "d/M/yy"):
        formats.extend(re.sub(r"[./\- ]+", sep, fmt) for sep in "/.-")
    return list(dict.fromkeys(formats))


def parse_typed_date(text: str, locale: QLocale | None = None) -> date | None:
    """ISO (1984-03-27) or the locale's short date (27/03/1984, 27.03.84, 3/27/1984 in the US)."""
    text = text.strip()
    if not _SEPARATED.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    locale = locale or QLocale.system()
    today = date.today()
    for fmt in _locale_formats(locale):
        parsed = QDate.fromString(text, fmt)
        if not parsed.isValid():
            continue
        year = parsed.year()
        if "yyyy" not in fmt and year + 100 <= today.year:
            year += 100  # "84" is 1984, "12" is 2012 for a child born then
        try:
            return date(year, parsed.month(), parsed.day())
        except ValueError:
            continue
    return None


def typed_date_to_iso(text: str, locale: QLocale | None = None) -> str:
    """The ISO form the services expect, or the text unchanged so validation can name it."""
    parsed = parse_typed_date(text, locale)
    return parsed.isoformat() if parsed is not None else text
