"""Through the whole bot: a conversation started on a published revision finishes on it after
a new revision is published and the bot restarted, new conversations get the new revision,
and a conversation on a withdrawn revision is told and starts again, never looping."""

from __future__ import annotations

import dataclasses
import itertools
import shutil
from pathlib import Path

from bot.flows.library import BUNDLED
from bot.service.publishing import Publisher
from bot.telegram.referrer import START_OVER
from storage.clock import FixedClock
from storage.flowstore import SqlFlowStore
from storage.migrate import upgrade
from storage.stores import Storage
from tests.telegram.harness import START, Harness, settings_for

REFERRER = 501
GBV_OPTION = "      gbv: Someone who told me about gender-based violence\n"


def _values(h: Harness) -> list[str]:
    return [str(h.codec.decode(data).value) for _, data in h.last_keyboard(REFERRER)[1]]


async def test_a_conversation_finishes_on_its_revision_after_a_publish_and_a_restart(
        tmp_path: Path) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    for path in BUNDLED.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    settings = dataclasses.replace(settings_for(tmp_path), flows=(folder,))
    storage = Storage.from_settings(settings)
    upgrade(storage.engine)  # migrated first, as `intake run` does: the flows come from it
    storage.close()

    first = await Harness.start(tmp_path, settings)  # the first start publishes the files
    first.enrol(REFERRER, "referrer")
    await first.text(REFERRER, "/new")
    assert "gbv" in _values(first)
    old_keyboard = first.last_keyboard(REFERRER)
    store = SqlFlowStore(first.services.storage.context)
    was = first.services.engine.library.current("intake").flow.revision

    text = (folder / "intake.yaml").read_text(encoding="utf-8")
    (folder / "intake.yaml").write_text(text.replace(GBV_OPTION, ""), encoding="utf-8")
    done = Publisher(store, FixedClock(START)).publish(
        sorted(folder.glob("*.yaml")), (), "tester")
    assert done.changed == (("intake", was + 1),)
    await first.stop()

    second = await Harness.start(tmp_path, settings)  # a new process: nothing in memory
    second.ids = itertools.count(1000)  # Telegram's update ids go on across the restart
    try:
        message_id, buttons = old_keyboard
        gbv = next(data for _, data in buttons if second.codec.decode(data).value == "gbv")
        await second.press(REFERRER, gbv, message_id)
        session = second.services.intake.current(REFERRER)
        assert session is not None and session.revision == was, session
        assert session.answers["situation"] == "gbv" and session.state == "where/hub"

        await second.text(REFERRER, "/new")  # asks before replacing the open intake
        await second.choose(REFERRER, START_OVER)
        assert _values(second) == ["pwsn", "child"]
        fresh = second.services.intake.current(REFERRER)
        assert fresh is not None and fresh.revision == was + 1

        # That revision turns out harmful: withdrawn once a fix is published.
        (folder / "intake.yaml").write_text(text, encoding="utf-8")
        Publisher(store, FixedClock(START)).publish(sorted(folder.glob("*.yaml")), (),
                                                    "tester")
        Publisher(store, FixedClock(START)).withdraw("intake", was + 1, "tester")
        second.services.engine.library.refresh(force=True)
        await second.choose(REFERRER, "pwsn")
        said = second.texts_to(REFERRER)
        assert any(t.startswith("The questions of this intake were changed") for t in said)
        assert "gbv" in _values(second)
        await second.choose(REFERRER, "child")  # the next press goes on normally
        moved = second.services.intake.current(REFERRER)
        assert moved is not None and moved.revision == was + 2
        assert moved.answers["situation"] == "child"
    finally:
        await second.stop()
