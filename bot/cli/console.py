"""``intake console``: the web console from the command line. ``link`` prints a one-time
sign-in link for a coordinator, for an operator to hand over (a coordinator can also send
/console to the bot)."""

from __future__ import annotations

import argparse

from bot.cli.common import CommandError
from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bot.console.sessions import LINK_MINUTES

    parser = commands.add_parser("console", help="sign-in links to the web console",
                                 description="The web console for coordinators "
                                 "(docs/console.md).")
    sub = parser.add_subparsers(dest="console_command", required=True, metavar="COMMAND")
    link = sub.add_parser(
        "link", help="print a one-time sign-in link for a coordinator",
        description=f"Print a one-time link that signs a coordinator in to the web console. "
        f"It works once and for {LINK_MINUTES} minutes; opening it shows a sign-in button. "
        "Only active coordinators can have one. The link is built on INTAKE_PUBLIC_URL. Hand "
        "it over privately: whoever opens it first is signed in as that coordinator.")
    link.add_argument("--staff", type=int, required=True, metavar="ID",
                      help="the coordinator's staff id from 'intake staff list'")
    link.set_defaults(handler=run_link)


def run_link(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import existing_storage
    from bot.console.sessions import SignInRefused, sign_in_for
    from bot.wiring import build_services

    services = build_services(settings, existing_storage(settings))
    try:
        try:
            link = sign_in_for(services).issue(args.staff, by="cli")
        except SignInRefused as refused:
            if refused.reason == "role":
                raise CommandError(f"staff member {args.staff} is not an active coordinator "
                                   "(see 'intake staff list'); only coordinators can sign in "
                                   "to the console") from None
            raise CommandError(str(refused)) from None
    finally:
        services.storage.close()
    print(link.url)
    print(f"valid once, until {link.expires_at:%Y-%m-%d %H:%M} UTC")
    return 0
