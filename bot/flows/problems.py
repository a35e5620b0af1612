"""A problem found in a flow file, located by file, line, node and field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

#: How a problem names its node: ``node 'ask_age'``.
NODE = N_("node '%(node)s'")


@dataclass(frozen=True, order=True)
class Problem:
    """One defect in a flow, worded for the coordinator who has to fix it."""

    file: str
    line: int
    node: str
    field: str
    message: str

    def __str__(self) -> str:
        """``file:line node 'id' field: message``, a :class:`Phrase` the console says in
        the reader's language (the message and the word "node"; the rest is kept)."""
        pieces: list[str] = [f"{self.file}:{self.line}"]
        if self.node:
            pieces += [" ", Phrase(NODE, node=self.node)]
        if self.field:
            pieces += [" ", self.field]
        return Phrase.joined(*pieces, ": ", self.message)


class FlowError(Exception):
    """Raised when flows cannot be loaded; carries every problem found, sorted."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__("\n".join(str(p) for p in self.problems))
