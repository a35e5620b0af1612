"""The completeness check finds missing, fuzzy and broken translations."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog

from bot.flows.library import BUNDLED, flow_files
from bot.i18n.completeness import catalog_problems
from bot.i18n.extract import build_template


def _write(root: Path, lang: str, text: str) -> None:
    folder = root / lang / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n' + text, encoding="utf-8")


def _template() -> Catalog:
    template = Catalog()
    template.add("Done")
    template.add("Yes", context="flow:f:a:text")
    template.add(("%(num)s option", "%(num)s options"))
    template.add("Risk: %(level)s")
    return template


def test_every_kind_of_catalog_problem_is_reported(tmp_path: Path) -> None:
    _write(tmp_path, "tr",
           '#, fuzzy\nmsgid "Done"\nmsgstr "Tamam"\n\n'
           'msgid "%(num)s option"\nmsgid_plural "%(num)s options"\n'
           'msgstr[0] "%(num)s seçenek"\nmsgstr[1] ""\n\n'
           'msgid "Risk: %(level)s"\nmsgstr "Risk: %(seviye)s"\n')
    assert catalog_problems(_template(), tmp_path, ["tr"]) == [
        "tr: fuzzy (the source changed; review it): 'Done'",
        "tr: missing: 'Yes' [flow:f:a:text]",
        "tr: missing: '%(num)s option'",
        "tr: placeholders differ from the source: 'Risk: %(level)s'",
    ]


def test_a_language_without_a_catalog_is_reported(tmp_path: Path) -> None:
    assert catalog_problems(_template(), tmp_path, ["ku"]) == [
        f"ku: no catalog at {tmp_path}/ku/LC_MESSAGES/messages.po"]


def test_the_template_holds_code_strings_and_flow_strings_with_contexts() -> None:
    template = build_template(flow_files([BUNDLED]))
    assert template.get("Who gives consent?") is not None
    consent = template.get(
        template.get("Who gives consent?").id)  # interface strings have no context
    assert consent is not None
    flow_message = [m for m in template if m.context == "flow:pwsn:consent:script"]
    assert len(flow_message) == 1 and flow_message[0].id.startswith("I work with this service")
    assert any(m.pluralizable for m in template)


def test_the_shipped_catalogs_are_complete() -> None:
    template = build_template(flow_files([BUNDLED]))
    assert catalog_problems(template, BUNDLED.parents[1] / "locales", ["ar", "tr"]) == []
