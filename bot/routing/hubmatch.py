"""Find the hub a referrer means: by id or name exactly, else by a district they typed.

The hub question normally answers with a hub id, but a referrer may type a place instead,
spelt as on a phone keyboard: "Sanliurfa", "Şanlıurfa", "urfa", "Antep", "Gazientep". We
compare folded names (:mod:`bot.directory.folding`) in three steps and stop at the first
that decides:

1. exact: the folded text equals a hub's id, one of its names or one of its areas;
2. part: a text of four letters or more that begins or ends a name or area ("urfa" ends
   "sanliurfa", "antep" ends "gaziantep"): Turkish place names are often shortened so;
3. typo: :mod:`difflib`'s similarity of at least 0.75.

A step that points to more than one hub decides nothing on its own: the caller gets the
candidates and asks the referrer to choose; a wrong hub would send a person's referral to
the wrong city.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from bot.directory.folding import compact
from bot.directory.model import Directory

MIN_PART = 4
TYPO_CUTOFF = 0.75

How = Literal["exact", "part", "typo", "none"]


@dataclass(frozen=True)
class HubMatch:
    hub: str | None
    how: How
    candidates: tuple[str, ...] = ()  # hub ids, best first, when no single hub was found

    @property
    def found(self) -> bool:
        return self.hub is not None


def _keys(directory: Directory) -> dict[str, set[str]]:
    """Folded, space-free key -> the hubs it names."""
    keys: dict[str, set[str]] = {}
    for hub in directory.hubs.values():
        for text in (hub.id, *hub.names.values(), *hub.areas):
            keys.setdefault(compact(text), set()).add(hub.id)
    return keys


def _decide(hubs: list[str], how: How) -> HubMatch | None:
    unique = list(dict.fromkeys(hubs))
    if not unique:
        return None
    if len(unique) == 1:
        return HubMatch(unique[0], how)
    return HubMatch(None, how, tuple(unique))


def match_hub(directory: Directory, text: str | None) -> HubMatch:
    """The hub ``text`` names, or the candidates it could name, or none."""
    query = compact(text or "")
    if not query:
        return HubMatch(None, "none")
    if text in directory.hubs:
        return HubMatch(text, "exact")
    keys = _keys(directory)
    exact = _decide(sorted(keys.get(query, ())), "exact")
    if exact:
        return exact
    if len(query) >= MIN_PART:
        parts = [hub for key, hubs in keys.items()
                 if key != query and (key.startswith(query) or key.endswith(query))
                 for hub in sorted(hubs)]
        decided = _decide(parts, "part")
        if decided:
            return decided
    close = difflib.get_close_matches(query, list(keys), n=5, cutoff=TYPO_CUTOFF)
    decided = _decide([hub for key in close for hub in sorted(keys[key])], "typo")
    if decided and decided.candidates and _clear_winner(query, close, keys):
        return HubMatch(sorted(keys[close[0]])[0], "typo")
    return decided or HubMatch(None, "none")


def _clear_winner(query: str, close: list[str], keys: dict[str, set[str]]) -> bool:
    """A typo close to one hub's name and only loosely to another's picks the first."""
    best = difflib.SequenceMatcher(None, query, close[0]).ratio()
    rivals = [difflib.SequenceMatcher(None, query, key).ratio() for key in close[1:]
              if keys[key] != keys[close[0]]]
    return len(keys[close[0]]) == 1 and all(best - ratio >= 0.1 for ratio in rivals)
