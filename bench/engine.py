"""Engine and checker figures, each against a baseline measured in the same run.

    python bench/engine.py [--rounds N]

Prints:
* the median time of one engine step over full PwSN intakes, and an ablation beside it: the
  very same step with a ``transitions.Machine`` for the flow built on each message, as a
  design that builds its machine per message would (target: that step >= 50x ours). Both
  run our engine, so the ratio is the cost of the added machine build over our step, not a
  race against another implementation;
* the time to check two generated 2,000-node flows (target <= 1 s each), a chain (one path)
  and a lattice whose paths branch and merge again, each beside the time to merely parse
  its YAML, so the checker's own share is visible.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from transitions import Machine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.directory import load_directory  # noqa: E402
from bot.engine import Choice, Choices, Engine, Input, Text  # noqa: E402
from bot.flows.compiled import URGENT, CompiledFlow  # noqa: E402
from bot.flows.library import BUNDLED, FlowLibrary, check  # noqa: E402
from bot.flows.yamlsource import load_file  # noqa: E402
from bot.i18n.texts import Texts  # noqa: E402

INTAKE: list[Input] = [
    Choice("pwsn"), Choice("gaziantep"), Choice("ar"), Choices(("none",)), Choice("person"),
    Choice("in_person"), Choice("yes"), Choice("yes"), Choice("yes"),
    Choices(("disability",)), Choices(("none",)), Choices(("mobility", "alone", "no_income")),
    Choice("keep"), Choices(("medical",)), Choice("older"), Choice("female"),
    Choice("phone"), Text("+90 000 000 0000"),
]


def engine_steps(engine: Engine, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        session = engine.start("intake", "en").session
        for given in INTAKE:
            began = time.perf_counter()
            session = engine.step(session, given).session
            times.append(time.perf_counter() - began)
        assert session.outcome == "referred"
    return times


class _Model:
    """A plain model the per-message machine can decorate with its triggers."""


def machine_per_message(engine: Engine, compiled: CompiledFlow, rounds: int) -> list[float]:
    """The ablation: our very steps, each with a machine for the flow built first (with a
    model attached and auto transitions, as a design building its machine per message
    would). Only the build is added; the step itself is still ours."""
    graph = compiled.graph
    states = [*graph.nodes, "<return>"]
    transitions = [{"trigger": label, "source": q, "dest": d}
                   for q, edges in graph.edges.items() for label, d in edges]
    transitions += [{"trigger": URGENT, "source": q, "dest": d} for q, d in graph.urgent.items()]
    times = []
    for _ in range(rounds):
        session = engine.start("intake", "en").session
        for given in INTAKE:
            began = time.perf_counter()
            Machine(model=_Model(), states=states, transitions=transitions,
                    initial=session.state, auto_transitions=True)
            session = engine.step(session, given).session
            times.append(time.perf_counter() - began)
    return times


def _question(name: str, on_a: str, otherwise: str) -> list[str]:
    """A two-option question: answer ``a`` goes to ``on_a``, anything else to ``otherwise``."""
    return [f"  {name}:", "    type: ask", "    kind: choice", "    collects: need",
            f"    text: Question {name}?",
            "    options: {a: A, b: B}", "    invalid: refused", "    next:",
            f"      - {{when: {{answer: {name}, is: a}}, goto: {on_a}}}",
            f"      - goto: {otherwise}"]


def chain(questions: int) -> list[str]:
    """Questions one after the other: both answers lead to the next (one path)."""
    names = [f"q{i}" for i in range(questions)] + ["send"]
    return [line for i in range(questions)
            for line in _question(names[i], names[i + 1], names[i + 1])]


def lattice(questions: int, width: int = 8) -> list[str]:
    """Questions in rows of 1, 2, 4, then ``width``: question ``c`` of a row leads to
    questions ``2c`` and ``2c + 1`` (modulo the next row's length) of the next, so paths
    branch, and once rows are full every question is reached from two, so they merge again
    (about ``2 ** rows`` paths, every question reachable). The last row leads to the referral."""
    rows: list[list[str]] = []
    left = questions
    while left:
        size = min(2 ** len(rows), width, left)
        rows.append([f"q{len(rows)}_{c}" for c in range(size)])
        left -= size
    lines = []
    for r, row in enumerate(rows):
        below = rows[r + 1] if r + 1 < len(rows) else ["send"]
        for c, name in enumerate(row):
            lines += _question(name, below[2 * c % len(below)], below[(2 * c + 1) % len(below)])
    return lines


def generated_flow(nodes: int, shape: str = "chain") -> str:
    """A flow of ``nodes`` nodes: consent first, ``nodes - 4`` questions shaped as a chain
    or a lattice, then a referral and two ends."""
    lines = ["spec_version: 2", "id: generated", "revision: 1", "title: Generated",
             "languages: [en]", "start: consent", "nodes:",
             "  consent:", "    type: consent", "    script: Consent script.",
             "    scopes: [refer, share]", "    given_by: [person]", "    methods: [in_person]",
             "    refused: refused"]
    questions = (chain if shape == "chain" else lattice)(nodes - 4)
    lines += ["    next: " + questions[0].strip().rstrip(":"), *questions]
    lines += ["  send:", "    type: refer", "    case_type: protection", "    hub: hub",
              "    next: sent",
              "  sent:", "    type: end", "    outcome: referred", "    text: Sent.",
              "  refused:", "    type: end", "    outcome: consent_refused", "    text: No.",
              ]
    lines.insert(5, "inputs: [hub]")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200, help="intakes per measurement")
    args = parser.parse_args()
    library = FlowLibrary.load([BUNDLED])
    engine = Engine(library, Texts(), load_directory().hub_choices())
    engine_steps(engine, 5)  # warm caches and translations
    ours = statistics.median(engine_steps(engine, args.rounds))
    naive = statistics.median(machine_per_message(engine, library.current("intake"),
                                                  max(args.rounds // 10, 5)))
    print(f"engine step, median:                   {ours * 1e6:9.1f} us")
    print(f"ablation: same step + Machine built:    {naive * 1e6:9.1f} us")
    print(f"ratio (ablation / ours):                {naive / ours:8.1f}x   (target >= 50x)")
    for shape, what in (("chain", "a chain, one path"),
                        ("lattice", "a lattice, paths branch and merge")):
        parse, full, size = check_time(generated_flow(2000, shape))
        print(f"check a {size}-node flow, {what}:")
        print(f"  parse and check, median of 3:         {full:9.3f} s    (target <= 1 s)")
        print(f"  of which YAML parsing alone:          {parse:9.3f} s")


def check_time(source: str, runs: int = 3) -> tuple[float, float, int]:
    """Median seconds to parse alone and to parse and check (parsing and checking in turn,
    ``runs`` times), and the flow's node count."""
    parses, fulls = [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.yaml"
        path.write_text(source, encoding="utf-8")
        for _ in range(runs):
            began = time.perf_counter()
            load_file(path)
            parses.append(time.perf_counter() - began)
            began = time.perf_counter()
            flows = check([path])
            fulls.append(time.perf_counter() - began)
    return statistics.median(parses), statistics.median(fulls), len(flows["generated"].nodes)


if __name__ == "__main__":
    main()
