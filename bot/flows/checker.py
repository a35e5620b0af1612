"""The flow checker: proves a set of flows safe before any conversation may use them.

Per file it checks references (targets, includes, answers, options); over each flow with its
includes resolved it checks paths: every node reachable, every path able to end, no referral
and no sensitive question before consent, no referral outcome without a referral.
Every problem names file, line, node and field.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping

from bot.flows import conditions, highest, override
from bot.flows.graph import EXIT, Graph, flatten
from bot.flows.model import (
    INCIDENT,
    NO_FREE_TEXT_CASE_TYPES,
    OVERRIDE_ANSWER,
    REFERRAL_OUTCOMES,
    RISK_LEVELS,
    AnyNode,
    AskNode,
    Condition,
    ConsentNode,
    Counter,
    EndNode,
    Flow,
    IncludeNode,
    ReferNode,
    ReturnNode,
    RiskNode,
    SayNode,
    Text,
    UrgentNode,
)
from bot.flows.problems import Problem
from bot.flows.risktable import gaps_and_overlaps
from bot.i18n.phrase import Phrase
from bot.i18n.texts import N_

REFER_SCOPES = frozenset({"refer", "share"})

#: Messages said in several places.
UNKNOWN_NODE = N_("unknown node '%(node)s'")
UNKNOWN_ANSWER = N_("refers to unknown answer '%(answer)s'")
NO_OPTION = N_("'%(answer)s' has no option '%(option)s'")
MULTI_NEEDED = N_("'%(answer)s' must be a multi question")


def _asks(flow: Flow) -> dict[str, AskNode]:
    """The answers a flow's questions record: each its own, and what a question asked more
    than once keeps of every answer (``adds_up_as``), read as that question's."""
    asks = [n for n in flow.nodes.values() if isinstance(n, AskNode)]
    return {**{n.adds_up_as: n for n in asks if n.adds_up_as is not None},
            **{n.id: n for n in asks}}


def known_answers(flow: Flow, flows: Mapping[str, Flow], seen: frozenset[str] = frozenset(),
                  ) -> dict[str, AskNode | None]:
    """Answers a flow may refer to: its own questions, its inputs, its includes' questions."""
    known: dict[str, AskNode | None] = {name: None for name in flow.inputs}
    for node in flow.nodes.values():
        if isinstance(node, IncludeNode) and node.flow in flows and node.flow not in seen:
            known.update(known_answers(flows[node.flow], flows, seen | {flow.id}))
        if isinstance(node, IncludeNode):
            known.update({name: None for name, _ in node.sets})
    known.update(_asks(flow))
    known.update({n.id: None for n in flow.nodes.values() if isinstance(n, RiskNode)})
    if any(isinstance(n, ConsentNode) and n.override for n in flow.nodes.values()):
        known[OVERRIDE_ANSWER] = None  # the override's reason, once it is taken
    return known


