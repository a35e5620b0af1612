"""Rows for storage: one plain row per fact, and back to an equal directory."""

from __future__ import annotations

import json

from bot.directory import load_directory
from bot.directory.rows import directory_from_rows, directory_rows


def test_rows_are_plain_json_values() -> None:
    rows = directory_rows(load_directory())
    assert json.loads(json.dumps(rows)) == rows


def test_a_service_gives_one_row_per_profile() -> None:
    rows = directory_rows(load_directory())["services"]
    medical = [r for r in rows
               if (r["agency_id"], r["service"]) == ("example_health", "medical")]
    assert [(r["profile"], r["point"]) for r in medical] == [
        ("girls", "entry"), ("boys", "entry"), ("women", "funnelling"), ("men", "funnelling"),
        ("lgbti", "funnelling"), ("persons_with_disabilities", "entry")]


def test_deadline_rows_cover_defaults_case_types_and_urgency() -> None:
    rows = directory_rows(load_directory())["deadlines"]
    assert {"case_type": None, "level": "urgent", "acknowledge_hours": 1.0,
            "respond_hours": 24.0} in rows
    assert {"case_type": "child_protection", "level": "high", "acknowledge_hours": 1.0,
            "respond_hours": 24.0} in rows


def test_rows_read_back_give_an_equal_directory() -> None:
    directory = load_directory()
    assert directory_from_rows(directory_rows(directory)) == directory
