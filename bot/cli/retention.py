"""``intake purge`` and ``intake erase``: retention and erasure of personal data."""

from __future__ import annotations

import argparse
from datetime import timedelta

from bot.cli.common import CommandError, existing_storage
from bot.settings import Settings


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    purge = commands.add_parser(
        "purge", help="erase personal data past its retention time",
        description="Erase the personal data (envelope, contact details, free text) of "
        "referrals closed longer ago than the retention period, and delete conversations "
        "idle longer than the idle time. Case codes, hub, case type, risk and status stay, "
        "so statistics survive. The bot runs this itself every INTAKE_PURGE_HOURS (default "
        "24); with INTAKE_PURGE_HOURS=0, run it daily by cron.")
    purge.add_argument("--older-than-days", type=int, default=None, metavar="N",
                       help="retention of closed referrals (default: INTAKE_RETENTION_DAYS "
                       "or 90)")
    purge.add_argument("--idle-minutes", type=int, default=None, metavar="M",
                       help="idle time of an abandoned conversation (default: "
                       "INTAKE_IDLE_MINUTES or 30)")
    purge.add_argument("--dry-run", action="store_true",
                       help="count what would be erased, erase nothing")
    purge.set_defaults(handler=run_purge)

    erase = commands.add_parser(
        "erase", help="erase one referral's personal data (consent withdrawn)",
        description="Erase a referral's personal data now because the person withdrew "
        "consent: the referral is marked erased, its reminders are dropped, a notice is "
        "queued to every agency that held it and to the referrer, and its cards and contact "
        "reveals are queued for removal from the focal points' chats. If the referrer's "
        "intake is still in progress and still holds answers this referral shared, it is "
        "erased too. This command does not reach Telegram: the running bot sends the "
        "notices and removes the messages.")
    erase.add_argument("code", help="case code, for example K7Q-4MX-2PY")
    erase.add_argument("--actor", default="cli",
                       help="who asks, for the audit log (default: cli; e.g. staff:12)")
    erase.set_defaults(handler=run_erase)


def run_purge(args: argparse.Namespace, settings: Settings) -> int:
    from storage.clock import SystemClock
    from storage.retention import purge

    days = args.older_than_days if args.older_than_days is not None else settings.retention_days
    minutes = args.idle_minutes if args.idle_minutes is not None else settings.idle_minutes
    if days <= 0 or minutes <= 0:
        raise CommandError("--older-than-days and --idle-minutes must be greater than zero")
    storage = existing_storage(settings)
    try:
        report = purge(storage.context, SystemClock().now(),
                       older_than=timedelta(days=days), idle=timedelta(minutes=minutes),
                       dry_run=args.dry_run)
    finally:
        storage.close()
    verb = "would erase" if report.dry_run else "erased"
    print(f"{verb}: personal data of {report.referrals} referral(s) closed over {days} days "
          f"ago, {report.conversations} conversation(s) idle over {minutes} minutes, "
          f"{report.update_ids} old update id(s)")
    if report.referrals and not report.dry_run:
        print(f"queued for the running bot: {report.messages} card(s) and contact reveal(s) "
              "to remove from agencies' chats, and erasure notices to the agencies and "
              "referrers (this command does not reach Telegram)")
    return 0


def run_erase(args: argparse.Namespace, settings: Settings) -> int:
    from bot.casecode import CaseCodeError
    from bot.ports import NotFound
    from storage.clock import SystemClock
    from storage.retention import erase

    storage = existing_storage(settings)
    try:
        done = erase(storage.context, args.code, at=SystemClock().now(), actor=args.actor)
    except (CaseCodeError, NotFound) as error:
        raise CommandError(str(error)) from None
    finally:
        storage.close()
    if done.already:
        print(f"{done.code} was already erased; nothing to do")
        return 0
    told = [f"agency {name}" for name in done.notices] + \
        (["the referrer"] if done.referrer else [])
    if done.notices:
        print(f"{done.code} erased; erasure notice queued for {', '.join(told)}")
    else:
        print(f"{done.code} erased; no agency had received it"
              + ("; notice queued for the referrer" if done.referrer else ""))
    if done.conversation:
        print("also erased: the referrer's intake still in progress, which held answers "
              "this referral shared")
    print(f"queued for the running bot: {done.messages} card(s) and contact reveal(s) to "
          "remove from focal points' chats, and the notices (this command does not reach "
          "Telegram)")
    return 0
