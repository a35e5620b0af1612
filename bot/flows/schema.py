"""Validate a flow's YAML and build the typed model, collecting every problem at once.

The coordinator sees all the mistakes of a file in one run, each with its line; the caller
gets either a complete :class:`~bot.flows.model.Flow` or a :class:`FlowError`, never half.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.flows import conditions
from bot.flows.migrations import CURRENT_SPEC, migrate
from bot.flows.model import (
    ASK_KINDS,
    COLLECTS,
    CONSENT_GIVERS,
    CONSENT_METHODS,
    CONSENT_SCOPES,
    INCIDENT,
    OUTCOMES,
    RISK_LEVELS,
    URGENT_CATEGORIES,
    AnyNode,
    AskNode,
    Branch,
    CaseTypeRule,
    ConsentNode,
    Counter,
    EndNode,
    Flow,
    IncludeNode,
    LevelInfo,
    Option,
    Override,
    ReferNode,
    ReturnNode,
    RiskNode,
    RiskRule,
    SayNode,
    Text,
    UrgentNode,
    Where,
)
from bot.flows.problems import FlowError, Problem
from bot.flows.yamlsource import LocatedDict, LocatedList
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
#: Option ids travel in signed callback data limited to 64 bytes.
MAX_OPTION_ID = 24

#: Messages said in several places.
REQUIRED_FIELD = N_("is required")
MUST_BE = N_("must be %(what)s")  # what: "a text", "a node id", "true or false"...
NOT_EMPTY = N_("must not be empty")
UNKNOWN_FIELD = N_("unknown field '%(field)s'")
UNKNOWN_VALUE = N_("unknown value '%(value)s' (expected one of: %(choices)s)")
_RANGE = re.compile(r"^(\d+)(?:(\+)|-(\d+))?$")

TOP_FIELDS = {"spec_version", "id", "revision", "title", "kind", "languages", "start",
              "urgent", "inputs", "nodes"}
NODE_FIELDS: dict[str, set[str]] = {
    "say": {"text", "audience", "next", "relevant"},
    "ask": {"kind", "text", "audience", "options", "next", "invalid", "retries", "sensitive",
            "relevant", "min", "max", "max_length", "not_future", "min_selected",
            "max_selected", "collects", "shared_as", "card_label", "adds_up_as"},
    "consent": {"script", "scopes", "required", "given_by", "methods", "next", "refused",
                "override"},
    "risk": {"counts", "rules", "levels", "next", "allow_raise", "raise_reasons"},
    "urgent": {"text", "categories", "categories_from", "next"},
    "refer": {"case_type", "hub", "urgent", "envelope", "contact", "services", "next"},
    "include": {"flow", "next", "sets"},
    "return": set(),
    "end": {"outcome", "text"},
}
REQUIRED: dict[str, set[str]] = {
    "say": {"text", "next"},
    "ask": {"kind", "text", "next"},
    "consent": {"script", "scopes", "given_by", "methods", "next", "refused"},
    "risk": {"counts", "rules", "levels", "next"},
    "urgent": {"text", "next"},
    "refer": {"case_type", "hub", "next"},
    "include": {"flow"},
    "return": set(),
    "end": {"outcome", "text"},
}


class _Skip(Exception):
    """Abandon the current node; its problem is already recorded."""


class _Parser:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.flow_id = "?"

    # -- reporting -----------------------------------------------------------------------
    def fail(self, line: int, node: str, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, node, field, message))

    def need(self, raw: LocatedDict, key: str, node: str, kind: type | tuple[type, ...],
             what: str, path: str = "") -> Any:
        field = f"{path}{key}"
        if key not in raw:
            self.fail(raw.line, node, field, Phrase(REQUIRED_FIELD))
            raise _Skip
        value = raw[key]
        if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
            self.fail(raw.line_of(key), node, field, Phrase(MUST_BE, what=Phrase(what)))
            raise _Skip
        if not isinstance(value, kind):
            self.fail(raw.line_of(key), node, field, Phrase(MUST_BE, what=Phrase(what)))
            raise _Skip
        return value

    def optional(self, raw: LocatedDict, key: str, node: str, kind: type | tuple[type, ...],
                 what: str, default: Any) -> Any:
        if key not in raw:
            return default
        return self.need(raw, key, node, kind, what)

    # -- pieces --------------------------------------------------------------------------
    def text(self, raw: LocatedDict, key: str, node: str, context: str) -> Text:
        value = self.need(raw, key, node, str, N_("a text"))
        if not value.strip():
            self.fail(raw.line_of(key), node, key, Phrase(NOT_EMPTY))
            raise _Skip
        return Text(value, context, raw.line_of(key))

    def ident(self, value: Any, line: int, node: str, field: str) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            self.fail(line, node, field,
                      Phrase(N_("'%(id)s' is not a valid id (lower-case letters, digits, _)"),
                             id=value))
            raise _Skip
        return value

    def choice_list(self, raw: LocatedDict, key: str, node: str, allowed: tuple[str, ...],
                    required: bool = True) -> tuple[str, ...]:
        if key not in raw and not required:
            return ()
        items = self.need(raw, key, node, list, N_("a list"))
        if required and not items:
            self.fail(raw.line_of(key), node, key, Phrase(NOT_EMPTY))
            raise _Skip
        for item in items:
            if item not in allowed:
                self.fail(raw.line_of(key), node, key,
                          Phrase(UNKNOWN_VALUE, value=item, choices=", ".join(allowed)))
                raise _Skip
        return tuple(items)

    def options(self, raw: LocatedDict, key: str, node: str, context: str) -> tuple[Option, ...]:
        table = self.need(raw, key, node, dict, N_("a mapping of option id to label"))
        if not table:
            self.fail(raw.line_of(key), node, key, Phrase(N_("must list at least one option")))
            raise _Skip
        result = []
        for opt_id, spec in table.items():
            line = table.line_of(opt_id)
            self.ident(opt_id, line, node, f"{key}.{opt_id}")
            if len(opt_id) > MAX_OPTION_ID:
                self.fail(line, node, f"{key}.{opt_id}",
                          Phrase(N_("option ids are at most %(num)s characters (they travel "
                                    "inside Telegram buttons)"), num=MAX_OPTION_ID))
                raise _Skip
            exclusive = False
            relevant = None
            if isinstance(spec, dict):
                label = spec.get("label")
                exclusive = spec.get("exclusive", False) is True
                extra = set(spec) - {"label", "exclusive", "relevant"}
                if extra:
                    self.fail(line, node, f"{key}.{opt_id}",
                              Phrase(UNKNOWN_FIELD, field=sorted(extra)[0]))
                    raise _Skip
                if "relevant" in spec:
                    at = spec.line_of("relevant") if isinstance(spec, LocatedDict) else line
                    relevant = self.condition(spec["relevant"], at, node,
                                              f"{key}.{opt_id}.relevant")
            else:
                label = spec
            if not isinstance(label, str) or not label.strip():
                self.fail(line, node, f"{key}.{opt_id}", Phrase(N_("needs a label text")))
                raise _Skip
            result.append(Option(opt_id, Text(label, f"{context}.{opt_id}", line), exclusive,
                                 relevant))
        return tuple(result)

    def question_ids(self, raw: LocatedDict, key: str, node: str) -> tuple[str, ...]:
        items = self.optional(raw, key, node, list, N_("a list of question ids"), [])
        if not all(isinstance(item, str) for item in items):
            self.fail(raw.line_of(key), node, key,
                      Phrase(MUST_BE, what=Phrase(N_("a list of question ids"))))
            raise _Skip
        return tuple(items)

    def condition(self, raw: Any, line: int, node: str, field: str) -> Any:
        try:
            return conditions.parse(raw, line)
        except conditions.ConditionSyntaxError as exc:
            self.fail(getattr(raw, "line", line), node, field, exc.message)
            raise _Skip from None

    def target(self, raw: LocatedDict, key: str, node: str) -> str:
        value: str = self.need(raw, key, node, str, N_("a node id"))
        return value

    def branches(self, raw: LocatedDict, key: str, node: str) -> tuple[Branch, ...]:
        value = raw.get(key)
        if isinstance(value, str):
            return (Branch(value, None, raw.line_of(key)),)
        if not isinstance(value, LocatedList) or not value:
            self.fail(raw.line_of(key), node, key,
                      Phrase(MUST_BE, what=Phrase(N_("a node id or a list of {when, goto} "
                                                     "branches"))))
            raise _Skip
        result = []
        for index, arm in enumerate(value):
            line = value.line_of(index)
            field = f"{key}[{index}]"
            if not isinstance(arm, LocatedDict) or "goto" not in arm:
                self.fail(line, node, field, Phrase(N_("a branch needs 'goto'")))
                raise _Skip
            extra = set(arm) - {"when", "goto"}
            if extra:
                self.fail(line, node, field, Phrase(UNKNOWN_FIELD, field=sorted(extra)[0]))
                raise _Skip
            when = (self.condition(arm["when"], line, node, f"{field}.when")
                    if "when" in arm else None)
            if not isinstance(arm["goto"], str):
                self.fail(line, node, f"{field}.goto",
                          Phrase(MUST_BE, what=Phrase(N_("a node id"))))
                raise _Skip
            result.append(Branch(arm["goto"], when, line))
        for arm in result[:-1]:
            if arm.when is None:
                self.fail(arm.line, node, key,
                          Phrase(N_("only the last branch may omit 'when'")))
                raise _Skip
        if result[-1].when is not None:
            self.fail(result[-1].line, node, key,
                      Phrase(N_("the last branch must have no 'when' (the way on when "
                                "nothing matches)")))
            raise _Skip
        return tuple(result)

    # -- nodes ---------------------------------------------------------------------------
    def node(self, node_id: str, raw: Any, line: int) -> AnyNode | None:
        try:
            self.ident(node_id, line, node_id, "id")
            if not isinstance(raw, LocatedDict):
                self.fail(line, node_id, "", Phrase(N_("a node must be a mapping")))
                return None
            node_type = raw.get("type")
            if node_type is None:
                self.fail(raw.line, node_id, "type",
                          Phrase(N_("is required (one of: %(choices)s)"),
                                 choices=", ".join(NODE_FIELDS)))
                return None
            if not isinstance(node_type, str) or node_type not in NODE_FIELDS:
                self.fail(raw.line_of("type"), node_id, "type",
                          Phrase(N_("unknown node type '%(type)s' (expected one of: "
                                    "%(choices)s)"), type=node_type,
                                 choices=", ".join(NODE_FIELDS)))
                return None
            for key in raw:
                if key != "type" and key not in NODE_FIELDS[node_type]:
                    self.fail(raw.line_of(key), node_id, key,
                              Phrase(N_("unknown field for a %(type)s node"), type=node_type))
            for key in sorted(REQUIRED[node_type] - set(raw)):
                self.fail(raw.line, node_id, key, Phrase(REQUIRED_FIELD))
            if REQUIRED[node_type] - set(raw):
                return None
            build: Callable[[str, LocatedDict, Where, str], AnyNode] = getattr(
                self, f"_{node_type}")
            where = Where(self.file, raw.line, node_id, dict(raw.key_lines))
            return build(node_id, raw, where, f"flow:{self.flow_id}:{node_id}")
        except _Skip:
            return None

    def _say(self, nid: str, raw: LocatedDict, where: Where, ctx: str) -> SayNode:
        audience = self.optional(raw, "audience", nid, str, N_("referrer or person"), "referrer")
        if audience not in ("referrer", "person"):
            self.fail(raw.line_of("audience"), nid, "audience",
                      Phrase(MUST_BE, what=Phrase(N_("referrer or person"))))
            raise _Skip
        relevant = (self.condition(raw["relevant"], raw.line_of("relevant"), nid, "relevant")
                    if "relevant" in raw else None)
        return SayNode(nid, where, self.text(raw, "text", nid, f"{ctx}:text"), audience,
                       self.branches(raw, "next", nid), relevant)

    def _ask(self, nid: str, raw: LocatedDict, where: Where, ctx: str) -> AskNode:
        kind = raw["kind"]
        if kind not in ASK_KINDS:
            self.fail(raw.line_of("kind"), nid, "kind",
                      Phrase(N_("unknown question kind '%(kind)s' (expected one of: "
                                "%(choices)s)"), kind=kind, choices=", ".join(ASK_KINDS)))
            raise _Skip
        options: tuple[Option, ...] = ()
        if kind in ("choice", "multi"):
            options = self.options(raw, "options", nid, f"{ctx}:options")
        elif "options" in raw:
            self.fail(raw.line_of("options"), nid, "options",
                      Phrase(N_("a %(kind)s question takes no options"), kind=kind))
            raise _Skip
        audience = self.optional(raw, "audience", nid, str, N_("referrer or person"), "referrer")
        relevant = (self.condition(raw["relevant"], raw.line_of("relevant"), nid, "relevant")
                    if "relevant" in raw else None)
        number = (int, float)
        minimum = self.optional(raw, "min", nid, number, N_("a number"), None)
        maximum = self.optional(raw, "max", nid, number, N_("a number"), None)
        if minimum is not None and maximum is not None and minimum > maximum:
            self.fail(raw.line_of("min"), nid, "min", Phrase(N_("is greater than max")))
            raise _Skip
        retries = self.optional(raw, "retries", nid, int, N_("a whole number"), 2)
        if retries < 0:
            self.fail(raw.line_of("retries"), nid, "retries",
                      Phrase(N_("must not be negative")))
            raise _Skip
        invalid = raw.get("invalid")
        if invalid is not None and not isinstance(invalid, str):
            self.fail(raw.line_of("invalid"), nid, "invalid",
                      Phrase(MUST_BE, what=Phrase(N_("a node id"))))
            raise _Skip
        if "collects" not in raw:
            self.fail(raw.line, nid, "collects",
                      Phrase(N_("is required: say what the question collects (one of: "
                                "%(choices)s)"), choices=", ".join(COLLECTS)))
            raise _Skip
        collects = self.need(raw, "collects", nid, str, N_("one word"))
        if collects not in (*COLLECTS, INCIDENT):
            self.fail(raw.line_of("collects"), nid, "collects",
                      Phrase(UNKNOWN_VALUE, value=collects, choices=", ".join(COLLECTS)))
            raise _Skip
        shared_as = (self.text(raw, "shared_as", nid, f"{ctx}:shared_as")
                     if "shared_as" in raw else None)
        card_label = (self.text(raw, "card_label", nid, f"{ctx}:card_label")
                      if "card_label" in raw else None)
        adds_up_as = (self.ident(raw["adds_up_as"], raw.line_of("adds_up_as"), nid,
                                 "adds_up_as") if "adds_up_as" in raw else None)
        if adds_up_as is not None and (kind != "multi" or adds_up_as == nid):
            self.fail(raw.line_of("adds_up_as"), nid, "adds_up_as",
                      Phrase(N_("is for a multi question, and names an answer id of its "
                                "own")))
            raise _Skip
        return AskNode(
            nid, where, kind, self.text(raw, "text", nid, f"{ctx}:text"), audience, options,
            self.branches(raw, "next", nid), invalid, retries,
            self.optional(raw, "sensitive", nid, bool, N_("true or false"), False), relevant,
            minimum, maximum, self.optional(raw, "max_length", nid, int, N_("a whole number"), 200),
            self.optional(raw, "not_future", nid, bool, N_("true or false"), False),
            self.optional(raw, "min_selected", nid, int, N_("a whole number"), 1),
            self.optional(raw, "max_selected", nid, int, N_("a whole number"), None),
            collects, shared_as, card_label, adds_up_as,
        )

    def _consent(self, nid: str, raw: LocatedDict, where: Where, ctx: str) -> ConsentNode:
        scopes = self.choice_list(raw, "scopes", nid, CONSENT_SCOPES)
        required = self.choice_list(raw, "required", nid, CONSENT_SCOPES, required=False)
        required = required or tuple(s for s in scopes if s != "statistics")
        for scope in required:
            if scope not in scopes:
                self.fail(raw.line_of("required"), nid, "required",
                          Phrase(N_("scope '%(scope)s' is required but not asked in "
                                    "'scopes'"), scope=scope))
                raise _Skip
        override = None
        if "override" in raw:
            spec = self.need(raw, "override", nid, dict, N_("a mapping with reasons and next"))
            extra = set(spec) - {"reasons", "next", "when"}
            if extra:
                key = sorted(extra)[0]
                self.fail(spec.line_of(key), nid, "override",
                          Phrase(UNKNOWN_FIELD, field=key))
                raise _Skip
            if "reasons" not in spec or not spec["reasons"]:
                self.fail(raw.line_of("override"), nid, "override.reasons",
                          Phrase(N_("the child-safety override needs at least one recorded "
                                    "reason")))
                raise _Skip
            reasons = self.options(spec, "reasons", nid, f"{ctx}:override.reasons")
            goto = self.need(spec, "next", nid, str, N_("a node id"), "override.")
            when = (self.condition(spec["when"], spec.line_of("when"), nid, "override.when")
                    if "when" in spec else None)
            override = Override(reasons, goto, spec.line, when)
        return ConsentNode(
            nid, where, self.text(raw, "script", nid, f"{ctx}:script"), scopes, required,
            self.choice_list(raw, "given_by", nid, CONSENT_GIVERS),
            self.choice_list(raw, "methods", nid, CONSENT_METHODS),
            self.target(raw, "next", nid), self.target(raw, "refused", nid), override,
        )

    def _risk(self, nid: str, raw: LocatedDict, where: Where, ctx: str) -> RiskNode:
        counts = self.need(raw, "counts", nid, dict, N_("a mapping of counter name to "
                                                         "{answer, options}"))
        counters = []
        for name, spec in counts.items():
            line = counts.line_of(name)
            answer = spec.get("answer") if isinstance(spec, LocatedDict) else None
            answers = [answer] if isinstance(answer, str) else answer
            if not isinstance(answers, list) or not answers \
                    or not all(isinstance(a, str) for a in answers) \
                    or not isinstance(spec.get("options"), list) or not spec["options"]:
                self.fail(line, nid, f"counts.{name}",
                          Phrase(N_("needs 'answer' (a multi question, or a list of them) "
                                    "and a non-empty 'options' list")))
                raise _Skip
            counters.append(Counter(name, answers[0], tuple(map(str, spec["options"])), line,
                                    tuple(answers[1:])))
        rules_raw = self.need(raw, "rules", nid, list, N_("a list of rules"))
        rules = []
        for index, rule in enumerate(rules_raw):
            line = rules_raw.line_of(index)
            field = f"rules[{index}]"
            if not isinstance(rule, LocatedDict) or rule.get("level") not in RISK_LEVELS:
                self.fail(line, nid, f"{field}.level",
                          Phrase(N_("needs a level: one of %(choices)s"),
                                 choices=", ".join(RISK_LEVELS)))
                raise _Skip
            ranges: dict[str, tuple[int, int | None]] = {}
            for key, value in rule.items():
                if key == "level":
                    continue
                if key not in counts:
                    self.fail(rule.line_of(key), nid, f"{field}.{key}",
                              Phrase(N_("unknown counter")))
                    raise _Skip
                match = _RANGE.match(str(value))
                if not match:
                    self.fail(rule.line_of(key), nid, f"{field}.{key}",
                              Phrase(N_("'%(value)s' is not a count (write 0, 2, 1-3 or 4+)"),
                                     value=value))
                    raise _Skip
                low = int(match.group(1))
                high = None if match.group(2) else int(match.group(3) or low)
                if high is not None and high < low:
                    self.fail(rule.line_of(key), nid, f"{field}.{key}",
                              Phrase(N_("empty range '%(value)s'"), value=value))
                    raise _Skip
                ranges[key] = (low, high)
            rules.append(RiskRule(ranges, rule["level"], line))
        levels_raw = self.need(raw, "levels", nid, dict, N_("a mapping of level to "
                                                             "{due_hours, timeframe}"))
        levels = {}
        for level, spec in levels_raw.items():
            line = levels_raw.line_of(level)
            if level not in RISK_LEVELS:
                self.fail(line, nid, f"levels.{level}", Phrase(N_("unknown risk level")))
                raise _Skip
            if not isinstance(spec, LocatedDict):
                self.fail(line, nid, f"levels.{level}",
                          Phrase(N_("needs due_hours and timeframe")))
                raise _Skip
            due = spec.get("due_hours")
            if due is not None and (isinstance(due, bool) or not isinstance(due, int) or due <= 0):
                self.fail(spec.line_of("due_hours"), nid, f"levels.{level}.due_hours",
                          Phrase(MUST_BE, what=Phrase(N_("a positive whole number of hours"))))
                raise _Skip
            levels[level] = LevelInfo(
                due, self.text(spec, "timeframe", nid, f"{ctx}:levels.{level}"))
        allow_raise = self.optional(raw, "allow_raise", nid, bool, N_("true or false"), True)
        reasons: tuple[Option, ...] = ()
        if allow_raise:
            if "raise_reasons" not in raw:
                self.fail(raw.line, nid, "raise_reasons",
                          Phrase(N_("is required when the referrer may rate higher "
                                    "(allow_raise)")))
                raise _Skip
            reasons = self.options(raw, "raise_reasons", nid, f"{ctx}:raise_reasons")
        return RiskNode(nid, where, tuple(counters), tuple(rules), levels,
                        self.branches(raw, "next", nid), allow_raise, reasons)

    def _urgent(self, nid: str, raw: LocatedDict, where: Where, ctx: str) -> UrgentNode:
        categories = self.choice_list(raw, "categories", nid, URGENT_CATEGORIES, required=False)
        source = None
        mapping: dict[str, str] = {}
        if "categories_from" in raw:
            spec = self.need(raw, "categories_from", nid, dict, N_("{answer, map}"))
            if not isinstance(spec.get("answer"), str) or not isinstance(spec.get("map"), dict):
                self.fail(spec.line, nid, "categories_from",
                          Phrase(N_("needs 'answer' and 'map'")))
                raise _Skip
            source = spec["answer"]
            for option, category in spec["map"].items():
                if category not in URGENT_CATEGORIES:
                    self.fail(spec["map"].line_of(option), nid, f"categories_from.map.{option}",
                              Phrase(N_("unknown category '%(category)s' (expected one of: "
                                        "%(choices)s)"), category=category,
                                     choices=", ".join(URGENT_CATEGORIES)))
                    raise _Skip
                mapping[str(option)] = category
        if not categories and source is None:
            self.fail(raw.line, nid, "categories",
                      Phrase(N_("an urgent node needs 'categories' or 'categories_from'")))
            raise _Skip
        return UrgentNode(nid, where, self.text(raw, "text", nid, f"{ctx}:text"), categories,
                          source, mapping, self.target(raw, "next", nid))

    def _refer(self, nid: str, raw: LocatedDict, where: Where, ctx: str) -> ReferNode:
        spec = raw["case_type"]
        rules: list[CaseTypeRule] = []
        if isinstance(spec, str):
            rules.append(CaseTypeRule(spec, None, raw.line_of("case_type")))
        elif isinstance(spec, LocatedList) and spec:
            for index, arm in enumerate(spec):
                line = spec.line_of(index)
                if not isinstance(arm, LocatedDict) or not isinstance(arm.get("value"), str):
                    self.fail(line, nid, f"case_type[{index}]", Phrase(N_("needs a 'value'")))
                    raise _Skip
                when = (self.condition(arm["when"], line, nid, f"case_type[{index}].when")
                        if "when" in arm else None)
                rules.append(CaseTypeRule(arm["value"], when, line))
            if rules[-1].when is not None:
                self.fail(rules[-1].line, nid, "case_type",
                          Phrase(N_("the last case type must have no 'when' (the default)")))
                raise _Skip
        else:
            self.fail(raw.line_of("case_type"), nid, "case_type",
                      Phrase(MUST_BE, what=Phrase(N_("a case type or a list of "
                                                     "{when, value}"))))
            raise _Skip
        return ReferNode(
            nid, where, tuple(rules), self.need(raw, "hub", nid, str, N_("a question id")),
            self.optional(raw, "urgent", nid, bool, N_("true or false"), False),
            self.question_ids(raw, "envelope", nid), self.question_ids(raw, "contact", nid),
            self.optional(raw, "services", nid, str, N_("a question id"), None),
            self.target(raw, "next", nid),
        )

    def _include(self, nid: str, raw: LocatedDict, where: Where, ctx: str) -> IncludeNode:
        nxt = self.optional(raw, "next", nid, str, N_("a node id"), None)
        table = self.optional(raw, "sets", nid, dict, N_("a mapping of answer id to value"), {})
        sets = []
        for key, value in table.items():
            self.ident(key, raw.line_of("sets"), nid, "sets")
            if isinstance(value, bool) or not isinstance(value, str | int):
                self.fail(raw.line_of("sets"), nid, "sets",
                          Phrase(N_("the value of '%(answer)s' must be a word such as gbv"),
                                 answer=key))
                raise _Skip
            sets.append((key, str(value)))
        return IncludeNode(nid, where, self.need(raw, "flow", nid, str, N_("a flow id")), nxt,
                           tuple(sets))

    def _return(self, nid: str, raw: LocatedDict, where: Where, ctx: str) -> ReturnNode:
        return ReturnNode(nid, where)

    def _end(self, nid: str, raw: LocatedDict, where: Where, ctx: str) -> EndNode:
        outcome = raw["outcome"]
        if outcome not in OUTCOMES:
            self.fail(raw.line_of("outcome"), nid, "outcome",
                      Phrase(N_("unknown outcome '%(outcome)s' (expected one of: "
                                "%(choices)s)"), outcome=outcome, choices=", ".join(OUTCOMES)))
            raise _Skip
        return EndNode(nid, where, outcome, self.text(raw, "text", nid, f"{ctx}:text"))

    # -- the file ------------------------------------------------------------------------
    def flow(self, raw: LocatedDict) -> Flow:
        for key in raw:
            if key not in TOP_FIELDS:
                self.fail(raw.line_of(key), "", key, Phrase(N_("unknown top-level field")))
        try:
            flow_id = self.ident(self.need(raw, "id", "", str, N_("a flow id")), raw.line_of("id"),
                                 "", "id")
            self.flow_id = flow_id
            # Optional: publishing numbers revisions (``bot.service.publishing``).
            revision = self.optional(raw, "revision", "", int, N_("a whole number"), 1)
            if revision < 1:
                self.fail(raw.line_of("revision"), "", "revision",
                          Phrase(N_("must be 1 or more")))
            title = self.text(raw, "title", "", f"flow:{flow_id}:title")
            kind = self.optional(raw, "kind", "", str, N_("flow or subflow"), "flow")
            if kind not in ("flow", "subflow"):
                self.fail(raw.line_of("kind"), "", "kind",
                          Phrase(MUST_BE, what=Phrase(N_("flow or subflow"))))
            languages = self.need(raw, "languages", "", list, N_("a list of language codes"))
            if not languages or not all(isinstance(x, str) for x in languages):
                self.fail(raw.line_of("languages"), "", "languages",
                          Phrase(N_("must list at least one language code")))
            start = self.need(raw, "start", "", str, N_("a node id"))
            urgent = self.optional(raw, "urgent", "", str, N_("a node id"), None)
            inputs = self.question_ids(raw, "inputs", "")
            nodes_raw = self.need(raw, "nodes", "", dict, N_("a mapping of node id to node"))
        except _Skip:
            raise FlowError(self.problems) from None
        nodes = {}
        for node_id, node_raw in nodes_raw.items():
            node = self.node(str(node_id), node_raw, nodes_raw.line_of(node_id))
            if node is not None:
                nodes[node.id] = node
        if self.problems:
            raise FlowError(self.problems)
        return Flow(flow_id, revision, self.file, title, kind, tuple(languages), start, urgent,
                    inputs, nodes, raw.line, dict(raw.key_lines))


def parse_flow(raw: LocatedDict, file: str) -> Flow:
    """Migrate to the current spec, validate and build; raises FlowError with every problem."""
    migrated = migrate(raw, file)
    if migrated.get("spec_version") != CURRENT_SPEC:  # pragma: no cover - migrate ensures it
        raise FlowError([Problem(file, raw.line, "", "spec_version",
                                 Phrase(N_("unsupported")))])
    return _Parser(file).flow(migrated)
