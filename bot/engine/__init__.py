"""The conversation engine: session + input in, new session + events out.

Pure by design: no ``telegram``, no ``sqlalchemy``, no clock of its own, no I/O. The host
(Telegram adapter, terminal simulator, scenario runner) persists the session and renders
the events.
"""

from bot.engine.engine import Engine, Step
from bot.engine.inputs import Choice, Choices, Command, Input, Text, Timeout
from bot.engine.session import Session

__all__ = ["Choice", "Choices", "Command", "Engine", "Input", "Session", "Step", "Text",
           "Timeout"]
