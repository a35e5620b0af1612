"""The ports stay free of any database or Telegram import, so domain code using them
does too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
FORBIDDEN = {"sqlalchemy", "telegram", "storage", "alembic", "psycopg"}


@pytest.mark.parametrize("module", ["ports.py", "casecode.py"])
def test_module_imports_no_database_or_telegram_package(module: str) -> None:
    tree = ast.parse((BOT / module).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module and node.level == 0}
    assert imported & FORBIDDEN == set()
