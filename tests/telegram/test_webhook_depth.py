"""The webhook answers JSON nested too deep for an update with 400, never a 500 from a
RecursionError, and stores nothing of it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.telegram.webhook import MAX_DEPTH
from tests.telegram.harness import Harness
from tests.telegram.test_webhook import UPDATE, call


@pytest_asyncio.fixture
async def product(tmp_path: Path) -> AsyncIterator[Harness]:
    harness = await Harness.start(tmp_path)
    yield harness
    await harness.stop()


def stored(product: Harness) -> int:
    with product.services.storage.engine.connect() as db:
        return int(db.exec_driver_sql("SELECT count(*) FROM inbox").scalar_one())


def nested(depth: int, open_: str, close: str, leaf: str = "1") -> str:
    return open_ * depth + leaf + close * depth


@pytest.mark.parametrize("extra", [
    nested(100_000, "[", "]"),  # json.loads itself overflows
    nested(100_000, '{"a":', "}"),
    nested(900, "[", "]"),  # parses, deeper than any update
    nested(MAX_DEPTH, "[", "]"),  # one level past the limit inside the update object
], ids=["overflowing-arrays", "overflowing-objects", "900-deep", "one-past-the-limit"])
async def test_deeply_nested_json_is_a_bad_request(product: Harness, extra: str) -> None:
    body = json.dumps(UPDATE)[:-1] + ', "extra": ' + extra + "}"
    answer = await call(product, "POST", "/telegram", [body.encode()])
    assert answer.status == 400 and answer.body == {"error": "not an update"}
    assert stored(product) == 0


async def test_an_update_nested_up_to_the_limit_is_still_taken(product: Harness) -> None:
    body = json.dumps(UPDATE)[:-1] + ', "extra": ' + nested(MAX_DEPTH - 1, "[", "]") + "}"
    answer = await call(product, "POST", "/telegram", [body.encode()])
    assert answer.status == 200
    assert stored(product) == 1