class _FileChecks:
    def __init__(self, flow: Flow, flows: Mapping[str, Flow]) -> None:
        self.flow = flow
        self.flows = flows
        self.problems: list[Problem] = []
        self.answers = known_answers(flow, flows)

    def fail(self, line: int, node: str, field: str, message: str) -> None:
        self.problems.append(Problem(self.flow.file, line, node, field, message))

    def run(self) -> list[Problem]:
        flow = self.flow
        if flow.start not in flow.nodes:
            self.fail(flow.line_of("start"), "", "start", Phrase(UNKNOWN_NODE, node=flow.start))
        elif isinstance(flow.nodes[flow.start], ReturnNode):
            self.fail(flow.line_of("start"), "", "start",
                      Phrase(N_("'%(node)s' returns at once: a subflow must do something "
                                "first"), node=flow.start))
        if flow.urgent and not self._path_exists(flow, flow.urgent):
            self.fail(flow.line_of("urgent"), "", "urgent",
                      Phrase(UNKNOWN_NODE, node=flow.urgent))
        for node in flow.nodes.values():
            self.node(node)
        self.problems.extend(override.problems(flow, self.flows))
        if not self.problems:
            self.reachability()
        return self.problems

    def _path_exists(self, flow: Flow, path: str) -> bool:
        head, _, rest = path.partition("/")
        node = flow.nodes.get(head)
        if node is None:
            return False
        if not rest:
            return True
        return (isinstance(node, IncludeNode) and node.flow in self.flows
                and self._path_exists(self.flows[node.flow], rest))

    def node(self, node: AnyNode) -> None:
        for label, dest in node.edges():
            if dest not in self.flow.nodes:
                field, at = _edge_place(node, label)
                self.fail(at, node.id, field, Phrase(UNKNOWN_NODE, node=dest))
        if isinstance(node, ReturnNode) and self.flow.kind != "subflow":
            self.fail(node.where.line_of("type"), node.id, "type",
                      Phrase(N_("only a subflow may return")))
        if isinstance(node, IncludeNode):
            self.include(node)
        if isinstance(node, AskNode):
            if node.collects == INCIDENT:
                self.fail(node.where.line_of("collects"), node.id, "collects",
                          Phrase(N_("a question may not collect incident details: the story "
                                    "is told once, to the specialist, never to the referrer "
                                    "or the bot")))
            if node.relevant is not None:
                self.condition(node.relevant, node.id, "relevant")
            if node.adds_up_as is not None:
                self.adds_up(node, node.adds_up_as)
            for option in node.options:
                if option.relevant is not None:
                    self.condition(option.relevant, node.id,
                                   f"options.{option.id}.relevant")
            if node.kind == "multi" and node.max_selected is not None \
                    and node.max_selected < node.min_selected:
                self.fail(node.where.line_of("max_selected"), node.id, "max_selected",
                          Phrase(N_("is smaller than min_selected")))
        if isinstance(node, SayNode) and node.relevant is not None:
            self.condition(node.relevant, node.id, "relevant")
        for index, arm in enumerate(getattr(node, "next", ()) or ()):
            if not isinstance(arm, str) and arm.when is not None:
                self.condition(arm.when, node.id, f"next[{index}].when")
        if isinstance(node, RiskNode):
            self.risk(node)
        if isinstance(node, ConsentNode) and node.override and node.override.when:
            self.condition(node.override.when, node.id, "override.when")
        if isinstance(node, UrgentNode) and node.categories_from:
            self.options_of(node.categories_from, node.category_map, node.id,
                            "categories_from", node.where.line_of("categories_from"),
                            kinds=("choice", "multi"))
        if isinstance(node, ReferNode):
            self.refer(node)

    def include(self, node: IncludeNode) -> None:
        line = node.where.line_of("flow")
        sub = self.flows.get(node.flow)
        if sub is None:
            self.fail(line, node.id, "flow", Phrase(N_("unknown flow '%(flow)s'"),
                                                    flow=node.flow))
            return
        if self._includes(sub, self.flow.id, set()):
            self.fail(line, node.id, "flow",
                      Phrase(N_("include cycle: '%(flow)s' includes '%(includer)s' again"),
                             flow=node.flow, includer=self.flow.id))
            return
        returns = any(isinstance(n, ReturnNode) for n in sub.nodes.values())
        if returns and not node.next:
            self.fail(node.where.line, node.id, "next",
                      Phrase(N_("flow '%(flow)s' can return here, so 'next' is required"),
                             flow=node.flow))
        if node.next and not returns:
            self.fail(node.where.line_of("next"), node.id, "next",
                      Phrase(N_("flow '%(flow)s' never returns, so 'next' is never "
                                "followed"), flow=node.flow))
        own = known_answers(self.flow, {k: v for k, v in self.flows.items() if k != node.flow})
        asked = known_answers(sub, self.flows)
        for name, _ in node.sets:
            if isinstance(own.get(name), AskNode) or isinstance(asked.get(name), AskNode):
                self.fail(node.where.line_of("sets"), node.id, "sets",
                          Phrase(N_("'%(answer)s' is the answer of a question; an include "
                                    "may set only answers no question asks"), answer=name))
        given = {name for name, _ in node.sets}
        for name in sub.inputs:
            if name not in own and name not in given:
                self.fail(line, node.id, "flow",
                          Phrase(N_("flow '%(flow)s' needs the answer '%(answer)s', which "
                                    "'%(includer)s' never asks"), flow=node.flow, answer=name,
                                 includer=self.flow.id))

    def adds_up(self, node: AskNode, name: str) -> None:
        """What a question keeps of every answer is its own: no other question, input or
        rating records under that id (one would overwrite the other)."""
        other = self.answers.get(name)
        if name in self.flow.inputs or (isinstance(other, AskNode) and other.id == name) \
                or any(isinstance(n, RiskNode) and n.id == name
                       for n in self.flow.nodes.values()):
            self.fail(node.where.line_of("adds_up_as"), node.id, "adds_up_as",
                      Phrase(N_("'%(answer)s' is already recorded by another question, an "
                                "input or a rating; name another answer id"), answer=name))

    def _includes(self, flow: Flow, target: str, seen: set[str]) -> bool:
        for node in flow.nodes.values():
            if isinstance(node, IncludeNode) and node.flow not in seen:
                if node.flow == target:
                    return True
                seen.add(node.flow)
                sub = self.flows.get(node.flow)
                if sub is not None and self._includes(sub, target, seen):
                    return True
        return False

    def condition(self, condition: Condition, node: str, field: str) -> None:
        for test in conditions.tests(condition):
            if test.answer not in self.answers:
                self.fail(test.line, node, field, Phrase(UNKNOWN_ANSWER, answer=test.answer))
                continue
            ask = self.answers[test.answer]
            rating = self.flow.nodes.get(test.answer)
            if isinstance(rating, RiskNode) and test.op in ("is", "is_not", "in"):
                values = test.value if isinstance(test.value, tuple) else (test.value,)
                for value in values:
                    if str(value) not in RISK_LEVELS:
                        self.fail(test.line, node, field, Phrase(
                            N_("'%(answer)s' has no level '%(level)s' (expected one of: "
                               "%(choices)s)"), answer=test.answer, level=value,
                            choices=", ".join(RISK_LEVELS)))
            if ask is None:
                continue
            if test.op in ("includes", "includes_any") and ask.kind != "multi":
                self.fail(test.line, node, field,
                          Phrase(N_("'%(op)s' needs a multi question, '%(answer)s' is "
                                    "%(kind)s"), op=test.op, answer=ask.id, kind=ask.kind))
            elif test.op in conditions.COMPARISONS and ask.kind != "number":
                self.fail(test.line, node, field,
                          Phrase(N_("'%(op)s' needs a number question, '%(answer)s' is "
                                    "%(kind)s"), op=test.op, answer=ask.id, kind=ask.kind))
            elif ask.kind in ("choice", "multi") and test.op not in ("answered",):
                values = test.value if isinstance(test.value, tuple) else (test.value,)
                ids = {o.id for o in ask.options}
                for value in values:
                    if str(value) not in ids:
                        self.fail(test.line, node, field,
                                  Phrase(NO_OPTION, answer=ask.id, option=value))

    def options_of(self, answer: str, options: Iterable[str], node: str, field: str, line: int,
                   kinds: tuple[str, ...]) -> None:
        if answer not in self.answers:
            self.fail(line, node, field, Phrase(UNKNOWN_ANSWER, answer=answer))
            return
        ask = self.answers[answer]
        if ask is None:
            return
        if ask.kind not in kinds:
            self.fail(line, node, field, Phrase(N_("'%(answer)s' must be a %(kinds)s question"),
                                                answer=answer, kinds=" or ".join(kinds)))
            return
        ids = {o.id for o in ask.options}
        for option in options:
            if option not in ids:
                self.fail(line, node, field, Phrase(NO_OPTION, answer=answer, option=option))

    def risk(self, node: RiskNode) -> None:
        for counter in node.counters:
            if counter.more:
                self.options_across(counter, node.id)
            else:
                self.options_of(counter.answer, counter.options, node.id,
                                f"counts.{counter.name}", counter.line, kinds=("multi",))
        self.uncounted(node)
        for field, message in [*gaps_and_overlaps(node), *highest.problems(node)]:
            at = field.partition("[")[2].rstrip("]")
            line = node.rules[int(at)].line if at else node.where.line_of(field)
            self.fail(line, node.id, field, message)
        for index, rule in enumerate(node.rules):
            if rule.level not in node.levels:
                self.fail(rule.line, node.id, f"rules[{index}].level",
                          Phrase(N_("'%(level)s' has no entry under 'levels' (due_hours, "
                                    "timeframe)"), level=rule.level))

    def options_across(self, counter: Counter, node: str) -> None:
        """A counter over several multi questions: each option belongs to one of them."""
        field = f"counts.{counter.name}"
        ids: set[str] = set()
        for answer in counter.answers:
            if answer not in self.answers:
                self.fail(counter.line, node, field, Phrase(UNKNOWN_ANSWER, answer=answer))
                continue
            ask = self.answers[answer]
            if ask is not None and ask.kind != "multi":
                self.fail(counter.line, node, field, Phrase(MULTI_NEEDED, answer=answer))
            if ask is not None:
                ids.update(o.id for o in ask.options)
        names = ", ".join(f"'{a}'" for a in counter.answers)
        for option in counter.options:
            if ids and option not in ids:
                self.fail(counter.line, node, field,
                          Phrase(N_("none of %(answers)s has the option '%(option)s'"),
                                 answers=names, option=option))

    def uncounted(self, node: RiskNode) -> None:
        """An option of a question the rating reads must be counted: a criterion no counter
        counts can never raise the risk, whatever the referrer ticks. "None of these"
        (an exclusive option) is the one option left uncounted on purpose."""
        counted: dict[str, set[str]] = {}
        first: dict[str, tuple[str, int]] = {}
        for counter in node.counters:
            for answer in counter.answers:
                counted.setdefault(answer, set()).update(counter.options)
                first.setdefault(answer, (counter.name, counter.line))
        for answer, options in counted.items():
            ask = self.answers.get(answer)
            if ask is None or ask.kind != "multi":
                continue
            name, line = first[answer]
            for option in ask.options:
                if option.id not in options and not option.exclusive:
                    self.fail(line, node.id, f"counts.{name}",
                              Phrase(N_("option '%(option)s' of '%(answer)s' is counted by "
                                        "no rule: ticking it can never raise the risk (count "
                                        "it, or ask it in a question the rating does not "
                                        "read)"), option=option.id, answer=answer))

    def refer(self, node: ReferNode) -> None:
        line = node.where.line_of("envelope")
        for field, names in (("hub", [node.hub_answer]), ("envelope", node.envelope),
                             ("contact", node.contact),
                             ("services", [node.services] if node.services else [])):
            for name in names:
                if name not in self.answers:
                    self.fail(node.where.line_of(field), node.id, field,
                              Phrase(UNKNOWN_ANSWER, answer=name))
        for index, rule in enumerate(node.case_type):
            if rule.when is not None:
                self.condition(rule.when, node.id, f"case_type[{index}].when")
        for field, names in (("envelope", node.envelope), ("contact", node.contact),
                             ("services", [node.services] if node.services else [])):
            for name in names:
                ask = self.answers.get(name)
                if ask is not None and ask.shared_as is None:
                    self.fail(node.where.line_of(field), node.id, field,
                              Phrase(N_("'%(answer)s' travels with this referral, so its "
                                        "question needs 'shared_as': the words the consent "
                                        "uses to tell the person"), answer=name))
        for name in node.envelope:
            ask = self.answers.get(name)
            if ask is not None and ask.kind == "text" and ask.collects != "contact":
                self.fail(line, node.id, "envelope", Phrase(
                    N_("'%(answer)s' is free text and not contact details: typed words may "
                       "carry the story, so they never travel with a referral (ask with "
                       "options instead)"), answer=name))
            if ask is not None and ask.sensitive:
                self.fail(line, node.id, "envelope", Phrase(
                    N_("'%(answer)s' is sensitive: put it under 'contact', which only the "
                       "accepting agency sees"), answer=name))

    def reachability(self) -> None:
        roots = [self.flow.start]
        if self.flow.urgent:
            roots.append(self.flow.urgent.partition("/")[0])
        seen = set(roots)
        queue = deque(roots)
        while queue:
            for _, dest in self.flow.nodes[queue.popleft()].edges():
                if dest not in seen:
                    seen.add(dest)
                    queue.append(dest)
        for node_id, node in self.flow.nodes.items():
            if node_id not in seen:
                self.fail(node.where.line, node_id, "",
                          Phrase(N_("unreachable: no path leads here")))


