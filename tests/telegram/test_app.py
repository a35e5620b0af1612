"""The running bot takes SQLite's checkpoints on a thread of its own from its start to its
stop (``storage.checkpoint``), so no update waits for one."""

from __future__ import annotations

import threading
from pathlib import Path

from tests.telegram.harness import Harness


def checkpoint_threads() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "intake-checkpoints")


async def test_the_checkpoint_thread_runs_from_the_bots_start_to_its_stop(
        tmp_path: Path) -> None:
    harness = await Harness.start(tmp_path)
    application = harness.bot.application
    try:
        assert checkpoint_threads() == 0  # built, not started
        assert application.post_init is not None and application.post_stop is not None
        await application.post_init(application)
        assert checkpoint_threads() == 1
        await application.post_stop(application)
        assert checkpoint_threads() == 0
    finally:
        await harness.stop()
