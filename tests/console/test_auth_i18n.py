"""The console's strings reach the translation template: those in its Jinja templates and
the ``_``/``N_`` calls in its Python code, each with its file and line."""

from __future__ import annotations

from pathlib import Path

from bot.i18n.extract import build_template


def test_console_templates_and_code_are_extracted(tmp_path: Path) -> None:
    bot = tmp_path / "bot"
    (bot / "console" / "templates").mkdir(parents=True)
    (bot / "console" / "templates" / "page.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n<h1>{{ _("Console heading") }}</h1>\n'
        '<p>{{ ngettext("%(num)s case", "%(num)s cases", 2) }}</p>\n{% endblock %}\n',
        encoding="utf-8")
    (bot / "console" / "page.py").write_text(
        'def f(_):\n    return _("Said in console code")\n', encoding="utf-8")
    (bot / "elsewhere.py").write_text(
        'def f(_):\n    return _("Not a marked string outside the console")\n',
        encoding="utf-8")
    template = build_template([], python_root=bot)
    found = {message.id if isinstance(message.id, str) else message.id[0]:
             message.locations for message in template if message.id}
    assert found["Console heading"] == [("bot/console/templates/page.html", 3)]
    assert found["%(num)s case"] == [("bot/console/templates/page.html", 4)]
    assert found["Said in console code"] == [("bot/console/page.py", 2)]
    assert "Not a marked string outside the console" not in found


def test_the_shipped_base_template_is_extracted() -> None:
    template = build_template([])
    assert "bot/console/templates/base.html" in {path for path, _ in
                                                 template["Sign out"].locations}
