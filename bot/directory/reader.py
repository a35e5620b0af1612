"""Reading one directory file: typed accessors that record problems instead of raising.

The loader reads the whole file and reports every problem at once, so a coordinator fixes
a file in one pass; each accessor therefore returns ``None`` on a bad value and notes why,
naming the line and the entry (``hub 'kilis'``, ``service #3``).
"""

from __future__ import annotations

from typing import Any

from bot.directory.vocabulary import ID_PATTERN, LANGUAGE_PATTERN, choices
from bot.flows.problems import Problem
from bot.flows.yamlsource import LocatedDict, LocatedList
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

#: Messages said in several places.
BAD_LANGUAGE = N_("bad language code '%(code)s' (two or three lowercase letters)")
UNKNOWN_HUB = N_("unknown hub '%(hub)s'")
UNKNOWN_AGENCY = N_("unknown agency '%(agency)s'")
UNKNOWN_CASE_TYPE = N_("unknown case type '%(case_type)s' (expected one of: %(choices)s)")


class DirectoryProblem(Problem):
    """A problem whose ``node`` is an entry description such as ``agency 'x'``."""

    def __str__(self) -> str:
        """``file:line entry field: message``, a :class:`Phrase` the console translates."""
        pieces = [f"{self.file}:{self.line}"]
        for part in (self.node, self.field):
            if part:
                pieces += [" ", part]
        return Phrase.joined(*pieces, ": ", self.message)


class Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def fail(self, line: int, entry: str, field: str, message: str) -> None:
        self.problems.append(DirectoryProblem(self.file, line, entry, field, message))

    def mapping(self, value: Any, line: int, entry: str, field: str) -> LocatedDict | None:
        if isinstance(value, LocatedDict):
            return value
        self.fail(line, entry, field, Phrase(N_("must be a mapping")))
        return None

    def items(self, value: Any, line: int, entry: str, field: str) -> LocatedList | None:
        if isinstance(value, LocatedList):
            return value
        self.fail(line, entry, field, Phrase(N_("must be a list")))
        return None

    def known_keys(self, spec: LocatedDict, allowed: tuple[str, ...], entry: str,
                   prefix: str = "") -> None:
        """Refuse unknown keys: a misspelt ``backpu`` must not silently mean no backup."""
        for key in spec:
            if key not in allowed:
                self.fail(spec.line_of(key), entry, prefix + key,
                          Phrase(N_("unknown field (expected one of: %(choices)s)"),
                                 choices=choices(allowed)))

    def ident(self, value: Any, line: int, entry: str, field: str) -> str | None:
        if isinstance(value, str) and ID_PATTERN.match(value):
            return value
        self.fail(line, entry, field, Phrase(N_("bad id '%(id)s': use lowercase letters, "
                                                "digits and _, starting with a letter"),
                                             id=value))
        return None

    def text(self, spec: LocatedDict, key: str, entry: str, required: bool = False,
             prefix: str = "") -> str | None:
        value = spec.get(key)
        if value is None:
            if required:
                self.fail(spec.line, entry, prefix + key, Phrase(N_("is required")))
            return None if required else ""
        if isinstance(value, str | int | float) and not isinstance(value, bool) \
                and str(value).strip():
            return str(value).strip()
        self.fail(spec.line_of(key), entry, prefix + key, Phrase(N_("must be a non-empty text")))
        return None

    def names(self, spec: LocatedDict, entry: str, required: bool = True,
              ) -> dict[str, str] | None:
        """Names per language; English is required because it is every text's fallback."""
        value = spec.get("names")
        if value is None and not required:
            return {}
        if not isinstance(value, LocatedDict) or "en" not in value:
            self.fail(spec.line_of("names"), entry, "names",
                      Phrase(N_("needs names per language, at least in English (en)")))
            return None
        result: dict[str, str] = {}
        for lang, name in value.items():
            if not LANGUAGE_PATTERN.match(lang):
                self.fail(value.line_of(lang), entry, f"names.{lang}",
                          Phrase(BAD_LANGUAGE, code=lang))
            elif not isinstance(name, str) or not name.strip():
                self.fail(value.line_of(lang), entry, f"names.{lang}",
                          Phrase(N_("must be a non-empty text")))
            else:
                result[lang] = name.strip()
        return result if len(result) == len(value) else None

    def strings(self, spec: LocatedDict, key: str, entry: str) -> tuple[str, ...] | None:
        value = spec.get(key, [])
        line = spec.line_of(key)
        if not isinstance(value, list) or not all(
                isinstance(v, str | int) and not isinstance(v, bool) and str(v).strip()
                for v in value):
            self.fail(line, entry, key, Phrase(N_("must be a list of non-empty texts")))
            return None
        return tuple(str(v).strip() for v in value)

    def hours(self, spec: LocatedDict, key: str, entry: str, prefix: str) -> float | None:
        value = spec.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
        self.fail(spec.line_of(key), entry, prefix + key,
                  Phrase(N_("must be a number of hours above 0, not '%(value)s'"),
                         value=value))
        return None
