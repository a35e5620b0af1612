"""Translations: two languages at once, isolates in right-to-left text, plural forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.model import Text
from bot.i18n.texts import DEFAULT_LOCALES, Texts, bundled_locales, isolate

FSI, PDI = "\u2068", "\u2069"


def _catalog(root: Path, lang: str, body: str, plural: str) -> None:
    folder = root / lang / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        f'"Plural-Forms: {plural}\\n"\n\n' + body, encoding="utf-8")


def test_inserted_numbers_are_isolated_only_in_right_to_left_languages() -> None:
    assert isolate(12, "ar") == f"{FSI}12{PDI}"
    assert isolate("K7Q-4MX", "tr") == "K7Q-4MX"


def test_arabic_uses_six_plural_forms_and_isolates_the_number(tmp_path: Path) -> None:
    forms = "\n".join(f'msgstr[{i}] "form{i} %(num)s"' for i in range(6))
    _catalog(tmp_path, "ar", 'msgid "%(num)s option"\nmsgid_plural "%(num)s options"\n'
             + forms + "\n",
             "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 "
             ": n%100>=11 ? 4 : 5);")
    texts = Texts(tmp_path)
    got = {n: texts.ngettext("ar", "%(num)s option", "%(num)s options", n)
           for n in (0, 1, 2, 3, 11, 100)}
    assert got == {0: f"form0 {FSI}0{PDI}", 1: f"form1 {FSI}1{PDI}", 2: f"form2 {FSI}2{PDI}",
                   3: f"form3 {FSI}3{PDI}", 11: f"form4 {FSI}11{PDI}",
                   100: f"form5 {FSI}100{PDI}"}


def test_flow_texts_are_looked_up_by_context(tmp_path: Path) -> None:
    _catalog(tmp_path, "tr", 'msgctxt "flow:f:a:text"\nmsgid "Yes"\nmsgstr "Evet"\n\n'
             'msgctxt "flow:f:b:text"\nmsgid "Yes"\nmsgstr "Var"\n',
             "nplurals=2; plural=(n != 1);")
    texts = Texts(tmp_path)
    assert texts.flow(Text("Yes", "flow:f:a:text", 1), "tr") == "Evet"
    assert texts.flow(Text("Yes", "flow:f:b:text", 1), "tr") == "Var"
    assert texts.flow(Text("Yes", "flow:f:a:text", 1), "en") == "Yes"


def test_fuzzy_translations_are_never_shown(tmp_path: Path) -> None:
    _catalog(tmp_path, "tr", '#, fuzzy\nmsgid "Done"\nmsgstr "Eski"\n',
             "nplurals=2; plural=(n != 1);")
    assert Texts(tmp_path).gettext("tr", "Done") == "Done"


@pytest.mark.parametrize("lang", ["ar", "tr"])
def test_the_shipped_catalogs_translate_the_interface(lang: str) -> None:
    texts = Texts()
    assert texts.gettext(lang, "Done") != "Done"
    assert texts.gettext(lang, "Who gives consent?") != "Who gives consent?"


def test_the_catalogs_are_found_inside_an_installed_package_else_beside_the_source(
        tmp_path: Path) -> None:
    source = tmp_path / "tree" / "bot"
    source.mkdir(parents=True)
    assert bundled_locales(source) == tmp_path / "tree" / "locales"
    installed = tmp_path / "site" / "bot"
    (installed / "locales").mkdir(parents=True)
    assert bundled_locales(installed) == installed / "locales"


def test_the_source_tree_speaks_arabic_by_default() -> None:
    assert (DEFAULT_LOCALES / "ar" / "LC_MESSAGES" / "messages.po").is_file()