def _edge_place(node: AnyNode, label: str) -> tuple[str, int]:
    """The field an edge label stands for, and its line: ``next.1`` is ``next[1].goto``."""
    head, _, index = label.partition(".")
    if index and isinstance(node, AskNode | SayNode | RiskNode):
        return f"{head}[{index}].goto", node.next[int(index)].line
    if label == "next" and isinstance(node, AskNode | SayNode | RiskNode):
        return label, node.next[0].line
    if label == "override":
        return "override.next", node.where.line_of(label)
    return label, node.where.line_of(label)


def _report(graph: Graph, qid: str, field: str, message: str) -> Problem:
    node = graph.nodes[qid]
    return Problem(graph.origin[qid].file, node.where.line_of(field) if field else
                   node.where.line, node.id, field, message)


def _successors(graph: Graph, qid: str, cut: frozenset[str] | None) -> Iterable[str]:
    node = graph.nodes[qid]
    for label, dest in graph.edges[qid]:
        if cut is not None and isinstance(node, ConsentNode):
            if label == "override":
                continue
            if label == "next" and cut <= set(node.required):
                continue
        if dest != EXIT:
            yield dest
    if qid in graph.urgent:
        yield graph.urgent[qid]


def _walk(graph: Graph, cut: frozenset[str] | None) -> dict[str, str | None]:
    parents: dict[str, str | None] = {graph.start: None}
    queue = deque([graph.start])
    while queue:
        qid = queue.popleft()
        for dest in _successors(graph, qid, cut):
            if dest not in parents:
                parents[dest] = qid
                queue.append(dest)
    return parents


