"""How typed text becomes something to match: folding case and accents, words, dates, digits.

Staff type "mull" for Müller, "obri" for O'Brien, "sor" for Søren, "muell" for Müller too, and
dates the way their locale writes them. Everything here is pure and fast: the index calls it
for 100,000 names when it is built.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from itertools import repeat

# ISO first, then the day-first short dates of most clinics; month-first last, so it is used
# only when the day-first reading is impossible ("12/25/1980").
DEFAULT_DATE_FORMATS: tuple[str, ...] = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%m/%d/%Y")

_APOSTROPHES = "'’ʼ‘`´"
# Letters that do not decompose into a base letter plus an accent.
_LETTERS = {
    "ø": "o",
    "æ": "ae",
    "œ": "oe",
    "ß": "ss",
    "đ": "d",
    "ð": "d",
    "ł": "l",
    "þ": "th",
    "ı": "i",
    "ħ": "h",
    "ŀ": "l",
}
_FOLD = str.maketrans({**{a: None for a in _APOSTROPHES}, **_LETTERS})
_APOSTROPHE_TO_SPACE = str.maketrans(dict.fromkeys(_APOSTROPHES, " "))
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
# The accents of Latin script (a regex is much faster than testing each character).
_COMMON_MARKS = re.compile("[\u0300-\u036f]")
_WORD = re.compile(r"[^\W_]+")
_PHONE_QUERY = re.compile(r"^[+\d\s().\-/]+$")
_NON_DIGIT = re.compile(r"\D")


def normalise(text: str) -> str:
    """Fold case and accents for matching: Müller -> muller, O'Brien -> obrien, Søren -> soren."""
    if text.isascii():
        if "'" in text or "`" in text:
            text = text.replace("'", "").replace("`", "")
        return text.lower()
    bare = _COMMON_MARKS.sub("", _decompose(text))
    if bare.isascii():
        return bare.replace("'", "").replace("`", "")
    folded = _strip_marks(bare).translate(_FOLD)
    # Rare scripts can need more than one round before case and form settle.
    for _ in range(3):
        again = _strip_marks(_decompose(folded)).translate(_FOLD)
        if again == folded:
            break
        folded = again
    return folded


def _decompose(text: str) -> str:
    return unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())


def _strip_marks(text: str) -> str:
    return "".join(c for c in text if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of already-normalised text (letters and digits; everything else separates)."""
    return _WORD.findall(text)


def name_tokens(full_name: str) -> set[str]:
    """Every word a person may start typing to find this name.

    "O'Brien" gives "obrien", "o" and "brien"; "Anne-Marie" gives "anne", "marie" and
    "annemarie"; "Müller" gives "muller" and "mueller".
    """
    return set().union(*map(_part_tokens, full_name.split()))


def full_name_tokens(first_name: str, last_name: str) -> tuple[str, ...]:
    """name_tokens(f"{first_name} {last_name}"), from what each name gave before."""
    return tuple(name_word_tokens(first_name) | name_word_tokens(last_name))


@lru_cache(maxsize=1 << 16)
def name_word_tokens(name: str) -> frozenset[str]:
    """name_tokens(name), remembered: a clinic sees the same first and last names again and
    again (the index asks 200,000 times when it is built)."""
    return frozenset().union(*map(_part_tokens, name.split()))


@lru_cache(maxsize=1 << 16)
def normalise_word(word: str) -> str:
    """normalise(), remembered: clinics see the same first and last names again and again."""
    return normalise(word)


@lru_cache(maxsize=1 << 16)
def _part_tokens(part: str) -> frozenset[str]:
    folded = normalise(part)
    tokens = set(_WORD.findall(folded))
    if part.isascii():
        if "'" in part or "`" in part:
            tokens.update(_WORD.findall(part.lower()))
    else:
        tokens.update(_WORD.findall(normalise(part.translate(_APOSTROPHE_TO_SPACE))))
        german = unicodedata.normalize("NFC", part.casefold()).translate(_GERMAN)
        tokens.update(_WORD.findall(normalise(german)))
    if "-" in part:
        tokens.add("".join(_WORD.findall(folded)))
    tokens.discard("")
    return frozenset(tokens)


def parse_typed_date(text: str, formats: Sequence[str] = DEFAULT_DATE_FORMATS) -> date | None:
    """The date `text` means in the first format that reads it, or None if none does."""
    text = text.strip()
    if not 6 <= len(text) <= 10 or not text[0].isdigit():
        return None
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if parsed.year >= 1800:
            return parsed
    return None


def phone_digits(text: str) -> str:
    """Only the digits: "+49 (151) 123-45" -> "4915112345"."""
    bare = text.lstrip("+")
    return bare if bare.isdigit() and bare.isascii() else _NON_DIGIT.sub("", text)


def phone_digits_of(texts: Sequence[str]) -> list[str]:
    """[phone_digits(t) for t in texts], in C-level map()s for the usual "+4930123456"
    (the joined numbers are looked at once: ASCII digits only, so none needs more)."""
    bare = list(map(str.lstrip, texts, repeat("+")))
    joined = "".join(bare)
    if joined.isascii() and (joined.isdigit() or not joined):
        return bare
    return list(map(phone_digits, texts))


def phone_variants(digits: str) -> tuple[str, ...]:
    """The digits as typed, and without a leading 00 or 0 (international or trunk prefix):
    "030 1234567" should find "+49 30 1234567"."""
    bare = digits[2:] if digits.startswith("00") else digits[1:] if digits[:1] == "0" else ""
    return (digits, bare) if len(bare) >= 4 else (digits,)


def looks_like_phone(text: str) -> bool:
    """Digits with the punctuation people type in phone numbers, at least four digits."""
    return bool(_PHONE_QUERY.match(text)) and len(phone_digits(text)) >= 4


@dataclass(frozen=True)
class Term:
    """One part of a query and how to match it."""

    kind: str  # "name" | "email" | "date" | "phone"
    text: str = ""
    day: date | None = None


def parse_query(query: str, formats: Sequence[str] = DEFAULT_DATE_FORMATS) -> list[Term]:
    """Split a query into terms; all of them must match a patient for it to be found.

    The whole query is tried first as an email, a date and a phone number (which may contain
    spaces); otherwise each space-separated part is classified on its own.
    """
    query = query.strip()
    whole = _single_term(query, formats)
    if whole is not None:
        return [whole]
    terms: list[Term] = []
    for part in query.split():
        term = _single_term(part, formats)
        if term is not None:
            terms.append(term)
        else:
            terms.extend(Term("name", word) for word in words(normalise(part)))
    return terms


def _single_term(text: str, formats: Sequence[str]) -> Term | None:
    if "@" in text and " " not in text:
        return Term("email", text.lower())
    day = parse_typed_date(text, formats)
    if day is not None:
        return Term("date", day=day)
    if looks_like_phone(text):
        return Term("phone", phone_digits(text))
    return None
