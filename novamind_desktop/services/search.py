"""PatientSearchIndex: find-as-you-type over decrypted patient details, held in memory only.

Nothing name-derived is ever stored in the database (DESIGN.md §5); this index is built on the
worker after sign-in from decrypted rows and kept current with upsert()/remove().

Names and emails live in sorted arrays of "token\\0sort-name\\0slot" keys, so a prefix is
two bisects and the matches come out already ranked (an exact word first, then longer words,
then by surname). Phone digits sit in one string that str.find scans in C. Dates of birth
are a dict. Searching 100,000 patients takes about a millisecond.
"""

from __future__ import annotations

import heapq
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple
from uuid import UUID

from novamind_desktop.domain.appointments import Appointment
from novamind_desktop.domain.patients import Patient
from novamind_desktop.services.search_text import (
    DEFAULT_DATE_FORMATS,
    Term,
    name_tokens,
    normalise,
    normalise_word,
    parse_query,
    phone_digits,
    phone_variants,
)

__all__ = ["DEFAULT_DATE_FORMATS", "PatientSearchIndex", "SearchHit", "normalise"]

_TOP = "\U0010ffff"  # sorts after every character a key can hold


@dataclass(frozen=True)
class SearchHit:
    patient_id: UUID
    full_name: str
    date_of_birth: date
    phone: str
    email: str | None
    next_appointment: datetime | None = None
    active: bool = True


class _Entry(NamedTuple):  # a tuple: 100,000 of them are built in a fraction of a second
    slot: int
    patient: Patient
    upcoming: datetime | None
    sort_name: str
    tokens: tuple[str, ...]
    email: str  # lower case, "" when none
    phone: str  # digits only

    @property
    def patient_id(self) -> UUID:
        return self.patient.id

    @property
    def date_of_birth(self) -> date:
        return self.patient.details.date_of_birth

    def hit(self) -> SearchHit:
        d = self.patient.details
        return SearchHit(
            self.patient.id,
            d.full_name,
            d.date_of_birth,
            d.phone,
            d.email,
            self.upcoming,
            self.patient.active,
        )


@dataclass(frozen=True)
class _PhoneBlob:
    text: str  # every patient's phone digits, "|" between them
    offsets: list[int]
    slots: list[int]


# One C-level sort of 300k keys holds the interpreter lock for ~100-300 ms, freezing the GUI
# thread while the worker builds the index. Sorting pieces and merging them in Python lets
# the GUI thread in between; the order is the same (stable, ties by position).
_SORT_PIECE = 20_000


def _stable_order(keys: list[str]) -> list[int]:
    """Indices of `keys` in sorted order, ties in their original order."""
    key = keys.__getitem__  # strings sort fast; tuples don't
    if len(keys) <= _SORT_PIECE:
        return sorted(range(len(keys)), key=key)
    pieces = [
        sorted(range(start, min(start + _SORT_PIECE, len(keys))), key=key)
        for start in range(0, len(keys), _SORT_PIECE)
    ]
    return list(heapq.merge(*pieces, key=key))


class _SortedKeys:
    """Parallel sorted arrays of keys and the slot each key belongs to."""

    def __init__(self, keys: list[str] | None = None, slots: list[int] | None = None):
        keys, slots = keys or [], slots or []
        order = _stable_order(keys)
        self.keys = [keys[i] for i in order]
        self.slots = [slots[i] for i in order]

    def insert(self, key: str, slot: int) -> None:
        i = bisect_left(self.keys, key)
        self.keys.insert(i, key)
        self.slots.insert(i, slot)

    def delete(self, key: str) -> None:
        i = bisect_left(self.keys, key)
        if i < len(self.keys) and self.keys[i] == key:
            del self.keys[i]
            del self.slots[i]

    def prefix_range(self, prefix: str) -> range:
        return range(bisect_left(self.keys, prefix), bisect_left(self.keys, prefix + _TOP))


def _next_time(value: Appointment | datetime | None) -> datetime | None:
    return value.start if isinstance(value, Appointment) else value


