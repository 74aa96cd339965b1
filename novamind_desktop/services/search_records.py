"""What the search index holds of each patient, and how large collections of it are let go.

`IndexedPatient` is the read model of the find-as-you-type list: the fields a result line shows
and a search matches, nothing else. `PatientRepository.list_for_index` reads it straight from
the encrypted rows (no domain `Patient`, whose construction alone would cost the index a
third of its 2-second budget at 100,000 patients); saves on this workstation arrive as full
`Patient`s and are reduced with `IndexedPatient.of`.

Letting go of 100,000 records at once (a list or dict dropped in one statement) frees about a
million objects in one C call that holds the interpreter lock for 25-100 ms: a visible GUI
stall when it happens on the worker. `release_in_pieces` empties containers a few thousand
items at a time instead, and `IndexedPatients` does so when the list itself is dropped.
"""

from __future__ import annotations

from collections.abc import MutableMapping, MutableSequence
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from novamind_desktop.domain.patients import Patient

# Freeing 1,024 records (~8,000 objects) takes well under a millisecond.
RELEASE_PIECE = 1024


class IndexedPatient(NamedTuple):
    """One patient as the search index sees them (all of it decrypted PHI, memory only)."""

    id: UUID
    first_name: str
    last_name: str
    date_of_birth: date
    phone: str
    email: str | None
    active: bool

    @property
    def full_name(self) -> str:
        """As Patient.full_name: "First Last"."""
        return f"{self.first_name} {self.last_name}"

    @classmethod
    def of(cls, patient: Patient) -> IndexedPatient:
        d = patient.details
        return cls(
            patient.id, d.first_name, d.last_name, d.date_of_birth, d.phone, d.email, patient.active
        )


def release_in_pieces(*containers: MutableSequence[Any] | MutableMapping[Any, Any]) -> None:
    """Empty each list or dict a piece at a time, so other threads get the interpreter lock
    between pieces (Python code, unlike one C-level deallocation, can be interrupted)."""
    for container in containers:
        if isinstance(container, MutableSequence):
            while container:
                del container[-RELEASE_PIECE:]
        else:  # the dict lets go of its items (a quick C call), two lists keep them alive
            keys, values = list(container), list(container.values())
            container.clear()
            release_in_pieces(keys, values)


class IndexedPatients(list[IndexedPatient]):
    """A plain list of IndexedPatient (what list_for_index returns) that, when dropped, lets
    go of its records in pieces rather than in one long interpreter-locked deallocation."""

    def __del__(self) -> None:
        release_in_pieces(self)
