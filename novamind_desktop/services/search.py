"""PatientSearchIndex: find-as-you-type over decrypted patient details, held in memory only.

Nothing name-derived is ever stored in the database (DESIGN.md §5); this index is built on the
worker after sign-in from decrypted rows and kept current with upsert()/remove().

Name words are kept sorted, each with its patients' "sort-name\\0slot" keys in order, and
emails in a sorted array of "email\\0slot" keys, so a prefix is two bisects and the matches
come out already ranked (an exact word first, then longer words, then by surname). Phone
digits sit in one string that str.find scans in C. Dates of birth are a dict. Searching
100,000 patients takes about a millisecond.

build() prepares everything aside and swaps it in under the lock, so searches on the GUI
thread never wait for a build; no step of it holds the interpreter lock for long (see
search_keys and search_records).
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from uuid import UUID

from novamind_desktop.domain.appointments import Appointment
from novamind_desktop.domain.patients import Patient
from novamind_desktop.services.search_entries import (
    BORN,
    DIGITS,
    EMAIL_FOLDED,
    KEY,
    SLOT,
    SORT_NAME,
    UPCOMING,
    Contents,
    Entry,
    PhoneBlob,
    SearchHit,
    email_key,
    hit,
    indexed,
    make_entry,
    name_key,
    patient_id,
    phone_key,
    tokens,
    with_upcoming,
)
from novamind_desktop.services.search_records import IndexedPatient
from novamind_desktop.services.search_text import (
    DEFAULT_DATE_FORMATS,
    Term,
    normalise,
    parse_query,
    phone_digits,
    phone_variants,
)

__all__ = ["DEFAULT_DATE_FORMATS", "IndexedPatient", "PatientSearchIndex", "SearchHit", "normalise"]


class PatientSearchIndex:
    """In-memory search over patients. Safe to search from one thread while another updates."""

    def __init__(self, date_formats: Sequence[str] = DEFAULT_DATE_FORMATS):
        self.date_formats = tuple(date_formats)
        self._lock = threading.RLock()
        self._use(Contents.empty())

    def _use(self, contents: Contents) -> None:
        self._entries = contents.entries
        self._slot_of = contents.slot_of
        self._next_slot = len(contents.entries)
        self._names = contents.names
        self._emails = contents.emails
        self._phone_keys = contents.phone_keys
        self._by_dob = contents.by_dob
        self._phones = contents.phones  # rebuilt lazily after a change

    def _contents(self) -> Contents:
        return Contents(
            self._entries,
            self._slot_of,
            self._names,
            self._emails,
            self._phone_keys,
            self._by_dob,
            self._phones,
        )

    def __del__(self) -> None:
        # Dropped on the worker (a replaced or temporary index): let go in pieces there too.
        if hasattr(self, "_phones"):
            self._contents().release()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, patient_id: object) -> bool:
        return isinstance(patient_id, UUID) and patient_id.int in self._slot_of

    # Building and keeping current

    def build(
        self,
        patients: Iterable[IndexedPatient | Patient],
        next_appointments: Mapping[UUID, Appointment | datetime] | None = None,
    ) -> None:
        """Replace the whole index (after sign-in)."""
        fresh = Contents.built(patients, next_appointments or {})
        with self._lock:
            old = self._contents()
            self._use(fresh)
        old.release()

    def upsert(self, patient: Patient | IndexedPatient) -> None:
        """Add or refresh one patient, keeping their next appointment."""
        listed = indexed(patient)
        with self._lock:
            old = self._slot_of.get(listed.id.int)
            upcoming = self._entries[old][UPCOMING] if old is not None else None
            if old is not None:
                self._drop(old)
            self._next_slot += 1
            self._add(make_entry(self._next_slot, listed, upcoming))

    def remove(self, patient_id: UUID) -> None:
        with self._lock:
            slot = self._slot_of.get(patient_id.int)
            if slot is not None:
                self._drop(slot)

    def set_next_appointment(self, patient_id: UUID, when: datetime | None) -> None:
        with self._lock:
            slot = self._slot_of.get(patient_id.int)
            if slot is not None:
                self._entries[slot] = with_upcoming(self._entries[slot], when)

    def hit(self, patient_id: UUID) -> SearchHit | None:
        with self._lock:
            slot = self._slot_of.get(patient_id.int)
            return None if slot is None else hit(self._entries[slot])

    def _add(self, entry: Entry) -> None:
        slot = entry[SLOT]
        self._entries[slot] = entry
        self._slot_of[entry[KEY]] = slot
        key = name_key(entry)
        for token in tokens(entry):
            self._names.insert(token, key)
        if entry[EMAIL_FOLDED]:
            self._emails.insert(email_key(entry))
        self._phone_keys.insert(phone_key(entry))
        self._by_dob.setdefault(entry[BORN], set()).add(slot)
        self._phones = None

    def _drop(self, slot: int) -> None:
        entry = self._entries.pop(slot)
        del self._slot_of[entry[KEY]]
        key = name_key(entry)
        for token in tokens(entry):
            self._names.delete(token, key)
        if entry[EMAIL_FOLDED]:
            self._emails.delete(email_key(entry))
        self._phone_keys.delete(phone_key(entry))
        same_day = self._by_dob.get(entry[BORN], set())
        same_day.discard(slot)
        if not same_day:
            self._by_dob.pop(entry[BORN], None)
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
            hits = [hit(self._entries[s]) for s in slots]
        return sorted(hits, key=lambda h: not h.active)  # stable: the ranking otherwise stays

    def phone_matches(self, phone: str) -> list[UUID]:
        """Patients whose phone has exactly these digits (for the duplicate warning)."""
        digits = phone_digits(phone)
        if len(digits) < 4:
            return []
        keys = self._phone_keys
        with self._lock:
            exact = keys.prefix_range(digits + "\x00")
            return [patient_id(self._entries[slot]) for slot in keys.slots(exact)]

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
            names = self._names
            return names.count(names.prefix_range(term.text))
        if term.kind == "email":
            return len(self._emails.prefix_range(term.text))
        if term.kind == "date":
            return len(self._by_dob.get(term.day, ())) if term.day else 0
        return len(self._entries) + 1  # phone: a scan, the last resort as a driver

    def _candidates(self, term: Term) -> Iterator[int]:
        if term.kind == "name":
            names = self._names
            return names.slots(names.prefix_range(term.text))
        if term.kind == "email":
            return self._email_candidates(term.text)
        if term.kind == "date":
            same_day = self._by_dob.get(term.day, set()) if term.day else set()
            return iter(sorted(same_day, key=lambda s: self._entries[s][SORT_NAME]))
        return self._phone_candidates(term.text)

    def _email_candidates(self, prefix: str) -> Iterator[int]:
        emails = self._emails
        return emails.slots(emails.prefix_range(prefix))

    def _phone_candidates(self, digits: str) -> Iterator[int]:
        """Phones containing `digits`: the whole number first, then numbers starting with it
        (both from the sorted keys), then numbers with it further inside (a scan in C)."""
        variants = phone_variants(digits)
        keys = self._phone_keys
        for variant in variants:
            yield from keys.slots(keys.prefix_range(variant))
        blob = self._phone_blob()
        for variant in variants:
            pos = blob.text.find(variant)
            while pos != -1:
                i = bisect_right(blob.offsets, pos) - 1
                if pos != blob.offsets[i]:  # numbers starting with the digits came above
                    yield blob.slots[i]
                pos = blob.text.find(variant, pos + 1)

    def _phone_blob(self) -> PhoneBlob:
        if self._phones is None:
            self._phones = PhoneBlob.of(self._entries.all_values())
        return self._phones


def _accepts(entry: Entry, term: Term) -> bool:
    if term.kind == "name":
        return any(token.startswith(term.text) for token in tokens(entry))
    if term.kind == "email":
        return entry[EMAIL_FOLDED].startswith(term.text)
    if term.kind == "date":
        return entry[BORN] == term.day
    return any(variant in entry[DIGITS] for variant in phone_variants(term.text))


def _email_fallback(query: str, terms: list[Term]) -> bool:
    """A single word that could be the start of an email ("jane.d") is tried as one too."""
    stripped = query.strip()
    return " " not in stripped and all(t.kind == "name" for t in terms)
