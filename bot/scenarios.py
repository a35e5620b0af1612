"""Golden scenarios: YAML a coordinator can read, proving what a flow does.

A scenario file::

    flow: intake
    lang: en
    scenarios:
      - name: three yellow needs give medium risk
        description: the SOP passage the scenario proves (quoted; for readers only)
        flow: pwsn                # optional: another flow than the file's
        steps:
          - choose: pwsn            # a button, by option id
          - select: [none]          # a whole multiple choice
          - type: "12"              # typed text
          - command: back           # back | restart | cancel | language | urgent
        enrolled: [example_law]     # agencies with a focal point enrolled (default: none),
                                    # so the directory's partners for them are offered
        expect:
          outcome: referred
          risk: medium
          case_type: medical
          kept: true                # answers kept after the end (only with a referral)
          events:                   # these events, in this order (others may come between)
            - UrgentAction: {categories: [health]}
            - ReferralRequested
          key_events:               # exactly these, in this order, nothing between; key
            - UrgentAction          # events are all but Prompt, Say, Hint, AnswerRecorded,
            - ConsentRecorded       # Disclosure
            - ReferralRequested: {case_type: medical}
            - SessionEnded
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.directory.model import Directory
from bot.engine import Choice, Choices, Command, Engine, Input, Text, Timeout
from bot.engine.context import HubChoice
from bot.engine.events import Event, Hint, ReferralRequested, RiskRated, SessionEnded
from bot.engine.session import Session
from bot.flows.yamlsource import load_file
from bot.routing.partners import partner_agencies

BUNDLED_SCENARIOS = Path(__file__).resolve().parent / "flows" / "scenarios"
#: A fixed day, so scenarios with dates never depend on when they run.
SCENARIO_DAY = date(2026, 11, 23)
#: Events of the conversation itself; every other event is a key event (``key_events``).
CONVERSATION_EVENTS = ("Prompt", "Say", "Hint", "AnswerRecorded", "Disclosure")


@dataclass(frozen=True)
class Result:
    file: str
    line: int
    name: str
    failures: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.failures


def _input(step: Mapping[str, Any]) -> Input:
    if "choose" in step:
        return Choice(str(step["choose"]))
    if "select" in step:
        return Choices(tuple(str(v) for v in step["select"]))
    if "type" in step:
        return Text(str(step["type"]))
    if "command" in step:
        name, _, arg = str(step["command"]).partition(" ")
        return Command(name, arg or None)  # type: ignore[arg-type]
    if "timeout" in step:
        return Timeout()
    raise ValueError(f"unknown step {dict(step)}: use choose, select, type, command or timeout")


def _event_matches(event: Event, spec: Any) -> bool:
    if isinstance(spec, str):
        return type(event).__name__ == spec
    if isinstance(spec, Mapping) and len(spec) == 1:
        name, fields = next(iter(spec.items()))
        if type(event).__name__ != name:
            return False
        data = asdict(event)
        for key, want in (fields or {}).items():
            got = data.get(key)
            if isinstance(got, tuple | list) and isinstance(want, list):
                if list(got) != want:
                    return False
            elif got != want:
                return False
        return True
    return False


EXPECTATIONS = ("outcome", "risk", "case_type", "referrals", "kept", "events", "key_events")


def _check(expect: Mapping[str, Any], events: Sequence[Event], outcome: str | None,
           ) -> list[str]:
    unknown = sorted(set(expect) - set(EXPECTATIONS))
    if unknown:
        return [f"unknown expectation '{unknown[0]}' (use: {', '.join(EXPECTATIONS)})"]
    failures = []
    ended = [e for e in events if isinstance(e, SessionEnded)]
    kept = ended[-1].kept if ended else None
    rated = [e for e in events if isinstance(e, RiskRated)]
    referred = [e for e in events if isinstance(e, ReferralRequested)]
    if "outcome" in expect and outcome != expect["outcome"]:
        failures.append(f"outcome: expected {expect['outcome']}, got {outcome}")
    if "risk" in expect:
        got = rated[-1].level if rated else None
        if got != expect["risk"]:
            failures.append(f"risk: expected {expect['risk']}, got {got}")
    if "case_type" in expect:
        got = referred[-1].case_type if referred else None
        if got != expect["case_type"]:
            failures.append(f"case_type: expected {expect['case_type']}, got {got}")
    if "referrals" in expect and len(referred) != expect["referrals"]:
        failures.append(f"referrals: expected {expect['referrals']}, got {len(referred)}")
    if "kept" in expect and kept != expect["kept"]:
        failures.append(f"kept: expected {expect['kept']}, got {kept}")
    if "events" in expect:
        position = 0
        for spec in expect["events"]:
            while position < len(events) and not _event_matches(events[position], spec):
                position += 1
            if position == len(events):
                failures.append(f"events: {spec} not found in order")
                break
            position += 1
    if "key_events" in expect:
        key = [e for e in events if type(e).__name__ not in CONVERSATION_EVENTS]
        specs = list(expect["key_events"])
        if len(key) != len(specs) or not all(map(_event_matches, key, specs)):
            failures.append(f"key_events: expected {specs}, "
                            f"got {[type(e).__name__ for e in key]}")
    if outcome is not None and "outcome" not in expect:
        failures.append("the conversation ended but 'outcome' is not expected")
    return failures


def run_file(engine: Engine, path: Path,
             directory: Directory | None = None) -> Iterator[Result]:
    raw = load_file(path)
    defaults = {key: raw[key] for key in ("flow", "lang", "person_lang", "answers", "enrolled")
                if key in raw}
    for index, scenario in enumerate(raw.get("scenarios", [])):
        line = raw["scenarios"].line_of(index)
        name = str(scenario.get("name", f"scenario {index + 1}"))
        merged = {**defaults, **scenario}
        yield _run_one(_with_partners(engine, directory, merged.get("enrolled")), path.name,
                       line, name, merged)


def _with_partners(engine: Engine, directory: Directory | None,
                   enrolled: Sequence[str] | None) -> Engine:
    """The engine offering the directory's partners whose agencies are in ``enrolled``."""
    if directory is None or not enrolled:
        return engine
    agencies = set(enrolled)

    def partners(hub: str, case_type: str) -> list[HubChoice]:
        return [HubChoice(a.id, a.names) for a in
                partner_agencies(directory, hub, case_type, agencies.__contains__)]

    return Engine(engine.library, engine.texts, engine.hubs, partners)