def _witness(parents: Mapping[str, str | None], qid: str) -> str:
    path = [qid]
    while (parent := parents[path[-1]]) is not None:
        path.append(parent)
    return " → ".join(reversed(path))


def _consents_passed(graph: Graph, parents: Mapping[str, str | None], qid: str) -> Phrase:
    """Say why each consent on the path let it through: a scope a referral needs is not
    required, or the path leaves the consent by its refused way."""
    notes = []
    child, parent = qid, parents[qid]
    while parent is not None:
        node = graph.nodes[parent]
        if isinstance(node, ConsentNode):
            lacking = ", ".join(sorted(REFER_SCOPES - set(node.required)))
            labels = {label for label, dest in graph.edges[parent] if dest == child}
            if lacking and "next" in labels:
                notes.append(Phrase(N_("; consent '%(consent)s' does not require %(scopes)s"),
                                    consent=node.id, scopes=lacking))
            elif "refused" in labels:
                notes.append(Phrase(N_("; consent '%(consent)s' was refused on this path (a "
                                       "refusal must never lead to a referral)"),
                                    consent=node.id))
        child, parent = parent, parents[parent]
    return Phrase.joined(*reversed(notes))


def _reachable(graph: Graph, start: str) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        for dest in _successors(graph, queue.popleft(), None):
            if dest not in seen:
                seen.add(dest)
                queue.append(dest)
    return seen


