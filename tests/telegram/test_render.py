"""The list of what a referral carries is rendered for the person, in the person's language,
contact details apart."""

from __future__ import annotations

from bot.directory import Directory
from bot.engine.events import Disclosure
from bot.i18n.texts import Texts
from bot.telegram.callbacks import CallbackCodec
from bot.telegram.render import Renderer, disclosure


def test_what_the_referral_carries_is_a_list_with_contact_details_apart() -> None:
    event = Disclosure(("the area", "age group"), ("your phone number",), "en")
    assert disclosure(Texts(), event) == (
        "If you agree, the referral will carry only:\n• the area\n• age group\n"
        "Only the organisation that accepts it will also see:\n• your phone number")


def test_without_contact_details_the_second_list_is_left_out() -> None:
    event = Disclosure(("the area",), (), "en")
    assert disclosure(Texts(), event) == (
        "If you agree, the referral will carry only:\n• the area")


def test_the_renderer_sends_the_list_as_a_message_to_read_to_the_person() -> None:
    renderer = Renderer(Texts(), CallbackCodec(b"k" * 16), Directory())
    [message] = renderer.render([Disclosure(("the area",), (), "en")])
    assert message.text == ("Read to the person:\nIf you agree, the referral will carry only:\n"
                            "• the area")
    assert message.rows == () and not message.prompt
