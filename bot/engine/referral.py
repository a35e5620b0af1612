"""Nodes that act rather than ask: urgent action, referral request and the end.

A refer node takes the case type and the hub from the answers and the urgency from the
rating; it shares nothing itself, it asks the host to route::

    send:
      type: refer
      case_type:
        - {when: {answer: needs, includes: medical}, value: medical}
        - {value: protection}
      hub: hub
      envelope: [age_band, sex]      # goes to the receiving agency with the card
      contact: [phone]               # sensitive; released only after acceptance
      services: services_needed
      next: done
"""

from __future__ import annotations

import hashlib
import json

from bot.engine.consent import recorded
from bot.engine.context import Ctx
from bot.engine.events import ReferralRequested, Say, SessionEnded, UrgentAction
from bot.engine.session import Session
from bot.flows import conditions
from bot.flows.model import REFERRAL_OUTCOMES, AskNode, EndNode, ReferNode, UrgentNode
from bot.i18n.texts import N_

Result = tuple[Session, str | None]
ALREADY_SENT = N_("This referral was already sent in this conversation with the same details, "
                  "so it is not sent again.")


def urgent(ctx: Ctx, session: Session, node: UrgentNode) -> Result:
    categories = list(node.categories)
    if node.categories_from:
        chosen = session.answers.get(node.categories_from) or []
        for option in chosen if isinstance(chosen, list) else [chosen]:
            category = node.category_map.get(option)
            if category and category not in categories:
                categories.append(category)
    hub = session.answers.get("hub")
    # The instruction first ("go with the person to the health contact below now"), then
    # the contacts it points to.
    ctx.events.append(Say(ctx.t(session, node.text), session.referrer_lang, "referrer"))
    ctx.events.append(UrgentAction(tuple(categories), hub if isinstance(hub, str) else None))
    return session, "next"


def refer(ctx: Ctx, session: Session, node: ReferNode) -> Result:
    answers = session.answers
    case_type = next(rule.value for rule in node.case_type
                     if rule.when is None or conditions.evaluate(rule.when, answers))
    risk = session.risk or {}
    # The consent in force here, taken now: the referral carries it, so it is stored with
    # this referral whatever consent a later node of the same step records.
    record = recorded(session.consent) if session.consent else None
    services = answers.get(node.services) if node.services else None
    hub = answers.get(node.hub_answer)
    request = ReferralRequested(
        flow_id=ctx.flow.flow.id, revision=ctx.flow.flow.revision, case_type=case_type,
        hub=hub if isinstance(hub, str) else None,
        risk=risk.get("level"), due_hours=risk.get("due_hours"), urgent=node.urgent,
        consent=record.granted if record else (),
        override_reason=record.override_reason if record else None,
        services=tuple(services) if isinstance(services, list) else (),
        envelope={k: answers[k] for k in node.envelope if k in answers},
        contact={k: answers[k] for k in node.contact if k in answers},
        partner=_partner(ctx, session),
        consent_record=record,
    )
    # What led here is sent: /back must not walk back across this node and send it again.
    sealed = len(session.history)
    sent = fingerprint(request)
    if sent in session.sent:
        # The same note again (the same urgent concern ticked after a second /urgent): the
        # focal point has it already, and two would be acted on twice.
        ctx.events.append(Say(ctx.ui(session, ALREADY_SENT), session.referrer_lang,
                              "referrer"))
        return session.with_(sealed=sealed), "next"
    ctx.events.append(request)
    return session.with_(referred=session.referred + 1, sealed=sealed,
                         sent=(*session.sent, sent)), "next"


def fingerprint(request: ReferralRequested) -> str:
    """What makes two referrals the same for the agency receiving them: where it goes, how
    urgent, and everything it carries (not the consent it is made under)."""
    what = [request.case_type, request.hub, request.urgent, request.risk, request.due_hours,
            list(request.services), request.envelope, request.contact, request.partner]
    text = json.dumps(what, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _partner(ctx: Ctx, session: Session) -> str | None:
    """The partner agency a ``partner`` question of this pathway chose, if any."""
    prefix = session.state[:session.state.rfind("/") + 1]
    for qid, node in ctx.flow.graph.nodes.items():
        if isinstance(node, AskNode) and node.kind == "partner" and qid.startswith(prefix) \
                and "/" not in qid[len(prefix):]:
            chosen = session.answers.get(node.id)
            if isinstance(chosen, str) and not chosen.startswith("-"):
                return chosen
    return None


def end(ctx: Ctx, session: Session, node: EndNode) -> Session:
    ctx.events.append(Say(ctx.t(session, node.text), session.referrer_lang, "referrer"))
    return finish(ctx, session, node.outcome)


def finish(ctx: Ctx, session: Session, outcome: str, reason: str = "") -> Session:
    """End the conversation; anything that led to no referral is forgotten at once."""
    kept = outcome in REFERRAL_OUTCOMES
    ctx.events.append(SessionEnded(outcome, kept, reason))
    if kept:
        return session.with_(outcome=outcome, node_state={}, retries=0)
    return session.with_(outcome=outcome, answers={}, consent=None, consents={}, risk=None,
                         node_state={}, history=(), sealed=0, undo=(), retries=0,
                         referred=0, sent=())
