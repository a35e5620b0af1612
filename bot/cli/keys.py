"""``intake keys``: make encryption keys and rotate the database onto the newest one.

Rotating a key, step by step::

    intake keys generate                   # prints NEW
    INTAKE_KEYS=NEW,OLD intake keys rotate # re-encrypts everything with NEW
    INTAKE_KEYS=NEW ...                    # OLD can now be dropped
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from tqdm import tqdm

from bot.cli.common import CommandError, existing_storage
from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("keys", help="generate and rotate encryption keys",
                                 description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    generate = sub.add_parser("generate", help="print a new random key",
                              description="Print a new random key, for INTAKE_KEYS (put it "
                              "first) or for INTAKE_INDEX_KEY (a key of its own).")
    generate.set_defaults(handler=run_generate)
    rotate = sub.add_parser("rotate", help="re-encrypt every stored value with the newest key",
                            description="Re-encrypt every encrypted value with the first key "
                            "of INTAKE_KEYS, in batches, and recompute blind indexes with "
                            "INTAKE_INDEX_KEY. When INTAKE_INDEX_KEY changed, pending "
                            "invitations are invalidated (their codes are not stored, so "
                            "their indexes cannot be recomputed) and the command says how "
                            "many to issue again. Safe to interrupt and run again. Shows "
                            "progress on a terminal; says so when nothing was left to rotate.")
    rotate.add_argument("--batch-size", type=int, default=500, metavar="N",
                        help="rows per transaction (default: 500)")
    rotate.set_defaults(handler=run_rotate)


def run_generate(args: argparse.Namespace, settings: Settings) -> int:
    from storage.crypto import generate_key

    print(generate_key())
    return 0


class Progress:
    """A progress bar on ``out`` only when it is a terminal (nothing in a log or a pipe),
    ended with a newline by :meth:`close`."""

    def __init__(self, label: str, out: TextIO) -> None:
        self._bar = tqdm(desc=label, total=0, unit=" rows", file=out, leave=True,
                         disable=not out.isatty(), dynamic_ncols=True)

    def __call__(self, done: int, total: int) -> None:
        self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        self._bar.close()


def run_rotate(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime

    from storage.crypto import DecryptionError
    from storage.keycheck import reindex_canary
    from storage.rotation import rotate

    if args.batch_size <= 0:
        raise CommandError("--batch-size must be greater than zero")
    storage = existing_storage(settings)
    bar = Progress("rotating", sys.stderr)
    try:
        report = rotate(storage.context, args.batch_size, bar)
        invalidated = reindex_canary(storage.context, datetime.now(UTC), report.indexes > 0)
    except DecryptionError as error:
        raise CommandError(f"{error}; batches already done are kept: fix the keys and run "
                           "again") from None
    finally:
        bar.close()
        storage.close()
    if report.rows == 0:
        print("nothing to rotate: no encrypted value is stored yet")
    elif report.rewritten == 0:
        print(f"nothing left to rotate: all {report.rows} rows already use the newest key "
              "and current blind indexes")
    else:
        print(f"{report.rows} rows checked, {report.rewritten} rewritten "
              f"({report.values} values re-encrypted with the newest key)")
    if invalidated:
        print(f"INTAKE_INDEX_KEY changed: {invalidated} pending invitation"
              f"{'s were' if invalidated != 1 else ' was'} invalidated (their codes cannot "
              "be re-indexed); issue them again with `intake staff invite`")
    return 0
