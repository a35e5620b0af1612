"""Callback data for inline buttons: small, signed, and tied to one step of one conversation.

Telegram returns a button's data verbatim, so anyone can send any data back. Every button we
send carries ``kind.token.seq.value`` plus a short HMAC, so forged data is recognised, and a
button of an earlier step (``seq`` behind the conversation's) or of another conversation
(``token``) is refused politely instead of being acted on. The whole fits Telegram's 64 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

LIMIT = 64
_PART = re.compile(r"^[A-Za-z0-9_-]*$")
_MAC_LENGTH = 10  # 60 bits of base64url: forging by trial is hopeless at Telegram's pace


class BadCallback(ValueError):
    """Callback data that we did not make (or that was altered)."""


@dataclass(frozen=True)
class Callback:
    kind: str   # "a": an answer to the engine; "r": an action on a referral
    token: str  # the conversation token, or the referral's case code
    seq: int    # the step the button belongs to
    value: str  # the option id or action
    arg: str = ""  # an action's argument (a reason id, an agency id)


class CallbackCodec:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the callback signing key must be at least 16 bytes")
        self._key = key

    def _mac(self, body: str) -> str:
        digest = hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii")[:_MAC_LENGTH]

    def encode(self, callback: Callback) -> str:
        parts = (callback.kind, callback.token, format(callback.seq, "x"), callback.value,
                 callback.arg)
        if not all(_PART.match(p) for p in parts):
            raise ValueError(f"callback parts must be [A-Za-z0-9_-]: {parts}")
        body = ".".join(parts)
        data = f"{body}.{self._mac(body)}"
        if len(data.encode("ascii")) > LIMIT:
            raise ValueError(f"callback data over {LIMIT} bytes: {len(data)}")
        return data

    def decode(self, data: str | None) -> Callback:
        if not data or len(data) > LIMIT or not data.isascii():
            raise BadCallback("empty, oversized or non-ASCII callback data")
        body, _, mac = data.rpartition(".")
        if not body or not hmac.compare_digest(mac, self._mac(body)):
            raise BadCallback("callback data with a wrong signature")
        try:
            kind, token, seq, value, arg = body.split(".")
            return Callback(kind, token, int(seq, 16), value, arg)
        except ValueError:  # signed by us but not in this shape: a bug, not an attack
            raise BadCallback("callback data of an unknown shape") from None
