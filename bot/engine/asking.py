"""Questions: show them, validate what comes back, record the answer.

An ask node, as a coordinator writes it::

    age:
      type: ask
      kind: number          # choice | multi | number | text | phone | date | language | hub
                            # | partner
      text: How old is the person (in years)?
      min: 0
      max: 120
      retries: 2            # wrong answers tolerated before the 'invalid' path is taken
      invalid: no_answer
      next: is_child
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from babel import Locale

from bot.engine import referral
from bot.engine.context import Ctx, HubChoice
from bot.engine.events import AnswerRecorded, Button, Hint
from bot.engine.inputs import DONE, Choice, Choices, Input, Text
from bot.engine.session import Session
from bot.flows import conditions
from bot.flows.model import AskNode, EndNode, Option, ReferNode
from bot.i18n.texts import N_

#: A step result: the session, and the edge to follow (None: wait for the next input).
Result = tuple[Session, str | None]

#: The answer of a ``partner`` question that keeps the hub's focal point (option ids start
#: with a letter, so no agency id clashes with it).
FOCAL_POINT = "-focal_point"
#: The fewest and most digits a phone number may have.
PHONE_DIGITS = (7, 15)
_DATE_FORMATS = (
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>\d{4})$"),
)


def language_name(code: str) -> str:
    try:
        return str(Locale.parse(code).get_display_name(code) or code)
    except (ValueError, TypeError):
        return code


def _referral_ahead(ctx: Ctx, state: str) -> ReferNode | None:
    """The first refer node the flow reaches from ``state``: the referral a ``partner``
    question chooses the receiving agency for."""
    seen, queue = {state}, [state]
    while queue:
        qid = queue.pop(0)
        node = ctx.flow.graph.nodes.get(qid)
        if isinstance(node, ReferNode):
            return node
        for _, dest in ctx.flow.graph.edges.get(qid, ()):
            if dest not in seen:
                seen.add(dest)
                queue.append(dest)
    return None


def partners(ctx: Ctx, session: Session) -> list[HubChoice]:
    """Known partner agencies for the referral ahead (its hub and case type as the answers
    decide them now), offered by the host; none without a host that offers them."""
    refer = _referral_ahead(ctx, session.state)
    if refer is None or ctx.partners is None:
        return []
    hub = session.answers.get(refer.hub_answer)
    case_type = next(rule.value for rule in refer.case_type
                     if rule.when is None or conditions.evaluate(rule.when, session.answers))
    return list(ctx.partners(hub, case_type)) if isinstance(hub, str) else []


def buttons(ctx: Ctx, session: Session, node: AskNode) -> list[Button]:
    if node.kind == "language":
        return [Button(code, language_name(code)) for code in ctx.person_languages()]
    if node.kind == "hub":
        return [Button(hub.id, hub.name(session.referrer_lang)) for hub in ctx.hubs]
    if node.kind == "partner":  # the focal point first: the common answer
        return [Button(FOCAL_POINT, ctx.ui(session, N_("The hub's focal point "
                                                        "(recommended)"))),
                *(Button(agency.id, agency.name(session.referrer_lang))
                  for agency in partners(ctx, session))]
    selected = session.node_state.get("selected", [])
    result = [Button(o.id, ctx.t(session, o.label, node.audience), o.id in selected)
              for o in offered(session, node)]
    if node.kind == "multi":
        result.append(Button(DONE, ctx.ui(session, N_("Done")), False))
    return result


def offered(session: Session, node: AskNode) -> list[Option]:
    """The options of a choice or multi question the answers so far allow (an option's own
    ``relevant``): only these have a button, and only these are accepted."""
    return [o for o in node.options
            if o.relevant is None or conditions.evaluate(o.relevant, session.answers)]


def enter(ctx: Ctx, session: Session, node: AskNode) -> Result:
    if node.relevant is not None and not conditions.evaluate(node.relevant, session.answers):
        return session, ctx.branch(node.next, session.answers)
    if node.kind == "partner" and not partners(ctx, session):
        return session, ctx.branch(node.next, session.answers)  # no choice to make
    ctx.prompt(session, ctx.t(session, node.text, node.audience), node.kind,
               buttons(ctx, session, node), node.audience, node.sensitive)
    return session, None


def _retry(ctx: Ctx, session: Session, node: AskNode, hint: str) -> Result:
    """Count a wrong answer; past the limit take the 'invalid' path, else ask again.

    "Moving on" is said only when the path goes on: an 'invalid' path that ends the intake
    says so itself, and "moving on" before "nothing was kept" contradicts it."""
    retries = session.retries + 1
    if retries > node.retries and node.invalid:
        target = ctx.flow.graph.target(session.state, "invalid")
        # The target may be the sub-flow's exit (``<return>``), which is no node: it goes on.
        if not isinstance(ctx.flow.graph.nodes.get(target), EndNode):
            ctx.hint(session, N_("No valid answer was given; moving on."))
        return session.with_(retries=0, node_state={}), "invalid"
    if retries > node.retries:
        # No 'invalid' way: the documented default ends the intake rather than asking forever.
        ctx.hint(session, N_("No valid answer was given, so this intake ends here. Send /new "
                             "to start again."))
        return referral.finish(ctx, session, "cancelled", "no_valid_answer"), None
    ctx.events.append(Hint(hint, session.referrer_lang))
    session = session.with_(retries=retries)
    enter(ctx, session, node)
    return session, None


def _again(ctx: Ctx, session: Session, node: AskNode, message: str,
           **params: object) -> Result:
    """Retry with an interface message in the referrer's language."""
    return _retry(ctx, session, node, ctx.ui(session, message, **params))


