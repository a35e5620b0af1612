"""The PostgreSQL cases may be skipped on a developer's machine without the server
binaries, never in CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.storage.conftest import without_postgres
from tests.storage.postgres import Unavailable, find_bindir


def test_missing_postgresql_fails_the_run_when_ci_is_set(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="PostgreSQL is required in CI"):
        without_postgres("no binaries")


def test_missing_postgresql_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="PostgreSQL not available here"):
        without_postgres("no binaries")


def test_a_configured_binary_folder_without_initdb_is_reported(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("INTAKE_PG_BINDIR", str(tmp_path))
    with pytest.raises(Unavailable, match="install the postgresql package"):
        find_bindir()
