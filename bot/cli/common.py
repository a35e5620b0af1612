"""What several commands share: building the flow library, engine and texts."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from bot.directory import Directory, load_directory
from bot.engine import Engine
from bot.flows.library import FlowLibrary, flow_files
from bot.flows.problems import FlowError
from bot.i18n.completeness import flow_translation_problems
from bot.i18n.texts import Texts
from bot.settings import Settings


class CommandError(Exception):
    """An expected failure of a command: the operator gets ``error: <message>`` on one line
    and exit status 2, never a traceback. Raise it anywhere below a command handler."""


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
