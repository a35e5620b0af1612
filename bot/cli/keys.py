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

from bot.settings import Settings

BAR_WIDTH = 30


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
                            "INTAKE_INDEX_KEY. Safe to interrupt and run again.")
    rotate.add_argument("--batch-size", type=int, default=500, metavar="N",
                        help="rows per transaction (default: 500)")
    rotate.set_defaults(handler=run_rotate)


def run_generate(args: argparse.Namespace, settings: Settings) -> int:
    from storage.crypto import generate_key

    print(generate_key())
    return 0


class ProgressBar:
    """``rotating [#####.....] 1500/3000`` on one line of stderr, redrawn in place."""

    def __init__(self, label: str, out: TextIO) -> None:
        self.label = label
        self.out = out

    def __call__(self, done: int, total: int) -> None:
        filled = BAR_WIDTH if total == 0 else BAR_WIDTH * done // total
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.out.write(f"\r{self.label} [{bar}] {done}/{total}")
        self.out.flush()

    def finish(self) -> None:
        self.out.write("\n")
        self.out.flush()


def run_rotate(args: argparse.Namespace, settings: Settings) -> int:
    from storage.crypto import DecryptionError, KeyConfigError
    from storage.rotation import rotate
    from storage.stores import Storage

    if args.batch_size <= 0:
        print("--batch-size must be greater than zero", file=sys.stderr)
        return 2
    try:
        storage = Storage.from_settings(settings)
    except KeyConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    bar = ProgressBar("rotating", sys.stderr)
    try:
        report = rotate(storage.context, args.batch_size, bar)
    except (DecryptionError, KeyConfigError) as error:
        bar.finish()
        print(f"error: {error}", file=sys.stderr)
        print("batches already done are kept; fix the keys and run again", file=sys.stderr)
        return 1
    finally:
        storage.close()
    bar.finish()
    print(f"{report.rows} rows checked, {report.rewritten} rewritten "
          f"({report.values} values re-encrypted with the newest key)")
    return 0
