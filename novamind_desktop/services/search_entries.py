"""What PatientSearchIndex holds, and how all of it is built from 100,000 patients at once.

Each patient is an `Entry` (a tuple) in a numbered slot. Name words, emails and phone digits
are also in sorted keys ("sort-name\\0slot" under each word, "email\\0slot", "digits\\0slot")
that a prefix search bisects. `Contents.built` makes all of it a thousand patients at a time,
column by column with C-level map()s (no Python bytecode per patient where it can be
avoided, no C call long enough to keep the GUI thread waiting for the interpreter lock);
search_keys sorts the key arrays the same way. The result is exactly what adding the
patients one by one would give.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from itertools import accumulate, chain, compress, repeat
from operator import add, attrgetter, itemgetter
from typing import Final, NamedTuple
from uuid import UUID

from novamind_desktop.domain.appointments import Appointment
from novamind_desktop.domain.patients import Patient
from novamind_desktop.services.search_keys import SortedKeys, WordPostings, group_into
from novamind_desktop.services.search_maps import ShardedDict
from novamind_desktop.services.search_records import IndexedPatient, release_in_pieces
from novamind_desktop.services.search_text import (
    name_word_tokens,
    normalise_word,
    phone_digits,
    phone_digits_of,
)

PIECE = 1024  # patients handled per round of map()s (well under a millisecond each)
_KEY = "\x00".join  # of (text, str(slot)): "text\0slot", as email_key and phone_key make it
_SORT_NAME = " ".join  # of (last, first), both normalised
_PLUS_ONE = partial(add, 1)
_UUID_INT = attrgetter("int")
_NO_EMAIL: Final[dict[str | None, str]] = {None: ""}  # .get(email, email): "" for None


@dataclass(frozen=True)
class SearchHit:
    patient_id: UUID
    full_name: str
    date_of_birth: date
    phone: str
    email: str | None
    next_appointment: datetime | None = None
    active: bool = True


# One patient in the index: a plain tuple of plain values, read with the indices below. Not
# the IndexedPatient nor its UUID, so those are let go after the build; and not a NamedTuple,
# because CPython stops tracking plain tuples of untracked values (str, int, date, None...) in
# the garbage collector, never tuple subclasses: 100,000 entries then cost no collection
# (on whichever thread) any time, and building them triggers fewer full collections. The
# words that find the name are not kept (tokens() makes them again from the remembered
# words of each name): a tuple of them per patient cost the build ~10%.
Entry = tuple[int, int, str, str, date, str, str | None, bool, datetime | None, str, str, str]
SLOT: Final = 0
KEY: Final = 1  # the patient's id as UUID.int
FIRST_NAME: Final = 2
LAST_NAME: Final = 3
BORN: Final = 4
PHONE: Final = 5  # as shown
EMAIL: Final = 6  # as shown
ACTIVE: Final = 7
UPCOMING: Final = 8
SORT_NAME: Final = 9  # "last first", normalised
EMAIL_FOLDED: Final = 10  # lower case, "" when none
DIGITS: Final = 11  # the phone's digits
_SLOT, _DIGITS = itemgetter(SLOT), itemgetter(DIGITS)


def patient_id(entry: Entry) -> UUID:
    return UUID(int=entry[KEY])


def hit(entry: Entry) -> SearchHit:
    return SearchHit(
        patient_id(entry),
        f"{entry[FIRST_NAME]} {entry[LAST_NAME]}",
        entry[BORN],
        entry[PHONE],
        entry[EMAIL],
        entry[UPCOMING],
        entry[ACTIVE],
    )


def with_upcoming(entry: Entry, when: datetime | None) -> Entry:
    return (*entry[:UPCOMING], when, *entry[UPCOMING + 1 :])  # type: ignore[return-value]


def make_entry(slot: int, patient: IndexedPatient, upcoming: datetime | None) -> Entry:
    first, last = patient.first_name, patient.last_name
    return (
        slot,
        patient.id.int,
        first,
        last,
        patient.date_of_birth,
        patient.phone,
        patient.email,
        patient.active,
        upcoming,
        _SORT_NAME((normalise_word(last), normalise_word(first))),
        (patient.email or "").lower(),
        phone_digits(patient.phone),
    )


def tokens(entry: Entry) -> frozenset[str]:
    """Every word that finds the patient's name (name_tokens of "first last")."""
    return name_word_tokens(entry[FIRST_NAME]) | name_word_tokens(entry[LAST_NAME])


def name_key(entry: Entry) -> str:
    """The patient's key under each word of their name (WordPostings)."""
    return f"{entry[SORT_NAME]}\x00{entry[SLOT]}"


def phone_key(entry: Entry) -> str:
    return f"{entry[DIGITS]}\x00{entry[SLOT]}"


def email_key(entry: Entry) -> str:
    return f"{entry[EMAIL_FOLDED]}\x00{entry[SLOT]}"


def next_time(value: Appointment | datetime | None) -> datetime | None:
    return value.start if isinstance(value, Appointment) else value


def indexed(patient: IndexedPatient | Patient) -> IndexedPatient:
    return patient if isinstance(patient, IndexedPatient) else IndexedPatient.of(patient)


@dataclass(frozen=True)
class PhoneBlob:
    text: str  # every patient's phone digits, "|" between them
    offsets: list[int]
    slots: list[int]

    @classmethod
    def of(cls, entries: Iterable[Entry]) -> PhoneBlob:
        listed = list(entries)
        return cls.of_columns(list(map(_SLOT, listed)), list(map(_DIGITS, listed)))

    @classmethod
    def of_columns(cls, slots: list[int], digits: list[str]) -> PhoneBlob:
        offsets: list[int] = []
        start = 0
        for i in range(0, len(digits), PIECE):
            lengths = map(_PLUS_ONE, map(len, digits[i : i + PIECE]))
            piece = list(accumulate(lengths, initial=start))
            start = piece.pop()
            offsets += piece
        return cls("|".join(digits), offsets, slots)