def _buttons_again(ctx: Ctx, session: Session, node: AskNode, message: str) -> Result:
    """Typed words where buttons are expected: the buttons again, and it never counts toward
    the 'invalid' path (typing is not an answer, and never an emergency by default)."""
    ctx.hint(session, message)
    enter(ctx, session, node)
    return session, None


def told(node: AskNode, before: object, value: object) -> list[str]:
    """Every option of ``node`` ticked in ``before`` (what was kept so far) or in ``value``
    (this answer), in the question's order; an exclusive option ("none") only while
    nothing else was ever ticked."""
    ticked = {*(before if isinstance(before, list) else ()),
              *(value if isinstance(value, list) else ())}
    exclusive = {o.id for o in node.options if o.exclusive}
    if ticked - exclusive:
        ticked -= exclusive
    return [o.id for o in node.options if o.id in ticked]


def keep_told(ctx: Ctx, session: Session) -> Session:
    """A session stored before its questions kept what adds up (``adds_up_as``): what its
    question recorded is all that was told so far, so it is kept as that, and a later answer
    adds to it instead of the rating and the records missing it."""
    missing = [node for node in ctx.flow.adds_up
               if node.adds_up_as not in session.answers and node.id in session.answers]
    if not missing:
        return session
    answers = dict(session.answers)
    for node in missing:
        answers[str(node.adds_up_as)] = told(node, None, answers[node.id])
    return session.with_(answers=answers)


def _record(ctx: Ctx, session: Session, node: AskNode, value: object) -> Result:
    answers = {**session.answers, node.id: value}
    if node.adds_up_as is not None:
        # Asked again: what is ticked now adds to what was told before, never replaces it.
        answers[node.adds_up_as] = told(node, session.answers.get(node.adds_up_as), value)
    changes: dict[str, object] = {"answers": answers, "retries": 0, "node_state": {}}
    if node.kind == "language":
        changes["person_lang"] = value
    session = session.with_(**changes)
    ctx.events.append(AnswerRecorded(node.id, node.sensitive))
    return session, ctx.branch(node.next, answers)


def _choice_ids(ctx: Ctx, session: Session, node: AskNode) -> list[str]:
    if node.kind == "language":
        return ctx.person_languages()
    if node.kind == "hub":
        return [hub.id for hub in ctx.hubs]
    if node.kind == "partner":
        return [FOCAL_POINT, *(agency.id for agency in partners(ctx, session))]
    return [o.id for o in offered(session, node)]


def answer(ctx: Ctx, session: Session, node: AskNode, given: Input) -> Result:
    if node.kind == "multi":
        return _multi(ctx, session, node, given)
    if node.kind in ("choice", "language", "hub", "partner"):
        if isinstance(given, Choice) and given.value in _choice_ids(ctx, session, node):
            return _record(ctx, session, node, given.value)
        if node.kind == "partner" and isinstance(given, Choice) and not partners(ctx, session):
            # The partners offered are gone (their focal point left): the focal point it is.
            ctx.hint(session, N_("That agency cannot receive referrals now; the hub's focal "
                                 "point will receive it."))
            return _record(ctx, session, node, FOCAL_POINT)
        if isinstance(given, Choice):
            return _again(ctx, session, node, N_("That option is not available here."))
        return _buttons_again(ctx, session, node, N_("Please choose one of the buttons."))
    if not isinstance(given, Text):
        return _again(ctx, session, node, N_("Please type your answer."))
    text = unicodedata.normalize("NFKC", given.text).strip()
    if node.kind == "number":
        return _number(ctx, session, node, text)
    if node.kind == "date":
        return _date(ctx, session, node, text)
    if node.kind == "phone":
        return _phone(ctx, session, node, text)
    if not text:
        return _again(ctx, session, node, N_("Please type your answer."))
    if len(text) > node.max_length:
        return _again(ctx, session, node, N_("Please keep it under %(num)s characters."),
                      num=node.max_length)
    return _record(ctx, session, node, text)


