"""Callback data is signed, fits 64 bytes, and refuses anything we did not make."""

from __future__ import annotations

import base64
import hashlib
import hmac

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


def signed(body: str) -> str:
    """``body`` signed with CODEC's key, computed apart from the codec."""
    digest = hmac.new(b"0123456789abcdef0123456789abcdef", body.encode(), hashlib.sha256)
    return f"{body}.{base64.urlsafe_b64encode(digest.digest()).decode()[:10]}"


@pytest.mark.parametrize(("data", "message"), [
    (None, "empty, oversized or non-ASCII callback data"),
    ("", "empty, oversized or non-ASCII callback data"),
    ("x" * 65, "empty, oversized or non-ASCII callback data"),
    ("a.Q7K2M4XZ.4.evet.ç", "empty, oversized or non-ASCII callback data"),
    ("a.Q7K2M4XZ.4.yes.AAAAAAAAAA", "callback data with a wrong signature"),
    ("garbage", "callback data with a wrong signature"),
    (".e5K9nOtEc3", "callback data with a wrong signature"),
    (signed("a.Q7K2M4XZ.4.yes"), "callback data of an unknown shape"),
    (signed("a.Q7K2M4XZ.4.yes.x.y"), "callback data of an unknown shape"),
    (signed("a.Q7K2M4XZ.zz.yes."), "callback data of an unknown shape"),
])
def test_forged_or_malformed_data_is_refused(data: str | None, message: str) -> None:
    with pytest.raises(BadCallback) as refused:
        CODEC.decode(data)
    assert str(refused.value) == message


def test_data_of_exactly_64_bytes_is_made_and_read_and_one_more_byte_is_not() -> None:
    longest = Callback("r", "K7Q4MX2P9", 3, "forward", "a" * 31)
    data = CODEC.encode(longest)
    assert len(data) == 64 and CODEC.decode(data) == longest
    with pytest.raises(ValueError) as over:
        CODEC.encode(Callback("r", "K7Q4MX2P9", 3, "forward", "a" * 32))
    assert str(over.value) == "callback data over 64 bytes: 65"


def test_a_signing_key_needs_16_bytes() -> None:
    CallbackCodec(b"k" * 16)
    with pytest.raises(ValueError) as short:
        CallbackCodec(b"k" * 15)
    assert str(short.value) == "the callback signing key must be at least 16 bytes"


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


#: Computed apart from the codec (HMAC-SHA256 of the body with CODEC's key, base64url, cut
#: to 10 characters), so a change of algorithm, key use or length cannot pass unnoticed.
KNOWN = "a.Q7K2M4XZ.fff.sexual_assault_120h..e5K9nOtEc3"
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_the_signature_is_ten_base64url_characters_of_the_body_s_hmac() -> None:
    data = CODEC.encode(Callback("a", "Q7K2M4XZ", 4095, "sexual_assault_120h"))
    assert data == KNOWN
    signature = data.rpartition(".")[2]
    assert len(signature) == 10 and set(signature) <= set(ALPHABET)  # 60 bits


def test_every_signature_of_the_right_form_but_one_character_off_is_refused() -> None:
    body, _, signature = KNOWN.rpartition(".")
    tried = 0
    for position, right in enumerate(signature):
        for wrong in ALPHABET.replace(right, ""):
            forged = signature[:position] + wrong + signature[position + 1:]
            with pytest.raises(BadCallback, match="wrong signature"):
                CODEC.decode(f"{body}.{forged}")
            tried += 1
    assert tried == 10 * 63


@pytest.mark.parametrize("signature", ["e5", "e5K9nOtEc", "e5K9nOtEc3A", "", "E5K9NOTEC3"])
def test_a_signature_cut_short_lengthened_or_recased_is_refused(signature: str) -> None:
    with pytest.raises(BadCallback, match="wrong signature"):
        CODEC.decode(f"{KNOWN.rpartition('.')[0]}.{signature}")


def test_a_signed_body_with_any_part_changed_is_refused() -> None:
    body, _, signature = KNOWN.rpartition(".")
    for changed in ("a.Q7K2M4XZ.ffe.sexual_assault_120h.", "r.Q7K2M4XZ.fff.sexual_assault_120h.",
                    "a.Q7K2M4XY.fff.sexual_assault_120h.", "a.Q7K2M4XZ.fff.sexual_assault_72h.",
                    "a.Q7K2M4XZ.fff.sexual_assault_120h.x"):
        assert changed != body
        with pytest.raises(BadCallback, match="wrong signature"):
            CODEC.decode(f"{changed}.{signature}")
