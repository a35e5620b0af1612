"""Risk rating: the flow's rule table decides; the referrer may rate higher, with a reason.

Rating lower than the table is never offered and never accepted: a forged "lower" choice
is refused like any unknown button.
"""

from __future__ import annotations

from bot.engine.context import Ctx
from bot.engine.events import Button, RiskRated, Say
from bot.engine.inputs import KEEP, Choice, Input
from bot.engine.session import Session
from bot.flows.model import RiskNode
from bot.flows.risktable import raisable, rate
from bot.i18n.texts import N_

Result = tuple[Session, str | None]

LEVEL_NAMES = {"high": N_("high risk"), "medium": N_("medium risk"), "low": N_("low risk"),
               "none": N_("no risk")}


def enter(ctx: Ctx, session: Session, node: RiskNode) -> Result:
    computed = rate(node, session.answers)
    if not node.allow_raise or not raisable(computed):
        return _record(ctx, session, node, computed, computed, None)
    session = session.with_(node_state={"computed": computed})
    show(ctx, session, node)
    return session, None


def show(ctx: Ctx, session: Session, node: RiskNode) -> None:
    state = session.node_state
    if "raised" in state:
        ctx.prompt(session, ctx.ui(session, N_("Why do you rate the risk higher?")), "choice",
                   [Button(r.id, ctx.t(session, r.label)) for r in node.raise_reasons])
        return
    computed = state["computed"]
    text = ctx.ui(session, N_("The answers give: %(level)s. Keep it, or rate it higher if what "
                              "you see calls for it."),
                  level=ctx.ui(session, LEVEL_NAMES[computed]))
    buttons = [Button(KEEP, ctx.ui(session, N_("Keep this level")))]
    buttons += [Button(level, ctx.ui(session, LEVEL_NAMES[level])) for level in
                raisable(computed)]
    ctx.prompt(session, text, "choice", buttons)


def answer(ctx: Ctx, session: Session, node: RiskNode, given: Input) -> Result:
    state = session.node_state
    computed = state["computed"]
    if "raised" in state:
        reasons = [r.id for r in node.raise_reasons]
        if isinstance(given, Choice) and given.value in reasons:
            return _record(ctx, session, node, computed, state["raised"], given.value)
    elif isinstance(given, Choice) and given.value == KEEP:
        return _record(ctx, session, node, computed, computed, None)
    elif isinstance(given, Choice) and given.value in raisable(computed):
        session = session.with_(node_state={**state, "raised": given.value})
        show(ctx, session, node)
        return session, None
    ctx.hint(session, N_("Please choose one of the buttons."))
    show(ctx, session, node)
    return session, None


def _record(ctx: Ctx, session: Session, node: RiskNode, computed: str, level: str,
            reason: str | None) -> Result:
    info = node.levels.get(level)
    due = info.due_hours if info else None
    ctx.events.append(RiskRated(computed, level, reason, due))
    if info is not None:
        ctx.events.append(Say(ctx.t(session, info.timeframe), session.referrer_lang,
                              "referrer"))
    risk = {"computed": computed, "level": level, "reason": reason, "due_hours": due}
    answers = {**session.answers, node.id: level}  # lets later branches test the level
    session = session.with_(risk=risk, node_state={}, answers=answers)
    return session, ctx.branch(node.next, session.answers)
