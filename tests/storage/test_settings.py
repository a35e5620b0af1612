"""Storage settings come from the environment, a key file or a .env file, typed."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from bot.settings import Settings, SettingsError, find_env_file, read_env_file
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


# -- found the same way from anywhere ------------------------------------------------------

@pytest.mark.parametrize(("env", "data_dir"), [
    ({"HOME": "/home/ana"}, "/home/ana/.local/share/intake"),
    ({"HOME": "/home/ana", "XDG_DATA_HOME": "/data"}, "/data/intake"),
    ({"HOME": "/home/ana", "XDG_DATA_HOME": "relative"}, "/home/ana/.local/share/intake"),
    ({"HOME": "/home/ana", "INTAKE_DATA_DIR": "/var/lib/intake"}, "/var/lib/intake"),
    ({"HOME": "/home/ana", "INTAKE_DATA_DIR": "~/cases"}, "/home/ana/cases"),
])
def test_the_data_directory_is_intake_data_dir_else_the_xdg_data_home(
        env: dict[str, str], data_dir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/ana")  # what "~" means
    settings = Settings.from_env(env)
    assert settings.data_dir == Path(data_dir)
    assert settings.database_url == f"sqlite:///{data_dir}/intake.sqlite3"


def test_relative_paths_in_settings_are_taken_from_the_data_directory(tmp_path: Path) -> None:
    (tmp_path / "keys").write_text(generate_key() + "\n")
    settings = Settings.from_env({"INTAKE_DATA_DIR": str(tmp_path), "INTAKE_KEYS_FILE": "keys",
                                  "INTAKE_DIRECTORY": "hubs.yaml",
                                  "INTAKE_FLOWS": f"flows{os.pathsep}/srv/more",
                                  "INTAKE_LOCALES": "/srv/locales"})
    assert settings.keys_source == f"INTAKE_KEYS_FILE ({tmp_path / 'keys'})"
    assert settings.directory == tmp_path / "hubs.yaml"
    assert settings.flows == (tmp_path / "flows", Path("/srv/more"))
    assert settings.locales == Path("/srv/locales")


def test_an_empty_setting_counts_as_not_set() -> None:
    settings = Settings.from_env({"HOME": "/h", "INTAKE_LOCALES": "", "DATABASE_URL": " ",
                                  "INTAKE_DEFAULT_LANGUAGE": ""})
    assert settings.locales == Settings.from_env({}).locales
    assert settings.database_url == "sqlite:////h/.local/share/intake/intake.sqlite3"
    assert settings.default_language == "en"


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A working directory and a data directory, the process environment cleared of the
    settings these tests write."""
    here, data = tmp_path / "here", tmp_path / "data"
    here.mkdir()
    data.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setenv("INTAKE_DATA_DIR", str(data))
    for name in ("INTAKE_ENV_FILE", "INTAKE_IDLE_MINUTES", "INTAKE_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    return here, data


def test_the_dot_env_of_the_working_directory_comes_first(places: tuple[Path, Path]) -> None:
    here, data = places
    (here / ".env").write_text("INTAKE_IDLE_MINUTES=11\n")
    (data / ".env").write_text("INTAKE_IDLE_MINUTES=22\nINTAKE_RETENTION_DAYS=33\n")
    settings = Settings.from_env()
    assert (settings.idle_minutes, settings.retention_days) == (11, 90)  # one file, not both
    assert settings.env_file == here / ".env"


def test_without_one_the_dot_env_of_the_data_directory_is_read(
        places: tuple[Path, Path]) -> None:
    _, data = places
    (data / ".env").write_text("INTAKE_IDLE_MINUTES=22\n")
    settings = Settings.from_env()
    assert settings.idle_minutes == 22 and settings.env_file == data / ".env"


def test_intake_env_file_names_the_one_file_to_read(
        places: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here, _ = places
    (here / ".env").write_text("INTAKE_IDLE_MINUTES=11\n")
    named = tmp_path / "intake.env"
    named.write_text("INTAKE_IDLE_MINUTES=44\n")
    monkeypatch.setenv("INTAKE_ENV_FILE", str(named))
    assert Settings.from_env().idle_minutes == 44
    monkeypatch.setenv("INTAKE_ENV_FILE", str(tmp_path / "absent.env"))
    with pytest.raises(SettingsError) as error:
        Settings.from_env()
    assert str(error.value) == f"INTAKE_ENV_FILE: no such file {tmp_path / 'absent.env'}"


def test_no_settings_file_at_all_is_fine(places: tuple[Path, Path]) -> None:
    assert Settings.from_env().env_file is None


def test_a_data_directory_named_in_the_working_directory_s_dot_env_holds_the_database(
        places: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    here, _ = places
    monkeypatch.delenv("INTAKE_DATA_DIR")
    (here / ".env").write_text(f"INTAKE_DATA_DIR={tmp_path / 'elsewhere'}\n")
    settings = Settings.from_env()
    assert settings.data_dir == tmp_path / "elsewhere"
    assert settings.database_url == f"sqlite:///{tmp_path / 'elsewhere' / 'intake.sqlite3'}"


@pytest.mark.parametrize(("value", "username"), [
    ("my_intake_bot", "my_intake_bot"), ("@my_intake_bot", "my_intake_bot"), ("", None),
    (None, None),
])
def test_the_bot_username_is_a_setting_like_the_others(
        value: str | None, username: str | None) -> None:
    env = {"INTAKE_BOT_USERNAME": value} if value is not None else {}
    assert Settings.from_env(env).bot_username == username


@pytest.mark.parametrize(("value", "level"), [
    (None, "INFO"), ("debug", "DEBUG"), (" Warning ", "WARNING"), ("ERROR", "ERROR"),
])
def test_the_log_level_is_read_and_checked(value: str | None, level: str) -> None:
    env = {"INTAKE_LOG_LEVEL": value} if value is not None else {}
    assert Settings.from_env(env).log_level == level


def test_a_bad_log_level_names_the_good_ones() -> None:
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"INTAKE_LOG_LEVEL": "verbose"})
    assert str(error.value) == ("INTAKE_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, "
                                "CRITICAL, not 'verbose'")


# -- .env.example lists every setting -------------------------------------------------------

class Recording(dict[str, str]):
    """An environment that notes every name asked of it."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> str:
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return super().__contains__(key)


#: Read to find the data directory's default, but set by the system, not the operator.
SYSTEM = {"HOME", "XDG_DATA_HOME"}


def test_every_setting_read_is_in_env_example_and_every_one_there_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = Recording()
    Settings.from_env(env)
    find_env_file(env)
    example = Path(__file__).resolve().parents[2] / ".env.example"
    listed = re.findall(r"^#?([A-Z][A-Z0-9_]*)=", example.read_text(), flags=re.MULTILINE)
    assert len(listed) == len(set(listed)), "a setting is listed twice"
    assert set(listed) == env.asked - SYSTEM
    assert all(len(line) <= 160 for line in example.read_text().splitlines())
