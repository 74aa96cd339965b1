"""Logging that cannot carry patient data.

Our own code logs only ids and counts. This filter is the second line of defence for what
other code might pass through: it blanks email addresses, phone-like numbers and dates in
every message, and it replaces the message of any exception that is not one of ours (SQL
errors quote parameters, ValueErrors quote input) with its type name. Tracebacks keep their
frames (file, line, code), which is what a developer needs and holds no patient data.
"""

from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path
from types import TracebackType

_UUID = re.compile(
    r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
)
_EMAIL = re.compile(r"[^\s@'\"<>(),;:]+@[^\s@'\"<>(),;:]+")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
_PHONE = re.compile(r"\+?\d[\d ().\-/]{5,}\d")

# Exceptions whose messages we write ourselves and keep free of patient data.
_SAFE_MODULE_PREFIXES = ("novamind_desktop.",)


def redact(text: str) -> str:
    """Blank anything in `text` that looks like an email, a phone number or a date."""
    uuids: list[str] = []

    def keep_uuid(match: re.Match[str]) -> str:
        uuids.append(match.group(0))
        return f"\x00{len(uuids) - 1}\x00"

    text = _UUID.sub(keep_uuid, text)
    text = _EMAIL.sub("<email>", text)
    text = _DATE.sub("<date>", text)
    text = _PHONE.sub("<number>", text)
    return re.sub("\x00(\\d+)\x00", lambda m: uuids[int(m.group(1))], text)


def _message_is_ours(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(_SAFE_MODULE_PREFIXES)


def describe_exception(exc: BaseException) -> str:
    """`Type: message` for our own exceptions, `Type (message withheld)` for anyone else's."""
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    if _message_is_ours(exc):
        return f"{name}: {redact(str(exc))}"
    return f"{name} (message withheld: it may quote patient data)"


def format_exception(
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
) -> str:
    """A traceback with frames only and every message passed through describe_exception."""
    parts: list[str] = []
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        frames = "".join(traceback.format_tb(exc.__traceback__ if tb is None else tb))
        parts.append(f"Traceback (most recent call last):\n{frames}{describe_exception(exc)}")
        tb = None
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return "\n\nwhile handling or caused by:\n\n".join(reversed(parts))


class PhiRedactingFilter(logging.Filter):
    """Attach to every handler: rewrites each record so nothing readable leaves the process."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        record.msg, record.args = redact(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = format_exception(*record.exc_info)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def configure(level: int, log_file: Path | None) -> logging.Handler:
    """Route all logging to `log_file` (or nowhere visible when None) through the filter.

    Nothing goes to stderr: the command line prints its own one-sentence messages there.
    """
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(log_file, encoding="utf-8")
    else:
        handler = logging.NullHandler()
    handler.addFilter(PhiRedactingFilter())
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s")
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_novamind", False)]:
        root.removeHandler(old)
        old.close()
    handler._novamind = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # SQL echo would log statement parameters; never let it through, whatever the level.
    logging.getLogger("sqlalchemy").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(max(level, logging.INFO))
    return handler
