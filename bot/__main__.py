"""Composition root: read settings, build the command line, dispatch. Nothing else."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import __version__
from bot.cli import (
    audit,
    chat,
    console,
    db,
    directory,
    flows,
    i18n,
    keys,
    report,
    retention,
    run,
    staff,
)
from bot.cli.common import expected_error, plain_help
from bot.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="intake",
        description="Guided protection intake and referral routing for frontline staff.")
    parser.add_argument("--version", action="version", version=f"intake {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (audit, chat, console, db, directory, flows, i18n, keys, report, retention,
                   run, staff):
        module.register(commands)
    plain_help(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return int(args.handler(args, settings))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        message = expected_error(error)
        if message is None:
            raise  # a bug: its traceback is what a report needs
        print(f"error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
