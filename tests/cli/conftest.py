"""Every command test runs as on a fresh machine: no setting inherited from the shell, a data
directory of its own, and a working directory holding nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def setting_names() -> list[str]:
    """Every setting ``.env.example`` lists (``#NAME=...`` or ``NAME=...`` lines)."""
    return re.findall(r"^#?([A-Z][A-Z0-9_]*)=", EXAMPLE.read_text(encoding="utf-8"),
                      flags=re.MULTILINE)


@pytest.fixture(autouse=True)
def fresh_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The data directory this test's commands use (not created)."""
    for name in setting_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    data = tmp_path / "data"
    monkeypatch.setenv("INTAKE_DATA_DIR", str(data))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    return data
