"""Command line: `volunteer-bot run` starts the bot, `volunteer-bot migrate` only migrates,
`volunteer-bot export` writes service records to CSV or XLSX, `volunteer-bot import-volunteers`
brings in an existing roster, `volunteer-bot import-households` the households to pair."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, timedelta
from pathlib import Path

from bot.cli_imports import HOUSEHOLD_COLUMNS
from bot.config import TOKEN_ENV, Config, ConfigError, config_path, load_config
from bot.logs import configure_logging
from storage.db import DatabaseTooNewError

EXIT_CONFIG = 2
EXIT_USAGE = 1

NO_TOKEN = f"""No bot token is configured.

1. In Telegram, open a chat with @BotFather and send /newbot; follow its questions.
2. It answers with a token like 123456789:AAE...; keep it secret.
3. Give it to the bot, either way:
     export {TOKEN_ENV}='123456789:AAE...'
   or in config.toml:
     [telegram]
     token = "123456789:AAE..."
Then run `make run` again.
"""


def _load(cli_path: str | None) -> Config:
    try:
        return load_config(config_path(cli_path))
    except ConfigError as error:
        print(f"Configuration error:\n{error}", file=sys.stderr)
        raise SystemExit(EXIT_CONFIG) from None


def _run(config: Config) -> int:
    from telegram_adapter.app import run_polling

    token = config.telegram.token.get_secret_value()
    if not token:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(config.logging.level, [token, *config.wechat.secrets()])
    return run_polling(config)


async def _migrate(config: Config) -> list[str]:
    from storage.db import migrate_file

    return await migrate_file(config.storage.path, config.storage.busy_timeout_ms)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None


async def _export(config: Config, args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.domain.errors import DomainError
    from bot.i18n import Catalogs
    from bot.services import Services
    from bot.services.exports import export_labels
    from storage.db import Database
    from storage.reports import EXPORT_COLUMNS

    if args.to < args.start:
        print("--to must not be before --from", file=sys.stderr)
        return EXIT_USAGE
    catalogs = Catalogs(config.org.zone)
    t = catalogs.translator(config.org.default_language)
    header = [t(f"export.col.{column}") for column in EXPORT_COLUMNS]

    db = await Database.open(config.storage.path, config.storage.busy_timeout_ms)
    try:
        services = Services.build(db, config, SystemClock(), catalogs)
        await services.teams.seed(config.teams)
        end = args.to + timedelta(days=1)
        try:
            count = await services.exports.export(
                None,
                args.team,
                args.start,
                end,
                args.format,
                Path(args.out),
                header,
                export_labels(t),
                t("export.sheet"),
            )
        except DomainError as error:
            print(f"Export refused: {t(error.key, **error.params)}", file=sys.stderr)
            return EXIT_USAGE
        except ValueError as error:
            print(f"Export refused: {error}", file=sys.stderr)
            return EXIT_USAGE
    finally:
        await db.close()
    print(f"exported {count} service record(s) to {args.out}")
    return 0


def _import_volunteers(config: Config, file: str) -> int:
    from bot.cli_imports import read_roster, run_import
    from bot.services.registration import import_roster

    rows = read_roster(file)
    if isinstance(rows, str):
        print(f"{file}: {rows}", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(
        run_import(config, "volunteer(s)", lambda db, now: import_roster(db, now, rows))
    )


def _import_households(config: Config, file: str) -> int:
    from bot.cli_imports import read_households, run_import
    from bot.services.household_import import import_households

    rows = read_households(file)
    if isinstance(rows, str):
        print(f"{file}: {rows}", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(
        run_import(
            config,
            "household(s)",
            lambda db, now: import_households(db, now, config.org.zone, config.households, rows),
        )
    )


def _backup(config: Config, out: str | None) -> int:
    from bot.clock import SystemClock
    from bot.services import backup_service

    if not config.storage.path.is_file():
        print(f"no database at {config.storage.path}", file=sys.stderr)
        return EXIT_USAGE
    backups = backup_service(config, SystemClock())
    if out is None:
        made = asyncio.run(backups.make())
        print(
            f"backed up to {made.path} ({_size(made.size)}); the newest {config.backup.keep} kept"
        )
        return 0
    target = Path(out)
    if target.exists():
        print(f"{out} already exists; choose a new file name", file=sys.stderr)
        return EXIT_USAGE
    asyncio.run(backups.copy_to(target))
    print(f"backed up to {out} ({_size(target.stat().st_size)})")
    return 0


def _restore(config: Config, source: str) -> int:
    from datetime import UTC, datetime

    from bot.services.backups import RestoreRefused, restore

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    try:
        restored = restore(config.storage.path, Path(source), f"before-restore-{stamp}")
    except RestoreRefused as refused:
        print(f"Restore refused: {refused}", file=sys.stderr)
        return EXIT_USAGE
    print(f"restored {source} into {config.storage.path} (migration {restored.version})")
    if restored.kept is not None:
        print(f"the database it replaced is kept as {restored.kept}")
    return 0


def _doctor(config: Config) -> int:
    from datetime import UTC, datetime

    from bot.clock import SystemClock
    from bot.services import backup_service
    from storage.backup import health, lock_holder
    from storage.db import migrations

    database = config.storage.path
    if not database.is_file():
        print(f"no database at {database}", file=sys.stderr)
        return EXIT_USAGE
    figures = health(database)
    now = datetime.now(UTC)
    pid = lock_holder(database)
    lines = [
        f"database      {database}",
        f"size          {_size(figures.size_bytes)} (write-ahead log {_size(figures.wal_bytes)})",
        f"migration     {figures.version} (this code knows {len(migrations())})",
        "bot           " + ("not running" if pid is None else f"running (process {pid or '?'})"),
        "rows          " + ", ".join(f"{table} {count}" for table, count in figures.rows.items()),
        "outbox        "
        + (", ".join(f"{state} {count}" for state, count in figures.outbox.items()) or "empty"),
    ]
    if figures.oldest_pending is None:
        lines.append("oldest pending none")
    else:
        row_id, kind, created_at, not_before = figures.oldest_pending
        age = now - datetime.fromisoformat(created_at)
        lines.append(
            f"oldest pending #{row_id} {kind}, queued {created_at} ({_ago(age)} ago),"
            f" not before {not_before}"
        )
    last = backup_service(config, SystemClock()).last()
    if last is None:
        lines.append(f"last backup   none in {config.backup.folder(config.storage)}")
    else:
        lines.append(
            f"last backup   {last.path} ({_size(last.size)}, {_ago(now - last.made_at)} ago)"
        )
    print("\n".join(lines))
    return 0


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _ago(age: timedelta) -> str:
    minutes = max(int(age.total_seconds()) // 60, 0)
    if minutes < 120:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", help="path to config.toml (default: $VOLUNTEER_BOT_CONFIG)")
    parser = argparse.ArgumentParser(prog="volunteer-bot", description=__doc__, parents=[common])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the bot (long polling)", parents=[common])
    commands.add_parser("migrate", help="apply pending migrations and exit", parents=[common])
    export = commands.add_parser(
        "export", help="write service records to CSV or XLSX", parents=[common]
    )
    export.add_argument("--from", dest="start", type=_date, required=True, help="first day")
    export.add_argument("--to", type=_date, required=True, help="last day (included)")
    export.add_argument("--team", help="a team key (default: every team)")
    export.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    export.add_argument("--out", required=True, help="the file to write")
    roster = commands.add_parser(
        "import-volunteers", help="import a roster CSV (name,phone,teams)", parents=[common]
    )
    roster.add_argument("file", help="CSV with a header name,phone,teams (teams: keys by ;)")
    homes = commands.add_parser(
        "import-households",
        help="import households to pair volunteers with (CSV: code,team,community,...)",
        parents=[common],
    )
    homes.add_argument(
        "file",
        help=f"CSV with a header {','.join(HOUSEHOLD_COLUMNS)} (the first three required;"
        " needs: keys by ;)",
    )
    copy = commands.add_parser(
        "backup", help="copy the database while the bot runs", parents=[common]
    )
    copy.add_argument("--out", help="the copy's file (default: into backup.dir, pruned)")
    restore = commands.add_parser(
        "restore", help="replace the database with a backup (the bot stopped)", parents=[common]
    )
    restore.add_argument("file", help="a copy made by `volunteer-bot backup`")
    commands.add_parser(
        "doctor", help="database size, row counts, outbox, last backup", parents=[common]
    )
    args = parser.parse_args(argv)
    config = _load(args.config)
    if args.command == "run":
        return _run(config)
    configure_logging(config.logging.level, [config.telegram.token.get_secret_value()])
    if args.command == "export":
        return asyncio.run(_export(config, args))
    if args.command == "backup":
        return _backup(config, args.out)
    if args.command == "restore":
        return _restore(config, args.file)
    if args.command == "doctor":
        return _doctor(config)
    if args.command == "import-volunteers":
        return _import_volunteers(config, args.file)
    if args.command == "import-households":
        return _import_households(config, args.file)
    try:
        applied = asyncio.run(_migrate(config))
    except DatabaseTooNewError as error:
        print(f"Database error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
