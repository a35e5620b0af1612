"""Engine and checker figures, each against a baseline measured in the same run.

    python bench/engine.py [--rounds N]

Prints:
* the median time of one engine step over full PwSN intakes, and its ratio against the naive
  design that builds a ``transitions.Machine`` per message for the same flow (target >= 50x);
* the time to check a generated 2,000-node flow (target <= 1 s), beside the time to merely
  parse the same YAML, so the checker's own share is visible.
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
    """The baseline: the same steps, but each message also builds its own machine for the
    flow (with a model attached and auto transitions, as a naive design would)."""
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


def generated_flow(nodes: int) -> str:
    lines = ["spec_version: 2", "id: generated", "revision: 1", "title: Generated",
             "languages: [en]", "start: consent", "nodes:",
             "  consent:", "    type: consent", "    script: Consent script.",
             "    scopes: [refer, share]", "    given_by: [person]", "    methods: [in_person]",
             "    next: q0", "    refused: refused"]
    for i in range(nodes - 4):
        following = f"q{i + 1}" if i + 1 < nodes - 4 else "send"
        lines += [f"  q{i}:", "    type: ask", "    kind: choice", f"    text: Question {i}?",
                  "    options: {a: A, b: B}", "    invalid: refused", "    next:",
                  f"      - {{when: {{answer: q{i}, is: a}}, goto: {following}}}",
                  f"      - goto: {following}"]
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
    print(f"engine step, median:               {ours * 1e6:9.1f} us")
    print(f"same step + Machine per message:    {naive * 1e6:9.1f} us")
    print(f"ratio (per-message machine / ours): {naive / ours:8.1f}x   (target >= 50x)")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.yaml"
        path.write_text(generated_flow(2000), encoding="utf-8")
        began = time.perf_counter()
        load_file(path)
        parse = time.perf_counter() - began
        began = time.perf_counter()
        flows = check([path])
        full = time.perf_counter() - began
    size = len(flows["generated"].nodes)
    print(f"check a {size}-node flow:           {full:9.3f} s    (target <= 1 s)")
    print(f"  of which YAML parsing alone:      {parse:9.3f} s")


if __name__ == "__main__":
    main()
