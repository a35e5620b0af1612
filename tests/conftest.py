"""Shared fixtures: the shipped flows, checked and compiled once per test session."""

from __future__ import annotations

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
