"""The search index's load with the helper process (repositories/index_helper.py and the child
infrastructure/column_opener.py) on both databases: the real child, real keys, real rows.

The helper is forced on for a handful of patients (patient_index.HELPER_FROM = 1) and the
chunks made small, so the child opens several chunks and this process the others."""

from __future__ import annotations

import base64
import logging
import os
import sys
from contextlib import suppress
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from storage_samples import new_patient, raw_row

from novamind_desktop.infrastructure import column_opener
from novamind_desktop.infrastructure.crypto import DecryptionError, FieldCipher
from novamind_desktop.infrastructure.keys import KEY_VAR, PREVIOUS_VAR, generate_key, load_keyring
from novamind_desktop.infrastructure.records import PatientRecord
from novamind_desktop.infrastructure.repositories import index_helper, patient_index
from novamind_desktop.infrastructure.unit_of_work import make_uow_factory

PATIENTS = PatientRecord.__table__
NAMES = ["Zoë", "Søren", "Ægir", "Ørjan", "Mañana", "José", "Łukasz", "Åse", "Ingrid", "Noël"]


class Helpers:
    """Every helper the loads start, how many chunks they were handed and how many of those
    came back opened (not handed back to be opened here)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.started: list[index_helper.OpeningHelper] = []
        self.handed = self.opened = 0
        self.niceness: set[int] = set()  # of the children, seen while they answered
        helper = index_helper.OpeningHelper
        start, send, reply = helper.start.__func__, helper.send, helper.reply

        def started(cls: Any, *args: Any) -> Any:
            helper = start(cls, *args)
            if helper is not None:
                self.started.append(helper)
            return helper

        def handed(helper: Any, *args: Any) -> None:
            self.handed += 1
            send(helper, *args)

        def replied(helper: Any, wait: bool) -> Any:
            answer = reply(helper, wait)
            if type(answer) is list:  # the child is running its main loop
                self.opened += 1
                with suppress(ProcessLookupError):  # one that answered and was told to end
                    self.niceness.add(os.getpriority(os.PRIO_PROCESS, helper.process.pid))
            return answer

        monkeypatch.setattr(helper, "start", classmethod(started))
        monkeypatch.setattr(helper, "send", handed)
        monkeypatch.setattr(helper, "reply", replied)

    def none_left_running(self) -> bool:
        return all(
            h.process.returncode is not None and not Path(f"/proc/{h.process.pid}").exists()
            for h in self.started
        )


@pytest.fixture
def helpers(monkeypatch: pytest.MonkeyPatch) -> Helpers:
    monkeypatch.setattr(patient_index, "HELPER_FROM", 1)
    monkeypatch.setattr(patient_index, "_CHUNK", 3)
    monkeypatch.setattr(patient_index, "TAKE_BACK", False)  # the child opens all it is handed
    return Helpers(monkeypatch)


def read(factory: Any, actor: Any, helper: bool) -> list[Any]:
    patient_index.HELPER_FROM = 1 if helper else None
    with factory(actor) as uow:
        return list(uow.patients.list_for_index())


def stored(migrated_db: Any, actor: Any, count: int) -> None:
    with migrated_db(actor) as uow:
        for i in range(count):
            uow.patients.add(new_patient(email=f"p{i}@example.org"))
        uow.commit()


def rotating_clinic(migrated_db: Any, actor: Any, key_environ: dict[str, str]) -> Any:
    """Twenty patients, every other one written under the old key (mid-rotation), with
    non-ASCII names and some without email; the factory opening them under the new key."""
    rotating = FieldCipher(
        load_keyring({KEY_VAR: generate_key(), PREVIOUS_VAR: key_environ[KEY_VAR]})
    )
    new_factory = make_uow_factory(migrated_db.engine, rotating, migrated_db.clock)
    for i in range(20):
        factory = new_factory if i % 2 else migrated_db
        email = None if i % 3 == 0 else f"p{i}@example.org"
        with factory(actor) as uow:
            uow.patients.add(new_patient(first_name=NAMES[i % 10], email=email))
            uow.commit()
    return new_factory


def test_the_helper_returns_what_the_load_in_process_returns(
    migrated_db, admin_actor, key_environ, helpers, caplog
) -> None:
    factory = rotating_clinic(migrated_db, admin_actor, key_environ)
    in_process = read(factory, admin_actor, helper=False)
    assert helpers.started == [] and len(in_process) == 20
    with caplog.at_level(logging.WARNING):
        with_helper = read(factory, admin_actor, helper=True)
    assert with_helper == in_process  # same records, same order
    assert {p.first_name for p in with_helper} == set(NAMES)
    assert sum(p.email is None for p in with_helper) == 7
    assert len(helpers.started) == 1 and helpers.handed == helpers.opened > 0
    assert not caplog.records
    assert helpers.none_left_running()


def test_a_tampered_value_in_the_helpers_share_is_named_not_shown(
    migrated_db, admin_actor, helpers, caplog
) -> None:
    with migrated_db(admin_actor) as uow:
        for i in range(7):
            uow.patients.add(new_patient(email=f"p{i}@example.org", phone=f"+4416329600{i:02}"))
        uow.commit()
    in_order = read(migrated_db, admin_actor, helper=False)
    # The first chunk always goes to the helper: a value moved into it from another row.
    victim, donor = in_order[1], in_order[5]
    copied = raw_row(migrated_db.engine, PATIENTS, donor.id).phone
    with migrated_db.engine.begin() as connection:
        connection.execute(update(PATIENTS).where(PATIENTS.c.id == victim.id).values(phone=copied))
    with caplog.at_level(logging.WARNING), pytest.raises(DecryptionError) as refused:
        read(migrated_db, admin_actor, helper=True)
    error = refused.value
    assert (error.table, error.column, error.row_id) == ("patients", "phone", victim.id)
    assert str(victim.id) in str(error)
    assert victim.phone not in str(error) and donor.phone not in str(error)
    assert helpers.handed > helpers.opened  # the child handed it back (and did not break)
    assert not caplog.records
    assert helpers.none_left_running()


HANGS = [sys.executable, "-c", "import time; time.sleep(600)"]  # > pytest's timeout
FRAMED = "import sys, struct; o = sys.stdout.buffer; "
BROKEN_CHILDREN = {
    "cannot start": ["/nonexistent/python3"],
    "exits at once": ["false"],
    "exits after one chunk": [
        sys.executable, "-c",
        "import sys, marshal; from novamind_desktop.infrastructure.column_opener import *; "
        "i, o = sys.stdin.buffer, sys.stdout.buffer; "
        "openers = openers_of(marshal.loads(read_message(i))); "
        "write_message(o, open_chunk(openers, read_message(i)))",
    ],
    "answers garbage": [
        sys.executable, "-c", FRAMED + "o.write(struct.pack('>I', 5) + b'hello'); o.flush(); "
        "sys.stdin.buffer.read()",
    ],
    "answers a pickle that calls open()": [
        sys.executable, "-c", FRAMED + "import pickle; "
        "opens = lambda self: (open, (sys.argv[1], 'w')); "
        "p = pickle.dumps([type('R', (), {'__reduce__': opens})()] * 5); "
        "o.write(struct.pack('>I', len(p)) + p); o.flush(); sys.stdin.buffer.read()",
        "{unpickled}",
    ],
    "answers too few values": [
        sys.executable, "-c", FRAMED + "import pickle; p = pickle.dumps(['x'] * 5); "
        "o.write(struct.pack('>I', len(p)) + p); o.flush(); sys.stdin.buffer.read()",
    ],
    "hangs": HANGS,
}  # fmt: skip


@pytest.mark.parametrize("child", BROKEN_CHILDREN.values(), ids=BROKEN_CHILDREN.keys())
def test_a_helper_that_fails_is_replaced_by_opening_here(
    migrated_db, admin_actor, helpers, monkeypatch, caplog, tmp_path, child
) -> None:
    with migrated_db(admin_actor) as uow:
        for i in range(10):
            email = None if i % 4 else f"p{i}@example.org"
            uow.patients.add(new_patient(first_name=NAMES[i], email=email))
        uow.commit()
    expected = read(migrated_db, admin_actor, helper=False)
    unpickled = tmp_path / "unpickled"  # what an unrestricted unpickler would create
    monkeypatch.setattr(
        index_helper, "COMMAND", [a.replace("{unpickled}", str(unpickled)) for a in child]
    )
    monkeypatch.setattr(index_helper, "REPLY_TIMEOUT_S", 0.5)
    with caplog.at_level(logging.WARNING):
        assert read(migrated_db, admin_actor, helper=True) == expected
    assert [r.levelno for r in caplog.records] == [logging.WARNING]  # one line, no PHI
    logged = caplog.records[0].getMessage()
    assert not any(p.first_name in logged or p.phone in logged for p in expected)
    assert helpers.none_left_running() and not unpickled.exists()


def test_chunks_the_helper_has_not_got_to_are_taken_back_at_the_end(
    migrated_db, admin_actor, helpers, monkeypatch, caplog
) -> None:
    with migrated_db(admin_actor) as uow:
        for i in range(10):
            uow.patients.add(new_patient(first_name=NAMES[i], email=f"p{i}@example.org"))
        uow.commit()
    expected = read(migrated_db, admin_actor, helper=False)
    # A child that never answers: waiting for it would outlast pytest's timeout.
    monkeypatch.setattr(index_helper, "COMMAND", HANGS)
    monkeypatch.setattr(index_helper, "REPLY_TIMEOUT_S", 600)
    monkeypatch.setattr(patient_index, "TAKE_BACK", True)
    with caplog.at_level(logging.WARNING):
        assert read(migrated_db, admin_actor, helper=True) == expected
    assert helpers.handed == index_helper.DEPTH and helpers.opened == 0 and not caplog.records
    assert helpers.none_left_running()


def test_a_load_abandoned_while_the_helper_holds_chunks_ends_it(
    migrated_db, admin_actor, helpers, monkeypatch
) -> None:
    stored(migrated_db, admin_actor, 15)
    in_order = read(migrated_db, admin_actor, helper=False)
    # A child that never answers keeps the first three chunks: the rest is opened here, and
    # a tampered value there ends the load before anything waits for the child.
    victim = in_order[13]
    with migrated_db.engine.begin() as connection:
        connection.execute(update(PATIENTS).where(PATIENTS.c.id == victim.id).values(phone=b"x"))
    monkeypatch.setattr(index_helper, "COMMAND", HANGS)
    with pytest.raises(DecryptionError) as refused:
        read(migrated_db, admin_actor, helper=True)
    assert refused.value.row_id == victim.id
    assert helpers.handed == index_helper.DEPTH and helpers.none_left_running()


RECORDER = (
    "import os, sys; from novamind_desktop.infrastructure.column_opener import read_message; "
    "sent = [read_message(sys.stdin.buffer) for _ in range(2)]; "
    "open(sys.argv[1], 'wb').write(b''.join(sent)); "
    "open(sys.argv[2], 'w').write(repr(sorted(os.environ.items())))"
)


def test_what_the_helper_is_given_holds_no_master_key(
    migrated_db, admin_actor, key_environ, helpers, monkeypatch, tmp_path
) -> None:
    with migrated_db(admin_actor) as uow:
        added = [uow.patients.add(new_patient(email=f"p{i}@example.org")) for i in range(4)]
        uow.commit()
    stdin, environ = tmp_path / "stdin", tmp_path / "environ"
    recorder = [sys.executable, "-c", RECORDER, str(stdin), str(environ)]
    monkeypatch.setattr(index_helper, "COMMAND", recorder)
    monkeypatch.setenv(KEY_VAR, key_environ[KEY_VAR])  # as in the application's environment
    assert len(read(migrated_db, admin_actor, helper=True)) == 4
    given = stdin.read_bytes()
    master = base64.urlsafe_b64decode(key_environ[KEY_VAR])
    subkeys = [
        k
        for c in ("first_name", "email")
        for _, k, _ in migrated_db.cipher.column_keys("patients", c)
    ]
    assert all(subkey in given for subkey in subkeys)  # the test looks at the right bytes
    assert master not in given and key_environ[KEY_VAR].encode() not in given
    assert not any(
        p.details.first_name.encode() in given or p.details.phone.encode() in given for p in added
    )
    assert key_environ[KEY_VAR] not in environ.read_text() and KEY_VAR not in environ.read_text()
    assert migrated_db.url not in environ.read_text()
    assert helpers.none_left_running()


@pytest.mark.skipif(not hasattr(os, "nice"), reason="niceness is a POSIX notion")
def test_the_helper_gives_way_to_the_apps_own_threads(migrated_db, admin_actor, helpers) -> None:
    stored(migrated_db, admin_actor, 9)
    assert len(read(migrated_db, admin_actor, helper=True)) == 9
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert helpers.niceness == {min(19, ours + column_opener.NICENESS)}
