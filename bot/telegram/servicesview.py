"""The hub's entry points for a need, as the referrer reads them, in their language.

Shown when an intake ends without a referral (not eligible, consent refused, low risk with
information only) and on /services. The services come from the directory's service
mapping (``case_types`` of each service); entry points first ("1" in the SGBV workshop's
referral-pathway table), then funnelling points, then other providers.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.directory.model import Directory
from bot.directory.vocabulary import CASE_TYPES
from bot.i18n.texts import N_, Texts, isolate
from bot.telegram.focal import CASE_TYPES as CASE_TYPE_NAMES


def case_type_of(texts: Texts, lang: str, word: str) -> str | None:
    """A case type from what a referrer typed after /services: its id or its name in
    their language or English ("medical", "tıbbi")."""
    folded = word.strip().casefold().replace(" ", "_")
    for case_type in CASE_TYPES:
        names = {case_type, texts.gettext(lang, CASE_TYPE_NAMES[case_type]),
                 CASE_TYPE_NAMES[case_type]}
        if folded in {name.casefold().replace(" ", "_") for name in names}:
            return case_type
    return None


def services_text(texts: Texts, directory: Directory, hub: str, case_types: Iterable[str],
                  lang: str) -> str:
    wanted = [c for c in dict.fromkeys(case_types) if c in CASE_TYPE_NAMES]
    found = directory.entry_points(hub, wanted)
    hub_name = directory.hubs[hub].name(lang) if hub in directory.hubs else hub
    needs = ", ".join(texts.gettext(lang, CASE_TYPE_NAMES[c]) for c in wanted)
    if not found:
        return texts.gettext(lang, N_("No service in %(hub)s is mapped for %(needs)s; ask "
                                      "your coordinator where the person can go."),
                             hub=hub_name, needs=needs)
    lines = [texts.gettext(lang, N_("Where the person can go in %(hub)s for %(needs)s:"),
                           hub=hub_name, needs=needs)]
    for service in found:
        agency = directory.agencies.get(service.agency)
        name = agency.name(lang) if agency else service.agency
        phone = f", {isolate(agency.phone, lang)}" if agency and agency.phone else ""
        line = f"• {service.name(lang)}: {name}{phone}"
        if service.entry_point:
            line += " " + texts.gettext(lang, N_("(entry point)"))
        lines.append(line)
    return "\n".join(lines)
