"""The console's listener, its public address and the trusted proxies are settings like the
others: read typed in one place, and a bad value is refused naming what to write."""

from __future__ import annotations

import pytest

from bot.settings import Listen, Settings, SettingsError


@pytest.mark.parametrize(("env", "listen", "url"), [
    ({}, Listen("127.0.0.1", 8081), "http://127.0.0.1:8081"),
    ({"INTAKE_CONSOLE_LISTEN": "10.0.0.5:9000"}, Listen("10.0.0.5", 9000),
     "http://10.0.0.5:9000"),
    ({"INTAKE_CONSOLE_LISTEN": "0.0.0.0:8081"}, Listen("0.0.0.0", 8081),
     "http://127.0.0.1:8081"),
    ({"INTAKE_CONSOLE_LISTEN": "[::1]:8081"}, Listen("::1", 8081), "http://[::1]:8081"),
    ({"INTAKE_CONSOLE_LISTEN": "[::]:8081"}, Listen("::", 8081), "http://[::1]:8081"),
    ({"INTAKE_CONSOLE_LISTEN": "localhost:8082"}, Listen("localhost", 8082),
     "http://localhost:8082"),
    ({"INTAKE_CONSOLE_LISTEN": "OFF"}, None, "http://127.0.0.1:8081"),
    ({"INTAKE_CONSOLE_LISTEN": " "}, Listen("127.0.0.1", 8081), "http://127.0.0.1:8081"),
    ({"INTAKE_PUBLIC_URL": "https://console.example.org/"}, Listen("127.0.0.1", 8081),
     "https://console.example.org"),
    ({"INTAKE_PUBLIC_URL": "http://10.1.2.3:8081", "INTAKE_CONSOLE_LISTEN": "off"}, None,
     "http://10.1.2.3:8081"),
])
def test_the_console_listens_where_it_is_told_and_its_links_start_with_its_public_url(
        env: dict[str, str], listen: Listen | None, url: str) -> None:
    settings = Settings.from_env(env)
    assert settings.console_listen == listen
    assert settings.public_url == url


LISTEN_ERROR = ("INTAKE_CONSOLE_LISTEN must be HOST:PORT (such as 127.0.0.1:8081, or "
                "[::1]:8081) or off, not {!r}")
URL_ERROR = ("INTAKE_PUBLIC_URL must be the console's address as its users open it, without "
             "a path, such as https://console.example.org, not {!r}")
PROXY_ERROR = ("INTAKE_TRUSTED_PROXIES must list IP addresses or networks separated by "
               "commas (or *), and {!r} is neither")


@pytest.mark.parametrize(("name", "value", "message"), [
    ("INTAKE_CONSOLE_LISTEN", "8081", LISTEN_ERROR.format("8081")),
    ("INTAKE_CONSOLE_LISTEN", "127.0.0.1", LISTEN_ERROR.format("127.0.0.1")),
    ("INTAKE_CONSOLE_LISTEN", "127.0.0.1:", LISTEN_ERROR.format("127.0.0.1:")),
    ("INTAKE_CONSOLE_LISTEN", ":8081", LISTEN_ERROR.format(":8081")),
    ("INTAKE_CONSOLE_LISTEN", "127.0.0.1:0", LISTEN_ERROR.format("127.0.0.1:0")),
    ("INTAKE_CONSOLE_LISTEN", "127.0.0.1:65536", LISTEN_ERROR.format("127.0.0.1:65536")),
    ("INTAKE_CONSOLE_LISTEN", "127.0.0.1:http", LISTEN_ERROR.format("127.0.0.1:http")),
    ("INTAKE_CONSOLE_LISTEN", "::1:8081", LISTEN_ERROR.format("::1:8081")),
    ("INTAKE_CONSOLE_LISTEN", "no", LISTEN_ERROR.format("no")),
    ("INTAKE_PUBLIC_URL", "console.example.org", URL_ERROR.format("console.example.org")),
    ("INTAKE_PUBLIC_URL", "ftp://console.example.org",
     URL_ERROR.format("ftp://console.example.org")),
    ("INTAKE_PUBLIC_URL", "https://", URL_ERROR.format("https://")),
    ("INTAKE_PUBLIC_URL", "https://example.org/intake",
     URL_ERROR.format("https://example.org/intake")),
    ("INTAKE_PUBLIC_URL", "https://example.org/?a=1", URL_ERROR.format("https://example.org/?a=1")),
    ("INTAKE_TRUSTED_PROXIES", "10.0.0.1, proxy", PROXY_ERROR.format("proxy")),
    ("INTAKE_TRUSTED_PROXIES", "10.0.0.300", PROXY_ERROR.format("10.0.0.300")),
])
def test_a_bad_listener_setting_is_refused_with_what_to_write(
        name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({name: value})
    assert str(refused.value) == message


@pytest.mark.parametrize(("value", "proxies"), [
    (None, ("127.0.0.1",)),
    ("10.0.0.2", ("10.0.0.2",)),
    ("10.0.0.0/8, fd00::/8,127.0.0.1", ("10.0.0.0/8", "fd00::/8", "127.0.0.1")),
    ("*", ("*",)),
])
def test_the_trusted_proxies_are_a_list_of_addresses_or_networks(
        value: str | None, proxies: tuple[str, ...]) -> None:
    env = {} if value is None else {"INTAKE_TRUSTED_PROXIES": value}
    assert Settings.from_env(env).trusted_proxies == proxies
