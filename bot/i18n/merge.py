"""Merging a new template into a language's catalog (``intake i18n update``).

Babel's own merge guesses: a new text with no translation is pre-filled, fuzzy, with the
translation of whichever old text looks most alike, so "Legal assistance" arrived with the
Arabic and Turkish for "material assistance". Here nothing is guessed. A flow text is
identified by its place (its msgctxt, ``flow:<flow>:<node>:<field>``): when the English at a
place changes, the old translation is kept, marked fuzzy, with the old English beside it
(``#| msgid``) so the translator sees what changed. A new text, or an interface string whose
English changed, starts empty. A fuzzy entry keeps its ``#| msgid`` through later updates.
"""

from __future__ import annotations

import copy
import re

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import unescape

#: A keyword of a ``#|`` comment and its quoted pieces (Babel wraps them over several lines,
#: breaking at spaces even inside the quotes, so the lines are joined with one space first).
_PREVIOUS = re.compile(r'(msgctxt|msgid_plural|msgid)\s+((?:"(?:[^"\\]|\\.)*"\s*)+)')
_PIECE = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _ids(message: Message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else list(message.id)


def restore_previous(catalog: Catalog) -> None:
    """Babel's reader keeps ``#|`` lines as user comments; turn them back into the
    message's previous msgid (and drop them as comments, so they are not written twice)."""
    for message in catalog:
        if not message.id or not any(c.startswith("|") for c in message.user_comments):
            continue
        joined = " ".join(c[1:].strip() for c in message.user_comments if c.startswith("|"))
        message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
        ids = ["".join(unescape(f'"{piece}"') for piece in _PIECE.findall(pieces))
               for keyword, pieces in _PREVIOUS.findall(joined) if keyword != "msgctxt"]
        if ids:
            message.previous_id = ids


def merge(catalog: Catalog, template: Catalog) -> None:
    """Update ``catalog`` in place from ``template``, as described above."""
    restore_previous(catalog)
    previous: dict[object, list[str]] = {}
    by_place: dict[str, Message] = {}
    for message in catalog:
        if not message.id:
            continue
        if message.fuzzy and message.previous_id:
            previous[catalog._key_for(message.id, message.context)] = list(message.previous_id)
        if message.context:
            by_place[message.context] = message
    # Babel's update puts the template's own Message objects into the catalog for new
    # texts; filled in below, they would carry one language's translation into the next
    # language merged from the same template. Each merge takes its own copy.
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
    for message in catalog:
        if not message.id:
            continue
        key = catalog._key_for(message.id, message.context)
        if message.string and any(message.string if isinstance(message.string, tuple)
                                  else [message.string]):
            if message.fuzzy and not message.previous_id and key in previous:
                message.previous_id = previous[key]
            continue
        was = by_place.get(message.context or "")
        if was is None or was.id == message.id or not was.string:
            continue
        if isinstance(was.string, tuple) != isinstance(message.id, tuple):
            continue  # singular became plural or back: translate afresh
        message.string = was.string
        message.flags.add("fuzzy")
        message.previous_id = list(was.previous_id) if was.fuzzy and was.previous_id \
            else _ids(was)
