"""``intake chat``: walk a flow in the terminal, seeing every event the engine emits.

Type the number of a button, several numbers separated by commas for a multiple choice,
free text for typed questions, or a command: /back /restart /cancel /urgent /language CODE.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from typing import TextIO

from bot.directory import Directory
from bot.engine import Choice, Choices, Command, Engine, Input, Step, Text
from bot.engine.events import (
    Disclosure,
    Event,
    Hint,
    Prompt,
    ReferralRequested,
    RiskRated,
    Say,
    SessionEnded,
    UrgentAction,
    describe,
)
from bot.engine.inputs import COMMANDS, DONE
from bot.flows.problems import FlowError
from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("chat", help="walk a flow in the terminal",
                                 description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flow", default="intake", help="flow id to start (default: intake)")
    parser.add_argument("--lang", default=None, help="referrer's language (default: en)")
    parser.add_argument("--person-lang", default=None,
                        help="person's language for the consent script (default: --lang)")
    parser.add_argument("--hub", default=None,
                        help="hub id to assume when the flow does not ask for it")
    parser.set_defaults(handler=run)


class Simulator:
    def __init__(self, engine: Engine, directory: Directory, out: TextIO) -> None:
        self.engine = engine
        self.directory = directory
        self.out = out
        self.last_prompt: Prompt | None = None

    def show(self, events: Iterable[Event]) -> None:
        for event in events:
            self.render(event)

    def render(self, event: Event) -> None:
        write = self.out.write
        if isinstance(event, Prompt):
            self.last_prompt = event
            who = "" if event.audience == "referrer" else f" [to the person, {event.lang}]"
            write(f"\n?{who} {event.text}\n")
            for index, button in enumerate(event.buttons, 1):
                mark = "[x] " if button.selected else ("[ ] " if event.kind == "multi"
                                                       and button.id != DONE else "")
                write(f"  {index}. {mark}{button.label}\n")
        elif isinstance(event, Say):
            who = "" if event.audience == "referrer" else f"[to the person, {event.lang}] "
            write(f"\n{who}{event.text}\n")
        elif isinstance(event, Disclosure):
            write(f"[to the person, {event.lang}] the referral carries: "
                  f"{'; '.join(event.shared)}"
                  + (f"; only the accepting organisation: {'; '.join(event.on_acceptance)}"
                     if event.on_acceptance else "") + "\n")
        elif isinstance(event, Hint):
            write(f"  ! {event.text}\n")
        elif isinstance(event, UrgentAction):
            write("  ** URGENT: emergency contacts **\n")
            for contact in self.directory.emergency_contacts(event.hub, event.categories):
                write(f"     {contact.category}: {contact.name}, {contact.phone} "
                      f"({contact.hours})\n")
        elif isinstance(event, ReferralRequested):
            write("  >> referral that would be routed: "
                  f"case type {event.case_type}, hub {event.hub}, risk {event.risk}, "
                  f"due in {event.due_hours} h, urgent {event.urgent}, consent "
                  f"{'+'.join(event.consent) or 'override: ' + str(event.override_reason)}, "
                  f"{len(event.contact)} contact field(s) kept encrypted\n")
        elif isinstance(event, RiskRated | SessionEnded):
            fields = {k: v for k, v in describe(event).items() if k != "event"}
            write(f"  [{type(event).__name__}] {fields}\n")

    def parse(self, line: str) -> Input | None:
        line = line.strip()
        if line.startswith("/"):
            name, _, arg = line[1:].partition(" ")
            if name == "new":
                name = "restart"
            if name not in COMMANDS:
                self.out.write(f"  ! unknown command /{name}; use one of: "
                               f"{', '.join('/' + c for c in COMMANDS)}\n")
                return None
            return Command(name, arg.strip() or None)  # type: ignore[arg-type]
        prompt = self.last_prompt
        if prompt is None or not prompt.buttons:
            return Text(line)
        picks = [part.strip() for part in line.split(",") if part.strip()]
        if not picks or not all(p.isdigit() and 0 < int(p) <= len(prompt.buttons)
                                for p in picks):
            return Text(line)
        ids = [prompt.buttons[int(p) - 1].id for p in picks]
        if prompt.kind == "multi" and (len(ids) > 1 or ids[0] != DONE):
            return Choices(tuple(i for i in ids if i != DONE)) if len(ids) > 1 else Choice(ids[0])
        return Choice(ids[0])


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import build_engine, report

    try:
        engine, directory = build_engine(settings, translations=False)
    except FlowError as error:
        return report(error)
    lang = args.lang or settings.default_language
    check_choices(engine, directory, args.flow, lang, args.hub, args.person_lang)
    simulator = Simulator(engine, directory, sys.stdout)
    step: Step = engine.start(args.flow, lang, args.person_lang,
                              answers={"hub": args.hub} if args.hub else None)
    simulator.show(step.events)
    return loop(engine, simulator, step, sys.stdin)


def check_choices(engine: Engine, directory: Directory, flow_id: str, lang: str,
                  hub: str | None, person_lang: str | None = None) -> None:
    """Refuse an unknown flow, language or hub, naming the known ones, before anything runs;
    the person's language must also be reviewed (a draft catalog never reaches the person)."""
    from bot.cli.common import CommandError

    def known(option: str, value: str, values: Sequence[str]) -> None:
        if value not in values:
            raise CommandError(f"unknown {option} '{value}' (known: {', '.join(values)})")

    known("--flow", flow_id, sorted(engine.library.flows))
    known("--lang", lang, list(engine.library.current(flow_id).flow.languages))
    if person_lang is not None:
        languages = engine.library.current(flow_id).flow.languages
        reviewed = [code for code in languages if engine.texts.reviewed(code)]
        if person_lang in languages and person_lang not in reviewed:
            raise CommandError(f"--person-lang '{person_lang}' is a draft translation, not "
                               f"offered to the person until it is reviewed (reviewed: "
                               f"{', '.join(reviewed)})")
        known("--person-lang", person_lang, reviewed)
    if hub is not None:
        known("--hub", hub, sorted(directory.hubs))


def loop(engine: Engine, simulator: Simulator, step: Step, lines: Iterable[str],
         ) -> int:
    simulator.out.write("> ")
    simulator.out.flush()
    for line in lines:
        given = simulator.parse(line)
        if given is not None:
            step = engine.step(step.session, given)
            simulator.show(step.events)
        if step.session.ended:
            simulator.out.write(f"\nConversation ended: {step.session.outcome}.\n")
            return 0
        simulator.out.write("> ")
        simulator.out.flush()
    simulator.out.write("\n")
    return 0
