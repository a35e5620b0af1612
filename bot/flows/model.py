"""The typed shape of a flow once its YAML has been validated.

Every node keeps the file and line it came from, so the checker and the engine can point
coordinators at the exact place to fix. Nodes are frozen: a compiled flow is shared by every
conversation that runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

Audience = Literal["referrer", "person"]

OUTCOMES = (
    "referred",
    "urgent_referred",
    "info_only",
    "consent_refused",
    "not_eligible",
    "cancelled",
)
RISK_LEVELS = ("high", "medium", "low", "none")  # highest first
CONSENT_SCOPES = ("refer", "share", "statistics")
CONSENT_GIVERS = ("person", "child_assent", "caregiver")
CONSENT_METHODS = ("in_person", "remote")
URGENT_CATEGORIES = ("health", "safety", "interim_care", "other")
ASK_KINDS = ("choice", "multi", "number", "text", "phone", "date", "language", "hub",
             "partner")
#: What a question may collect (its ``collects:``), so the checker can keep the story out:
#: contact (how to reach the person), demographic (age group, sex), need (needs, services,
#: urgent concerns), wish (what the person asks for), risk_indicator (criteria of a risk
#: form), routing (pathway, hub, language, eligibility). Nothing else may be asked.
COLLECTS = ("contact", "demographic", "need", "wish", "risk_indicator", "routing")
#: Understood only so that the checker can refuse it by name: the incident story is told
#: once, to the specialist, never to the referrer or the bot.
INCIDENT = "incident"
#: Case types whose path may carry no free text but contact details.
NO_FREE_TEXT_CASE_TYPES = ("gbv", "child_protection")
#: Outcomes that leave a referral behind, and so must be preceded by a refer node.
REFERRAL_OUTCOMES = ("referred", "urgent_referred")
#: The answer a consent's child-safety override records (its reason), so that a flow can
#: route an overridden referral to the child protection focal point alone: "consult child
#: protection focal point to determine the child's best interest" (CP template SOPs).
OVERRIDE_ANSWER = "child_safety_override"


@dataclass(frozen=True)
class Where:
    """Where something was written: file, line and the node it belongs to."""

    file: str
    line: int
    node: str = ""
    #: Line of each field as written, so a problem can point at the field, not the node.
    fields: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, name: str) -> int:
        """The line of a field (``next`` for ``next[1].goto``), or the node's own line."""
        return self.fields.get(name.split(".")[0].split("[")[0], self.line)


@dataclass(frozen=True)
class Text:
    """A translatable text: English source plus the gettext context that identifies it."""

    msgid: str
    context: str
    line: int


@dataclass(frozen=True)
class Option:
    id: str
    label: Text
    exclusive: bool = False  # "none of these": selecting it clears the others
    #: Offered only when this holds (an "older person" category only for an age of 60 or
    #: more); otherwise it has no button and pressing it anyway is refused. None: always.
    relevant: Condition | None = None


# ---- conditions -------------------------------------------------------------------------

@dataclass(frozen=True)
class AnswerTest:
    """Compare one recorded answer with a value: ``{answer: age, lt: 18}``."""

    answer: str
    op: str  # is, is_not, in, includes, includes_any, lt, lte, gt, gte, answered
    value: object
    line: int


@dataclass(frozen=True)
class AllOf:
    items: tuple[Condition, ...]
    line: int


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Condition, ...]
    line: int


@dataclass(frozen=True)
class Not:
    item: Condition
    line: int


Condition: TypeAlias = AnswerTest | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Branch:
    """One arm of a ``next`` list; ``when`` is None for the final, unconditional arm."""

    goto: str
    when: Condition | None
    line: int


# ---- nodes ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Node:
    id: str
    where: Where

    def edges(self) -> list[tuple[str, str]]:
        """Outgoing (label, target) pairs, in a stable order."""
        return []


def _branch_edges(branches: tuple[Branch, ...]) -> list[tuple[str, str]]:
    if len(branches) == 1 and branches[0].when is None:
        return [("next", branches[0].goto)]
    return [(f"next.{i}", b.goto) for i, b in enumerate(branches)]


@dataclass(frozen=True)
class SayNode(Node):
    text: Text
    audience: Audience
    next: tuple[Branch, ...]
    #: Said only when this holds; otherwise the path goes on by ``next`` in silence (a turn
    #: of the path for some persons only, without a message for the others).
    relevant: Condition | None = None

    def edges(self) -> list[tuple[str, str]]:
        return _branch_edges(self.next)