def _number(ctx: Ctx, session: Session, node: AskNode, text: str) -> Result:
    try:
        value: float = float(text.replace(",", "."))
    except ValueError:
        return _again(ctx, session, node, N_("Please type a number, for example 12."))
    if value != value or value in (float("inf"), float("-inf")):
        return _again(ctx, session, node, N_("Please type a number, for example 12."))
    low = node.minimum if node.minimum is not None else float("-inf")
    high = node.maximum if node.maximum is not None else float("inf")
    if not low <= value <= high:
        hint = ctx.ui(session, N_("Please type a number from %(low)s to %(high)s."),
                      low=_plain(low), high=_plain(high))
        return _retry(ctx, session, node, hint)
    return _record(ctx, session, node, int(value) if value.is_integer() else value)


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _phone(ctx: Ctx, session: Session, node: AskNode, text: str) -> Result:
    """Digits (any script's), spaces and one leading +; 7 to 15 digits (ITU-T E.164 allows
    at most 15). Kept with ASCII digits and single spaces, as the agency will dial it."""
    digits = [unicodedata.digit(char, None) for char in text]
    shape_ok = bool(text) and all(
        char == " " or value is not None or (char == "+" and index == 0)
        for index, (char, value) in enumerate(zip(text, digits, strict=True)))
    count = sum(value is not None for value in digits)
    if not shape_ok or not PHONE_DIGITS[0] <= count <= PHONE_DIGITS[1]:
        return _again(ctx, session, node, N_(
            "That does not look like a phone number. Type only digits, with + and spaces "
            "if needed, for example +90 555 123 45 67."))
    plain = "".join(str(value) if value is not None else char
                    for char, value in zip(text, digits, strict=True))
    return _record(ctx, session, node, " ".join(plain.split()))


def _date(ctx: Ctx, session: Session, node: AskNode, text: str) -> Result:
    for pattern in _DATE_FORMATS:
        match = pattern.match(text)
        if match:
            try:
                value = date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                break
            if node.not_future and value > ctx.today:
                return _again(ctx, session, node, N_("That date is in the future."))
            return _record(ctx, session, node, value.isoformat())
    return _again(ctx, session, node, N_("Please type a date as day/month/year, "
                                         "for example 23/11/2026."))


def _multi(ctx: Ctx, session: Session, node: AskNode, given: Input) -> Result:
    ids = [o.id for o in offered(session, node)]
    exclusive = {o.id for o in node.options if o.exclusive}
    if isinstance(given, Choices):
        chosen = list(dict.fromkeys(given.values))
        if any(value not in ids for value in chosen):
            return _again(ctx, session, node, N_("That option is not available here."))
        return _submit(ctx, session, node, chosen, exclusive)
    if not isinstance(given, Choice):
        return _buttons_again(ctx, session, node,
                              N_("Please choose with the buttons, then press Done."))
    selected = list(session.node_state.get("selected", []))
    if given.value == DONE:
        return _submit(ctx, session, node, selected, exclusive)
    if given.value not in ids:
        return _again(ctx, session, node, N_("That option is not available here."))
    if given.value in selected:
        selected.remove(given.value)
    elif given.value in exclusive:
        selected = [given.value]
    else:
        selected = [s for s in selected if s not in exclusive] + [given.value]
    session = session.with_(node_state={"selected": selected})
    enter(ctx, session, node)
    return session, None


def _submit(ctx: Ctx, session: Session, node: AskNode, chosen: list[str],
            exclusive: set[str]) -> Result:
    if len(chosen) > 1 and exclusive & set(chosen):
        return _again(ctx, session, node, N_("“None” cannot be combined with other options."))
    if not chosen and node.min_selected > 0:
        # Done with nothing ticked is not an answer: ask again, never toward 'invalid' (on
        # an urgent screen that is the emergency path). Name "none" when there is one.
        none = next((o for o in node.options if o.exclusive), None)
        if none is None:
            hint = ctx.texts.ngettext(session.referrer_lang, "Select at least %(num)s option.",
                                      "Select at least %(num)s options.", node.min_selected)
        else:
            hint = ctx.ui(session, N_("Tick at least one, or “%(option)s”."),
                          option=ctx.t(session, none.label, node.audience))
        ctx.events.append(Hint(hint, session.referrer_lang))
        enter(ctx, session, node)
        return session, None
    if len(chosen) < node.min_selected:
        return _retry(ctx, session, node, ctx.texts.ngettext(
            session.referrer_lang, "Select at least %(num)s option.",
            "Select at least %(num)s options.", node.min_selected))
    if node.max_selected is not None and len(chosen) > node.max_selected:
        return _retry(ctx, session, node, ctx.texts.ngettext(
            session.referrer_lang, "Select at most %(num)s option.",
            "Select at most %(num)s options.", node.max_selected))
    ordered = [i for i in (o.id for o in node.options) if i in chosen]
    return _record(ctx, session, node, ordered)
