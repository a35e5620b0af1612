"""Shared fixtures: the shipped flows, checked and compiled once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from bot.directory import load_directory
from bot.engine import Engine
from bot.flows.library import BUNDLED, FlowLibrary
from bot.i18n.texts import Texts

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="session")
def library() -> FlowLibrary:
    return FlowLibrary.load([BUNDLED])


@pytest.fixture(scope="session")
def engine(library: FlowLibrary) -> Engine:
    return Engine(library, Texts(), load_directory().hub_choices())


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """``intake run`` called in-process installs its log handler and levels
    (``bot.logs.configure``); they are put back, so no later test prints through them."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {name: logging.getLogger(name).level for name in (
        "httpx", "telegram", "httpcore", "transitions", "hpack", "alembic.runtime.plugins")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in named.items():
        logging.getLogger(name).setLevel(old)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection beyond this machine fails the test (loopback and sockets files pass)."""
    import socket

    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"a test tried to reach the network: {address!r}")
        real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