def stopped_at(engine: Engine, session: Session, given: Mapping[str, Any] | None,
               last: Sequence[Event]) -> str:
    """Where a conversation stands, for a failing scenario: the node and its question, and
    the last input with the hints shown if that input was refused."""
    if session.ended:
        return f"stopped: the conversation ended ({session.outcome}) after {session.state}"
    try:
        node = engine.library.revision(session.flow_id, session.revision).node(session.state)
    except KeyError:  # pragma: no cover - the session came from this very engine
        node = None
    text = getattr(node, "text", None) or getattr(node, "script", None)
    where = f"stopped at {session.state}" + (f' "{text.msgid}"' if text is not None else "")
    hints = [event.text for event in last if isinstance(event, Hint)]
    if given is not None and hints:
        where += f"; the input {dict(given)} was refused with: " + " / ".join(hints)
    return where


def _run_one(engine: Engine, file: str, line: int, name: str,
             scenario: Mapping[str, Any]) -> Result:
    given: Mapping[str, Any] | None = None
    last: list[Event] = []
    try:
        step = engine.start(str(scenario.get("flow", "intake")),
                            str(scenario.get("lang", "en")), scenario.get("person_lang"),
                            SCENARIO_DAY, answers=dict(scenario.get("answers", {})))
        events: list[Event] = list(step.events)
        session = step.session
        for raw_step in scenario.get("steps", []):
            if session.ended:
                return Result(file, line, name, ("the conversation ended before all steps "
                                                 f"ran (at {dict(raw_step)})",
                                                 stopped_at(engine, session, given, last)))
            step = engine.step(session, _input(raw_step), SCENARIO_DAY)
            given, last = raw_step, list(step.events)
            events.extend(step.events)
            session = step.session
    except (KeyError, ValueError) as exc:
        return Result(file, line, name, (f"error: {exc}",))
    failures = _check(scenario.get("expect", {}), events, session.outcome)
    if failures:
        failures.append(stopped_at(engine, session, given, last))
    return Result(file, line, name, tuple(failures))


def scenario_folders(flows: Sequence[Path]) -> list[Path]:
    """The ``scenarios`` folders beside the configured flows (a folder of flows holds its
    own; a flow file's folder holds it), each once, those that exist."""
    folders: list[Path] = []
    for path in flows:
        folder = (path if path.is_dir() else path.parent) / "scenarios"
        if folder.is_dir() and folder.resolve() not in [f.resolve() for f in folders]:
            folders.append(folder)
    return folders


def scenario_files(paths: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths or [BUNDLED_SCENARIOS]:
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return files
