"""``intake staff``: enrol staff by one-time invitation, list them and the pending
invitations, cancel an invitation, revoke a member."""

from __future__ import annotations

import argparse

from bot.cli.common import CommandError
from bot.service.invites import MAX_DAYS, check_days, check_label
from bot.service.staffcache import TTL_SECONDS
from bot.settings import Settings

ROLES = ("referrer", "focal_point", "coordinator")
LABEL_HELP = ("what the person does, not who they are, e.g. 'MSF clinic nurse, Gaziantep' "
              "(shown in staff lists; no names or phone numbers)")


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
    invite.add_argument("--label", help=LABEL_HELP)
    invite.add_argument("--days", type=int, default=7, help="days the link stays valid, "
                        f"1 to {MAX_DAYS} (default 7)")
    invite.set_defaults(handler=run_invite)
    listing = sub.add_parser("list", help="list enrolled staff",
                             description="List staff: id, role, agency, hub, language, state, "
                             "label. Telegram ids are never shown.")
    listing.set_defaults(handler=run_list)
    invites = sub.add_parser("invites", help="list pending invitations",
                             description="List the invitations not yet used and not expired: "
                             "id, role, agency, hub, expiry, label. Codes are never shown "
                             "(only a keyed hash of each is kept).")
    invites.set_defaults(handler=run_invites)
    cancel = sub.add_parser("cancel", help="cancel a pending invitation",
                            description="Cancel a pending invitation: its link enrols no one.")
    cancel.add_argument("id", type=int, help="invitation id from 'intake staff invites'")
    cancel.set_defaults(handler=run_cancel)
    revoke = sub.add_parser("revoke", help="revoke a staff member",
                            description="Revoke a staff member: the bot no longer answers them "
                            f"(running bots notice within {TTL_SECONDS:g} seconds). A focal "
                            "point's referral cards and contact reveals are queued for the "
                            "running bot to remove from their chat; a referrer's intake in "
                            "progress is erased at once; a coordinator's web console "
                            "sessions end at once.")
    revoke.add_argument("id", type=int, help="staff id from 'intake staff list'")
    revoke.set_defaults(handler=run_revoke)


def _services(settings: Settings, existing: bool = True):  # type: ignore[no-untyped-def]
    """Services on the database; only an invitation (``existing=False``) may create or
    migrate it, the commands that read or change staff refuse a missing or old one."""
    from bot.cli.common import existing_storage
    from bot.wiring import build_services
    from storage.migrate import upgrade
    from storage.stores import Storage

    if existing:
        return build_services(settings, existing_storage(settings))
    storage = Storage.from_settings(settings)
    upgrade(storage.engine)  # first, so the directory loaded into the database is read
    services = build_services(settings, storage)
    return services


def run_invite(args: argparse.Namespace, settings: Settings) -> int:
    from bot.service.invites import deep_link

    try:  # checked before anything is opened: a typo costs nothing
        valid_for = check_days(args.days)
        label = check_label(args.label) if args.label is not None else None
    except ValueError as error:
        raise CommandError(str(error)) from None
    if args.role == "focal_point" and not args.agency:
        raise CommandError("a focal point needs --agency")
    services = _services(settings, existing=False)
    directory = services.directory
    if args.agency and args.agency not in directory.agencies:
        raise CommandError(f"unknown agency '{args.agency}' (known: "
                           f"{', '.join(sorted(directory.agencies))})")
    if args.hub and args.hub not in directory.hubs:
        raise CommandError(f"unknown hub '{args.hub}' (known: "
                           f"{', '.join(sorted(directory.hubs))})")
    code, invite = services.invites.create(args.role, args.agency, args.hub, valid_for,
                                           label=label)
    username = settings.bot_username
    print(f"Invitation {invite.id}: one-time, for a {args.role}, valid until "
          f"{invite.expires_at:%Y-%m-%d %H:%M} UTC.")
    if username:
        print(f"Link: {deep_link(username, code)}")
    print(f"Or send this to the bot: /start {code}")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    services = _services(settings)
    members = services.storage.staff.everyone()
    print(f"{'id':>4}  {'role':<12} {'agency':<24} {'hub':<24} lang  {'state':<12} label")
    for m in members:
        state = "revoked" if not m.active else ("unreachable" if m.unreachable else "active")
        print(f"{m.id:>4}  {m.role:<12} {m.agency or '-':<24} {m.hub or '-':<24} "
              f"{m.language:<5} {state:<12} {m.label or '-'}")
    print(f"{len(members)} staff member(s)")
    return 0


def run_invites(args: argparse.Namespace, settings: Settings) -> int:
    services = _services(settings)
    pending = services.invites.pending()
    print(f"{'id':>4}  {'role':<12} {'agency':<24} {'hub':<24} {'expires (UTC)':<17} label")
    for i in pending:
        print(f"{i.id:>4}  {i.role:<12} {i.agency or '-':<24} {i.hub or '-':<24} "
              f"{i.expires_at:%Y-%m-%d %H:%M}  {i.label or '-'}")
    print(f"{len(pending)} pending invitation(s)")
    return 0


def run_cancel(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ports import NotFound

    services = _services(settings)
    try:
        services.invites.cancel(args.id)
    except NotFound:
        raise CommandError(f"no pending invitation {args.id} (see 'intake staff invites')"
                           ) from None
    print(f"Invitation {args.id} cancelled: its link enrols no one.")
    return 0


def run_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from bot.ports import NotFound
    from storage.console import SqlConsoleStore

    services = _services(settings)
    staff = services.storage.staff
    try:
        member = staff.get(args.id)
    except NotFound:
        raise CommandError(f"no staff member {args.id} (see 'intake staff list')") from None
    now, storage = services.clock.now(), services.storage
    with storage.unit():
        staff.set_active(member.id, False, now)
        storage.audit.record("cli", "revoke", None, now, subject=f"staff:{member.id}")
        consoles = SqlConsoleStore(storage.context).end_all(member.id)  # signed out now
        removed = storage.messages.revoked(member.id, now)
        chat = staff.telegram_id(member.id)  # a private chat's id is the member's own
        # Loaded first: in a unit the row is locked, so a step of theirs in flight ends first.
        dropped = member.role == "referrer" and storage.sessions.load(chat) is not None
        if dropped:
            storage.sessions.delete(chat)
            storage.audit.record("cli", "drop_intake", None, now, subject=f"staff:{member.id}")
    named = f" ({member.label})" if member.label else ""
    print(f"Staff member {member.id}{named} revoked; running bots refuse them within "
          f"{TTL_SECONDS:g} seconds.")
    if removed:
        print(f"queued for the running bot: {removed} referral card(s) and contact reveal(s) "
              "to remove from their chat (this command does not reach Telegram)")
    if dropped:
        print("their intake in progress was erased")
    if consoles:
        print(f"signed out of the web console ({consoles} session(s) ended)")
    return 0
