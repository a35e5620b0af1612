"""Field encryption (Fernet, with rotation) and blind indexes (keyed HMAC-SHA256).

Why field by field rather than disk encryption: a database file, a backup or a dump copied
off a hub laptop must show nothing about a person; only a process holding the keys can read
a field, and rotating a key re-encrypts rows without touching the schema.

Keys come from settings (``INTAKE_KEYS``, comma-separated, newest first, or a file named by
``INTAKE_KEYS_FILE``): the first key encrypts, every key decrypts, so a new key is put first
and the old one dropped after ``intake keys rotate``. The blind index has its own key
(``INTAKE_INDEX_KEY``), so a leaked index key gives no way to decrypt, and a leaked Fernet
key no way to test guesses against the index.

Errors name the variable to set and never echo a key or a plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.ports import Unreadable
from bot.settings import Settings

MIN_INDEX_KEY_LENGTH = 32
GENERATE_HINT = "`intake keys generate` prints a new key"


class KeyConfigError(RuntimeError):
    """Keys are missing or malformed; the message says which variable to set."""


class DecryptionError(Unreadable):
    """A stored value could not be decrypted with any configured key."""


def generate_key() -> str:
    """A new random key, usable as a Fernet key or as the index key."""
    return Fernet.generate_key().decode("ascii")


def _fernet(key: str, position: int, source: str) -> Fernet:
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise KeyConfigError(
            f"{source}: key {position} is not a valid Fernet key (44 characters of url-safe "
            f"base64); {GENERATE_HINT}") from None


class Cipher:
    """Encrypts and decrypts text fields, and computes blind indexes."""

    def __init__(self, keys: Sequence[str], index_key: str | None = None,
                 source: str = "INTAKE_KEYS") -> None:
        if not keys:
            raise KeyConfigError(
                f"no encryption key: set INTAKE_KEYS (comma-separated Fernet keys, newest "
                f"first) or INTAKE_KEYS_FILE; {GENERATE_HINT}")
        self.source = source
        self._fernets = [_fernet(key, n, source) for n, key in enumerate(keys, 1)]
        self._multi = MultiFernet(self._fernets)
        if index_key is not None:
            if len(index_key) < MIN_INDEX_KEY_LENGTH:
                raise KeyConfigError(f"INTAKE_INDEX_KEY must be at least "
                                     f"{MIN_INDEX_KEY_LENGTH} characters; {GENERATE_HINT}")
            if index_key in keys:
                raise KeyConfigError("INTAKE_INDEX_KEY must differ from every INTAKE_KEYS "
                                     "key; " + GENERATE_HINT)
        self._index_key = index_key.encode("utf-8") if index_key is not None else None

    @classmethod
    def from_settings(cls, settings: Settings) -> Cipher:
        return cls(settings.keys, settings.index_key, settings.keys_source)

    @property
    def key_count(self) -> int:
        return len(self._fernets)

    def encrypt(self, text: str) -> str:
        return self._multi.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._multi.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeEncodeError):
            raise DecryptionError(
                f"a stored value cannot be decrypted with the configured keys: {self.source} "
                "lacks the key it was encrypted with (keep old keys after the new one "
                "until `intake keys rotate` has run)") from None

    def encrypt_json(self, value: Any) -> str:
        return self.encrypt(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def decrypt_json(self, token: str) -> Any:
        return json.loads(self.decrypt(token))

    def rotate(self, token: str) -> str:
        """The same plaintext, encrypted with the newest key."""
        try:
            return self._multi.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeEncodeError):
            raise DecryptionError(
                f"a stored value cannot be re-encrypted: {self.source} lacks the key it was "
                "encrypted with; put that key back after the new one and run again") from None

    def is_current(self, token: str) -> bool:
        """Whether the newest key alone decrypts ``token`` (rotation may skip it)."""
        try:
            self._fernets[0].decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            return False
        return True

    def blind_index(self, value: str) -> str:
        """A keyed HMAC-SHA256 of ``value``, hex: equal values give equal indexes."""
        if self._index_key is None:
            raise KeyConfigError("no blind-index key: set INTAKE_INDEX_KEY (its own key, not "
                                 f"one of INTAKE_KEYS); {GENERATE_HINT}")
        return hmac.new(self._index_key, value.encode("utf-8"), hashlib.sha256).hexdigest()