class _Columns:
    """The keys and phone digits of every patient, gathered piece by piece."""

    def __init__(self) -> None:
        self.slots: list[int] = []
        self.digits: list[str] = []
        self.names: defaultdict[str, list[str]] = defaultdict(list)  # word -> name keys
        self.phone_keys: list[str] = []
        self.email_keys: list[str] = []

    def release(self) -> None:
        # Not the slots: the phone blob keeps them (PhoneBlob.of_columns).
        release_in_pieces(self.digits, self.phone_keys, self.email_keys)

    def add(self, piece: _Piece) -> None:
        """The keys of a piece of patients, as name_key, email_key and phone_key make them."""
        slot_texts = list(map(str, piece.slots))
        name_keys = map(_KEY, zip(piece.sort_names, slot_texts, strict=True))
        words = list(map(frozenset.union, *piece.name_words))  # tokens() of each
        each_key = chain.from_iterable(map(repeat, name_keys, map(len, words)))  # once a word
        group_into(self.names, chain.from_iterable(words), each_key)
        self.slots += piece.slots
        self.digits += piece.digits
        self.phone_keys += map(_KEY, zip(piece.digits, slot_texts, strict=True))
        with_email = compress(zip(piece.folded, slot_texts, strict=True), piece.folded)
        self.email_keys += map(_KEY, with_email)


class Contents(NamedTuple):
    """Everything the index holds; built aside, then swapped in under the index's lock."""

    entries: ShardedDict[Entry]  # by slot
    slot_of: ShardedDict[int]  # by UUID.int
    names: WordPostings
    emails: SortedKeys
    phone_keys: SortedKeys
    by_dob: dict[date, set[int]]
    phones: PhoneBlob | None

    @classmethod
    def empty(cls) -> Contents:
        return cls(_slot_table(), _id_table(), WordPostings(), SortedKeys(), SortedKeys(), {}, None)

    @classmethod
    def built(
        cls,
        patients: Iterable[IndexedPatient | Patient],
        upcoming: Mapping[UUID, Appointment | datetime],
    ) -> Contents:
        rows = patients if isinstance(patients, Sequence) else list(patients)
        starts = _starts(upcoming)
        entries: ShardedDict[Entry] = _slot_table()
        slot_of: ShardedDict[int] = _id_table()
        by_dob: defaultdict[date, set[int]] = defaultdict(set)
        columns = _Columns()
        for first in range(0, len(rows), PIECE):
            piece = _Piece(first + 1, rows[first : first + PIECE], starts)
            entries.fill(piece.slots, piece.entries)
            slot_of.fill(piece.keys, piece.slots)
            same_days = map(by_dob.__getitem__, piece.born)
            deque(map(set.add, same_days, piece.slots), maxlen=0)  # by_dob[born].add(slot), in C
            columns.add(piece)
        built = cls(
            entries,
            slot_of,
            WordPostings.of_groups(columns.names),
            SortedKeys(columns.email_keys),
            SortedKeys(columns.phone_keys),
            dict(by_dob),
            PhoneBlob.of_columns(columns.slots, columns.digits),
        )
        columns.release()
        return built

    def release(self) -> None:
        """Let go of everything in pieces (no long interpreter-locked deallocation)."""
        self.entries.release()
        self.slot_of.release()
        release_in_pieces(self.by_dob)
        for keys in (self.names, self.emails, self.phone_keys):
            keys.release()
        if self.phones is not None:
            release_in_pieces(self.phones.offsets, self.phones.slots)


def _slot_table() -> ShardedDict[Entry]:
    return ShardedDict.by_range()  # slots count up: iterated in slot order, as added


def _id_table() -> ShardedDict[int]:
    return ShardedDict.by_low_bits()  # UUID.int: random bits


def _starts(upcoming: Mapping[UUID, Appointment | datetime]) -> dict[int, datetime | None]:
    """Next appointment starts by UUID.int (the map may hold appointments or their starts):
    looked up by the entries' int keys, with no UUID.__hash__ frame per patient."""
    return {pid.int: next_time(value) for pid, value in upcoming.items()}


class _Piece:
    """make_entry() for a piece of patients numbered from `first_slot`, one column at a time
    (C-level map()s, no bytecode per patient), with the columns the keys are made from."""

    def __init__(
        self,
        first_slot: int,
        rows: Sequence[IndexedPatient | Patient],
        starts: Mapping[int, datetime | None],
    ):
        listed = rows if set(map(type, rows)) == {IndexedPatient} else list(map(indexed, rows))
        ids, firsts, lasts, self.born, phones, emails, active = zip(*listed, strict=True)
        self.slots = range(first_slot, first_slot + len(listed))
        self.keys = list(map(_UUID_INT, ids))
        normalised = zip(map(normalise_word, lasts), map(normalise_word, firsts), strict=True)
        self.sort_names = list(map(_SORT_NAME, normalised))
        self.name_words = (map(name_word_tokens, firsts), map(name_word_tokens, lasts))
        present = map(_NO_EMAIL.get, emails, emails)  # None -> "", in C
        self.folded = list(map(str.lower, present))  # type: ignore[arg-type]
        self.digits = phone_digits_of(phones)
        self.entries: list[Entry] = list(  # each entry a tuple made by zip(), as make_entry()
            zip(
                self.slots,
                self.keys,
                firsts,
                lasts,
                self.born,
                phones,
                emails,
                active,
                map(starts.get, self.keys),
                self.sort_names,
                self.folded,
                self.digits,
                strict=True,
            )
        )