def _recorded(node: AskNode) -> tuple[object, ...]:
    """What a question records and how a referral names it, without its wording or place."""
    def words(text: Text | None) -> str | None:
        return text.msgid if text is not None else None
    return (node.kind, tuple((o.id, o.label.msgid, o.exclusive) for o in node.options),
            node.collects, node.sensitive, words(node.shared_as), words(node.card_label),
            node.minimum, node.maximum, node.not_future, node.min_selected, node.max_selected)


def _same_question(one: AnyNode, other: AnyNode) -> bool:
    """Whether two questions record the same answer: the same kind, options (ids and labels,
    in order), limits, sensitivity and labels on the referral. The wording put to the
    referrer may differ ("the organisation", "the specialist"): it does not change what is
    recorded."""
    return (isinstance(one, AskNode) and isinstance(other, AskNode)
            and _recorded(one) == _recorded(other))


def _shared_answers(graph: Graph) -> list[Problem]:
    """Two flows must not record answers under the same id on one path: the later question
    would overwrite the earlier answer, or be read in its place by the other flow (into the
    wrong referral). Sharing an id on separate branches is fine, and so is the same question
    (:func:`_same_question`) asked by two flows: its answer means the same to both, so a
    shared subflow and the flow beside it may both ask "how to reach the person"."""
    by_key: dict[str, list[str]] = {}
    for qid, node in graph.nodes.items():
        if isinstance(node, AskNode | RiskNode):
            by_key.setdefault(node.id, []).append(qid)
    problems = []
    for key, qids in by_key.items():
        if len({graph.origin[q].id for q in qids}) < 2:
            continue
        reach = {q: _reachable(graph, q) for q in qids}
        for a in qids:
            for b in qids:
                if graph.origin[a].id != graph.origin[b].id and b in reach[a] \
                        and not _same_question(graph.nodes[a], graph.nodes[b]):
                    problems.append(_report(
                        graph, b, "", Phrase(N_("answer id '%(answer)s' is also asked "
                                                "earlier on the same path by flow '%(flow)s'; "
                                                "rename one of them"),
                                             answer=key, flow=graph.origin[a].id)))
    return problems


