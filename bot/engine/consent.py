"""Informed consent as a gate: who gives it, how, and a yes or no for each scope.

The script is shown in the person's language; so are the scope questions, which the person
answers. A consent node, as written in a flow::

    consent:
      type: consent
      script: I work with the health team. With your agreement I can ask a specialist ...
      scopes: [refer, share, statistics]   # asked in this order
      required: [refer, share]             # refusing one of these takes 'refused'
      given_by: [person, caregiver, child_assent]
      methods: [in_person, remote]
      next: questions
      refused: info_only
      override:                            # child flows only: refer in the child's best interest
        reasons: {immediate_danger: The child is in immediate danger}
        next: urgent_refer
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.engine.context import Ctx
from bot.engine.events import Button, ConsentRecorded, Disclosure, Say
from bot.engine.inputs import NO_OVERRIDE, Choice, Input
from bot.engine.session import Session
from bot.flows import conditions
from bot.flows.disclosure import disclosed_after, referrals_after
from bot.flows.model import OVERRIDE_ANSWER, ConsentNode, ReferNode
from bot.i18n.texts import N_

Result = tuple[Session, str | None]

GIVER_LABELS = {
    "person": N_("The person themself"),
    "child_assent": N_("The child (assent)"),
    "caregiver": N_("The caregiver"),
}
METHOD_LABELS = {"in_person": N_("In person"), "remote": N_("Remotely (phone or video)")}
#: Every referral carries its hub, its case type and its urgency, whatever the flow sends.
ALWAYS_SHARED = N_("the area you are in, the kind of help needed and how urgent it is")
SCOPE_QUESTIONS = {
    "refer": N_("Do you agree to be referred to an organisation that can help you?"),
    "share": N_("Do you agree that only the information needed for this referral is shared "
                "with that organisation?"),
    "statistics": N_("Do you agree that anonymous figures, with no names or details, are "
                     "used to improve services?"),
}


def _steps(node: ConsentNode) -> list[str]:
    steps = []
    if len(node.given_by) > 1:
        steps.append("given_by")
    if len(node.methods) > 1:
        steps.append("method")
    return steps + [f"scope:{scope}" for scope in node.scopes]


def enter(ctx: Ctx, session: Session, node: ConsentNode) -> Result:
    # Consent is asked for every referral, even when an earlier one in the conversation was
    # given: an urgent note to the emergency team is not what the person agreed to before.
    # Only this very consent, given already (the path came back to it after /urgent), is not
    # asked twice, and only while it shares nothing the person was not shown then.
    shown = _shown(ctx, session)
    given = session.consents.get(session.state)
    if given is not None and set(shown) <= set(given["shown"]):
        ctx.events.append(Say(ctx.ui(session, N_("Consent for this referral was already "
                                                 "given in this conversation, so it is not "
                                                 "asked again.")),
                              session.referrer_lang, "referrer"))
        # The earlier record governs the referrals after this node again; each referral
        # carries the record it is made under, so one made before it in the same step (an
        # urgent note under its own consent) keeps its own.
        record = {k: v for k, v in given.items() if k != "shown"}
        answers = {k: v for k, v in session.answers.items() if k != OVERRIDE_ANSWER}
        return session.with_(consent=record, answers=answers, node_state={}), "next"
    language = ctx.lang(session, "person")
    ctx.events.append(Say(ctx.t(session, node.script, "person"), language, "person"))
    ctx.events.append(disclosure(ctx, session))
    session = session.with_(node_state={"step": 0, "granted": [], "refused": [],
                                        "shown": shown, "language": language})
    show(ctx, session, node)
    return session, None


def _shown(ctx: Ctx, session: Session) -> list[str]:
    """What a consent here covers now: the kinds of agency the referrals after it may go to
    and the fields the disclosure lists (by their source words, contact details apart). A
    consent given earlier covers the path again only if this is no more than it was then."""
    graph = ctx.flow.graph
    shown = {f"{'contact:' if item.contact else ''}{item.label.msgid}"
             for item in disclosed_after(graph, session.state, session.answers)}
    for qid in referrals_after(graph, session.state, session.answers):
        refer = graph.nodes[qid]
        if isinstance(refer, ReferNode):
            shown.update(f"case_type:{rule.value}" for rule in refer.case_type)
    return sorted(shown)


def disclosure(ctx: Ctx, session: Session) -> Disclosure:
    """What the referrals after this consent carry, in the person's language: always the
    area, the kind of help and its urgency, then each field the flow sends."""
    fields = disclosed_after(ctx.flow.graph, session.state, session.answers)
    lang = ctx.lang(session, "person")
    return Disclosure(
        (ctx.texts.gettext(lang, ALWAYS_SHARED),
         *(ctx.t(session, item.label, "person") for item in fields if not item.contact)),
        tuple(ctx.t(session, item.label, "person") for item in fields if item.contact),
        lang)


def show(ctx: Ctx, session: Session, node: ConsentNode) -> None:
    state = session.node_state
    if state.get("override"):
        text = ctx.ui(session, N_("Consent was not given. The child faces an immediate safety "
                                  "risk, so you may still refer in the child's best interest: "
                                  "the child protection focal point is consulted and decides "
                                  "with you. Choose the reason, or do not refer."))
        buttons = [Button(r.id, ctx.t(session, r.label)) for r in node.override.reasons] \
            if node.override else []
        buttons.append(Button(NO_OVERRIDE, ctx.ui(session, N_("Do not refer"))))
        ctx.prompt(session, text, "choice", buttons)
        return
    step = _steps(node)[state["step"]]
    if step == "given_by":
        ctx.prompt(session, ctx.ui(session, N_("Who gives consent?")), "choice",
                   [Button(g, ctx.ui(session, GIVER_LABELS[g])) for g in node.given_by])
    elif step == "method":
        ctx.prompt(session, ctx.ui(session, N_("How is consent given?")), "choice",
                   [Button(m, ctx.ui(session, METHOD_LABELS[m])) for m in node.methods])
    else:
        lang = ctx.lang(session, "person")
        scope = step.split(":", 1)[1]
        ctx.prompt(session, ctx.texts.gettext(lang, SCOPE_QUESTIONS[scope]), "choice",
                   [Button("yes", ctx.texts.gettext(lang, N_("Yes"))),
                    Button("no", ctx.texts.gettext(lang, N_("No")))], audience="person")


def answer(ctx: Ctx, session: Session, node: ConsentNode, given: Input) -> Result:
    state = dict(session.node_state)
    if state.get("override"):
        return _override(ctx, session, node, given)
    step = _steps(node)[state["step"]]
    allowed = (node.given_by if step == "given_by" else node.methods if step == "method"
               else ("yes", "no"))
    if not isinstance(given, Choice) or given.value not in allowed:
        ctx.hint(session, N_("Please choose one of the buttons."))
        show(ctx, session, node)
        return session, None
    if step in ("given_by", "method"):
        state[step] = given.value
    else:
        scope = step.split(":", 1)[1]
        key = "granted" if given.value == "yes" else "refused"
        state[key] = [*state[key], scope]
        if key == "refused" and scope in node.required:
            return _refused(ctx, session.with_(node_state=state), node)
    state["step"] += 1
    session = session.with_(node_state=state)
    if state["step"] < len(_steps(node)):
        show(ctx, session, node)
        return session, None
    return _record(ctx, session, node, None), "next"


def _record(ctx: Ctx, session: Session, node: ConsentNode, reason: str | None) -> Session:
    state = session.node_state
    record = {
        "granted": list(state["granted"]),
        "refused": list(state["refused"]),
        "given_by": state.get("given_by", node.given_by[0]),
        "method": state.get("method", node.methods[0]),
        "override_reason": reason,
        # The language the script was shown in (kept from the node's start), and when the
        # consent was given: this step's time, which a reuse after /urgent keeps.
        "language": state.get("language", ctx.lang(session, "person")),
        "given_at": ctx.now.isoformat() if ctx.now is not None else None,
    }
    ctx.events.append(recorded(record))
    # The override's reason is also an answer, so the flow can route the overridden referral
    # to the child protection focal point alone; any other outcome clears it.
    answers = {k: v for k, v in session.answers.items() if k != OVERRIDE_ANSWER}
    if reason is not None:
        answers[OVERRIDE_ANSWER] = reason
    consents = session.consents
    if reason is None and set(node.required) <= set(record["granted"]):
        # Given in full: kept for this node, with what the person was shown it shares.
        consents = {**consents, session.state: {**record, "shown": list(state.get("shown", []))}}
    return session.with_(consent=record, node_state={}, answers=answers, consents=consents)


def recorded(record: dict[str, Any]) -> ConsentRecorded:
    """A consent record of the session (``Session.consent``) as the event hosts store.
    Records kept by sessions saved before they held a language and a time have neither."""
    given_at = record.get("given_at")
    return ConsentRecorded(tuple(record["granted"]), tuple(record["refused"]),
                           record["given_by"], record["method"], record.get("override_reason"),
                           record.get("language"),
                           datetime.fromisoformat(given_at) if given_at else None)


def _refused(ctx: Ctx, session: Session, node: ConsentNode) -> Result:
    # The override is narrow: offered only while its condition holds (a high rating or an
    # urgent safety / interim-care concern; bot.flows.override proves the condition).
    override = node.override
    if override is None or (override.when is not None
                            and not conditions.evaluate(override.when, session.answers)):
        return _record(ctx, session, node, None), "refused"
    session = session.with_(node_state={**session.node_state, "override": True})
    show(ctx, session, node)
    return session, None


def _override(ctx: Ctx, session: Session, node: ConsentNode, given: Input) -> Result:
    reasons = [r.id for r in node.override.reasons] if node.override else []
    if isinstance(given, Choice) and given.value == NO_OVERRIDE:
        return _record(ctx, session, node, None), "refused"
    if isinstance(given, Choice) and given.value in reasons:
        return _record(ctx, session, node, given.value), "override"
    ctx.hint(session, N_("Please choose one of the buttons."))
    show(ctx, session, node)
    return session, None
