"""The command line (DESIGN §6): `novamind-desktop [--demo] | keygen | db … | users add … |
import … | export … | demo-data … | rotate-key`.

Exit status: 0 done; 1 an import refused some rows (each reported with its line number);
2 nothing done (bad file, bad key, database unreachable, bad arguments). Every error is one
sentence on stderr, never a traceback. Heavy modules (SQLAlchemy, Alembic, Qt) are imported
only by the command that needs them; `keygen` imports nothing but the key module.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from novamind_desktop import __version__

log = logging.getLogger(__name__)

EXIT_OK, EXIT_ROWS_REFUSED, EXIT_NOTHING_DONE, EXIT_INTERRUPTED = 0, 1, 2, 130
UNEXPECTED = "Something went wrong, nothing was saved."


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse prints usage and exits 2 itself; keep its exit code, make it one sentence.
        self.exit(EXIT_NOTHING_DONE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="novamind-desktop",
        description="Clinic administration for a mental-health practice.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="launch the GUI on a throwaway database with sample data and a demo key",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.add_parser("keygen", help="print a new master key for NOVAMIND_ENCRYPTION_KEY")
    _add_db(commands)
    users = commands.add_parser("users", help="manage staff accounts")
    users_cmd = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = users_cmd.add_parser("add", help="add a staff account")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=("frontdesk", "clinician", "admin"))
    add.add_argument("--display-name", help="name shown in the app (default: the username)")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of prompting",
    )
    _add_import_export(commands)
    demo = commands.add_parser("demo-data", help="fill the database with a synthetic clinic")
    demo.add_argument("--patients", type=_count, default=200, metavar="N")
    demo.add_argument("--appointments", type=_count, default=None, metavar="M")
    demo.add_argument("--seed", type=int, default=1, metavar="S")
    commands.add_parser(
        "rotate-key", help="re-encrypt every value under NOVAMIND_ENCRYPTION_KEY (resumable)"
    )
    return parser


def _add_db(commands: argparse._SubParsersAction[_Parser]) -> None:
    db = commands.add_parser("db", help="database status, migrations, backup and restore")
    db_cmd = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_cmd.add_parser("status", help="current and head revision, pending migrations")
    upgrade = db_cmd.add_parser("upgrade", help="back up, then migrate (default: head)")
    upgrade.add_argument("revision", nargs="?", default="head", metavar="REV")
    upgrade.add_argument(
        "--no-backup",
        action="store_true",
        help="migrate without taking a backup first (only if you have your own backup)",
    )
    downgrade = db_cmd.add_parser("downgrade", help="migrate down to REV (e.g. -1 or base)")
    downgrade.add_argument("revision", metavar="REV")
    backup = db_cmd.add_parser("backup", help="write a verified backup to PATH")
    backup.add_argument("path", metavar="PATH")
    restore = db_cmd.add_parser("restore", help="replace the database with the backup at PATH")
    restore.add_argument("path", metavar="PATH")


def _add_import_export(commands: argparse._SubParsersAction[_Parser]) -> None:
    imp = commands.add_parser("import", help="import patients or appointments (CSV or FHIR)")
    imp.add_argument("kind", choices=("patients", "appointments"))
    imp.add_argument("file", metavar="FILE")
    exp = commands.add_parser("export", help="export patients or appointments")
    exp.add_argument("kind", choices=("patients", "appointments"))
    exp.add_argument("--format", choices=("csv", "fhir", "ics"), default="csv")
    exp.add_argument("--out", metavar="FILE", help="write here instead of standard output")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The arguments. Starting the GUI (no arguments, or just --demo) skips building the
    parser with all its commands: that start is timed up to the sign-in window."""
    given = sys.argv[1:] if argv is None else list(argv)
    if given in ([], ["--demo"]):
        return argparse.Namespace(demo=bool(given), command=None)
    return build_parser().parse_args(given)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.command == "keygen":
        from novamind_desktop.infrastructure.keys import generate_key

        print(generate_key())
        return EXIT_OK
    return _run_guarded(args)


def _run_guarded(args: argparse.Namespace) -> int:
    from novamind_desktop import cli_commands
    from novamind_desktop.settings import StartupError

    # Until the command configures logging, nothing may fall through to logging's
    # last-resort handler, which would print tracebacks on stderr.
    logging.getLogger().addHandler(logging.NullHandler())
    try:
        command = cli_commands.dispatch(args)
        return command(args, os.environ)
    except KeyboardInterrupt:
        print("Interrupted; the current step was rolled back.", file=sys.stderr)
        return EXIT_INTERRUPTED
    except StartupError as error:
        print(str(error), file=sys.stderr)
        return error.exit_code
    except Exception as error:
        # Looked up only now: the error classes live in modules (SQLAlchemy, Alembic) that
        # the GUI must not import before its sign-in window shows.
        handler: Callable[[Exception], int] | None = next(
            (h for kind, h in cli_commands.error_handlers() if isinstance(error, kind)), None
        )
        if handler is not None:
            return handler(error)
        log.exception("unexpected error in command %s", args.command or "gui")
        print(f"{UNEXPECTED} {cli_commands.log_hint()}", file=sys.stderr)
        return EXIT_NOTHING_DONE


if __name__ == "__main__":
    sys.exit(main())
