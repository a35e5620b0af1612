"""What several commands share: the flow library, engine and texts; storage on an existing
database; expected errors as one line; help text as plain text."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.directory import Directory, load_directory
from bot.engine import Engine
from bot.flows.library import FlowLibrary, flow_files
from bot.flows.problems import FlowError
from bot.i18n.completeness import flow_translation_problems
from bot.i18n.texts import Texts
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from storage.stores import Storage


class CommandError(Exception):
    """An expected failure of a command: the operator gets ``error: <message>`` on one line
    and exit status 2, never a traceback. Raise it anywhere below a command handler."""


def expected_error(error: BaseException) -> str | None:
    """The one line to print for an expected failure (bad settings or keys, a database
    missing, behind or unreachable, a file that cannot be read), or None for anything
    else: a bug keeps its traceback."""
    if isinstance(error, (CommandError, SettingsError)):
        return str(error)
    if isinstance(error, FlowError) and error.problems:
        count = len(error.problems)
        return (f"the configured flows or directory have {count} problem"
                f"{'s' if count != 1 else ''}, nothing was loaded; the first: "
                f"{error.problems[0]} (\"intake flows check\" and \"intake directory "
                "check\" list them all)")
    from sqlalchemy.exc import OperationalError

    from storage.crypto import DecryptionError, KeyConfigError
    from storage.database import DatabaseNotReady

    if isinstance(error, (KeyConfigError, DecryptionError, DatabaseNotReady)):
        return str(error)
    if isinstance(error, OperationalError):
        # The driver's first line only: SQLAlchemy's text adds the statement and parameters.
        reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else ""
        return f"the database cannot be used: {reason or type(error.orig).__name__}"
    if isinstance(error, OSError) and error.strerror:
        where = f" {error.filename}" if error.filename else ""
        return f"cannot use{where}: {error.strerror}"
    return None


def existing_storage(settings: Settings) -> Storage:
    """Storage on a database that must exist and be at the latest migration: for commands
    that read or change existing data, which must never create or migrate one. Keys are
    checked first, so a missing key fails before any connection is made."""
    from storage.crypto import Cipher
    from storage.database import open_existing
    from storage.migrate import require_latest
    from storage.stores import Storage

    cipher = Cipher.from_settings(settings)
    engine = open_existing(settings.database_url)
    try:
        require_latest(engine)
    except BaseException:
        engine.dispose()
        raise
    return Storage.on(engine, cipher)


def plain(text: str) -> str:
    """reStructuredText markup of a docstring made plain for ``--help``: ````x```` becomes
    x, ```x``` becomes "x", and a literal block's ``::`` a colon."""
    text = re.sub(r"``([^`]+)``", r"\1", text)
    text = re.sub(r"`([^`]+)`", r'"\1"', text)
    return re.sub(r"::$", ":", text, flags=re.MULTILINE)


def plain_help(parser: argparse.ArgumentParser) -> None:
    """:func:`plain` over every description and help text of ``parser`` and its commands,
    so module docstrings can serve as help and stay reStructuredText for the docs."""
    for attribute in ("description", "epilog"):
        value = getattr(parser, attribute)
        if value:
            setattr(parser, attribute, plain(value))
    for action in parser._actions:
        if action.help:
            action.help = plain(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                if choice.help:
                    choice.help = plain(choice.help)
            for sub in action.choices.values():
                plain_help(sub)


def load_library(paths: Sequence[Path], locales: Path) -> FlowLibrary:
    """Flows checked including their translations."""
    return FlowLibrary.load(flow_files(paths),
                            extra=[lambda flows: flow_translation_problems(flows, locales)])


def build_engine(settings: Settings, translations: bool = True,
                 ) -> tuple[Engine, Directory]:
    """Engine and directory; ``translations=False`` lets a coordinator try a flow whose
    translations are not finished yet (``intake flows check`` still insists on them)."""
    library = (load_library(settings.flows, settings.locales) if translations
               else FlowLibrary.load(flow_files(settings.flows)))
    directory = load_directory(settings.directory)
    return Engine(library, Texts(settings.locales), directory.hub_choices()), directory


def report(error: FlowError) -> int:
    for problem in error.problems:
        print(problem, file=sys.stderr)
    count = len(error.problems)
    print(f"{count} problem{'s' if count != 1 else ''} found; nothing was loaded.",
          file=sys.stderr)
    return 1
