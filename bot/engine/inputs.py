"""What a host may feed the engine: a button press, typed text, a command or a timeout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias

COMMANDS = ("back", "restart", "cancel", "language", "urgent")
#: The choice that submits a multiple-choice selection built up by toggling.
DONE = "done"
#: The choice that keeps the computed risk level unchanged.
KEEP = "keep"
#: The choice that declines the child-safety override.
NO_OVERRIDE = "no_override"


@dataclass(frozen=True)
class Choice:
    """A button: an option id (toggles it on a multiple-choice question)."""

    value: str


@dataclass(frozen=True)
class Choices:
    """A whole multiple-choice selection at once."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class Text:
    """Typed text."""

    text: str


@dataclass(frozen=True)
class Command:
    name: Literal["back", "restart", "cancel", "language", "urgent"]
    arg: str | None = None


@dataclass(frozen=True)
class Timeout:
    """The conversation stayed idle past the configured limit."""


Input: TypeAlias = Choice | Choices | Text | Command | Timeout
