"""What each command of the command line does (cli.py parses; this module acts).

Every command reads the environment once, sets up PHI-safe logging, builds the AppContext
through bootstrap (keys -> database -> migrations -> key check) and acts as
Actor.command_line(<os user>), an administrator whose actions are audited by name.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from novamind_desktop.bootstrap import (
    AppContext,
    Settings,
    build_context,
    build_demo_context,
    configure_logging,
    load_keys,
)
from novamind_desktop.domain.users import Actor

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ROWS_REFUSED, EXIT_NOTHING_DONE, EXIT_INTERRUPTED = 0, 1, 2, 130
Command = Callable[[argparse.Namespace, Mapping[str, str]], int]

_log_file: Path | None = None


def log_hint() -> str:
    return f"Details (without patient data) are in {_log_file}." if _log_file else ""


def say(message: str) -> None:
    """A sentence for the person at the terminal (stderr: stdout carries exported data)."""
    print(message, file=sys.stderr, flush=True)


def _settings(environ: Mapping[str, str]) -> Settings:
    global _log_file
    settings = Settings.from_environ(environ)
    configure_logging(settings)
    _log_file = settings.log_file
    return settings


@contextmanager
def opened(
    environ: Mapping[str, str], *, set_up_empty: bool = True, need_current: bool = True
) -> Iterator[tuple[AppContext, Actor]]:
    """The application context for one command, closed afterwards."""
    settings = _settings(environ)
    context = build_context(settings, set_up_empty=set_up_empty)
    try:
        if need_current:
            context.require_current_schema()
        yield context, Actor.command_line(settings.os_user)
    finally:
        context.close()


def dispatch(args: argparse.Namespace) -> Command:
    """The command's function; only its own module is imported (the GUI's start is timed)."""
    if args.command is None:
        return gui
    if args.command == "users":
        return users
    if args.command in ("db", "rotate-key"):
        from novamind_desktop import cli_db

        return {"db": cli_db.db, "rotate-key": cli_db.rotate_key}[args.command]
    from novamind_desktop import cli_data

    commands: dict[str, Command] = {
        "import": cli_data.import_file,
        "export": cli_data.export,
        "demo-data": cli_data.demo_data,
    }
    return commands[args.command]


# --- the GUI -------------------------------------------------------------------------------


def gui(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """The sign-in window shows at once; the database is opened on the worker meanwhile
    (run_gui calls the opener there, shows its StartupError and closes the context)."""
    from novamind_desktop.settings import StartupError

    settings = _settings(environ)
    demo = bool(args.demo)
    try:
        # A missing or malformed key is known without the database: say so before any window
        # (and before Qt is imported: PySide6 slows every import made after it).
        keyring = None if demo else load_keys(settings)
    except StartupError as error:
        from novamind_desktop.ui.app import show_startup_error

        return show_startup_error(str(error))
    from novamind_desktop.ui.app import run_gui

    def open_context() -> AppContext:
        if demo:
            return build_demo_context(settings)
        return build_context(settings, keyring=keyring)

    return run_gui(open_context, demo=demo)


# --- users ---------------------------------------------------------------------------------


class PasswordEntryError(Exception):
    """The password could not be read or the two entries differ."""


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        password = password.removesuffix("\r")
        if not password:
            raise PasswordEntryError("No password on standard input; nothing was saved.")
        return password
    try:
        first = getpass.getpass("Password: ")
        second = getpass.getpass("Password again: ")
    except EOFError:
        raise PasswordEntryError(
            "No password was entered; use --password-stdin to pipe one in."
        ) from None
    if first != second:
        raise PasswordEntryError("The two passwords differ; nothing was saved.")
    return first


def users(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    from novamind_desktop.domain.users import Role

    password = read_password(args.password_stdin)
    with opened(environ) as (context, actor):
        user = context.services.users.add_user(
            actor,
            args.username,
            args.display_name or args.username,
            Role(args.role),
            password,
        )
    print(f"Added {user.role.value} {user.username}.")
    return EXIT_OK


# --- errors --------------------------------------------------------------------------------


def error_handlers() -> list[tuple[type[BaseException], Callable[[Exception], int]]]:
    """Expected errors, in the order they are matched, each to one sentence and an exit code."""
    # Backup, import-file and demo-data errors are DomainErrors too: their str() is the sentence.
    from novamind_desktop.domain.errors import DomainError
    from novamind_desktop.infrastructure.crypto import DecryptionError
    from novamind_desktop.infrastructure.database import DatabaseUnreachable
    from novamind_desktop.infrastructure.migrations import MigrationError
    from novamind_desktop.paths import MissingAppFiles

    def sentence(error: Exception) -> int:
        say(str(error))
        return EXIT_NOTHING_DONE

    def undecryptable(error: Exception) -> int:
        say(f"{error} Nothing was saved.")
        return EXIT_NOTHING_DONE

    known: tuple[type[BaseException], ...] = (
        DomainError,
        DatabaseUnreachable,
        MigrationError,
        MissingAppFiles,
        PasswordEntryError,
    )
    return [(DecryptionError, undecryptable), *((kind, sentence) for kind in known)]


@contextmanager
def cancellable() -> Iterator[Callable[[], bool]]:
    """Ctrl-C asks the running job to stop after its current batch (a second one aborts)."""
    requested = {"stop": False}
    previous: Any = signal.getsignal(signal.SIGINT)

    def on_interrupt(_signum: int, _frame: object) -> None:
        if requested["stop"]:
            raise KeyboardInterrupt
        requested["stop"] = True
        say("Stopping after the current batch (press Ctrl-C again to abort it)…")

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield lambda: requested["stop"]
    finally:
        signal.signal(signal.SIGINT, previous)


def progress_printer(what: str) -> Callable[[int, int, str], None]:
    """Progress on stderr when it is a terminal; silent when piped or logged."""
    if not sys.stderr.isatty():
        return lambda done, total, label: None

    def show(done: int, total: int, label: str) -> None:
        end = "\n" if done >= total else ""
        print(f"\r{what}: {done}/{total} {label}\033[K", end=end, file=sys.stderr, flush=True)

    return show
