"""``intake audit``: read the audit trail (who did what to which case code or staff member,
when). The trail holds ids, verbs, case codes and times only, so nothing personal is shown."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.casecode import CaseCodeError, parse
from bot.cli.common import CommandError
from bot.settings import Settings

_AGO = re.compile(r"(\d{1,4})([dh])")
DEFAULT_LIMIT = 100
MAX_LIMIT = 100_000


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "audit", help="read the audit trail",
        description="Read the audit trail, oldest first: time (UTC), actor, action, case code "
        "and subject (what a non-referral action was done to, such as staff:12). Filters "
        "combine. The trail holds no personal data.")
    parser.add_argument("--code", help="one case code, e.g. K7Q-4MX-2PY")
    parser.add_argument("--actor", help="an actor such as staff:12, cli or worker; a kind "
                        "alone (staff) matches every one of that kind; staff:12 also finds "
                        "what was done to that member")
    parser.add_argument("--action", help="one action, e.g. reveal, revoke, enrol")
    parser.add_argument("--since", help="from this time on: YYYY-MM-DD or YYYY-MM-DDTHH:MM "
                        "(UTC), or a time ago such as 7d or 12h")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                        help=f"show at most the newest N rows (default {DEFAULT_LIMIT})")
    parser.set_defaults(handler=run)


def since_time(text: str, now: datetime) -> datetime:
    """``--since`` as a time; ``ValueError`` says what is accepted."""
    ago = _AGO.fullmatch(text.strip())
    if ago:
        amount = int(ago.group(1))
        return now - (timedelta(days=amount) if ago.group(2) == "d" else timedelta(hours=amount))
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since '{text}' is not a date: use YYYY-MM-DD, YYYY-MM-DDTHH:MM "
                         "(UTC) or a time ago such as 7d or 12h") from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


@dataclass(frozen=True)
class Filters:
    code: str | None = None
    actor: str | None = None
    action: str | None = None
    since: datetime | None = None
    limit: int = DEFAULT_LIMIT


def check_filters(args: argparse.Namespace, now: datetime) -> Filters:
    """The filters, checked before anything is opened; ``CommandError`` for a bad one."""
    from storage.audit import ACTION, ACTOR  # the shapes the trail stores

    code = since = None
    if args.code is not None:
        try:
            code = parse(args.code)
        except CaseCodeError as error:
            raise CommandError(f"--code: {error}") from None
    if args.actor is not None and not ACTOR.fullmatch(args.actor):
        raise CommandError(f"--actor '{args.actor}' is not an actor: use a component such "
                           "as cli or worker, or kind:id such as staff:12")
    if args.action is not None and not ACTION.fullmatch(args.action):
        raise CommandError(f"--action '{args.action}' is not an action: a lower-case verb "
                           "such as reveal or revoke")
    if args.since is not None:
        try:
            since = since_time(args.since, now)
        except ValueError as error:
            raise CommandError(str(error)) from None
    if not 1 <= args.limit <= MAX_LIMIT:
        raise CommandError(f"--limit must be between 1 and {MAX_LIMIT} (got {args.limit})")
    return Filters(code, args.actor, args.action, since, args.limit)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli.common import existing_storage
    from storage.clock import SystemClock

    filters = check_filters(args, SystemClock().now())
    storage = existing_storage(settings)  # reading never creates or migrates a database
    try:
        rows = storage.audit.search(code=filters.code, actor=filters.actor,
                                    action=filters.action, since=filters.since,
                                    limit=filters.limit)
    finally:
        storage.close()
    print(f"{'time (UTC)':<16}  {'actor':<24} {'action':<18} {'code':<11}  subject")
    for row in rows:
        action = row.action if row.count == 1 else f"{row.action} x{row.count}"  # an hour's
        print(f"{row.at:%Y-%m-%d %H:%M}  {row.actor:<24} {action:<18} "
              f"{row.code or '-':<11}  {row.subject or '-'}")
    shown = f"{len(rows)} row(s)"
    if len(rows) == args.limit:
        shown += f", the newest {args.limit}: use --limit or --since for more"
    print(shown)
    return 0