def check_paths(graph: Graph) -> list[Problem]:
    """Path properties of one flattened flow."""
    problems = _shared_answers(graph)
    can_end = {q for q, n in graph.nodes.items() if isinstance(n, EndNode)}
    can_end |= {q for q, edges in graph.edges.items() if any(d == EXIT for _, d in edges)}
    changed = True
    while changed:
        changed = False
        for qid, edges in graph.edges.items():
            if qid not in can_end and any(d in can_end for _, d in edges):
                can_end.add(qid)
                changed = True
    for qid in graph.nodes:
        if qid not in can_end:
            problems.append(_report(graph, qid, "", Phrase(N_(
                "no way out: every path from here loops without reaching an end"))))
    before_refer_consent = _walk(graph, REFER_SCOPES)
    before_any_consent = _walk(graph, frozenset())
    for qid, node in graph.nodes.items():
        if isinstance(node, ReferNode) and qid in before_refer_consent:
            problems.append(_report(graph, qid, "", Phrase.joined(
                Phrase(N_("a path reaches this referral without consent to refer and share "
                          "(or the child-safety override): %(path)s"),
                       path=_witness(before_refer_consent, qid)),
                _consents_passed(graph, before_refer_consent, qid))))
        if isinstance(node, AskNode) and node.sensitive and qid in before_any_consent:
            problems.append(_report(graph, qid, "sensitive", Phrase(
                N_("a sensitive question is asked before consent: %(path)s"),
                path=_witness(before_any_consent, qid))))
    problems.extend(_referral_outcomes(graph))
    problems.extend(_free_text_before_specialised_referral(graph))
    return problems


def _free_text_before_specialised_referral(graph: Graph) -> list[Problem]:
    """On a path to a GBV or child protection referral, only contact details may be typed:
    any other free text invites the incident story into the chat."""
    problems = []
    for qid, node in graph.nodes.items():
        if not (isinstance(node, AskNode) and node.kind == "text"
                and node.collects is not None and node.collects != "contact"):
            continue
        parents: dict[str, str | None] = {qid: None}
        queue = deque([qid])
        found = None
        while queue and found is None:
            here = queue.popleft()
            for dest in _successors(graph, here, None):
                if dest in parents:
                    continue
                parents[dest] = here
                refer = graph.nodes[dest]
                if isinstance(refer, ReferNode) and any(
                        rule.value in NO_FREE_TEXT_CASE_TYPES for rule in refer.case_type):
                    found = dest
                    break
                queue.append(dest)
        if found is not None:
            refer = graph.nodes[found]
            assert isinstance(refer, ReferNode)
            case_type = next(rule.value for rule in refer.case_type
                             if rule.value in NO_FREE_TEXT_CASE_TYPES)
            problems.append(_report(
                graph, qid, "kind", Phrase(
                    N_("free text that collects %(collects)s on a path to a %(case_type)s "
                       "referral: on that pathway only contact details may be typed (ask with "
                       "options instead): %(path)s"), collects=node.collects,
                    case_type=case_type, path=_witness(parents, found))))
    return problems


def _referral_outcomes(graph: Graph) -> list[Problem]:
    """An end that says 'referred' must be reachable only through a refer node."""
    parents: dict[str, str | None] = {graph.start: None}
    queue = deque([graph.start])
    while queue:
        qid = queue.popleft()
        if isinstance(graph.nodes[qid], ReferNode):
            continue
        for dest in _successors(graph, qid, None):
            if dest not in parents:
                parents[dest] = qid
                queue.append(dest)
    return [
        _report(graph, qid, "outcome", Phrase(
            N_("ends as '%(outcome)s' but a path reaches it without a refer node: %(path)s"),
            outcome=node.outcome, path=_witness(parents, qid)))
        for qid, node in graph.nodes.items()
        if isinstance(node, EndNode) and node.outcome in REFERRAL_OUTCOMES and qid in parents
    ]


def check_flows(flows: Mapping[str, Flow]) -> list[Problem]:
    """All per-file and path checks over a set of parsed flows."""
    problems: list[Problem] = []
    clean = []
    for flow in flows.values():
        found = _FileChecks(flow, flows).run()
        problems.extend(found)
        if not found:
            clean.append(flow)
    if problems:
        return problems
    # A node shared through includes is checked once per includer: report each defect once,
    # with its shortest path, not once per flow that includes it.
    shortest: dict[tuple[str, int, str, str, str], Problem] = {}
    for flow in clean:
        for problem in check_paths(flatten(flow, flows)):
            key = (problem.file, problem.line, problem.node, problem.field,
                   problem.message.partition(": ")[0])
            if key not in shortest or len(problem.message) < len(shortest[key].message):
                shortest[key] = problem
    return list(shortest.values())
