"""Dates typed at the desk: ISO, or the short date of the workstation's locale (ui/frontdesk/
dates.py), as the search box and the patient form read them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QDate, QLocale

from novamind_desktop.ui.frontdesk.dates import parse_typed_date, typed_date_to_iso

US, GERMANY, BRITAIN = QLocale("en_US"), QLocale("de_DE"), QLocale("en_GB")
LOCALES = ["en_US", "de_DE", "en_GB", "fr_FR", "ja_JP", "nl_NL", "sv_SE", "pl_PL"]


@pytest.mark.parametrize(
    ("typed", "locale", "meant"),
    [
        ("1984-03-27", US, date(1984, 3, 27)),  # ISO everywhere
        ("1984-03-27", GERMANY, date(1984, 3, 27)),
        ("3/27/1984", US, date(1984, 3, 27)),
        ("03/27/84", US, date(1984, 3, 27)),
        ("27.03.1984", GERMANY, date(1984, 3, 27)),
        ("27.3.84", GERMANY, date(1984, 3, 27)),
        ("27/03/1984", BRITAIN, date(1984, 3, 27)),
        ("27-03-1984", BRITAIN, date(1984, 3, 27)),  # another separator, the same order
        ("27/03/12", BRITAIN, date(2012, 3, 27)),  # a two-digit year is never in the future
        ("27/03/99", BRITAIN, date(1999, 3, 27)),
        ("03/04/1984", US, date(1984, 3, 4)),  # ambiguous: the locale's order decides
        ("03/04/1984", BRITAIN, date(1984, 4, 3)),
        ("27/03/1984", US, date(1984, 3, 27)),  # no 27th month: read day-first
    ],
)
def test_a_date_typed_the_usual_ways(typed: str, locale: QLocale, meant: date) -> None:
    assert parse_typed_date(typed, locale) == meant
    assert typed_date_to_iso(typed, locale) == meant.isoformat()


@pytest.mark.parametrize("typed", ["31/02/1984", "27/03", "Müller", "1984", "12/13/14/15", ""])
def test_what_is_not_a_date_stays_as_typed(typed: str) -> None:
    assert parse_typed_date(typed, BRITAIN) is None
    assert typed_date_to_iso(typed, BRITAIN) == typed  # for validation to name it


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date.today()),
    name=st.sampled_from(LOCALES),
)
def test_the_locales_own_short_date_reads_back(born: date, name: str) -> None:
    locale = QLocale(name)
    short = locale.dateFormat(QLocale.FormatType.ShortFormat)
    four_digit_year = short if "yyyy" in short else short.replace("yy", "yyyy")
    typed = locale.toString(QDate(born.year, born.month, born.day), four_digit_year)
    assert parse_typed_date(typed, locale) == born, typed
