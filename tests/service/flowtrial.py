"""What the flow console's service tests share: a short flow written here, and a real SQLite
database with flows published in it (the bundled ones, or given files)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.flows.library import Source
from bot.service.publishing import Publisher
from storage import migrate
from storage.clock import FixedClock
from storage.crypto import Cipher, generate_key
from storage.database import make_engine
from storage.flowstore import SqlFlowStore
from storage.stores import Storage
from tests.storage.conftest import NOW

#: A flow short enough to read in a test: a message, a choice, a number, three endings.
TINY = """\
spec_version: 2
id: tiny
title: A short test flow
languages: [en]
start: hello
nodes:
  hello:
    type: say
    text: Hello from the tiny flow.
    next: way
  way:
    type: ask
    kind: choice
    collects: routing
    text: Which way?
    options:
      left: Left
      right: Right
    invalid: stop
    next:
      - {when: {answer: way, is: left}, goto: went_left}
      - goto: age
  age:
    type: ask
    kind: number
    collects: demographic
    text: How old?
    min: 0
    max: 120
    invalid: stop
    next: went_right
  went_left:
    type: end
    outcome: info_only
    text: Went left.
  went_right:
    type: end
    outcome: info_only
    text: Went right.
  stop:
    type: end
    outcome: cancelled
    text: Stopped.
"""


def tiny(old: str = "", new: str = "") -> bytes:
    """The tiny flow's file, with ``old`` replaced by ``new`` (which must be there)."""
    assert old in TINY
    return (TINY.replace(old, new, 1) if old else TINY).encode("utf-8")


@contextmanager
def published(tmp: Path, *texts: bytes) -> Iterator[tuple[Storage, SqlFlowStore, FixedClock]]:
    """A migrated SQLite database with the given flow files published (no translation
    check: these flows are English only)."""
    url = f"sqlite:///{tmp / 'flows.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    storage = Storage.on(engine, Cipher([generate_key()], index_key=generate_key()))
    store = SqlFlowStore(storage.context)
    clock = FixedClock(NOW)
    if texts:
        Publisher(store, clock).publish_sources(
            [Source(f"file{i}.yaml", text.decode("utf-8")) for i, text in enumerate(texts)],
            [], "test", "first")
    try:
        yield storage, store, clock
    finally:
        storage.close()
