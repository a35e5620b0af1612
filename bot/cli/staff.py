"""``intake staff``: enrol staff by one-time invitation, list them, revoke them."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta

from bot.service.staffcache import TTL_SECONDS
from bot.settings import Settings

ROLES = ("referrer", "focal_point", "coordinator")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("staff", help="invite, list and revoke staff",
                                 description="Enrol staff by one-time invitation links.")
    sub = parser.add_subparsers(dest="staff_command", required=True, metavar="COMMAND")
    invite = sub.add_parser("invite", help="print a one-time, expiring enrolment link",
                            description="Print a one-time enrolment code and deep link. The "
                            "staff member opens the link (or sends /start CODE to the bot).")
    invite.add_argument("--role", choices=ROLES, required=True)
    invite.add_argument("--agency", help="agency id from the directory (focal points)")
    invite.add_argument("--hub", help="hub id from the directory")
    invite.add_argument("--days", type=int, default=7, help="days the link stays valid "
                        "(default 7)")
    invite.set_defaults(handler=run_invite)
    listing = sub.add_parser("list", help="list enrolled staff",
                             description="List staff: id, role, agency, hub, language, state. "
                             "Telegram ids are never shown.")
    listing.set_defaults(handler=run_list)
    revoke = sub.add_parser("revoke", help="revoke a staff member",
                            description="Revoke a staff member: the bot no longer answers them "
                            f"(running bots notice within {TTL_SECONDS:g} seconds).")
    revoke.add_argument("id", type=int, help="staff id from `intake staff list`")
    revoke.set_defaults(handler=run_revoke)


def _services(settings: Settings):  # type: ignore[no-untyped-def]
    from bot.wiring import build_services
    from storage.migrate import upgrade
    from storage.stores import Storage

    storage = Storage.from_settings(settings)
    upgrade(storage.engine)  # first, so the directory loaded into the database is read
    services = build_services(settings, storage)
    return services


def run_invite(args: argparse.Namespace, settings: Settings) -> int:
    from bot.service.invites import deep_link

    services = _services(settings)
    directory = services.directory
    if args.role == "focal_point" and not args.agency:
        print("error: a focal point needs --agency", file=sys.stderr)
        return 2
    if args.agency and args.agency not in directory.agencies:
        print(f"error: unknown agency '{args.agency}' (known: "
              f"{', '.join(sorted(directory.agencies))})", file=sys.stderr)
        return 2
    if args.hub and args.hub not in directory.hubs:
        print(f"error: unknown hub '{args.hub}' (known: {', '.join(sorted(directory.hubs))})",
              file=sys.stderr)
        return 2
    if args.days <= 0:
        print("error: --days must be at least 1", file=sys.stderr)
        return 2
    code, invite = services.invites.create(args.role, args.agency, args.hub,
                                           timedelta(days=args.days))
    username = os.environ.get("INTAKE_BOT_USERNAME")
    print(f"One-time invitation for a {args.role}, valid until "
          f"{invite.expires_at:%Y-%m-%d %H:%M} UTC.")
    if username:
        print(f"Link: {deep_link(username, code)}")
    print(f"Or send this to the bot: /start {code}")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    services = _services(settings)
    members = services.storage.staff.everyone()
    print(f"{'id':>4}  {'role':<12} {'agency':<24} {'hub':<24} lang  state")
    for m in members:
        state = "revoked" if not m.active else ("unreachable" if m.unreachable else "active")
        print(f"{m.id:>4}  {m.role:<12} {m.agency or '-':<24} {m.hub or '-':<24} "
              f"{m.language:<5} {state}")
    print(f"{len(members)} staff member(s)")
    return 0


def run_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ports import NotFound

    services = _services(settings)
    try:
        services.storage.staff.set_active(args.id, False, services.clock.now())
    except NotFound:
        print(f"error: no staff member {args.id}", file=sys.stderr)
        return 1
    services.storage.audit.record("cli", "revoke", None, services.clock.now())
    print(f"Staff member {args.id} revoked; running bots refuse them within "
          f"{TTL_SECONDS:g} seconds.")
    return 0