@dataclass(frozen=True)
class AskNode(Node):
    kind: str
    text: Text
    audience: Audience
    options: tuple[Option, ...]
    next: tuple[Branch, ...]
    invalid: str | None
    retries: int = 2
    sensitive: bool = False
    relevant: Condition | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 200
    not_future: bool = False
    min_selected: int = 1
    max_selected: int | None = None
    #: One of COLLECTS (or INCIDENT, which the checker refuses); None while undeclared.
    collects: str | None = None
    #: How the person is told this answer travels with a referral ("age group").
    shared_as: Text | None = None
    #: How the receiving agency's card names the answer when ``shared_as`` speaks to the
    #: person ("how to reach you" to the person, "how to reach the person" on the card).
    card_label: Text | None = None
    #: A multi question asked more than once (the urgent screen after a second /urgent):
    #: the answer id under which every option ticked at any time is kept, so a concern told
    #: once never vanishes because a later answer did not repeat it. The question's own
    #: answer stays what was ticked this time. None: nothing adds up.
    adds_up_as: str | None = None

    def records(self, answer: str) -> bool:
        """Whether this question records the answer ``answer`` (its own, or what adds up)."""
        return answer in (self.id, self.adds_up_as)

    def edges(self) -> list[tuple[str, str]]:
        result = _branch_edges(self.next)
        if self.invalid:
            result.append(("invalid", self.invalid))
        return result


@dataclass(frozen=True)
class Override:
    """The child-safety override: refer without consent, with a recorded reason."""

    reasons: tuple[Option, ...]
    goto: str
    line: int
    #: Offered only when this holds (see :mod:`bot.flows.override`); None: always.
    when: Condition | None = None


@dataclass(frozen=True)
class ConsentNode(Node):
    script: Text
    scopes: tuple[str, ...]
    required: tuple[str, ...]
    given_by: tuple[str, ...]
    methods: tuple[str, ...]
    next: str
    refused: str
    override: Override | None = None

    def edges(self) -> list[tuple[str, str]]:
        result = [("next", self.next), ("refused", self.refused)]
        if self.override:
            result.append(("override", self.override.goto))
        return result


@dataclass(frozen=True)
class Counter:
    """Counts how many of ``options`` were selected in the multi-choice ``answer``."""

    name: str
    answer: str
    options: tuple[str, ...]
    line: int
    #: Further multi questions counted together with ``answer`` (one concern area per
    #: question, as in the child pathway's Annex F table).
    more: tuple[str, ...] = ()

    @property
    def answers(self) -> tuple[str, ...]:
        return (self.answer, *self.more)


@dataclass(frozen=True)
class RiskRule:
    """Counts in ranges → level. ``ranges[name] = (low, high)``; high None means no limit."""

    ranges: dict[str, tuple[int, int | None]]
    level: str
    line: int


@dataclass(frozen=True)
class LevelInfo:
    due_hours: int | None
    timeframe: Text


@dataclass(frozen=True)
class RiskNode(Node):
    counters: tuple[Counter, ...]
    rules: tuple[RiskRule, ...]
    levels: dict[str, LevelInfo]
    next: tuple[Branch, ...]
    allow_raise: bool = True
    raise_reasons: tuple[Option, ...] = ()

    def edges(self) -> list[tuple[str, str]]:
        return _branch_edges(self.next)


@dataclass(frozen=True)
class UrgentNode(Node):
    text: Text
    categories: tuple[str, ...]
    categories_from: str | None
    category_map: dict[str, str]
    next: str

    def edges(self) -> list[tuple[str, str]]:
        return [("next", self.next)]


@dataclass(frozen=True)
class CaseTypeRule:
    value: str
    when: Condition | None
    line: int


@dataclass(frozen=True)
class ReferNode(Node):
    case_type: tuple[CaseTypeRule, ...]
    hub_answer: str
    urgent: bool
    envelope: tuple[str, ...]
    contact: tuple[str, ...]
    services: str | None
    next: str

    def edges(self) -> list[tuple[str, str]]:
        return [("next", self.next)]


@dataclass(frozen=True)
class IncludeNode(Node):
    flow: str
    next: str | None
    #: Fixed answers recorded as the included flow begins (answer id, value): how a shared
    #: sub-flow tells which pathway it runs in, without a question.
    sets: tuple[tuple[str, str], ...] = ()

    def edges(self) -> list[tuple[str, str]]:
        return [("next", self.next)] if self.next else []


@dataclass(frozen=True)
class ReturnNode(Node):
    pass


@dataclass(frozen=True)
class EndNode(Node):
    outcome: str
    text: Text


AnyNode: TypeAlias = (
    SayNode | AskNode | ConsentNode | RiskNode | UrgentNode | ReferNode | IncludeNode
    | ReturnNode | EndNode
)


@dataclass(frozen=True)
class Flow:
    """One flow file after validation; includes are still unresolved here."""

    id: str
    revision: int
    file: str
    title: Text
    kind: Literal["flow", "subflow"]
    languages: tuple[str, ...]
    start: str
    urgent: str | None
    inputs: tuple[str, ...]
    nodes: dict[str, AnyNode] = field(default_factory=dict)
    line: int = 1
    #: Line of each top-level field as written.
    fields: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def line_of(self, name: str) -> int:
        return self.fields.get(name, self.line)
