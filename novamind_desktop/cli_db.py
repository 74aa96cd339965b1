"""`db status|upgrade|downgrade|backup|restore` and `rotate-key`: through the AdminService,
so each is permission-checked, holds the maintenance lock and is written to the audit log."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path

from novamind_desktop.bootstrap import AppContext, check_key
from novamind_desktop.cli_commands import (
    EXIT_INTERRUPTED,
    EXIT_NOTHING_DONE,
    EXIT_OK,
    cancellable,
    opened,
    progress_printer,
    say,
)
from novamind_desktop.domain.maintenance import BackupReport, MigrationStatus
from novamind_desktop.domain.users import Actor


def db(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    action = args.db_command
    # db commands work on a database at any revision, and never set up an empty one behind
    # the admin's back (except `upgrade`, whose job that is).
    with opened(environ, set_up_empty=False, need_current=False) as (context, actor):
        admin = context.services.admin
        if action == "status":
            print(describe_status(admin.status(actor)))
            return EXIT_OK
        if action == "upgrade":
            return _upgrade(context, actor, args)
        if action == "downgrade":
            admin.downgrade(actor, args.revision, progress_printer("Downgrading"))
            print(f"Downgraded. {short_status(admin.status(actor))}")
            return EXIT_OK
        if action == "backup":
            report = admin.backup(actor, Path(args.path))
            print(f"Backup written and verified: {describe_backup(report)}.")
            return EXIT_OK
        if action == "restore":
            report = admin.restore(actor, Path(args.path))
            print(f"Restored and verified from {describe_backup(report)}.")
            print(short_status(admin.status(actor)))
            return EXIT_OK
    raise AssertionError(f"unknown db action {action}")


def _upgrade(context: AppContext, actor: Actor, args: argparse.Namespace) -> int:
    from novamind_desktop.infrastructure.pg_backups import BackupUnavailable

    admin = context.services.admin
    before: MigrationStatus = admin.status(actor)
    if before.is_ahead:
        say(
            f"The database is at revision {before.current}, newer than this version of "
            "NOVAMIND Desktop knows; install the newer version instead."
        )
        return EXIT_NOTHING_DONE
    if not before.pending and args.revision == "head":
        print(f"Already up to date (revision {before.current}).")
        return EXIT_OK
    try:
        report = admin.upgrade(
            actor,
            args.revision,
            progress_printer("Upgrading"),
            take_backup=not args.no_backup,
        )
    except BackupUnavailable as error:  # one sentence: what is missing, and the way round it
        say(
            f"Nothing was upgraded: the backup taken first needs {error.needed} and none was "
            f"found {error.searched}; install the PostgreSQL client tools, or pass --no-backup "
            "if you have a backup of your own."
        )
        return EXIT_NOTHING_DONE
    if before.current is None:
        check_key(context.engine, context.cipher)  # a new database: record the key now
    if report is not None:
        print(f"Backup taken and verified first: {describe_backup(report)}.")
    print(f"Upgraded. {short_status(admin.status(actor))}")
    return EXIT_OK


def rotate_key(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    with opened(environ) as (context, actor), cancellable() as cancelled:
        report = context.services.admin.rotate_key(
            actor, progress_printer("Re-encrypting"), cancelled
        )
        source = context.keyring.source  # the key or the password and salt: name what is set
    if report.cancelled:
        say(
            f"Stopped after re-encrypting {report.rows_reencrypted} rows; run "
            "`novamind-desktop rotate-key` again to carry on where it stopped."
        )
        return EXIT_INTERRUPTED
    print(
        f"Re-encrypted {report.rows_reencrypted} of {report.rows_total} rows under the current "
        f"key. The database now opens with {source} alone: remove the old key "
        "from NOVAMIND_PREVIOUS_ENCRYPTION_KEYS on every workstation."
    )
    return EXIT_OK


def describe_status(status: MigrationStatus) -> str:
    lines = [
        f"Database: {status.database_label}",
        f"Current revision: {status.current or '(empty database)'}",
        f"Head revision: {status.head}",
    ]
    if status.is_ahead:
        lines.append("The database is newer than this version of NOVAMIND Desktop.")
    elif status.pending:
        lines.append(f"Pending migrations ({len(status.pending)}):")
        lines += [f"  {p.rev}  {p.message}" for p in status.pending]
        lines.append("Run `novamind-desktop db upgrade` to apply them (a backup is taken first).")
    else:
        lines.append("Up to date.")
    return "\n".join(lines)


def short_status(status: MigrationStatus) -> str:
    if status.pending:
        return f"The database is at revision {status.current}; {len(status.pending)} pending."
    return f"The database is at revision {status.current or '(empty)'}."


def describe_backup(report: BackupReport) -> str:
    return f"{report.path} ({report.rows} rows in {len(report.table_counts)} tables)"
