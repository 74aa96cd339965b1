"""A second process opening part of the search index's sealed values (infrastructure/
column_opener.py is the child's side), while this process opens the rest.

Why a process: AES-GCM decryption in `cryptography` holds the interpreter lock, so a second
thread opens nothing faster; a second process opens in parallel on the second core. It is
short-lived (one index load) and gets chunks as they are read, as long as it has fewer than
DEPTH of them in hand; this process opens the chunks it would otherwise wait for, so a slow
start or a busy core shifts the work instead of stalling the load.

What crosses the pipe: the per-column subkeys under every configured key (never the master
key), then the rows' 16-byte ids and sealed values of its chunks; back come plaintexts. The
child gets no database access and no environment variable of ours (NOVAMIND_*, the database
URL), nothing on its command line, and its stderr goes to /dev/null: a traceback there could
quote a value.

Any failure of the child (it cannot start, dies, answers garbage or nothing for
REPLY_TIMEOUT_S) breaks it for this load: it is killed and waited for, one line without
patient data is logged, and its outstanding chunks are opened here. A chunk it will not open
(a tampered, moved or truncated value) it hands back, and this process opens it and raises
FieldCipher's DecryptionError naming table, column and row.
"""

from __future__ import annotations

import contextlib
import io
import logging
import marshal
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections.abc import Sequence
from enum import Enum
from typing import IO, Any

from novamind_desktop.infrastructure.column_opener import read_message, write_message
from novamind_desktop.infrastructure.crypto import FieldCipher

log = logging.getLogger(__name__)

COMMAND = [sys.executable, "-m", "novamind_desktop.infrastructure.column_opener"]
DEPTH = 3  # chunks in the child's hands at a time
REPLY_TIMEOUT_S = 5.0  # waiting at the end with no answer this long: the child is broken
_JOIN_TIMEOUT_S = 2.0
_WITHHELD_ENV = ("DATABASE_URL", "PGPASSWORD")  # and every NOVAMIND_* variable

_HUNG_UP = b""  # the courier's sign that the conversation is over (no reply is empty)

Opened = list[list[str | None]]  # a chunk's opened columns, in the order sent


class Answer(Enum):
    NOT_YET = "nothing came back yet"
    BROKEN = "the child is broken: open the chunk in this process"


