"""Command line: `volunteer-bot run` starts the bot, `volunteer-bot migrate` only migrates."""

from __future__ import annotations

import argparse
import asyncio
import sys

from bot.config import TOKEN_ENV, Config, ConfigError, config_path, load_config
from bot.logs import configure_logging
from storage.db import DatabaseTooNewError

EXIT_CONFIG = 2

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
    from bot.app import run_polling

    token = config.telegram.token.get_secret_value()
    if not token:
        print(NO_TOKEN, file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(config.logging.level, [token])
    return run_polling(config)


async def _migrate(config: Config) -> list[str]:
    from storage.db import migrate_file

    return await migrate_file(config.storage.path, config.storage.busy_timeout_ms)


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", help="path to config.toml (default: $VOLUNTEER_BOT_CONFIG)")
    parser = argparse.ArgumentParser(prog="volunteer-bot", description=__doc__, parents=[common])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="start the bot (long polling)", parents=[common])
    commands.add_parser("migrate", help="apply pending migrations and exit", parents=[common])
    args = parser.parse_args(argv)
    config = _load(args.config)
    if args.command == "run":
        return _run(config)
    configure_logging(config.logging.level, [config.telegram.token.get_secret_value()])
    try:
        applied = asyncio.run(_migrate(config))
    except DatabaseTooNewError as error:
        print(f"Database error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