class PatientSearchIndex:
    """In-memory search over patients. Safe to search from one thread while another updates."""

    def __init__(self, date_formats: Sequence[str] = DEFAULT_DATE_FORMATS):
        self.date_formats = tuple(date_formats)
        self._lock = threading.RLock()
        self._reset()

    def _reset(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._slot_of: dict[UUID, int] = {}
        self._next_slot = 0
        self._names = _SortedKeys()
        self._emails = _SortedKeys()
        self._phone_keys = _SortedKeys()
        self._by_dob: dict[date, set[int]] = {}
        self._phones: _PhoneBlob | None = None  # rebuilt lazily after a change

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, patient_id: object) -> bool:
        return patient_id in self._slot_of

    # Building and keeping current

    def build(
        self,
        patients: Iterable[Patient],
        next_appointments: Mapping[UUID, Appointment | datetime] | None = None,
    ) -> None:
        """Replace the whole index (after sign-in)."""
        upcoming = next_appointments or {}
        with self._lock:
            self._reset()
            for patient in patients:
                entry = self._entry(patient, _next_time(upcoming.get(patient.id)))
                self._entries[entry.slot] = entry
                self._slot_of[patient.id] = entry.slot
                self._by_dob.setdefault(entry.date_of_birth, set()).add(entry.slot)
            entries = self._entries.values()
            self._names = _SortedKeys(
                [_name_key(t, e) for e in entries for t in e.tokens],
                [e.slot for e in entries for _ in e.tokens],
            )
            with_email = [e for e in entries if e.email]
            self._emails = _SortedKeys(
                [_email_key(e) for e in with_email], [e.slot for e in with_email]
            )
            self._phone_keys = _SortedKeys(
                [_phone_key(e) for e in entries], [e.slot for e in entries]
            )

    def upsert(self, patient: Patient) -> None:
        """Add or refresh one patient, keeping their next appointment."""
        with self._lock:
            old = self._slot_of.get(patient.id)
            upcoming = self._entries[old].upcoming if old is not None else None
            if old is not None:
                self._drop(old)
            self._add(self._entry(patient, upcoming))

    def remove(self, patient_id: UUID) -> None:
        with self._lock:
            slot = self._slot_of.get(patient_id)
            if slot is not None:
                self._drop(slot)

    def set_next_appointment(self, patient_id: UUID, when: datetime | None) -> None:
        with self._lock:
            slot = self._slot_of.get(patient_id)
            if slot is not None:
                entry = self._entries[slot]
                self._entries[slot] = entry._replace(upcoming=when)

    def hit(self, patient_id: UUID) -> SearchHit | None:
        with self._lock:
            slot = self._slot_of.get(patient_id)
            return None if slot is None else self._entries[slot].hit()

    def _entry(self, patient: Patient, upcoming: datetime | None) -> _Entry:
        d = patient.details
        self._next_slot += 1
        return _Entry(
            self._next_slot,
            patient,
            upcoming,
            f"{normalise_word(d.last_name)} {normalise_word(d.first_name)}",
            tuple(name_tokens(d.full_name)),
            (d.email or "").lower(),
            phone_digits(d.phone),
        )

    def _add(self, entry: _Entry) -> None:
        self._entries[entry.slot] = entry
        self._slot_of[entry.patient_id] = entry.slot
        for token in entry.tokens:
            self._names.insert(_name_key(token, entry), entry.slot)
        if entry.email:
            self._emails.insert(_email_key(entry), entry.slot)
        self._phone_keys.insert(_phone_key(entry), entry.slot)
        self._by_dob.setdefault(entry.date_of_birth, set()).add(entry.slot)
        self._phones = None

    def _drop(self, slot: int) -> None:
        entry = self._entries.pop(slot)
        del self._slot_of[entry.patient_id]
        for token in entry.tokens:
            self._names.delete(_name_key(token, entry))
        if entry.email:
            self._emails.delete(_email_key(entry))
        self._phone_keys.delete(_phone_key(entry))
        same_day = self._by_dob.get(entry.date_of_birth, set())
        same_day.discard(slot)
        if not same_day:
            self._by_dob.pop(entry.date_of_birth, None)
        self._phones = None

    # Searching

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Patients matching every term of `query`, best first, at most `limit`."""
        terms = parse_query(query, self.date_formats)
        if not terms or limit <= 0:
            return []
        with self._lock:
            slots = self._match(terms, limit)
            if len(slots) < limit and _email_fallback(query, terms):
                for slot in self._email_candidates(query.strip().lower()):
                    if slot not in slots:
                        slots.append(slot)
                        if len(slots) >= limit:
                            break
            hits = [self._entries[s].hit() for s in slots]
        return sorted(hits, key=lambda h: not h.active)  # stable: the ranking otherwise stays

    def phone_matches(self, phone: str) -> list[UUID]:
        """Patients whose phone has exactly these digits (for the duplicate warning)."""
        digits = phone_digits(phone)
        if len(digits) < 4:
            return []
        keys = self._phone_keys
        with self._lock:
            exact = keys.prefix_range(digits + "\x00")
            return [self._entries[keys.slots[i]].patient_id for i in exact]

    def _match(self, terms: list[Term], limit: int) -> list[int]:
        driver = min(terms, key=self._estimate)
        others = [t for t in terms if t is not driver]
        found: list[int] = []
        seen: set[int] = set()
        for slot in self._candidates(driver):
            if slot in seen:
                continue
            seen.add(slot)
            entry = self._entries[slot]
            if all(_accepts(entry, term) for term in others):
                found.append(slot)
                if len(found) >= limit:
                    break
        return found

    def _estimate(self, term: Term) -> int:
        if term.kind == "name":
            return len(self._names.prefix_range(term.text))
        if term.kind == "email":
            return len(self._emails.prefix_range(term.text))
        if term.kind == "date":
            return len(self._by_dob.get(term.day, ())) if term.day else 0
        return len(self._entries) + 1  # phone: a scan, the last resort as a driver

    def _candidates(self, term: Term) -> Iterator[int]:
        if term.kind == "name":
            names = self._names
            return (names.slots[i] for i in names.prefix_range(term.text))
        if term.kind == "email":
            return self._email_candidates(term.text)
        if term.kind == "date":
            same_day = self._by_dob.get(term.day, set()) if term.day else set()
            return iter(sorted(same_day, key=lambda s: self._entries[s].sort_name))
        return self._phone_candidates(term.text)

    def _email_candidates(self, prefix: str) -> Iterator[int]:
        emails = self._emails
        return (emails.slots[i] for i in emails.prefix_range(prefix))

    def _phone_candidates(self, digits: str) -> Iterator[int]:
        """Phones containing `digits`: the whole number first, then numbers starting with it
        (both from the sorted keys), then numbers with it further inside (a scan in C)."""
        variants = phone_variants(digits)
        keys = self._phone_keys
        for variant in variants:
            yield from (keys.slots[i] for i in keys.prefix_range(variant))
        blob = self._phone_blob()
        for variant in variants:
            pos = blob.text.find(variant)
            while pos != -1:
                i = bisect_right(blob.offsets, pos) - 1
                if pos != blob.offsets[i]:  # numbers starting with the digits came above
                    yield blob.slots[i]
                pos = blob.text.find(variant, pos + 1)

    def _phone_blob(self) -> _PhoneBlob:
        if self._phones is None:
            offsets: list[int] = []
            slots: list[int] = []
            parts: list[str] = []
            offset = 0
            for slot, entry in self._entries.items():
                offsets.append(offset)
                slots.append(slot)
                parts.append(entry.phone)
                offset += len(entry.phone) + 1
            self._phones = _PhoneBlob("|".join(parts), offsets, slots)
        return self._phones


def _name_key(token: str, entry: _Entry) -> str:
    return f"{token}\x00{entry.sort_name}\x00{entry.slot}"


def _phone_key(entry: _Entry) -> str:
    return f"{entry.phone}\x00{entry.slot}"


def _email_key(entry: _Entry) -> str:
    return f"{entry.email}\x00{entry.slot}"


def _accepts(entry: _Entry, term: Term) -> bool:
    if term.kind == "name":
        return any(token.startswith(term.text) for token in entry.tokens)
    if term.kind == "email":
        return entry.email.startswith(term.text)
    if term.kind == "date":
        return entry.date_of_birth == term.day
    return any(variant in entry.phone for variant in phone_variants(term.text))


def _email_fallback(query: str, terms: list[Term]) -> bool:
    """A single word that could be the start of an email ("jane.d") is tried as one too."""
    stripped = query.strip()
    return " " not in stripped and all(t.kind == "name" for t in terms)
