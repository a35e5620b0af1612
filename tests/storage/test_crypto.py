"""Field encryption and blind indexes: clear errors, never a raw InvalidToken."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import cast

import pytest

from bot.settings import Settings
from storage.crypto import Cipher, DecryptionError, KeyConfigError, generate_key

PLAIN = "Telefon +90 555 123 4567, Ayşe"


def test_encrypted_text_decrypts_back_and_hides_the_plaintext() -> None:
    cipher = Cipher([generate_key()])
    token = cipher.encrypt(PLAIN)
    assert PLAIN not in token and "555" not in token
    assert cipher.decrypt(token) == PLAIN


def test_the_same_value_encrypts_differently_each_time() -> None:
    cipher = Cipher([generate_key()])
    assert cipher.encrypt(PLAIN) != cipher.encrypt(PLAIN)


def test_json_values_round_trip_with_non_latin_text() -> None:
    cipher = Cipher([generate_key()])
    value = {"name": "أحمد", "needs": ["medical"], "count": 3}
    assert cipher.decrypt_json(cipher.encrypt_json(value)) == value


def test_older_keys_still_decrypt_and_the_newest_encrypts() -> None:
    old, new = generate_key(), generate_key()
    token = Cipher([old]).encrypt(PLAIN)
    both = Cipher([new, old])
    assert both.decrypt(token) == PLAIN
    assert not both.is_current(token)
    assert both.is_current(both.rotate(token))
    assert Cipher([new]).decrypt(both.rotate(token)) == PLAIN


def test_no_key_names_the_variables_to_set() -> None:
    with pytest.raises(KeyConfigError) as error:
        Cipher([])
    assert str(error.value) == (
        "no encryption key: set INTAKE_KEYS (comma-separated Fernet keys, newest first) or "
        "INTAKE_KEYS_FILE; `intake keys generate` prints a new key")


def test_a_malformed_key_is_named_by_position_and_not_echoed() -> None:
    with pytest.raises(KeyConfigError) as error:
        Cipher([generate_key(), "not-a-key-secret-material"])
    assert str(error.value).startswith("INTAKE_KEYS: key 2 is not a valid Fernet key")
    assert "secret-material" not in str(error.value)


def test_a_wrong_key_gives_a_clear_error_without_an_invalid_token_chain() -> None:
    token = Cipher([generate_key()]).encrypt(PLAIN)
    with pytest.raises(DecryptionError, match="INTAKE_KEYS lacks the key") as error:
        Cipher([generate_key()]).decrypt(token)
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_rotating_a_value_no_key_opens_gives_a_clear_error() -> None:
    token = Cipher([generate_key()]).encrypt(PLAIN)
    with pytest.raises(DecryptionError, match="put that key back"):
        Cipher([generate_key()]).rotate(token)


def test_a_blind_index_is_stable_keyed_and_reveals_nothing() -> None:
    index_key = generate_key()
    one, two = Cipher([generate_key()], index_key), Cipher([generate_key()], index_key)
    other = Cipher([generate_key()], generate_key())
    assert one.blind_index("123456789") == two.blind_index("123456789")
    assert one.blind_index("123456789") != one.blind_index("123456780")
    assert one.blind_index("123456789") != other.blind_index("123456789")
    assert len(one.blind_index("123456789")) == 64


def test_a_blind_index_without_its_key_names_intake_index_key() -> None:
    with pytest.raises(KeyConfigError, match="set INTAKE_INDEX_KEY"):
        Cipher([generate_key()]).blind_index("1")


@pytest.mark.parametrize(("index_key", "message"), [
    ("short", "INTAKE_INDEX_KEY must be at least 32 characters"),
    ("SAME", "INTAKE_INDEX_KEY must differ from every INTAKE_KEYS key"),
])
def test_a_weak_or_reused_index_key_is_refused(index_key: str, message: str) -> None:
    key = generate_key()
    with pytest.raises(KeyConfigError, match=message):
        Cipher([key], key if index_key == "SAME" else index_key)


def test_with_two_keys_listed_new_values_are_encrypted_with_the_first() -> None:
    new, old = generate_key(), generate_key()
    token = Cipher([new, old]).encrypt(PLAIN)
    assert Cipher([new]).decrypt(token) == PLAIN
    with pytest.raises(DecryptionError):
        Cipher([old]).decrypt(token)
    json_token = Cipher([new, old]).encrypt_json({"phone": PLAIN})
    assert Cipher([new]).decrypt_json(json_token) == {"phone": PLAIN}


@pytest.mark.parametrize(("act", "message"), [
    (lambda cipher, token: cipher.decrypt(token),
     "a stored value cannot be decrypted with the configured keys: INTAKE_KEYS lacks the key "
     "it was encrypted with (keep old keys after the new one until `intake keys rotate` has "
     "run)"),
    (lambda cipher, token: cipher.rotate(token),
     "a stored value cannot be re-encrypted: INTAKE_KEYS lacks the key it was encrypted "
     "with; put that key back after the new one and run again"),
    (lambda cipher, token: cipher.blind_index(token),
     "no blind-index key: set INTAKE_INDEX_KEY (its own key, not one of INTAKE_KEYS); "
     "`intake keys generate` prints a new key"),
])
def test_each_key_error_says_in_full_what_to_do(
        act: Callable[[Cipher, str], str], message: str) -> None:
    token = Cipher([generate_key()]).encrypt(PLAIN)
    with pytest.raises((DecryptionError, KeyConfigError)) as error:
        act(Cipher([generate_key()]), token)
    assert str(error.value) == message


def test_an_index_key_of_exactly_32_characters_is_enough() -> None:
    assert len(Cipher([generate_key()], "k" * 32).blind_index("1")) == 64


def test_keys_from_settings_are_named_by_where_they_came_from() -> None:
    settings = cast(Settings, SimpleNamespace(
        keys=[generate_key(), "not-a-key"], index_key=None,
        keys_source="INTAKE_KEYS_FILE (/run/secrets/intake-keys)"))
    with pytest.raises(KeyConfigError) as error:
        Cipher.from_settings(settings)
    assert str(error.value).startswith(
        "INTAKE_KEYS_FILE (/run/secrets/intake-keys): key 2 is not a valid Fernet key")
