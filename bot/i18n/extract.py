"""Babel extraction for flow files: every flow text becomes a PO entry with a context.

The template also takes the interface strings of the code (``N_``, ``ngettext``; under
``bot/console`` also ``_`` and ``gettext``) and of the web console's Jinja templates
(``bot/console/templates``: ``_``, ``gettext``, ``ngettext``).

The context ``flow:<flow>:<node>:<field>`` keeps two identical English texts apart when they
sit in different places, and lets a changed source string turn its translation fuzzy.
Registered as the ``intake_flow`` extraction method.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file

from bot.flows.schema import parse_flow
from bot.flows.strings import flow_texts
from bot.flows.yamlsource import load_text

#: ``N_("...")`` marks interface strings; ``texts.ngettext(lang, singular, plural, n)`` plurals.
PYTHON_KEYWORDS = {"N_": None, "ngettext": (2, 3)}
#: The web console's code may also call ``_("...")`` or ``gettext("...")`` directly.
CONSOLE_PYTHON_KEYWORDS = {**PYTHON_KEYWORDS, "_": None, "gettext": None}
#: In the console's templates: ``_("...")``, ``gettext("...")``, ``ngettext(s, p, n)``.
TEMPLATE_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
#: Jinja's own extractor for Babel, named as Babel finds it.
JINJA_EXTRACTOR = "jinja2.ext:babel_extract"
PROJECT = Path(__file__).resolve().parents[2]


def extract_flow(fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Any,
                 options: Mapping[str, Any]) -> Iterator[tuple[int, str, str, list[str], str]]:
    name = getattr(fileobj, "name", "flow.yaml")
    flow = parse_flow(load_text(fileobj.read().decode("utf-8"), Path(str(name)).name),
                      Path(str(name)).name)
    for node, field, text in flow_texts(flow):
        where = f"node {node} {field}" if node else field
        yield text.line, "", text.msgid, [f"{flow.id}: {where}"], text.context


def build_template(flow_files: list[Path], python_root: Path | None = None) -> Catalog:
    """The POT catalog: interface strings from the code, then every flow text."""
    root = python_root or PROJECT / "bot"
    template = Catalog(project="intake", version="1", charset="utf-8",
                       msgid_bugs_address="", copyright_holder="")
    console = root / "console"
    for path in sorted(root.rglob("*.py")):
        keywords = CONSOLE_PYTHON_KEYWORDS if path.is_relative_to(console) else PYTHON_KEYWORDS
        for lineno, message, comments, context in extract_from_file(
                "python", str(path), keywords=keywords, strip_comment_tags=True):
            template.add(message, locations=[(str(path.relative_to(root.parent)), lineno)],
                         auto_comments=comments, context=context)
    for path in sorted((console / "templates").rglob("*.html")):
        for lineno, message, comments, context in extract_from_file(
                JINJA_EXTRACTOR, str(path), keywords=TEMPLATE_KEYWORDS,
                strip_comment_tags=True):
            template.add(message, locations=[(str(path.relative_to(root.parent)), lineno)],
                         auto_comments=comments, context=context)
    for path in flow_files:
        with path.open("rb") as handle:
            for lineno, _, message, comments, context in extract_flow(handle, {}, [], {}):
                template.add(message, locations=[(f"bot/flows/{path.name}", lineno)],
                             auto_comments=comments, context=context)
    return template
