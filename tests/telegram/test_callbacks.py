"""Callback data is signed, fits 64 bytes, and refuses anything we did not make."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.telegram.callbacks import BadCallback, Callback, CallbackCodec

CODEC = CallbackCodec(b"0123456789abcdef0123456789abcdef")


def test_a_button_round_trips() -> None:
    callback = Callback("a", "Q7K2M4XZ", 4095, "sexual_assault_120h")
    data = CODEC.encode(callback)
    assert CODEC.decode(data) == callback and len(data) <= 64


def test_the_longest_action_fits_in_64_bytes() -> None:
    data = CODEC.encode(Callback("r", "K7Q4MX2P9", 0xFFFF, "forward", "a" * 24))
    assert len(data.encode()) <= 64


@pytest.mark.parametrize("data", [
    None, "", "a.Q7K2M4XZ.4.yes.AAAAAAAAAA", "garbage", "x" * 65,
])
def test_forged_or_malformed_data_is_refused(data: str | None) -> None:
    with pytest.raises(BadCallback):
        CODEC.decode(data)


def test_data_signed_with_another_key_is_refused() -> None:
    other = CallbackCodec(b"another-key-of-at-least-16-bytes")
    with pytest.raises(BadCallback):
        CODEC.decode(other.encode(Callback("a", "T", 1, "yes")))


def test_parts_outside_the_safe_alphabet_cannot_be_encoded() -> None:
    with pytest.raises(ValueError, match="must be"):
        CODEC.encode(Callback("a", "T", 1, "yes.no"))


@given(st.text(max_size=80))
def test_arbitrary_data_never_decodes_without_the_key(data: str) -> None:
    with pytest.raises(BadCallback):
        CODEC.decode(data)
