"""``intake i18n update`` never guesses: a changed flow text keeps its old translation as
fuzzy with the old English beside it (``#| msgid``), through later updates too, and a new or
unrelated text starts empty."""

from __future__ import annotations

import io

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.i18n.merge import merge

PLACE = "flow:pwsn:needs:options.legal"


def _catalog(*entries: tuple[str, str, str | None]) -> Catalog:
    catalog = Catalog(locale="ar")
    for msgid, string, context in entries:
        catalog.add(msgid, string, context=context)
    return catalog


def _round_trip(catalog: Catalog) -> tuple[Catalog, str]:
    buffer = io.BytesIO()
    write_po(buffer, catalog, include_previous=True)
    text = buffer.getvalue().decode("utf-8")
    return read_po(io.BytesIO(buffer.getvalue()), locale="ar"), text


def test_a_new_text_is_never_prefilled_from_a_similar_one() -> None:
    catalog = _catalog(("Material assistance", "مساعدة مادية", "flow:pwsn:needs:options.cash"))
    template = _catalog(("Material assistance", "", "flow:pwsn:needs:options.cash"),
                        ("Legal assistance", "", PLACE), ("Material assistances", "", None))
    merge(catalog, template)
    assert catalog.get("Legal assistance", PLACE).string == ""
    assert not catalog.get("Legal assistance", PLACE).fuzzy
    assert catalog.get("Material assistances").string == ""
    kept = catalog.get("Material assistance", "flow:pwsn:needs:options.cash")
    assert kept.string == "مساعدة مادية" and not kept.fuzzy


def test_a_changed_text_at_its_place_keeps_the_old_translation_fuzzy_with_the_old_english(
        ) -> None:
    catalog = _catalog(("Legal help", "مساعدة قانونية", PLACE))
    merge(catalog, _catalog(("Legal assistance", "", PLACE)))
    changed = catalog.get("Legal assistance", PLACE)
    assert (changed.string, changed.fuzzy, changed.previous_id) == \
        ("مساعدة قانونية", True, ["Legal help"])
    reread, text = _round_trip(catalog)
    assert '#| msgid "Legal help"' in text
    # A second update (nothing changed) keeps the flag and the old English for the translator.
    merge(reread, _catalog(("Legal assistance", "", PLACE)))
    again = reread.get("Legal assistance", PLACE)
    assert (again.fuzzy, again.previous_id) == (True, ["Legal help"])
    # Changed once more before review: the English the translation was made for stays shown.
    merge(reread, _catalog(("Legal aid", "", PLACE)))
    assert reread.get("Legal aid", PLACE).previous_id == ["Legal help"]


def test_an_interface_string_whose_english_changed_starts_empty() -> None:
    catalog = _catalog(("No intake is open.", "لا يوجد استقبال مفتوح.", None))
    merge(catalog, _catalog(("No intake is open. Send /new.", "", None)))
    fresh = catalog.get("No intake is open. Send /new.")
    assert (fresh.string, fresh.fuzzy) == ("", False)


def test_a_long_previous_text_wrapped_over_several_lines_survives_a_round_trip() -> None:
    old = ("Someone who told me about gender-based violence, or who asked for help after "
           "violence at home \"now\" or in the past")
    catalog = _catalog((old, "نص", PLACE))
    merge(catalog, _catalog(("Someone who told me about violence", "", PLACE)))
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=60, include_previous=True)
    assert buffer.getvalue().decode("utf-8").count("#| ") > 2  # wrapped
    reread = read_po(io.BytesIO(buffer.getvalue()), locale="ar")
    merge(reread, _catalog(("Someone who told me about violence", "", PLACE)))
    message = reread.get("Someone who told me about violence", PLACE)
    assert message.previous_id == [old] and message.user_comments == []


def test_one_template_merged_into_two_languages_carries_no_translation_across() -> None:
    arabic = _catalog(("Legal aid", "مساعدة قانونية", PLACE))
    turkish = Catalog(locale="tr")
    turkish.add("Legal aid", "Hukuki yardım", context=PLACE)
    template = _catalog(("Legal assistance", "", PLACE))
    merge(arabic, template)
    merge(turkish, template)
    assert arabic.get("Legal assistance", PLACE).string == "مساعدة قانونية"
    assert turkish.get("Legal assistance", PLACE).string == "Hukuki yardım"
