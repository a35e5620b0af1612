"""The running product serves the directory loaded into the database, else the file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from bot.directory.loader import load_directory
from bot.directory.rows import directory_rows
from bot.wiring import build_services
from storage.directory import SqlDirectoryStore
from storage.migrate import upgrade
from storage.stores import Storage
from tests.telegram.harness import settings_for


def test_the_file_is_served_until_a_directory_is_loaded_into_the_database(
        tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    storage = Storage.from_settings(settings)
    upgrade(storage.engine)
    assert build_services(settings, storage).directory == load_directory(settings.directory)

    edited = load_directory(settings.directory)
    renamed = dataclasses.replace(edited.hubs["kilis"], names={"en": "Kilis (loaded)"})
    edited = dataclasses.replace(edited, hubs={**edited.hubs, "kilis": renamed})
    SqlDirectoryStore(storage.context).replace(directory_rows(edited))
    served = build_services(settings, storage).directory
    assert served.hubs["kilis"].names == {"en": "Kilis (loaded)"}
    storage.close()
