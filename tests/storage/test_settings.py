"""Storage settings come from the environment, a key file or a .env file, typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, read_env_file
from storage.crypto import Cipher, generate_key


def test_defaults_are_a_sqlite_file_in_the_data_directory_90_days_and_30_minutes() -> None:
    settings = Settings.from_env({"HOME": "/home/ana"})
    assert settings.data_dir == Path("/home/ana/.local/share/intake")
    assert settings.database_url == "sqlite:////home/ana/.local/share/intake/intake.sqlite3"
    assert (settings.retention_days, settings.idle_minutes) == (90, 30)
    assert settings.keys == () and settings.index_key is None


def test_keys_are_read_newest_first_from_intake_keys() -> None:
    new, old = generate_key(), generate_key()
    settings = Settings.from_env({"INTAKE_KEYS": f" {new} , {old} ,", "INTAKE_INDEX_KEY": "x"})
    assert settings.keys == (new, old) and settings.index_key == "x"


def test_keys_can_come_from_a_file_with_comments(tmp_path: Path) -> None:
    new, old = generate_key(), generate_key()
    path = tmp_path / "keys"
    path.write_text(f"# newest first\n{new}\n{old}  # retire after rotation\n")
    settings = Settings.from_env({"INTAKE_KEYS_FILE": str(path)})
    assert settings.keys == (new, old)
    assert settings.keys_source == f"INTAKE_KEYS_FILE ({path})"


def test_an_unreadable_key_file_is_named() -> None:
    with pytest.raises(SettingsError, match="INTAKE_KEYS_FILE: cannot read /nonexistent/k"):
        Settings.from_env({"INTAKE_KEYS_FILE": "/nonexistent/k"})


def test_keys_never_appear_in_the_settings_repr() -> None:
    key, index = generate_key(), generate_key()
    settings = Settings.from_env({"INTAKE_KEYS": key, "INTAKE_INDEX_KEY": index})
    assert key not in repr(settings) and index not in repr(settings)


def test_database_url_and_retention_are_read_typed() -> None:
    settings = Settings.from_env({"DATABASE_URL": "postgresql://u@db/intake",
                                  "INTAKE_RETENTION_DAYS": "30", "INTAKE_IDLE_MINUTES": "15"})
    assert settings.database_url == "postgresql://u@db/intake"
    assert (settings.retention_days, settings.idle_minutes) == (30, 15)


@pytest.mark.parametrize(("value", "message"), [
    ("soon", "INTAKE_RETENTION_DAYS must be a whole number, not 'soon'"),
    ("0", "INTAKE_RETENTION_DAYS must be greater than zero, not 0"),
])
def test_a_bad_number_names_its_variable(value: str, message: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"INTAKE_RETENTION_DAYS": value})
    assert str(error.value) == message


def test_a_cipher_built_from_settings_names_the_key_file_when_a_key_is_bad(
        tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text("not-a-key\n")
    settings = Settings.from_env({"INTAKE_KEYS_FILE": str(path)})
    with pytest.raises(Exception, match=r"INTAKE_KEYS_FILE \(.*\): key 1 is not a valid"):
        Cipher.from_settings(settings)


def test_a_dot_env_file_is_read_with_quotes_comments_and_export(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("# local settings\nexport DATABASE_URL='sqlite:///x.db'\n\n"
                    'INTAKE_IDLE_MINUTES="45"\nINTAKE_RETENTION_DAYS=90   # three months\n'
                    "INTAKE_KEYS=a#b\nINTAKE_BOT_USERNAME\n")
    assert read_env_file(path) == {"DATABASE_URL": "sqlite:///x.db",
                                   "INTAKE_IDLE_MINUTES": "45",
                                   "INTAKE_RETENTION_DAYS": "90", "INTAKE_KEYS": "a#b"}


def test_a_value_is_taken_as_written_without_expansion(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("DATABASE_URL=postgresql://u:pa$$${word}@db/intake\n")
    assert read_env_file(path) == {"DATABASE_URL": "postgresql://u:pa$$${word}@db/intake"}


@pytest.mark.parametrize(("text", "message"), [
    ("INTAKE_IDLE_MINUTES=45\nnot a line\n", ".env:2: not a setting (write NAME=value, or # "
                                              "before a comment)"),
    ('INTAKE_KEYS="unclosed\n', ".env:1: not a setting (write NAME=value, or # before a "
                                "comment)"),
])
def test_a_line_that_is_not_a_setting_is_refused_with_its_number(
        tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".env"
    path.write_text(text)
    with pytest.raises(SettingsError) as error:
        read_env_file(path)
    assert str(error.value) == f"{tmp_path}/{message}"


def test_a_settings_file_that_is_not_text_is_refused(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"INTAKE_KEYS=\xff\xfe\n")
    with pytest.raises(SettingsError, match=r"\.env is not UTF-8 text"):
        read_env_file(path)


def test_the_environment_wins_over_the_dot_env_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("INTAKE_IDLE_MINUTES=45\nINTAKE_RETENTION_DAYS=10\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INTAKE_IDLE_MINUTES", "20")
    monkeypatch.delenv("INTAKE_RETENTION_DAYS", raising=False)
    settings = Settings.from_env()
    assert (settings.idle_minutes, settings.retention_days) == (20, 10)


@pytest.mark.parametrize(("env", "hours"), [
    ({}, 24),
    ({"INTAKE_PURGE_HOURS": ""}, 24),
    ({"INTAKE_PURGE_HOURS": "6"}, 6),
    ({"INTAKE_PURGE_HOURS": " 48 "}, 48),
    ({"INTAKE_PURGE_HOURS": "0"}, 0),
])
def test_the_bot_purges_every_24_hours_unless_intake_purge_hours_says_otherwise(
        env: dict[str, str], hours: int) -> None:
    assert Settings.from_env(env).purge_hours == hours


@pytest.mark.parametrize(("value", "message"), [
    ("daily", "INTAKE_PURGE_HOURS must be a whole number, not 'daily'"),
    ("1.5", "INTAKE_PURGE_HOURS must be a whole number, not '1.5'"),
    ("-1", "INTAKE_PURGE_HOURS must be a number of hours, or 0 to leave the purge to "
           "`intake purge` (cron), not -1"),
])
def test_a_bad_purge_interval_is_refused_with_what_to_write_instead(
        value: str, message: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"INTAKE_PURGE_HOURS": value})
    assert str(error.value) == message