class _PlainData(pickle.Unpickler):
    """Unpickles lists, strings and None only: a reply that names any class is garbage."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError("a reply holds only plain data")


class OpeningHelper:
    """The child process and the thread that talks to it (the courier: it only writes and
    reads pipes, so it gives up the interpreter lock while it waits)."""

    def __init__(self, process: subprocess.Popen[bytes], keys: bytes):
        self._process = process
        # (chunk number, message); the keys go first as chunk -1, None ends the conversation
        self._outbox: queue.SimpleQueue[tuple[int, bytes] | None] = queue.SimpleQueue()
        self._inbox: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self._sent: list[list[Sequence[Any]]] = []  # the columns of the chunks in its hands
        self._numbers: list[int] = []  # and their numbers
        self._withdrawn: set[int] = set()  # taken back before the courier handed them over
        self.answered = False  # the child is up: it has answered a chunk
        self.handed = 0
        self.broken = False
        self._outbox.put((-1, keys))
        self._courier = threading.Thread(target=self._carry, name="index-helper", daemon=True)
        self._courier.start()

    @classmethod
    def start(cls, cipher: FieldCipher, table: str, columns: Sequence[str]) -> OpeningHelper | None:
        """The helper, running; None (logged) if it cannot be started here."""
        if getattr(sys, "frozen", False):  # a bundled app has no `python -m`
            return None
        keys = [(c, *key) for c in columns for key in cipher.column_keys(table, c)]
        environ = {
            k: v for k, v in os.environ.items() if not k.startswith("NOVAMIND_")
            and k not in _WITHHELD_ENV
        }  # fmt: skip
        try:
            process = subprocess.Popen(
                COMMAND,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=environ,
            )
        except (OSError, ValueError) as error:
            log.warning("Index helper process did not start (%s); opening in-process.",
                        type(error).__name__)  # fmt: skip
            return None
        return cls(process, marshal.dumps(keys))

    def _carry(self) -> None:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        try:
            while (numbered := self._outbox.get()) is not None:
                number, message = numbered
                if number in self._withdrawn:
                    continue
                write_message(stdin, message)
                if number < 0:  # the keys: no reply
                    continue
                reply = read_message(stdout)
                if reply is None:
                    break
                self._inbox.put(reply)
        except Exception:  # a dead child or a closed pipe: reported as broken
            pass
        finally:
            self._inbox.put(_HUNG_UP)
            _close_quietly(stdin)

    @property
    def has_room(self) -> bool:
        return not self.broken and len(self._sent) < DEPTH

    def send(self, row_ids: list[bytes], columns: dict[str, Sequence[Any]], as_hex: bool) -> None:
        """Hand a chunk over: its 16-byte row ids and each column's sealed values."""
        number = self.handed
        self.handed += 1
        self._sent.append(list(columns.values()))
        self._numbers.append(number)
        self._outbox.put((number, marshal.dumps((as_hex, row_ids, columns))))

    def withdraw_last(self) -> None:
        """Take back the chunk handed over last (this process opens it instead): its reply,
        if the child got to it, comes after all the others and is never read."""
        self._withdrawn.add(self._numbers.pop())
        del self._sent[-1]

    def reply(self, wait: bool) -> Opened | Answer | None:
        """The oldest chunk's opened columns; None if the child would not open it (open it
        here: it raises the error); NOT_YET if nothing came back and not `wait`; BROKEN if the
        child is broken (open it here). Replies come in the order the chunks were sent."""
        if not self._sent:
            raise LookupError("no chunk in the helper's hands")
        if self.broken:
            return self._take(Answer.BROKEN)
        try:
            answer = self._inbox.get(timeout=REPLY_TIMEOUT_S) if wait else self._inbox.get_nowait()
        except queue.Empty:
            if not wait:
                return Answer.NOT_YET
            return self._give_up("did not answer in time")
        if answer == _HUNG_UP:
            return self._give_up("stopped")
        opened = self._checked(answer)
        if opened is Answer.BROKEN:
            return self._give_up("answered garbage")
        return self._take(opened)

    def _checked(self, answer: bytes) -> Opened | Answer | None:
        """The reply read (each column's texts, None where NULLs went), if it has the shape
        of one; BROKEN if not."""
        try:
            joined = _PlainData(io.BytesIO(answer)).load()
        except Exception:  # whatever the bytes were, they are not a reply
            return Answer.BROKEN
        if joined is None:
            return None
        sent = self._sent[0]
        if type(joined) is not list or len(joined) != len(sent):
            return Answer.BROKEN
        opened: Opened = []
        for texts, values in zip(joined, sent, strict=True):
            column = _with_nulls(texts, values) if type(texts) is str else None
            if column is None:
                return Answer.BROKEN
            opened.append(column)
        return opened

    def _take(self, answer: Opened | Answer | None) -> Opened | Answer | None:
        del self._sent[0], self._numbers[0]
        self.answered = True
        return answer

    def _give_up(self, reason: str) -> Answer:
        if not self.broken:
            self.broken = True
            log.warning("Index helper process %s; opening its share in-process.", reason)
            self._stop()
        del self._sent[0], self._numbers[0]
        return Answer.BROKEN

    def close(self) -> None:
        """Ends the child and waits for it, so no process is left behind. Killed, not asked
        to stop: it holds nothing to flush, and its interpreter's own shutdown cost the load
        ~30 ms of waiting."""
        self._stop()

    def _stop(self) -> None:
        self._outbox.put(None)  # the courier stops and closes the child's stdin
        if self._process.returncode is None:
            self._process.kill()
            self._process.wait()  # a killed process ends at once: waitpid, no polling
        self._courier.join(timeout=_JOIN_TIMEOUT_S)  # its pipes broke with the kill
        if self._process.stdout is not None:
            _close_quietly(self._process.stdout)

    @property
    def process(self) -> subprocess.Popen[bytes]:
        return self._process


def _with_nulls(joined: str, sealed: Sequence[Any]) -> list[str | None] | None:
    """The column's texts from their NUL-joined form, None in the places of `sealed`'s NULLs;
    None if the count does not match what was sent."""
    nulls = sealed.count(None) if None in sealed else 0
    if nulls == len(sealed):
        return [None] * nulls if joined == "" else None
    texts: list[str | None] = list(joined.split("\0"))
    if len(texts) != len(sealed) - nulls:
        return None
    if not nulls:
        return texts
    opened = iter(texts)
    return [None if value is None else next(opened) for value in sealed]


def _close_quietly(stream: IO[bytes]) -> None:
    with contextlib.suppress(OSError):
        stream.close()
